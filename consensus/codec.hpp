#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/rlp.hpp"
#include "core/secp256k1.hpp"

/// RLP helpers shared by the consensus messages: signatures as 65-byte strings (r || s ||
/// y_parity), nested lists, and decoding errors as text.
namespace moe::consensus::codec {

/// Size of an encoded signature: r (32), s (32), y_parity (1).
inline constexpr std::size_t kSignatureSize = 65;

/// Appends a signature as one 65-byte RLP string.
void encode_signature(core::Bytes& out, const core::Signature& sig);
/// Appends an optional signature: the empty string when absent.
void encode_optional_signature(core::Bytes& out, const std::optional<core::Signature>& sig);
/// Appends an already-encoded list payload with its list header.
void append_list(core::Bytes& out, core::ByteView payload);
/// Appends a signed 64-bit integer as its two's-complement unsigned value.
void encode_i64(core::Bytes& out, std::int64_t value);

/// Reads a 65-byte signature; the parity must be 0 or 1.
[[nodiscard]] std::expected<core::Signature, std::string> decode_signature(core::ByteView& in);
/// Reads an optional signature (empty string = none).
[[nodiscard]] std::expected<std::optional<core::Signature>, std::string> decode_optional_signature(core::ByteView& in);
/// Reads an integer that must fit 32 bits.
[[nodiscard]] std::expected<std::uint32_t, std::string> decode_u32(core::ByteView& in);
/// Reads an integer written by encode_i64.
[[nodiscard]] std::expected<std::int64_t, std::string> decode_i64(core::ByteView& in);

/// Reads one whole RLP item (string or list) from the front of `in` and returns its encoding.
[[nodiscard]] std::expected<core::ByteView, std::string> take_item(core::ByteView& in, std::string_view what);

/// "what: reason" for an RLP decoding error.
[[nodiscard]] std::string error(std::string_view what, core::rlp::DecodeError e);

/// Whether two signatures are the same bytes.
[[nodiscard]] bool same_signature(const core::Signature& a, const core::Signature& b) noexcept;

}  // namespace moe::consensus::codec
