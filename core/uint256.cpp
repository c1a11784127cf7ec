#include "core/uint256.hpp"

#include "core/word.hpp"

namespace moe::core {

// The byte layout lives in core/word.hpp (four big-endian limb loads: shifting the whole Boost
// number once per byte cost two thirds of the interpreter's time on PUSH-heavy code).
uint256 uint256_from_big_endian(ByteView bytes) noexcept { return to_uint256(word_from_big_endian(bytes)); }

Hash uint256_to_bytes32(const uint256& value) noexcept { return word_to_bytes32(Word(value)); }

Bytes uint256_to_big_endian_compact(const uint256& value) {
    const Hash full = uint256_to_bytes32(value);
    std::size_t first = 0;
    while (first < 32 && full[first] == 0) ++first;
    return Bytes(full.bytes.begin() + static_cast<std::ptrdiff_t>(first), full.bytes.end());
}

std::optional<std::uint64_t> uint256_to_u64(const uint256& value) noexcept {
    if (value > std::numeric_limits<std::uint64_t>::max()) return std::nullopt;
    return static_cast<std::uint64_t>(value);
}

std::string to_hex_quantity(const uint256& value) {
    if (value == 0) return "0x0";
    std::string digits = to_hex(uint256_to_big_endian_compact(value), false);
    if (digits[0] == '0') digits.erase(0, 1);
    return "0x" + digits;
}

std::string to_hex_quantity(std::uint64_t value) { return to_hex_quantity(uint256{value}); }

std::string_view to_string(QuantityError e) noexcept {
    switch (e) {
        case QuantityError::kMissingPrefix: return "hex string without 0x prefix";
        case QuantityError::kEmpty: return "hex string \"0x\"";
        case QuantityError::kLeadingZero: return "hex number with leading zero digits";
        case QuantityError::kBadDigit: return "invalid hex digit";
        case QuantityError::kOverflow: return "hex number > 256 bits";
    }
    return "unknown quantity error";
}

namespace {
int digit_value(char c, int base) noexcept {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    return v < base ? v : -1;
}

std::expected<uint256, QuantityError> accumulate(std::string_view digits, int base) {
    if (digits.empty()) return std::unexpected(QuantityError::kEmpty);
    uint512 acc = 0;
    for (char c : digits) {
        const int v = digit_value(c, base);
        if (v < 0) return std::unexpected(QuantityError::kBadDigit);
        acc = acc * static_cast<unsigned>(base) + static_cast<unsigned>(v);
        if (acc > uint512(std::numeric_limits<uint256>::max())) return std::unexpected(QuantityError::kOverflow);
    }
    return static_cast<uint256>(acc);
}
}  // namespace

std::expected<uint256, QuantityError> parse_quantity(std::string_view text) {
    if (text.size() < 2 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) {
        return std::unexpected(QuantityError::kMissingPrefix);
    }
    text.remove_prefix(2);
    if (text.empty()) return std::unexpected(QuantityError::kEmpty);
    if (text.size() > 1 && text[0] == '0') return std::unexpected(QuantityError::kLeadingZero);
    if (text.size() > 64) return std::unexpected(QuantityError::kOverflow);
    return accumulate(text, 16);
}

std::expected<uint256, QuantityError> parse_uint256_lenient(std::string_view text) {
    if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
        if (text.empty()) return uint256{0};  // ethereum/tests write "0x" for zero
        return accumulate(text, 16);
    }
    return accumulate(text, 10);
}

}  // namespace moe::core
