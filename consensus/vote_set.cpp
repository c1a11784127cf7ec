#include "consensus/vote_set.hpp"

namespace moe::consensus {

VoteSet::VoteSet(std::uint64_t chain_id, std::uint64_t height, std::uint32_t round, VoteType type,
                 ValidatorSet validators)
    : chain_id_(chain_id),
      height_(height),
      round_(round),
      type_(type),
      validators_(std::move(validators)),
      by_index_(validators_.size()) {}

std::expected<AddVoteResult, VoteError> VoteSet::add(const Vote& vote) {
    if (vote.height != height_) return std::unexpected(VoteError::kWrongHeight);
    if (vote.round != round_) return std::unexpected(VoteError::kWrongRound);
    if (vote.type != type_) return std::unexpected(VoteError::kWrongType);
    const auto index = validators_.index_of(vote.validator);
    if (!index) return std::unexpected(VoteError::kUnknownValidator);
    auto& slot = by_index_[*index];
    // A copy of a held vote costs no signature recovery.
    if (slot && slot->block_hash == vote.block_hash) return AddVoteResult{};
    if (auto ok = verify_vote(vote, validators_, chain_id_); !ok) return std::unexpected(ok.error());
    if (slot) return AddVoteResult{.added = false, .conflict = *slot};
    slot = vote;
    const std::uint64_t power = validators_.validators()[*index].power;
    power_by_hash_[vote.block_hash] += power;
    sum_ += power;
    ++count_;
    return AddVoteResult{.added = true, .conflict = std::nullopt};
}

std::uint64_t VoteSet::power_for(const core::Hash& block_hash) const {
    const auto it = power_by_hash_.find(block_hash);
    return it == power_by_hash_.end() ? 0 : it->second;
}

std::optional<core::Hash> VoteSet::two_thirds_majority() const {
    for (const auto& [hash, power] : power_by_hash_)
        if (power >= validators_.quorum_power()) return hash;
    return std::nullopt;
}

std::vector<Vote> VoteSet::votes() const {
    std::vector<Vote> out;
    out.reserve(count_);
    for (const auto& v : by_index_)
        if (v) out.push_back(*v);
    return out;
}

HeightVotes::HeightVotes(std::uint64_t chain_id, std::uint64_t height, ValidatorSet validators)
    : chain_id_(chain_id), height_(height), validators_(std::move(validators)) {}

std::expected<AddVoteResult, VoteError> HeightVotes::add(const Vote& vote) {
    if (vote.height != height_) return std::unexpected(VoteError::kWrongHeight);
    if (static_cast<std::uint64_t>(vote.round) > static_cast<std::uint64_t>(current_round_) + kMaxRoundsAhead)
        return std::unexpected(VoteError::kRoundTooFarAhead);
    // Refuse strangers before a round's sets are allocated for them.
    if (!validators_.index_of(vote.validator)) return std::unexpected(VoteError::kUnknownValidator);
    auto it = rounds_.find(vote.round);
    if (it == rounds_.end()) {
        it = rounds_
                 .emplace(vote.round,
                          RoundVotes{VoteSet(chain_id_, height_, vote.round, VoteType::kPrevote, validators_),
                                     VoteSet(chain_id_, height_, vote.round, VoteType::kPrecommit, validators_)})
                 .first;
    }
    auto& set = vote.type == VoteType::kPrevote ? it->second.prevotes : it->second.precommits;
    return set.add(vote);
}

const VoteSet* HeightVotes::prevotes(std::uint32_t round) const {
    const auto it = rounds_.find(round);
    return it == rounds_.end() ? nullptr : &it->second.prevotes;
}

const VoteSet* HeightVotes::precommits(std::uint32_t round) const {
    const auto it = rounds_.find(round);
    return it == rounds_.end() ? nullptr : &it->second.precommits;
}

std::uint64_t HeightVotes::round_power(std::uint32_t round) const {
    const auto it = rounds_.find(round);
    if (it == rounds_.end()) return 0;
    std::uint64_t power = 0;
    for (std::size_t i = 0; i < validators_.size(); ++i)
        if (it->second.prevotes.vote_of(i) || it->second.precommits.vote_of(i)) power += validators_.validators()[i].power;
    return power;
}

std::vector<std::uint32_t> HeightVotes::rounds() const {
    std::vector<std::uint32_t> out;
    out.reserve(rounds_.size());
    for (const auto& [round, votes] : rounds_) out.push_back(round);
    return out;
}

}  // namespace moe::consensus
