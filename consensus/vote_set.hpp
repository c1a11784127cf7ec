#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <vector>

#include "consensus/validator_set.hpp"
#include "consensus/vote.hpp"
#include "core/fixed_bytes.hpp"

namespace moe::consensus {

/// How many rounds beyond the current one a HeightVotes keeps votes for: a Byzantine
/// validator could otherwise make us store votes for every round up to 2^32.
inline constexpr std::uint32_t kMaxRoundsAhead = 50;

/// What adding a vote did.
struct AddVoteResult {
    bool added = false;            ///< false: already present (or a conflicting second vote)
    std::optional<Vote> conflict;  ///< the validator's earlier vote when this one names another block
};

/// The verified prevotes or precommits of one height and round. A validator's first vote
/// counts; a second one for another block is reported (for evidence) and not counted.
class VoteSet {
  public:
    /// An empty set for `type` votes at `height`/`round` of `validators`.
    VoteSet(std::uint64_t chain_id, std::uint64_t height, std::uint32_t round, VoteType type,
            ValidatorSet validators);

    /// Verifies and adds a vote. A copy of a vote already held (same block hash) returns
    /// added = false without verifying again; a verified vote of the same validator for
    /// another block returns added = false and the earlier vote as the conflict.
    [[nodiscard]] std::expected<AddVoteResult, VoteError> add(const Vote& vote);

    /// The power of the votes for `block_hash` (the zero hash: nil).
    [[nodiscard]] std::uint64_t power_for(const core::Hash& block_hash) const;
    /// The power of all votes counted.
    [[nodiscard]] std::uint64_t total_power() const noexcept { return sum_; }
    /// The block hash (possibly the zero hash, nil) with more than 2/3 of the power.
    [[nodiscard]] std::optional<core::Hash> two_thirds_majority() const;
    /// Whether votes for anything hold more than 2/3 of the power (Algorithm 1, lines 34, 47).
    [[nodiscard]] bool has_two_thirds_any() const noexcept { return sum_ >= validators_.quorum_power(); }
    /// Whether votes for anything hold more than 1/3 of the power (Algorithm 1, line 55).
    [[nodiscard]] bool has_one_third_any() const noexcept { return sum_ >= validators_.f_plus_one_power(); }
    /// The counted votes, in validator-set order.
    [[nodiscard]] std::vector<Vote> votes() const;
    /// The counted vote of the validator at `index`, if any.
    [[nodiscard]] const std::optional<Vote>& vote_of(std::size_t index) const { return by_index_.at(index); }
    /// How many validators voted.
    [[nodiscard]] std::size_t count() const noexcept { return count_; }

    [[nodiscard]] std::uint64_t height() const noexcept { return height_; }
    [[nodiscard]] std::uint32_t round() const noexcept { return round_; }
    [[nodiscard]] VoteType type() const noexcept { return type_; }
    [[nodiscard]] std::uint64_t chain_id() const noexcept { return chain_id_; }
    [[nodiscard]] const ValidatorSet& validators() const noexcept { return validators_; }

  private:
    std::uint64_t chain_id_;
    std::uint64_t height_;
    std::uint32_t round_;
    VoteType type_;
    ValidatorSet validators_;
    std::vector<std::optional<Vote>> by_index_;
    std::map<core::Hash, std::uint64_t> power_by_hash_;
    std::uint64_t sum_ = 0;
    std::size_t count_ = 0;
};

/// All prevotes and precommits of one height, by round, bounded to kMaxRoundsAhead rounds
/// beyond the current one.
class HeightVotes {
  public:
    /// Empty votes for `height` of `validators`.
    HeightVotes(std::uint64_t chain_id, std::uint64_t height, ValidatorSet validators);

    /// Moves the bound: votes up to `round + kMaxRoundsAhead` are kept from now on.
    void set_round(std::uint32_t round) noexcept { current_round_ = round; }
    /// Adds a vote of this height to its round's set (see VoteSet::add).
    [[nodiscard]] std::expected<AddVoteResult, VoteError> add(const Vote& vote);

    /// The prevotes of a round, or null if none arrived.
    [[nodiscard]] const VoteSet* prevotes(std::uint32_t round) const;
    /// The precommits of a round, or null if none arrived.
    [[nodiscard]] const VoteSet* precommits(std::uint32_t round) const;
    /// The power of the validators with any vote in `round` (Algorithm 1, line 55: f + 1
    /// messages of a round, prevotes and precommits together, each validator once).
    [[nodiscard]] std::uint64_t round_power(std::uint32_t round) const;
    /// The rounds for which votes are held, ascending.
    [[nodiscard]] std::vector<std::uint32_t> rounds() const;

    [[nodiscard]] std::uint64_t height() const noexcept { return height_; }
    [[nodiscard]] const ValidatorSet& validators() const noexcept { return validators_; }

  private:
    struct RoundVotes {
        VoteSet prevotes;
        VoteSet precommits;
    };

    std::uint64_t chain_id_;
    std::uint64_t height_;
    ValidatorSet validators_;
    std::uint32_t current_round_ = 0;
    std::map<std::uint32_t, RoundVotes> rounds_;
};

}  // namespace moe::consensus
