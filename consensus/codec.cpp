#include "consensus/codec.hpp"

#include <limits>

#include "core/uint256.hpp"

namespace moe::consensus::codec {

namespace rlp = core::rlp;

void encode_signature(core::Bytes& out, const core::Signature& sig) {
    core::Bytes raw;
    raw.reserve(kSignatureSize);
    const auto r = core::uint256_to_bytes32(sig.r);
    const auto s = core::uint256_to_bytes32(sig.s);
    raw.insert(raw.end(), r.bytes.begin(), r.bytes.end());
    raw.insert(raw.end(), s.bytes.begin(), s.bytes.end());
    raw.push_back(sig.y_parity);
    rlp::encode(out, core::ByteView{raw});
}

void encode_optional_signature(core::Bytes& out, const std::optional<core::Signature>& sig) {
    if (sig) {
        encode_signature(out, *sig);
    } else {
        rlp::encode(out, core::ByteView{});
    }
}

void append_list(core::Bytes& out, core::ByteView payload) {
    rlp::encode_header(out, true, payload.size());
    out.insert(out.end(), payload.begin(), payload.end());
}

void encode_i64(core::Bytes& out, std::int64_t value) { rlp::encode(out, static_cast<std::uint64_t>(value)); }

std::expected<core::Signature, std::string> decode_signature(core::ByteView& in) {
    auto raw = rlp::decode_string(in);
    if (!raw) return std::unexpected(error("signature", raw.error()));
    if (raw->size() != kSignatureSize) return std::unexpected("signature: not 65 bytes");
    core::Signature sig;
    sig.r = core::uint256_from_big_endian(raw->subspan(0, 32));
    sig.s = core::uint256_from_big_endian(raw->subspan(32, 32));
    sig.y_parity = (*raw)[64];
    if (sig.y_parity > 1) return std::unexpected("signature: parity is not 0 or 1");
    return sig;
}

std::expected<std::optional<core::Signature>, std::string> decode_optional_signature(core::ByteView& in) {
    core::ByteView peek = in;
    auto raw = rlp::decode_string(peek);
    if (!raw) return std::unexpected(error("signature", raw.error()));
    if (raw->empty()) {
        in = peek;
        return std::optional<core::Signature>{};
    }
    auto sig = decode_signature(in);
    if (!sig) return std::unexpected(sig.error());
    return std::optional<core::Signature>{*sig};
}

std::expected<std::uint32_t, std::string> decode_u32(core::ByteView& in) {
    auto v = rlp::decode_u64(in);
    if (!v) return std::unexpected(error("integer", v.error()));
    if (*v > std::numeric_limits<std::uint32_t>::max()) return std::unexpected("integer: above 32 bits");
    return static_cast<std::uint32_t>(*v);
}

std::expected<std::int64_t, std::string> decode_i64(core::ByteView& in) {
    auto v = rlp::decode_u64(in);
    if (!v) return std::unexpected(error("integer", v.error()));
    return static_cast<std::int64_t>(*v);
}

std::expected<core::ByteView, std::string> take_item(core::ByteView& in, std::string_view what) {
    auto item = rlp::take_item(in);
    if (!item) return std::unexpected(error(what, item.error()));
    return *item;
}

std::string error(std::string_view what, core::rlp::DecodeError e) {
    std::string out(what);
    out += ": ";
    out += rlp::to_string(e);
    return out;
}

bool same_signature(const core::Signature& a, const core::Signature& b) noexcept {
    return a.r == b.r && a.s == b.s && a.y_parity == b.y_parity;
}

}  // namespace moe::consensus::codec
