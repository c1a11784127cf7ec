#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <variant>
#include <vector>

#include "consensus/certificate.hpp"
#include "consensus/evidence.hpp"
#include "consensus/validator_set.hpp"
#include "consensus/vote.hpp"
#include "consensus/vote_set.hpp"
#include "core/fixed_bytes.hpp"

/// The Tendermint state machine of decision 003: "The latest gossip on BFT consensus"
/// (Buchman, Kwon, Milosevic 2018, arXiv 1807.04938), Algorithm 1. Events in, actions out; no
/// I/O, clock, thread or key. Line numbers in comments refer to Algorithm 1.
namespace moe::consensus {

/// The step of a round; kCommit: the height is decided and the machine waits for StartHeight.
enum class Step : std::uint8_t { kPropose = 1, kPrevote = 2, kPrecommit = 3, kCommit = 4 };

/// Round timeouts, growing linearly with the round: base + round * delta (milliseconds).
struct TimeoutConfig {
    std::uint64_t propose_ms = 1000, propose_delta_ms = 500;
    std::uint64_t prevote_ms = 500, prevote_delta_ms = 500;
    std::uint64_t precommit_ms = 500, precommit_delta_ms = 500;

    /// timeoutPropose(round), timeoutPrevote(round), timeoutPrecommit(round).
    [[nodiscard]] std::uint64_t for_step(Step step, std::uint32_t round) const noexcept;
};

// ---- Events in ----------------------------------------------------------------------------

/// Start deciding `height`; `validators` carry the priorities of its round 0.
struct StartHeight {
    std::uint64_t height = 0;
    ValidatorSet validators;
};
/// A proposal whose block the node has executed; valid = false: the block is invalid.
struct ProposalReceived {
    Proposal proposal;
    bool valid = false;
};
/// A signed vote, the node's own included.
struct VoteReceived {
    Vote vote;
};
/// A timeout the machine asked for has expired.
struct TimeoutFired {
    std::uint64_t height = 0;
    std::uint32_t round = 0;
    Step step = Step::kPropose;
};
/// Everything the machine reacts to.
using Event = std::variant<StartHeight, ProposalReceived, VoteReceived, TimeoutFired>;

// ---- Actions out --------------------------------------------------------------------------

/// Build a new block and sign and broadcast a proposal for it with pol_round -1 (line 18).
struct BuildProposal {
    std::uint64_t height = 0;
    std::uint32_t round = 0;
};
/// Sign and broadcast a proposal of the valid value again (line 16).
struct ReProposal {
    std::uint64_t height = 0;
    std::uint32_t round = 0;
    core::Hash block_hash;
    std::int32_t pol_round = -1;
};
/// Sign and broadcast a vote (the node's signer refuses to double-sign).
struct SignVote {
    VoteType type = VoteType::kPrevote;
    std::uint64_t height = 0;
    std::uint32_t round = 0;
    core::Hash block_hash;  ///< zero = nil
};
/// Deliver TimeoutFired{height, round, step} after delay_ms.
struct ScheduleTimeout {
    std::uint64_t height = 0;
    std::uint32_t round = 0;
    Step step = Step::kPropose;
    std::uint64_t delay_ms = 0;
};
/// The height is decided (line 49-51): store the block with its certificate.
struct Commit {
    std::uint64_t height = 0;
    std::uint32_t round = 0;
    core::Hash block_hash;
    CommitCertificate certificate;
};
/// A validator signed two votes for one height, round and type.
struct EvidenceFound {
    DuplicateVoteEvidence evidence;
};
/// Everything the machine asks the node to do, in order.
using Action = std::variant<BuildProposal, ReProposal, SignVote, ScheduleTimeout, Commit, EvidenceFound>;

/// The votes of the current round, for status reports.
struct VoteCounts {
    std::uint32_t round = 0;
    std::size_t prevotes = 0;
    std::size_t precommits = 0;
    std::uint64_t prevote_power = 0;
    std::uint64_t precommit_power = 0;
    std::uint64_t total_power = 0;
};

/// One process of Algorithm 1 for one chain. Single writer: the node feeds events one at a
/// time and carries out the returned actions in order.
class Tendermint {
  public:
    /// `self` empty: a non-validator that follows the votes and never asks to sign.
    Tendermint(std::uint64_t chain_id, std::optional<core::Address> self, TimeoutConfig timeouts = {});

    /// Reacts to one event.
    [[nodiscard]] std::vector<Action> handle(const Event& event);

    /// The height being decided (0 before the first StartHeight).
    [[nodiscard]] std::uint64_t height() const noexcept { return height_; }
    /// round_p.
    [[nodiscard]] std::uint32_t round() const noexcept { return round_; }
    /// step_p.
    [[nodiscard]] Step step() const noexcept { return step_; }
    /// lockedRound_p (-1: not locked).
    [[nodiscard]] std::int32_t locked_round() const noexcept { return locked_round_; }
    /// lockedValue_p (zero: none).
    [[nodiscard]] const core::Hash& locked_value() const noexcept { return locked_value_; }
    /// validRound_p (-1: none).
    [[nodiscard]] std::int32_t valid_round() const noexcept { return valid_round_; }
    /// validValue_p (zero: none).
    [[nodiscard]] const core::Hash& valid_value() const noexcept { return valid_value_; }
    /// The proposer of the current round, once a height has started.
    [[nodiscard]] std::optional<core::Address> proposer() const;
    /// The validator set of the current height (round 0 priorities), once started.
    [[nodiscard]] const ValidatorSet* validators() const noexcept { return validators_ ? &*validators_ : nullptr; }
    /// The votes of the current round.
    [[nodiscard]] VoteCounts vote_counts() const;

  private:
    struct ReceivedProposal {
        Proposal proposal;
        bool valid = false;
    };

    void on_start_height(const StartHeight& e);
    void on_proposal(const ProposalReceived& e);
    void on_vote(const VoteReceived& e);
    void on_timeout(const TimeoutFired& e);

    /// Applies the "upon" rules until none fires.
    void process();

    // Steps (Algorithm 1).
    void enter_propose(std::uint32_t round);                  // StartRound, lines 11-21
    void enter_prevote(const core::Hash& block_hash);         // lines 24/26, 30/32, 59
    void enter_precommit(const core::Hash& block_hash);       // lines 40, 45, 63
    void enter_commit(std::uint32_t round, const core::Hash& block_hash);  // lines 49-51

    // Upon rules; each returns whether it fired.
    [[nodiscard]] bool upon_commit();                  // line 49
    [[nodiscard]] bool upon_higher_round();            // line 55
    [[nodiscard]] bool upon_proposal();                // lines 22, 28
    [[nodiscard]] bool upon_prevote_any();             // line 34
    [[nodiscard]] bool upon_prevote_block();           // line 36
    [[nodiscard]] bool upon_prevote_nil();             // line 44
    [[nodiscard]] bool upon_precommit_any();           // line 47

    void schedule(Step step);
    [[nodiscard]] const ValidatorSet& set_at(std::uint32_t round) const;
    [[nodiscard]] const ReceivedProposal* proposal_of(std::uint32_t round) const;

    std::uint64_t chain_id_;
    std::optional<core::Address> self_;
    TimeoutConfig timeouts_;

    bool started_ = false;
    bool is_validator_ = false;
    std::uint64_t height_ = 0;
    std::uint32_t round_ = 0;
    Step step_ = Step::kCommit;
    core::Hash locked_value_;
    std::int32_t locked_round_ = -1;
    core::Hash valid_value_;
    std::int32_t valid_round_ = -1;

    std::optional<ValidatorSet> validators_;
    mutable std::optional<ValidatorSet> round_set_;  // validators_ advanced to round_set_round_
    mutable std::uint32_t round_set_round_ = 0;
    std::optional<HeightVotes> votes_;
    std::map<std::uint32_t, ReceivedProposal> proposals_;
    std::set<core::Hash> evidence_seen_;

    // "for the first time" guards of the current round.
    bool prevote_timeout_scheduled_ = false;   // line 34
    bool prevote_block_done_ = false;          // line 36
    bool precommit_timeout_scheduled_ = false; // line 47

    std::vector<Action> actions_;
};

}  // namespace moe::consensus
