#include "core/bytes.hpp"

namespace moe::core {

std::string_view to_string(HexError e) noexcept {
    switch (e) {
        case HexError::kMissingPrefix: return "hex string without 0x prefix";
        case HexError::kOddLength: return "hex string of odd length";
        case HexError::kBadDigit: return "invalid hex digit";
        case HexError::kWrongLength: return "hex string of wrong length";
    }
    return "unknown hex error";
}

std::string to_hex(ByteView bytes, bool prefix) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2 + 2);
    if (prefix) out += "0x";
    for (std::uint8_t b : bytes) {
        out += kDigits[b >> 4];
        out += kDigits[b & 0x0f];
    }
    return out;
}

namespace {
int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::expected<Bytes, HexError> from_hex(std::string_view text, HexRules rules) {
    const bool has_prefix = text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    if (has_prefix) {
        text.remove_prefix(2);
    } else if (rules.require_prefix) {
        return std::unexpected(HexError::kMissingPrefix);
    }
    if (text.size() % 2 != 0 && !rules.allow_odd) return std::unexpected(HexError::kOddLength);

    Bytes out;
    out.reserve((text.size() + 1) / 2);
    std::size_t i = 0;
    if (text.size() % 2 != 0) {
        const int lo = hex_value(text[0]);
        if (lo < 0) return std::unexpected(HexError::kBadDigit);
        out.push_back(static_cast<std::uint8_t>(lo));
        i = 1;
    }
    for (; i < text.size(); i += 2) {
        const int hi = hex_value(text[i]);
        const int lo = hex_value(text[i + 1]);
        if (hi < 0 || lo < 0) return std::unexpected(HexError::kBadDigit);
        out.push_back(static_cast<std::uint8_t>((hi << 4) | lo));
    }
    return out;
}

Bytes to_big_endian_compact(std::uint64_t value) {
    Bytes out;
    for (int shift = 56; shift >= 0; shift -= 8) {
        const auto b = static_cast<std::uint8_t>(value >> shift);
        if (b != 0 || !out.empty()) out.push_back(b);
    }
    return out;
}

}  // namespace moe::core
