#pragma once

#include <boost/multiprecision/cpp_int.hpp>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"

namespace moe::core {

/// 256-bit unsigned integer with wrap-around arithmetic (the EVM word), Boost.Multiprecision.
using uint256 = boost::multiprecision::uint256_t;
/// 512-bit unsigned integer, for MULMOD and ADDMOD intermediates.
using uint512 = boost::multiprecision::uint512_t;

/// Reads up to 32 big-endian bytes (an empty view is zero).
[[nodiscard]] uint256 uint256_from_big_endian(ByteView bytes) noexcept;

/// The 32-byte big-endian form of a value.
[[nodiscard]] Hash uint256_to_bytes32(const uint256& value) noexcept;

/// Minimal big-endian bytes (zero is empty), as RLP encodes integers.
[[nodiscard]] Bytes uint256_to_big_endian_compact(const uint256& value);

/// The value as a 64-bit integer if it fits.
[[nodiscard]] std::optional<std::uint64_t> uint256_to_u64(const uint256& value) noexcept;

/// JSON-RPC QUANTITY: "0x" then hex digits without leading zeros ("0x0" for zero).
[[nodiscard]] std::string to_hex_quantity(const uint256& value);
[[nodiscard]] std::string to_hex_quantity(std::uint64_t value);

enum class QuantityError { kMissingPrefix, kEmpty, kLeadingZero, kBadDigit, kOverflow };
[[nodiscard]] std::string_view to_string(QuantityError e) noexcept;

/// Parses a QUANTITY strictly (leading zeros are refused, as geth does).
[[nodiscard]] std::expected<uint256, QuantityError> parse_quantity(std::string_view text);

/// Parses a decimal or 0x-hex integer that fits 256 bits, as config files and test vectors write it
/// (leading zeros allowed).
[[nodiscard]] std::expected<uint256, QuantityError> parse_uint256_lenient(std::string_view text);

}  // namespace moe::core
