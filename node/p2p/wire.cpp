#include "node/p2p/wire.hpp"

#include "core/keccak.hpp"
#include "core/rlp.hpp"
#include "core/uint256.hpp"

namespace moe::node::p2p::wire {

namespace rlp = core::rlp;

core::Bytes encode_frame(std::uint8_t type, core::ByteView payload) {
    const std::size_t length = payload.size() + 1;
    core::Bytes out;
    out.reserve(kLengthBytes + length);
    out.push_back(static_cast<std::uint8_t>(length >> 24));
    out.push_back(static_cast<std::uint8_t>(length >> 16));
    out.push_back(static_cast<std::uint8_t>(length >> 8));
    out.push_back(static_cast<std::uint8_t>(length));
    out.push_back(type);
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

std::string_view to_string(FrameError e) noexcept {
    switch (e) {
        case FrameError::kEmpty: return "empty frame";
        case FrameError::kTooLarge: return "frame too large";
    }
    return "?";
}

std::expected<std::size_t, FrameError> parse_length(const std::uint8_t (&prefix)[kLengthBytes],
                                                    std::size_t max_frame_bytes) noexcept {
    const std::uint32_t length = (std::uint32_t{prefix[0]} << 24) | (std::uint32_t{prefix[1]} << 16) |
                                 (std::uint32_t{prefix[2]} << 8) | std::uint32_t{prefix[3]};
    if (length == 0) return std::unexpected(FrameError::kEmpty);
    if (length > max_frame_bytes) return std::unexpected(FrameError::kTooLarge);
    return std::size_t{length};
}

core::Bytes encode_hello(const Hello& hello) {
    core::Bytes payload;
    rlp::encode(payload, hello.version);
    rlp::encode(payload, hello.chain_id);
    rlp::encode(payload, hello.genesis_hash);
    rlp::encode(payload, hello.public_key);
    rlp::encode(payload, hello.challenge);
    rlp::encode(payload, std::uint64_t{hello.listen_port});
    return rlp::wrap_list(payload);
}

std::expected<Hello, std::string> decode_hello(core::ByteView payload) {
    const auto fail = [](std::string_view field, rlp::DecodeError e) {
        return std::unexpected("hello " + std::string(field) + ": " + std::string(rlp::to_string(e)));
    };
    core::ByteView from = payload;
    auto list = rlp::decode_list(from);
    if (!list) return fail("list", list.error());
    if (auto end = rlp::expect_end(from); !end) return fail("list", end.error());
    core::ByteView items = *list;
    Hello hello;
    auto version = rlp::decode_u64(items);
    if (!version) return fail("version", version.error());
    hello.version = *version;
    auto chain_id = rlp::decode_u64(items);
    if (!chain_id) return fail("chain id", chain_id.error());
    hello.chain_id = *chain_id;
    auto genesis = rlp::decode_fixed<32>(items);
    if (!genesis) return fail("genesis hash", genesis.error());
    hello.genesis_hash = *genesis;
    auto key = rlp::decode_fixed<64>(items);
    if (!key) return fail("public key", key.error());
    hello.public_key = *key;
    auto challenge = rlp::decode_fixed<32>(items);
    if (!challenge) return fail("challenge", challenge.error());
    hello.challenge = *challenge;
    auto port = rlp::decode_u64(items);
    if (!port) return fail("listen port", port.error());
    if (*port > 0xFFFF) return std::unexpected(std::string("hello listen port: out of range"));
    hello.listen_port = static_cast<std::uint16_t>(*port);
    if (auto end = rlp::expect_end(items); !end) return fail("items", end.error());
    return hello;
}

core::Hash handshake_digest(std::uint64_t chain_id, const core::Hash& genesis_hash, const core::Hash& challenge) {
    core::Bytes payload;
    rlp::encode(payload, core::as_bytes("moechain/p2p-handshake"));
    rlp::encode(payload, chain_id);
    rlp::encode(payload, genesis_hash);
    rlp::encode(payload, challenge);
    return core::keccak256(rlp::wrap_list(payload));
}

core::Bytes encode_auth(const core::Signature& signature) {
    core::Bytes out;
    out.reserve(kSignatureBytes);
    const core::Hash r = core::uint256_to_bytes32(signature.r);
    const core::Hash s = core::uint256_to_bytes32(signature.s);
    out.insert(out.end(), r.bytes.begin(), r.bytes.end());
    out.insert(out.end(), s.bytes.begin(), s.bytes.end());
    out.push_back(signature.y_parity);
    return out;
}

std::expected<core::Signature, std::string> decode_auth(core::ByteView payload) {
    if (payload.size() != kSignatureBytes) return std::unexpected(std::string("auth: not 65 bytes"));
    if (payload[64] > 1) return std::unexpected(std::string("auth: recovery id not 0 or 1"));
    core::Signature sig;
    sig.r = core::uint256_from_big_endian(payload.subspan(0, 32));
    sig.s = core::uint256_from_big_endian(payload.subspan(32, 32));
    sig.y_parity = payload[64];
    return sig;
}

bool verify_auth(std::uint64_t chain_id, const core::Hash& genesis_hash, const core::Hash& challenge,
                 const core::Signature& signature, const core::PublicKey& public_key) {
    const auto recovered = core::recover_public_key(handshake_digest(chain_id, genesis_hash, challenge), signature);
    return recovered && *recovered == public_key;
}

}  // namespace moe::node::p2p::wire
