#include "core/rlp.hpp"

namespace moe::core::rlp {

std::string_view to_string(DecodeError e) noexcept {
    switch (e) {
        case DecodeError::kInputTooShort: return "rlp: input too short";
        case DecodeError::kInputTooLong: return "rlp: input too long";
        case DecodeError::kLeadingZero: return "rlp: leading zero";
        case DecodeError::kNonCanonicalSize: return "rlp: non-canonical size";
        case DecodeError::kUnexpectedList: return "rlp: unexpected list";
        case DecodeError::kUnexpectedString: return "rlp: unexpected string";
        case DecodeError::kOverflow: return "rlp: integer overflow";
        case DecodeError::kUnexpectedLength: return "rlp: unexpected length";
        case DecodeError::kListLengthMismatch: return "rlp: list length mismatch";
        case DecodeError::kTooDeep: return "rlp: nesting too deep";
    }
    return "rlp: unknown error";
}

std::size_t header_length(std::size_t payload_length) noexcept {
    if (payload_length < 56) return 1;
    std::size_t n = 0;
    for (std::size_t v = payload_length; v != 0; v >>= 8) ++n;
    return 1 + n;
}

void encode_header(Bytes& out, bool list, std::size_t payload_length) {
    const std::uint8_t short_base = list ? 0xc0 : 0x80;
    const std::uint8_t long_base = list ? 0xf7 : 0xb7;
    if (payload_length < 56) {
        out.push_back(static_cast<std::uint8_t>(short_base + payload_length));
        return;
    }
    const Bytes len = to_big_endian_compact(payload_length);
    out.push_back(static_cast<std::uint8_t>(long_base + len.size()));
    out.insert(out.end(), len.begin(), len.end());
}

void encode(Bytes& out, ByteView string) {
    if (string.size() == 1 && string[0] < 0x80) {
        out.push_back(string[0]);
        return;
    }
    encode_header(out, false, string.size());
    out.insert(out.end(), string.begin(), string.end());
}

void encode(Bytes& out, std::uint64_t value) {
    if (value != 0 && value < 0x80) {
        out.push_back(static_cast<std::uint8_t>(value));
        return;
    }
    const Bytes be = to_big_endian_compact(value);
    encode_header(out, false, be.size());
    out.insert(out.end(), be.begin(), be.end());
}

void encode(Bytes& out, const uint256& value) {
    const Bytes be = uint256_to_big_endian_compact(value);
    encode(out, ByteView{be});
}

Bytes wrap_list(ByteView payload) {
    Bytes out;
    out.reserve(header_length(payload.size()) + payload.size());
    encode_header(out, true, payload.size());
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

std::size_t length_of(ByteView string) noexcept {
    if (string.size() == 1 && string[0] < 0x80) return 1;
    return header_length(string.size()) + string.size();
}

std::size_t length_of(std::uint64_t value) noexcept {
    if (value != 0 && value < 0x80) return 1;
    std::size_t n = 0;
    for (std::uint64_t v = value; v != 0; v >>= 8) ++n;
    return 1 + n;
}

std::size_t length_of(const uint256& value) noexcept {
    if (value != 0 && value < 0x80) return 1;
    return 1 + (value == 0 ? 0 : (boost::multiprecision::msb(value) / 8 + 1));
}

Result<Header> decode_header(ByteView& from) {
    if (from.empty()) return std::unexpected(DecodeError::kInputTooShort);
    const std::uint8_t b = from[0];
    Header h;
    if (b < 0x80) {
        h.payload_length = 1;  // the byte is its own payload: nothing consumed
        return h;
    }
    if (b <= 0xb7 || (b >= 0xc0 && b <= 0xf7)) {
        h.list = b >= 0xc0;
        h.payload_length = b - (h.list ? 0xc0u : 0x80u);
        from = from.subspan(1);
        if (!h.list && h.payload_length == 1) {
            if (from.empty()) return std::unexpected(DecodeError::kInputTooShort);
            if (from[0] < 0x80) return std::unexpected(DecodeError::kNonCanonicalSize);
        }
    } else {
        h.list = b >= 0xf8;
        const std::size_t len_of_len = b - (h.list ? 0xf7u : 0xb7u);
        from = from.subspan(1);
        if (from.size() < len_of_len) return std::unexpected(DecodeError::kInputTooShort);
        if (from[0] == 0) return std::unexpected(DecodeError::kLeadingZero);
        if (len_of_len > sizeof(std::size_t)) return std::unexpected(DecodeError::kOverflow);
        std::size_t len = 0;
        for (std::size_t i = 0; i < len_of_len; ++i) len = (len << 8) | from[i];
        if (len < 56) return std::unexpected(DecodeError::kNonCanonicalSize);
        from = from.subspan(len_of_len);
        h.payload_length = len;
    }
    if (h.payload_length > from.size()) return std::unexpected(DecodeError::kInputTooShort);
    return h;
}

Result<ByteView> take_item(ByteView& from) {
    ByteView rest = from;
    auto h = decode_header(rest);
    if (!h) return std::unexpected(h.error());
    // decode_header leaves a single byte below 0x80 in place: it is its own item.
    const std::size_t header_size = from.size() - rest.size();
    const std::size_t total = header_size == 0 ? 1 : header_size + h->payload_length;
    const ByteView item = from.subspan(0, total);
    from = from.subspan(total);
    return item;
}

Result<ByteView> decode_string(ByteView& from) {
    auto h = decode_header(from);
    if (!h) return std::unexpected(h.error());
    if (h->list) return std::unexpected(DecodeError::kUnexpectedList);
    const ByteView payload = from.subspan(0, h->payload_length);
    from = from.subspan(h->payload_length);
    return payload;
}

Result<ByteView> decode_list(ByteView& from) {
    auto h = decode_header(from);
    if (!h) return std::unexpected(h.error());
    if (!h->list) return std::unexpected(DecodeError::kUnexpectedString);
    const ByteView payload = from.subspan(0, h->payload_length);
    from = from.subspan(h->payload_length);
    return payload;
}

Result<std::uint64_t> decode_u64(ByteView& from) {
    auto s = decode_string(from);
    if (!s) return std::unexpected(s.error());
    if (s->size() > 8) return std::unexpected(DecodeError::kOverflow);
    if (!s->empty() && (*s)[0] == 0) return std::unexpected(DecodeError::kLeadingZero);
    std::uint64_t v = 0;
    for (std::uint8_t b : *s) v = (v << 8) | b;
    return v;
}

Result<uint256> decode_uint256(ByteView& from) {
    auto s = decode_string(from);
    if (!s) return std::unexpected(s.error());
    if (s->size() > 32) return std::unexpected(DecodeError::kOverflow);
    if (!s->empty() && (*s)[0] == 0) return std::unexpected(DecodeError::kLeadingZero);
    return uint256_from_big_endian(*s);
}

Result<Bytes> decode_bytes(ByteView& from) {
    auto s = decode_string(from);
    if (!s) return std::unexpected(s.error());
    return Bytes(s->begin(), s->end());
}

namespace {
constexpr int kMaxDepth = 64;

Result<Item> decode_item_at(ByteView& from, int depth) {
    if (depth > kMaxDepth) return std::unexpected(DecodeError::kTooDeep);
    ByteView probe = from;
    auto h = decode_header(probe);
    if (!h) return std::unexpected(h.error());
    if (!h->list) {
        auto s = decode_bytes(from);
        if (!s) return std::unexpected(s.error());
        return Item{std::move(*s)};
    }
    auto payload = decode_list(from);
    if (!payload) return std::unexpected(payload.error());
    std::vector<Item> items;
    ByteView rest = *payload;
    while (!rest.empty()) {
        auto item = decode_item_at(rest, depth + 1);
        if (!item) return std::unexpected(item.error());
        items.push_back(std::move(*item));
    }
    return Item{std::move(items)};
}
}  // namespace

Result<Item> decode_item(ByteView from) {
    auto item = decode_item_at(from, 0);
    if (!item) return item;
    if (!from.empty()) return std::unexpected(DecodeError::kInputTooLong);
    return item;
}

void encode(Bytes& out, const Item& item) {
    if (!item.is_list()) {
        encode(out, ByteView{item.string()});
        return;
    }
    Bytes payload;
    for (const Item& child : item.list()) encode(payload, child);
    encode_header(out, true, payload.size());
    out.insert(out.end(), payload.begin(), payload.end());
}

}  // namespace moe::core::rlp
