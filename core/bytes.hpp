#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moe::core {

/// An owned, growable byte string.
using Bytes = std::vector<std::uint8_t>;
/// A read-only view of bytes owned elsewhere.
using ByteView = std::span<const std::uint8_t>;

enum class HexError { kMissingPrefix, kOddLength, kBadDigit, kWrongLength };

[[nodiscard]] std::string_view to_string(HexError e) noexcept;

/// How strictly hex text is read.
struct HexRules {
    bool require_prefix = true;  ///< "0x" must lead (JSON-RPC DATA); false accepts both forms
    bool allow_odd = false;      ///< odd digit counts are an error for byte strings
};

/// Lower-case hex of `bytes`, with a leading "0x" when `prefix` is set.
[[nodiscard]] std::string to_hex(ByteView bytes, bool prefix = true);

/// Parses hex text into bytes; an odd length (unless allowed), a bad digit or a missing
/// prefix (when required) is an error.
[[nodiscard]] std::expected<Bytes, HexError> from_hex(std::string_view text, HexRules rules = {});

/// Views the characters of a string as bytes.
[[nodiscard]] inline ByteView as_bytes(std::string_view s) noexcept {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// Big-endian minimal encoding of an integer (zero gives an empty string), as RLP wants it.
[[nodiscard]] Bytes to_big_endian_compact(std::uint64_t value);

}  // namespace moe::core
