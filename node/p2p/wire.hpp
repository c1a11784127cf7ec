#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"
#include "core/secp256k1.hpp"

/// The P2P wire format (docs/decisions/003-bft-consensus.md, "P2P wire format"): frames, the
/// Hello and Auth handshake messages and the digest a node key signs. Pure functions, no I/O.
namespace moe::node::p2p::wire {

/// Version of the handshake and framing; a Hello with another version is refused.
inline constexpr std::uint64_t kProtocolVersion = 1;
/// Bytes of the big-endian length that leads every frame.
inline constexpr std::size_t kLengthBytes = 4;
/// Largest frame accepted before the handshake completes (a Hello is about 150 bytes).
inline constexpr std::size_t kMaxHandshakeFrameBytes = 1024;
/// Bytes of a handshake challenge.
inline constexpr std::size_t kChallengeBytes = 32;
/// Bytes of an Auth payload: r (32) || s (32) || y parity (1).
inline constexpr std::size_t kSignatureBytes = 65;

/// Frame types the P2P layer keeps for itself (0xF0..0xFF are reserved for it).
inline constexpr std::uint8_t kHello = 0xF0;
inline constexpr std::uint8_t kAuth = 0xF1;
inline constexpr std::uint8_t kPing = 0xF2;
inline constexpr std::uint8_t kPong = 0xF3;
/// Lowest reserved type.
inline constexpr std::uint8_t kFirstReserved = 0xF0;

/// A frame of `type` carrying `payload`: length (4 bytes, big-endian, counting type and
/// payload), type, payload.
[[nodiscard]] core::Bytes encode_frame(std::uint8_t type, core::ByteView payload);

enum class FrameError { kEmpty, kTooLarge };
[[nodiscard]] std::string_view to_string(FrameError e) noexcept;

/// Reads the length prefix and checks it is in [1, max_frame_bytes] before anything is
/// allocated for the body.
[[nodiscard]] std::expected<std::size_t, FrameError> parse_length(const std::uint8_t (&prefix)[kLengthBytes],
                                                                 std::size_t max_frame_bytes) noexcept;

/// What each side sends first: RLP [version, chain_id, genesis_hash, public key (64 bytes,
/// x || y, uncompressed without the 0x04 prefix), challenge (32 bytes), listen_port].
struct Hello {
    std::uint64_t version = kProtocolVersion;
    std::uint64_t chain_id = 0;
    core::Hash genesis_hash;
    core::PublicKey public_key;
    core::Hash challenge;
    std::uint16_t listen_port = 0;
};

[[nodiscard]] core::Bytes encode_hello(const Hello& hello);
/// Decodes a Hello; any non-canonical RLP, wrong field size or extra item is an error.
[[nodiscard]] std::expected<Hello, std::string> decode_hello(core::ByteView payload);

/// The digest a node signs to prove its key to a peer that sent `challenge`:
/// keccak(rlp(["moechain/p2p-handshake", chain_id, genesis_hash, challenge])).
[[nodiscard]] core::Hash handshake_digest(std::uint64_t chain_id, const core::Hash& genesis_hash,
                                          const core::Hash& challenge);

/// An Auth payload: the signature as r || s || y parity.
[[nodiscard]] core::Bytes encode_auth(const core::Signature& signature);
/// Decodes an Auth payload (exactly 65 bytes, parity 0 or 1).
[[nodiscard]] std::expected<core::Signature, std::string> decode_auth(core::ByteView payload);

/// Whether `signature` over the handshake digest of `challenge` recovers to `public_key`
/// (low s required, EIP-2).
[[nodiscard]] bool verify_auth(std::uint64_t chain_id, const core::Hash& genesis_hash, const core::Hash& challenge,
                               const core::Signature& signature, const core::PublicKey& public_key);

}  // namespace moe::node::p2p::wire
