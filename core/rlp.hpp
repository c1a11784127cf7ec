#pragma once

#include <cstdint>
#include <expected>
#include <string_view>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"
#include "core/uint256.hpp"

/// Recursive Length Prefix, Ethereum Yellow Paper appendix B. Decoding accepts only the
/// canonical form: every non-canonical encoding is an error.
namespace moe::core::rlp {

enum class DecodeError {
    kInputTooShort,        ///< the item runs past the end of the input
    kInputTooLong,         ///< bytes remain after the item
    kLeadingZero,          ///< a length or an integer with a leading zero byte
    kNonCanonicalSize,     ///< long form used for a short length, or 0x81 for a byte < 0x80
    kUnexpectedList,       ///< a string was expected
    kUnexpectedString,     ///< a list was expected
    kOverflow,             ///< an integer wider than its type
    kUnexpectedLength,     ///< a fixed-size string of the wrong length
    kListLengthMismatch,   ///< a list with the wrong number of elements
    kTooDeep,              ///< nesting beyond what any Ethereum structure needs
};

[[nodiscard]] std::string_view to_string(DecodeError e) noexcept;

template <typename T>
using Result = std::expected<T, DecodeError>;

// ---- Encoding ---------------------------------------------------------------------------

/// Size of the header for a payload of `payload_length` bytes.
[[nodiscard]] std::size_t header_length(std::size_t payload_length) noexcept;

/// Appends a string or list header.
void encode_header(Bytes& out, bool list, std::size_t payload_length);

/// Appends a byte string.
void encode(Bytes& out, ByteView string);
/// Appends an integer in minimal big-endian form.
void encode(Bytes& out, std::uint64_t value);
void encode(Bytes& out, const uint256& value);
template <std::size_t N>
void encode(Bytes& out, const FixedBytes<N>& value) {
    encode(out, value.view());
}

/// Wraps an already-encoded list payload with its header.
[[nodiscard]] Bytes wrap_list(ByteView payload);

/// Encoded length of a byte string or an integer.
[[nodiscard]] std::size_t length_of(ByteView string) noexcept;
[[nodiscard]] std::size_t length_of(std::uint64_t value) noexcept;
[[nodiscard]] std::size_t length_of(const uint256& value) noexcept;

// ---- Decoding ---------------------------------------------------------------------------
// Each function consumes one item from the front of `from`.

struct Header {
    bool list = false;
    std::size_t payload_length = 0;
};

/// Reads a header (a single byte < 0x80 is a string of length 1 and is not consumed).
[[nodiscard]] Result<Header> decode_header(ByteView& from);

/// Reads a string item and returns its payload.
[[nodiscard]] Result<ByteView> decode_string(ByteView& from);

/// Reads a list item and returns its payload.
[[nodiscard]] Result<ByteView> decode_list(ByteView& from);

/// Reads one whole item, string or list, and returns its encoding (header and payload): what
/// a decoder of a nested structure hands on.
[[nodiscard]] Result<ByteView> take_item(ByteView& from);

/// Reads an integer (no leading zeros; zero is the empty string).
[[nodiscard]] Result<std::uint64_t> decode_u64(ByteView& from);
[[nodiscard]] Result<uint256> decode_uint256(ByteView& from);

/// Reads a string of exactly N bytes.
template <std::size_t N>
[[nodiscard]] Result<FixedBytes<N>> decode_fixed(ByteView& from) {
    auto s = decode_string(from);
    if (!s) return std::unexpected(s.error());
    if (s->size() != N) return std::unexpected(DecodeError::kUnexpectedLength);
    FixedBytes<N> out;
    std::copy(s->begin(), s->end(), out.bytes.begin());
    return out;
}

/// Reads a string and copies it.
[[nodiscard]] Result<Bytes> decode_bytes(ByteView& from);

/// Checks that nothing is left after the last item.
[[nodiscard]] inline Result<void> expect_end(ByteView from) {
    if (!from.empty()) return std::unexpected(DecodeError::kInputTooLong);
    return {};
}

// ---- Generic items ----------------------------------------------------------------------

/// A decoded item of any shape: a byte string or a list of items.
struct Item {
    std::variant<Bytes, std::vector<Item>> value;

    [[nodiscard]] bool is_list() const noexcept { return value.index() == 1; }
    [[nodiscard]] const Bytes& string() const { return std::get<0>(value); }
    [[nodiscard]] const std::vector<Item>& list() const { return std::get<1>(value); }
};

/// Decodes one whole item (nothing may follow it).
[[nodiscard]] Result<Item> decode_item(ByteView from);

/// Encodes an item.
void encode(Bytes& out, const Item& item);

}  // namespace moe::core::rlp
