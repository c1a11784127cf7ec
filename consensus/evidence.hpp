#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "consensus/certificate.hpp"
#include "consensus/dev_changes.hpp"
#include "consensus/validator_set.hpp"
#include "consensus/verdicts.hpp"
#include "consensus/vote.hpp"
#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"

namespace moe::consensus {

/// Two signed votes of one validator for one height, round and type naming different blocks
/// (DESIGN.md, Consensus: evidence slashes and jails). Canonical order: the lower block hash
/// first, so one equivocation has one encoding and one hash.
struct DuplicateVoteEvidence {
    Vote first;
    Vote second;

    /// The evidence of two conflicting votes, in canonical order.
    [[nodiscard]] static DuplicateVoteEvidence make(Vote a, Vote b);

    /// rlp([first, second]) with each vote as Vote::encode() gives it.
    [[nodiscard]] core::Bytes encode() const;
    /// The strict inverse of encode(); the votes must be in canonical order.
    [[nodiscard]] static std::expected<DuplicateVoteEvidence, std::string> decode(core::ByteView bytes);
    /// keccak(encode()).
    [[nodiscard]] core::Hash hash() const;
    /// Same validator, height, round and type, different block hashes in canonical order, both
    /// signatures valid for a member of `validators` (the set of that height).
    [[nodiscard]] std::expected<void, std::string> verify(const ValidatorSet& validators, std::uint64_t chain_id) const;
};

/// What a block carries beside its body for consensus: the certificate of its parent, the
/// evidence it includes and its routed expert verdicts. The header's extra_data is hash()
/// (decisions 003 and 004).
struct ConsensusData {
    std::optional<CommitCertificate> last_commit;  ///< absent only for the first block after genesis
    std::vector<DuplicateVoteEvidence> evidence;
    RoutedVerdicts routed;                          ///< aggregated from last_commit's extensions
    std::vector<WrongVerdictEvidence> wrong_verdicts;
    DevChanges dev;                                 ///< a devnet's changes outside transactions (decision 008)

    /// rlp([last_commit or [], [evidence, ...]]), then `routed` as a third item,
    /// [wrong_verdict, ...] as a fourth and `dev` as a fifth, each written only when it or a
    /// later one is non-empty, so data without routing encodes (and hashes) exactly as before
    /// decision 004, and data without dev changes as before decision 008.
    [[nodiscard]] core::Bytes encode() const;
    /// The strict inverse of encode(): a trailing item that encode() would have left out
    /// (an empty last item) is refused.
    [[nodiscard]] static std::expected<ConsensusData, std::string> decode(core::ByteView bytes);
    /// keccak(encode()): the block header's extra_data.
    [[nodiscard]] core::Hash hash() const;
};

}  // namespace moe::consensus
