#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "consensus/validator_set.hpp"
#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"
#include "core/secp256k1.hpp"

namespace moe::consensus {

/// The largest vote extension a precommit may carry (CometBFT bounds them too).
inline constexpr std::size_t kMaxExtensionSize = 256 * 1024;

/// The two votes of Tendermint (Algorithm 1: PREVOTE, PRECOMMIT); the values are signed.
enum class VoteType : std::uint8_t { kPrevote = 1, kPrecommit = 2 };

/// Why a vote or proposal is refused.
enum class VoteError {
    kUnknownValidator,          ///< the signer is not in the set
    kBadSignature,              ///< the signature does not recover to the claimed signer
    kBadExtensionSignature,     ///< the extension signature does not recover to the signer
    kMissingExtensionSignature, ///< a non-empty extension without its signature
    kExtensionNotAllowed,       ///< an extension on a prevote or a nil precommit
    kWrongHeight,               ///< not the height being collected
    kWrongRound,                ///< not the round being collected
    kWrongType,                 ///< not the vote type being collected
    kRoundTooFarAhead,          ///< beyond the bound on rounds kept in memory
    kWrongProposer,             ///< a proposal not signed by the round's proposer
    kNilProposal,               ///< a proposal for the zero hash
};

/// A short English description of an error.
[[nodiscard]] std::string_view to_string(VoteError e) noexcept;

/// A signed prevote or precommit of one validator.
struct Vote {
    VoteType type = VoteType::kPrevote;
    std::uint64_t height = 0;
    std::uint32_t round = 0;
    core::Hash block_hash;  ///< zero = nil
    core::Address validator;
    core::Bytes extension;  ///< only on a precommit for a block
    core::Signature signature;
    std::optional<core::Signature> extension_signature;

    /// keccak(rlp(["moechain/vote", chain_id, type, height, round, block_hash])), decision 003.
    [[nodiscard]] core::Hash signing_digest(std::uint64_t chain_id) const;
    /// keccak(rlp(["moechain/vote-extension", chain_id, height, round, block_hash, extension])).
    [[nodiscard]] core::Hash extension_digest(std::uint64_t chain_id) const;
    /// Whether the vote is for nil (the zero hash).
    [[nodiscard]] bool is_nil() const noexcept { return block_hash.is_zero(); }

    /// rlp([type, height, round, block_hash, validator, extension, signature, extension_signature]);
    /// a signature is a 65-byte string r || s || y_parity, an absent one the empty string.
    [[nodiscard]] core::Bytes encode() const;
    /// The strict inverse of encode(): trailing bytes, a wrong type, an extension (or its
    /// signature) on a prevote or nil precommit, a non-empty extension without signature and an
    /// extension above kMaxExtensionSize are errors.
    [[nodiscard]] static std::expected<Vote, std::string> decode(core::ByteView bytes);

    /// Same fields and signatures.
    [[nodiscard]] bool same_as(const Vote& other) const noexcept;
};

/// Records that `signer` made `sig` over `digest` (a signature this process just made, or one
/// it recovered), so that checking the same signature again costs no recovery: a node checks
/// each vote when its vote set takes it and again inside the next block's certificate, and its
/// own votes and proposals too. A bounded, thread-safe cache of exact (digest, signature)
/// pairs; a miss recovers. Whether a signature is valid does not depend on it.
void remember_signature(const core::Hash& digest, const core::Signature& sig, const core::Address& signer);

/// Checks that `vote` is signed by `vote.validator`, a member of `validators`, and that its
/// extension (if any) is signed by it too. Low s is enforced by core::recover_address.
[[nodiscard]] std::expected<void, VoteError> verify_vote(const Vote& vote, const ValidatorSet& validators,
                                                         std::uint64_t chain_id);

/// A proposer's signed proposal of a block (by hash) for one height and round
/// (Algorithm 1: PROPOSAL, with the valid round `pol_round`, -1 if none).
struct Proposal {
    std::uint64_t height = 0;
    std::uint32_t round = 0;
    std::int32_t pol_round = -1;
    core::Hash block_hash;
    core::Address proposer;
    core::Signature signature;

    /// keccak(rlp(["moechain/proposal", chain_id, height, round, pol_round + 1, block_hash])).
    [[nodiscard]] core::Hash signing_digest(std::uint64_t chain_id) const;
    /// rlp([height, round, pol_round + 1, block_hash, proposer, signature]).
    [[nodiscard]] core::Bytes encode() const;
    /// The strict inverse of encode(): pol_round must be below round, the hash non-zero.
    [[nodiscard]] static std::expected<Proposal, std::string> decode(core::ByteView bytes);
};

/// Checks that `proposal` is signed by the proposer of `validators_at_round`, the height's set
/// already advanced to the proposal's round.
[[nodiscard]] std::expected<void, VoteError> verify_proposal(const Proposal& proposal,
                                                             const ValidatorSet& validators_at_round,
                                                             std::uint64_t chain_id);

}  // namespace moe::consensus
