#include "core/fixed_bytes.hpp"

#include <cctype>

#include "core/keccak.hpp"

namespace moe::core {

const Hash kEmptyCodeHash = keccak256({});
const Hash kEmptyTrieRoot = keccak256(Bytes{0x80});
const Hash kEmptyListHash = keccak256(Bytes{0xc0});

std::string to_checksum(const Address& address) {
    std::string lower = to_hex(address.view(), false);
    const Hash h = keccak256(as_bytes(lower));
    std::string out = "0x";
    for (std::size_t i = 0; i < lower.size(); ++i) {
        const std::uint8_t nibble = (i % 2 == 0) ? (h[i / 2] >> 4) : (h[i / 2] & 0x0f);
        char c = lower[i];
        if (c >= 'a' && c <= 'f' && nibble >= 8) c = static_cast<char>(c - 'a' + 'A');
        out += c;
    }
    return out;
}

std::string_view to_string(AddressError e) noexcept {
    switch (e) {
        case AddressError::kBadHex: return "invalid hex in address";
        case AddressError::kWrongLength: return "address must be 20 bytes";
        case AddressError::kBadChecksum: return "address has a bad EIP-55 checksum";
    }
    return "unknown address error";
}

std::expected<Address, AddressError> parse_address(std::string_view text) {
    auto parsed = Address::from_hex(text);
    if (!parsed) {
        return std::unexpected(parsed.error() == HexError::kWrongLength ? AddressError::kWrongLength
                                                                        : AddressError::kBadHex);
    }
    const std::string_view digits = text.substr(2);
    bool has_lower = false;
    bool has_upper = false;
    for (char c : digits) {
        has_lower |= (c >= 'a' && c <= 'f');
        has_upper |= (c >= 'A' && c <= 'F');
    }
    if (has_lower && has_upper && to_checksum(*parsed).substr(2) != digits) {
        return std::unexpected(AddressError::kBadChecksum);
    }
    return *parsed;
}

}  // namespace moe::core
