#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "consensus/validator_set.hpp"
#include "consensus/vote_set.hpp"
#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"
#include "core/secp256k1.hpp"

namespace moe::consensus {

/// One validator's precommit inside a commit certificate: the precommit's signature, and
/// its extension with the extension's own signature.
struct CommitSignature {
    core::Address validator;
    core::Signature signature;
    core::Bytes extension;
    std::optional<core::Signature> extension_signature;
};

/// Precommits of more than 2/3 of the power for one block at one height and round: the
/// proof that the block is final (decision 003). Travels beside the next block.
struct CommitCertificate {
    std::uint64_t height = 0;
    std::uint32_t round = 0;
    core::Hash block_hash;
    std::vector<CommitSignature> signatures;  ///< in validator-set order

    /// Gathers the precommits for the set's +2/3 majority block; an error if there is no
    /// majority or the majority is nil.
    [[nodiscard]] static std::expected<CommitCertificate, std::string> from_precommits(const VoteSet& precommits);

    /// rlp([height, round, block_hash, [[validator, signature, extension, extension_signature], ...]]).
    [[nodiscard]] core::Bytes encode() const;
    /// The strict inverse of encode().
    [[nodiscard]] static std::expected<CommitCertificate, std::string> decode(core::ByteView bytes);

    /// Checks every signature as a precommit for block_hash at height/round by a member, the
    /// members in strictly increasing set order (so none twice), each extension's signature,
    /// and that the signed power reaches the quorum.
    [[nodiscard]] std::expected<void, std::string> verify(const ValidatorSet& validators, std::uint64_t chain_id) const;

    /// The precommit a signature stands for.
    [[nodiscard]] Vote vote_of(const CommitSignature& sig) const;
    /// The addresses that signed, in certificate order.
    [[nodiscard]] std::vector<core::Address> signers() const;
};

}  // namespace moe::consensus
