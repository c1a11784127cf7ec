#include "core/uint256.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace moe::core {

uint256 uint256_from_big_endian(ByteView bytes) noexcept {
    // Four big-endian loads into Boost's backend (little-endian 64-bit limbs, as
    // uint256_to_bytes32 reads them): shifting the whole 256-bit number once per byte cost two
    // thirds of the interpreter's time on PUSH-heavy code (perf of bench_evm's countdown loop).
    const std::size_t n = std::min<std::size_t>(bytes.size(), 32);
    std::array<std::uint8_t, 32> padded{};
    if (n != 0) std::memcpy(padded.data() + (32 - n), bytes.data() + (bytes.size() - n), n);
    uint256 out;
    auto& backend = out.backend();
    backend.resize(4, 4);
    for (std::size_t i = 0; i < 4; ++i) {
        std::uint64_t limb;
        std::memcpy(&limb, padded.data() + 24 - 8 * i, 8);
        backend.limbs()[i] = __builtin_bswap64(limb);
    }
    backend.normalize();
    return out;
}

Hash uint256_to_bytes32(const uint256& value) noexcept {
    Hash out;
    // Limbs are little-endian 64-bit words in Boost's fixed-width backend.
    const auto& backend = value.backend();
    const std::size_t limbs = backend.size();
    const auto* p = backend.limbs();
    for (std::size_t i = 0; i < limbs && i < 4; ++i) {
        std::uint64_t limb = p[i];
        for (int b = 0; b < 8; ++b) {
            out[31 - (i * 8 + static_cast<std::size_t>(b))] = static_cast<std::uint8_t>(limb >> (8 * b));
        }
    }
    return out;
}

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
