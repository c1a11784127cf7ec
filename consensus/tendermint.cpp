#include "consensus/tendermint.hpp"

#include <utility>

namespace moe::consensus {

std::uint64_t TimeoutConfig::for_step(Step step, std::uint32_t round) const noexcept {
    switch (step) {
        case Step::kPropose: return propose_ms + std::uint64_t{round} * propose_delta_ms;
        case Step::kPrevote: return prevote_ms + std::uint64_t{round} * prevote_delta_ms;
        case Step::kPrecommit: return precommit_ms + std::uint64_t{round} * precommit_delta_ms;
        case Step::kCommit: return 0;
    }
    return 0;
}

Tendermint::Tendermint(std::uint64_t chain_id, std::optional<core::Address> self, TimeoutConfig timeouts)
    : chain_id_(chain_id), self_(self), timeouts_(timeouts) {}

std::vector<Action> Tendermint::handle(const Event& event) {
    std::visit(
        [this](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, StartHeight>) on_start_height(e);
            else if constexpr (std::is_same_v<E, ProposalReceived>) on_proposal(e);
            else if constexpr (std::is_same_v<E, VoteReceived>) on_vote(e);
            else on_timeout(e);
        },
        event);
    return std::exchange(actions_, {});
}

std::optional<core::Address> Tendermint::proposer() const {
    if (!started_) return std::nullopt;
    return set_at(round_).proposer().address;
}

VoteCounts Tendermint::vote_counts() const {
    VoteCounts c{.round = round_};
    if (!votes_) return c;
    c.total_power = votes_->validators().total_power();
    if (const auto* p = votes_->prevotes(round_)) {
        c.prevotes = p->count();
        c.prevote_power = p->total_power();
    }
    if (const auto* p = votes_->precommits(round_)) {
        c.precommits = p->count();
        c.precommit_power = p->total_power();
    }
    return c;
}

// ---- Events -------------------------------------------------------------------------------

void Tendermint::on_start_height(const StartHeight& e) {
    if (started_ && e.height <= height_) return;
    started_ = true;
    height_ = e.height;
    // Line 53: reset locked and valid values and the message log.
    locked_value_ = {};
    locked_round_ = -1;
    valid_value_ = {};
    valid_round_ = -1;
    validators_ = e.validators;
    round_set_ = e.validators;
    round_set_round_ = 0;
    votes_.emplace(chain_id_, height_, e.validators);
    proposals_.clear();
    evidence_seen_.clear();
    is_validator_ = self_ && e.validators.index_of(*self_).has_value();
    enter_propose(0);  // lines 10, 54
    process();
}

void Tendermint::on_proposal(const ProposalReceived& e) {
    const Proposal& p = e.proposal;
    // Future heights are the node's to buffer; past ones are over.
    if (!started_ || step_ == Step::kCommit || p.height != height_) return;
    if (std::uint64_t{p.round} > std::uint64_t{round_} + kMaxRoundsAhead) return;
    if (p.pol_round >= static_cast<std::int64_t>(p.round)) return;
    // One proposal per round: the first from the round's proposer with a valid signature.
    if (proposals_.contains(p.round)) return;
    if (!verify_proposal(p, set_at(p.round), chain_id_)) return;
    proposals_.emplace(p.round, ReceivedProposal{p, e.valid});
    process();
}

void Tendermint::on_vote(const VoteReceived& e) {
    if (!started_ || step_ == Step::kCommit || e.vote.height != height_) return;
    auto added = votes_->add(e.vote);
    if (!added) return;
    if (added->conflict) {
        auto evidence = DuplicateVoteEvidence::make(*added->conflict, e.vote);
        if (evidence_seen_.insert(evidence.hash()).second) actions_.emplace_back(EvidenceFound{std::move(evidence)});
    }
    if (added->added) process();
}

void Tendermint::on_timeout(const TimeoutFired& e) {
    if (!started_ || step_ == Step::kCommit || e.height != height_ || e.round != round_) return;
    switch (e.step) {
        case Step::kPropose:  // lines 57-60
            if (step_ == Step::kPropose) enter_prevote(core::Hash{});
            break;
        case Step::kPrevote:  // lines 61-64
            if (step_ == Step::kPrevote) enter_precommit(core::Hash{});
            break;
        case Step::kPrecommit:  // lines 65-67
            enter_propose(round_ + 1);
            break;
        case Step::kCommit: return;
    }
    process();
}

// ---- Steps --------------------------------------------------------------------------------

void Tendermint::enter_propose(std::uint32_t round) {
    // Lines 11-13.
    round_ = round;
    step_ = Step::kPropose;
    votes_->set_round(round);
    prevote_timeout_scheduled_ = false;
    prevote_block_done_ = false;
    precommit_timeout_scheduled_ = false;
    // Line 14: are we the proposer?
    if (is_validator_ && set_at(round).proposer().address == *self_) {
        if (!valid_value_.is_zero()) {
            // Lines 15-16.
            actions_.emplace_back(ReProposal{.height = height_, .round = round, .block_hash = valid_value_, .pol_round = valid_round_});
        } else {
            actions_.emplace_back(BuildProposal{.height = height_, .round = round});  // line 18
        }
    }
    // Line 21 schedules this only for the others; the proposer schedules it too, so that a
    // node that fails to build its block still moves on (as CometBFT does).
    schedule(Step::kPropose);
}

void Tendermint::enter_prevote(const core::Hash& block_hash) {
    if (is_validator_)
        actions_.emplace_back(SignVote{.type = VoteType::kPrevote, .height = height_, .round = round_, .block_hash = block_hash});
    step_ = Step::kPrevote;
}

void Tendermint::enter_precommit(const core::Hash& block_hash) {
    if (is_validator_)
        actions_.emplace_back(SignVote{.type = VoteType::kPrecommit, .height = height_, .round = round_, .block_hash = block_hash});
    step_ = Step::kPrecommit;
}

void Tendermint::enter_commit(std::uint32_t round, const core::Hash& block_hash) {
    auto certificate = CommitCertificate::from_precommits(*votes_->precommits(round));
    // upon_commit checked the +2/3 majority for block_hash, so the certificate exists.
    if (!certificate) return;
    step_ = Step::kCommit;
    actions_.emplace_back(Commit{.height = height_, .round = round, .block_hash = block_hash, .certificate = std::move(*certificate)});
}

// ---- Upon rules ---------------------------------------------------------------------------

void Tendermint::process() {
    while (step_ != Step::kCommit) {
        if (upon_commit()) break;
        if (upon_higher_round()) continue;
        if (upon_proposal()) continue;
        if (upon_prevote_any()) continue;
        if (upon_prevote_block()) continue;
        if (upon_prevote_nil()) continue;
        if (upon_precommit_any()) continue;
        break;
    }
}

bool Tendermint::upon_commit() {
    // Line 49: a proposal of any round r with +2/3 precommits for it; line 50: valid(v).
    for (const auto& [round, received] : proposals_) {
        if (!received.valid) continue;
        const VoteSet* precommits = votes_->precommits(round);
        if (!precommits) continue;
        const auto majority = precommits->two_thirds_majority();
        if (majority && *majority == received.proposal.block_hash) {
            enter_commit(round, received.proposal.block_hash);
            return step_ == Step::kCommit;
        }
    }
    return false;
}

bool Tendermint::upon_higher_round() {
    // Line 55: f + 1 messages of a higher round; go to the highest such round.
    const auto rounds = votes_->rounds();
    for (auto it = rounds.rbegin(); it != rounds.rend() && *it > round_; ++it) {
        if (votes_->round_power(*it) >= votes_->validators().f_plus_one_power()) {
            enter_propose(*it);  // line 56
            return true;
        }
    }
    return false;
}

bool Tendermint::upon_proposal() {
    if (step_ != Step::kPropose) return false;
    const ReceivedProposal* received = proposal_of(round_);
    if (!received) return false;
    const Proposal& p = received->proposal;
    const core::Hash& v = p.block_hash;
    if (p.pol_round == -1) {
        // Lines 22-27.
        const bool accept = received->valid && (locked_round_ == -1 || locked_value_ == v);  // line 23
        enter_prevote(accept ? v : core::Hash{});
        return true;
    }
    // Lines 28-33: the proposal re-proposes a value with +2/3 prevotes in round vr < round_p.
    const auto vr = static_cast<std::uint32_t>(p.pol_round);
    const VoteSet* prevotes = votes_->prevotes(vr);
    if (!prevotes) return false;
    const auto majority = prevotes->two_thirds_majority();
    if (!majority || *majority != v) return false;
    const bool accept = received->valid && (locked_round_ <= p.pol_round || locked_value_ == v);  // line 29
    enter_prevote(accept ? v : core::Hash{});
    return true;
}

bool Tendermint::upon_prevote_any() {
    // Lines 34-35.
    if (step_ != Step::kPrevote || prevote_timeout_scheduled_) return false;
    const VoteSet* prevotes = votes_->prevotes(round_);
    if (!prevotes || !prevotes->has_two_thirds_any()) return false;
    prevote_timeout_scheduled_ = true;
    schedule(Step::kPrevote);
    return true;
}

bool Tendermint::upon_prevote_block() {
    // Lines 36-43: step >= prevote, a valid proposal of this round with +2/3 prevotes for it.
    if (prevote_block_done_ || step_ == Step::kPropose) return false;
    const ReceivedProposal* received = proposal_of(round_);
    if (!received || !received->valid) return false;
    const VoteSet* prevotes = votes_->prevotes(round_);
    if (!prevotes) return false;
    const auto majority = prevotes->two_thirds_majority();
    if (!majority || *majority != received->proposal.block_hash) return false;
    prevote_block_done_ = true;
    const core::Hash v = received->proposal.block_hash;
    if (step_ == Step::kPrevote) {
        locked_value_ = v;  // lines 38-39
        locked_round_ = static_cast<std::int32_t>(round_);
        enter_precommit(v);  // lines 40-41
    }
    valid_value_ = v;  // lines 42-43
    valid_round_ = static_cast<std::int32_t>(round_);
    return true;
}

bool Tendermint::upon_prevote_nil() {
    // Lines 44-46.
    if (step_ != Step::kPrevote) return false;
    const VoteSet* prevotes = votes_->prevotes(round_);
    if (!prevotes) return false;
    const auto majority = prevotes->two_thirds_majority();
    if (!majority || !majority->is_zero()) return false;
    enter_precommit(core::Hash{});
    return true;
}

bool Tendermint::upon_precommit_any() {
    // Lines 47-48.
    if (precommit_timeout_scheduled_) return false;
    const VoteSet* precommits = votes_->precommits(round_);
    if (!precommits || !precommits->has_two_thirds_any()) return false;
    precommit_timeout_scheduled_ = true;
    schedule(Step::kPrecommit);
    return true;
}

// ---- Helpers ------------------------------------------------------------------------------

void Tendermint::schedule(Step step) {
    actions_.emplace_back(ScheduleTimeout{.height = height_, .round = round_, .step = step, .delay_ms = timeouts_.for_step(step, round_)});
}

const ValidatorSet& Tendermint::set_at(std::uint32_t round) const {
    // advance() composes, so the cached set only ever moves forward from round 0.
    if (round < round_set_round_) {
        round_set_ = validators_;
        round_set_round_ = 0;
    }
    round_set_->advance(round - round_set_round_);
    round_set_round_ = round;
    return *round_set_;
}

const Tendermint::ReceivedProposal* Tendermint::proposal_of(std::uint32_t round) const {
    const auto it = proposals_.find(round);
    return it == proposals_.end() ? nullptr : &it->second;
}

}  // namespace moe::consensus
