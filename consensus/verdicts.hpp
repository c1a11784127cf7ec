#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "consensus/certificate.hpp"
#include "consensus/expert_committees.hpp"
#include "consensus/routing.hpp"
#include "consensus/validator_set.hpp"
#include "consensus/vote.hpp"
#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"

/// Expert verdicts: what a validator signs in its precommit's vote extension, how the next
/// proposer aggregates them into its block, what block validity recomputes, and the evidence
/// of a wrong verdict (DESIGN.md, Tasks, 3; decision 004).
namespace moe::consensus {

/// The highest risk score (moe::nn::ScreeningVerdict's scale).
inline constexpr std::uint32_t kMaxScore = 10000;
/// The whole of a quorum in basis points.
inline constexpr std::uint64_t kBasisPoints = 10000;
/// The most verdicts one vote extension holds.
inline constexpr std::size_t kMaxVerdictsPerExtension = 4096;
/// The most aggregated verdicts (and failovers) one block carries.
inline constexpr std::size_t kMaxRoutedVerdicts = 65536;

/// One validator's verdict on one transaction as one expert it hosts.
struct Verdict {
    core::Hash txn_hash;
    std::uint32_t expert = 0;
    std::uint32_t score = 0;          ///< risk, 0..kMaxScore
    std::uint8_t contract_class = 0;  ///< moe::nn::ContractClass of the transaction's contract

    friend bool operator==(const Verdict&, const Verdict&) = default;
};

/// The verdicts of one precommit's vote extension.
struct VerdictExtension {
    std::vector<Verdict> verdicts;  ///< strictly increasing by (txn_hash, expert)

    /// No verdicts: the empty string (a precommit without extension). Otherwise
    /// rlp([1, [[txn_hash, expert, score, contract_class], ...]]), 1 being the layout version.
    /// The verdicts must already be sorted, unique and at most kMaxVerdictsPerExtension.
    [[nodiscard]] core::Bytes encode() const;
    /// The strict inverse of encode(): version 1, verdicts strictly increasing by
    /// (txn_hash, expert), 1..kMaxVerdictsPerExtension of them, scores at most kMaxScore.
    [[nodiscard]] static std::expected<VerdictExtension, std::string> decode(core::ByteView bytes);
    /// Sorts by (txn_hash, expert) and drops later duplicates of a pair: what encode() needs.
    void normalize();
};

/// A validator's answer: its address and one verdict of its extension.
using Answer = std::pair<core::Address, Verdict>;

/// The verdict of one expert's committee on one transaction, as a block carries it.
struct AggregatedVerdict {
    core::Hash txn_hash;
    std::uint32_t expert = 0;
    std::uint32_t score = 0;                ///< stake-weighted lower median of the answers
    std::uint8_t contract_class = 0;        ///< stake-weighted plurality, ties to the lower class
    std::vector<core::Address> answered;    ///< the members counted, in address order

    friend bool operator==(const AggregatedVerdict&, const AggregatedVerdict&) = default;
};

/// Aggregates the answers on (`txn`, `expert`): only one answer per member of the expert's
/// committee counts (the first given; answers of others or on other pairs are ignored). Present
/// only when the counted power is at least `quorum_bps` / 10000 of the committee's power (and
/// non-zero). The score is the lower stake-weighted median: the lowest score whose cumulative
/// power, scores ascending, reaches half the counted power.
/// With `present` (addresses, ascending): the quorum is of the power of the committee's
/// members among them, the signers of the certificate the answers come from. A member whose
/// precommit the certificate does not carry could not answer; a commit needs only 2/3 of the
/// set, so under load one validator is left out of nearly every certificate, and a committee
/// of two reached no quorum of its whole power (decision 004, Aggregation).
[[nodiscard]] std::optional<AggregatedVerdict> aggregate(const core::Hash& txn, std::uint32_t expert,
                                                         const ExpertCommittees& committees,
                                                         const std::vector<Answer>& answers, std::uint64_t quorum_bps,
                                                         const std::vector<core::Address>* present = nullptr);

/// The answers a commit certificate's extensions hold, grouped by (txn_hash, expert), each
/// group in certificate (validator-set) order. An extension that does not decode counts as no
/// answer: its signer said nothing usable, which is no fault of the proposer.
[[nodiscard]] std::map<std::pair<core::Hash, std::uint32_t>, std::vector<Answer>> collect_answers(
    const CommitCertificate& certificate);

/// A transaction that failed over: the ranks its routing skipped (failover_rank), at least 1.
struct Failover {
    core::Hash txn_hash;
    std::uint32_t ranks = 0;

    friend bool operator==(const Failover&, const Failover&) = default;
};

/// The routing results a block carries in its ConsensusData.
struct RoutedVerdicts {
    std::vector<AggregatedVerdict> verdicts;  ///< strictly increasing by (txn_hash, expert)
    std::vector<Failover> failovers;          ///< strictly increasing by txn_hash

    /// Whether there is nothing to carry.
    [[nodiscard]] bool empty() const noexcept { return verdicts.empty() && failovers.empty(); }
    /// The ranks `txn` skipped (0 when it is not listed).
    [[nodiscard]] std::uint32_t failover_of(const core::Hash& txn) const;

    /// rlp([[[txn_hash, expert, score, contract_class, [address, ...]], ...], [[txn_hash, ranks], ...]]).
    [[nodiscard]] core::Bytes encode() const;
    /// The strict inverse of encode(): both lists strictly ordered, at most kMaxRoutedVerdicts
    /// each, scores at most kMaxScore, answered non-empty and strictly increasing, ranks >= 1.
    [[nodiscard]] static std::expected<RoutedVerdicts, std::string> decode(core::ByteView bytes);

    friend bool operator==(const RoutedVerdicts&, const RoutedVerdicts&) = default;
};

/// What a commit certificate's extensions say, read once: the answers (collect_answers) and
/// every aggregation they support (aggregate), both by (txn_hash, expert). A block's import
/// reads them three ways (which experts answered, the routed verdicts checked, each expert's
/// activity); decoding every extension for each was 4.5% of a loaded localnet's CPU.
struct CertificateVerdicts {
    std::map<std::pair<core::Hash, std::uint32_t>, std::vector<Answer>> answers;
    std::map<std::pair<core::Hash, std::uint32_t>, AggregatedVerdict> aggregated;
};
[[nodiscard]] CertificateVerdicts read_certificate(const CommitCertificate& certificate, const ExpertCommittees& committees,
                                                   std::uint64_t quorum_bps);

/// Every aggregation the certificate's extensions support (the proposer's starting point; it
/// keeps those of the transactions it includes). Sorted by (txn_hash, expert).
[[nodiscard]] std::vector<AggregatedVerdict> aggregate_certificate(const CommitCertificate& certificate,
                                                                   const ExpertCommittees& committees,
                                                                   std::uint64_t quorum_bps);

/// Recomputes every verdict of `routed` from the certificate `read` (read_certificate of the
/// block's last commit, already verified, with the committees of its height) and checks each
/// matches exactly: its median score, plurality class and the members counted.
[[nodiscard]] std::expected<void, std::string> verify_aggregations(const RoutedVerdicts& routed, const CertificateVerdicts& read);

/// Checks a block's routing: `txns` are its transaction hashes in block order, `rankings[i]`
/// the rank_experts of txns[i] and `answered[i]` the experts (ascending) whose committees
/// answered for it in the last commit. The RoutingPlan of the block under `rule` (each
/// transaction's failover from `routed`, its answered experts) must give every transaction with a
/// non-empty ranking at least one expert, and `routed` must hold a verdict for exactly the
/// planned experts of each transaction; nothing for other transactions; a failover only where it
/// leaves an expert.
[[nodiscard]] std::expected<void, std::string> verify_routing(std::span<const core::Hash> txns,
                                                              const std::vector<std::vector<std::uint32_t>>& rankings,
                                                              const std::vector<std::vector<std::uint32_t>>& answered,
                                                              const RoutingRule& rule, const RoutedVerdicts& routed);

/// A signed verdict that a recomputation of the (protocol) model contradicts: slashes like a
/// double sign (DESIGN.md, Tasks, 3). The recomputation is the node's; this is the pure part.
struct WrongVerdictEvidence {
    Vote precommit_with_extension;  ///< a precommit for a block whose extension holds `claimed`
    Verdict claimed;
    std::uint32_t recomputed_score = 0;  ///< what the model gives, != claimed.score

    /// rlp([vote, [txn_hash, expert, score, contract_class], recomputed_score]).
    [[nodiscard]] core::Bytes encode() const;
    /// The strict inverse of encode(), with the checks of check_contents().
    [[nodiscard]] static std::expected<WrongVerdictEvidence, std::string> decode(core::ByteView bytes);
    /// keccak(encode()).
    [[nodiscard]] core::Hash hash() const;
    /// A non-nil precommit whose extension decodes and holds `claimed` exactly, a recomputed
    /// score within 0..kMaxScore that differs from the claimed one.
    [[nodiscard]] std::expected<void, std::string> check_contents() const;
    /// check_contents(), and the vote's and extension's signatures by a member of `validators`
    /// (the set of the vote's height).
    [[nodiscard]] std::expected<void, std::string> verify(const ValidatorSet& validators, std::uint64_t chain_id) const;
};

}  // namespace moe::consensus
