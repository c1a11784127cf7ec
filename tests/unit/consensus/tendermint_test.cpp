#include <gtest/gtest.h>

#include "consensus/tendermint.hpp"
#include "test_keys.hpp"

namespace moe::consensus {
namespace {

using testing::block;
using testing::kChainId;
using testing::keyring;
using testing::signed_proposal;
using testing::signed_vote;

template <typename T>
std::vector<T> only(const std::vector<Action>& actions) {
    std::vector<T> out;
    for (const auto& a : actions)
        if (const auto* x = std::get_if<T>(&a)) out.push_back(*x);
    return out;
}

/// One Tendermint instance, validator 0 of four of equal power, fed by hand.
struct Fixture {
    testing::Keyring ring = keyring({1, 1, 1, 1});
    Tendermint machine{kChainId, ring.set.validators()[0].address, TimeoutConfig{}};
    static constexpr std::uint64_t kHeight = 1;

    std::vector<Action> start() { return machine.handle(StartHeight{kHeight, ring.set}); }
    std::vector<Action> propose(std::uint32_t round, const core::Hash& hash, std::int32_t pol_round = -1, bool valid = true) {
        const auto& proposer = ring.key_of(ring.set.advanced(round).proposer().address);
        return machine.handle(ProposalReceived{signed_proposal(proposer, kHeight, round, hash, pol_round), valid});
    }
    std::vector<Action> vote(std::size_t who, VoteType type, std::uint32_t round, const core::Hash& hash) {
        return machine.handle(VoteReceived{signed_vote(ring.keys[who], type, kHeight, round, hash)});
    }
    std::vector<Action> timeout(std::uint32_t round, Step step) { return machine.handle(TimeoutFired{kHeight, round, step}); }
};

TEST(Tendermint, ValidProposalIsPrevotedAndQuorumCommits) {
    Fixture f;
    auto actions = f.start();
    EXPECT_EQ(only<ScheduleTimeout>(actions).at(0).step, Step::kPropose);
    actions = f.propose(0, block("a"));
    ASSERT_EQ(only<SignVote>(actions).size(), 1u);
    EXPECT_EQ(only<SignVote>(actions)[0].block_hash, block("a"));
    EXPECT_EQ(only<SignVote>(actions)[0].type, VoteType::kPrevote);
    for (std::size_t i = 0; i < 3; ++i) actions = f.vote(i, VoteType::kPrevote, 0, block("a"));
    ASSERT_EQ(only<SignVote>(actions).size(), 1u);
    EXPECT_EQ(only<SignVote>(actions)[0].type, VoteType::kPrecommit);
    EXPECT_EQ(f.machine.locked_round(), 0);
    EXPECT_EQ(f.machine.valid_value(), block("a"));
    for (std::size_t i = 0; i < 2; ++i) EXPECT_TRUE(only<Commit>(f.vote(i, VoteType::kPrecommit, 0, block("a"))).empty());
    actions = f.vote(3, VoteType::kPrecommit, 0, block("a"));
    const auto commits = only<Commit>(actions);
    ASSERT_EQ(commits.size(), 1u);
    EXPECT_EQ(commits[0].block_hash, block("a"));
    EXPECT_TRUE(commits[0].certificate.verify(f.ring.set, kChainId).has_value());
    EXPECT_EQ(f.machine.step(), Step::kCommit);
    // Decided: nothing more happens at this height.
    EXPECT_TRUE(f.timeout(0, Step::kPrecommit).empty());
}

TEST(Tendermint, InvalidProposalIsPrevotedNil) {
    Fixture f;
    (void)f.start();
    const auto votes = only<SignVote>(f.propose(0, block("bad"), -1, false));
    ASSERT_EQ(votes.size(), 1u);
    EXPECT_TRUE(votes[0].block_hash.is_zero());
}

TEST(Tendermint, ProposalFromANonProposerOrAnotherHeightIsIgnored) {
    Fixture f;
    (void)f.start();
    const auto proposer = f.ring.set.proposer().address;
    const auto other = f.ring.set.advanced(1).proposer().address;
    ASSERT_NE(proposer, other);
    EXPECT_TRUE(f.machine.handle(ProposalReceived{signed_proposal(f.ring.key_of(other), 1, 0, block("x")), true}).empty());
    EXPECT_TRUE(f.machine.handle(ProposalReceived{signed_proposal(f.ring.key_of(proposer), 2, 0, block("x")), true}).empty());
    auto forged = signed_proposal(f.ring.key_of(proposer), 1, 0, block("x"));
    forged.block_hash = block("y");
    EXPECT_TRUE(f.machine.handle(ProposalReceived{forged, true}).empty());
    EXPECT_EQ(f.machine.step(), Step::kPropose);
}

TEST(Tendermint, ProposeTimeoutPrevotesNilAndTimeoutsGrowWithTheRound) {
    Fixture f;
    (void)f.start();
    auto votes = only<SignVote>(f.timeout(0, Step::kPropose));
    ASSERT_EQ(votes.size(), 1u);
    EXPECT_TRUE(votes[0].block_hash.is_zero());
    // A stale timeout does nothing.
    EXPECT_TRUE(f.timeout(0, Step::kPropose).empty());
    for (std::size_t i = 1; i < 4; ++i) (void)f.vote(i, VoteType::kPrecommit, 0, core::Hash{});
    auto actions = f.timeout(0, Step::kPrecommit);
    EXPECT_EQ(f.machine.round(), 1u);
    const auto timeouts = only<ScheduleTimeout>(actions);
    ASSERT_FALSE(timeouts.empty());
    EXPECT_EQ(timeouts.back().delay_ms, TimeoutConfig{}.propose_ms + TimeoutConfig{}.propose_delta_ms);
}

TEST(Tendermint, LockedValidatorPrevotesNilForAnotherBlockUntilALaterPolkaUnlocksIt) {
    Fixture f;
    (void)f.start();
    // Round 0: +2/3 prevote A, we lock on A (lines 36-41); precommits go nil.
    (void)f.propose(0, block("A"));
    for (std::size_t i = 0; i < 4; ++i) (void)f.vote(i, VoteType::kPrevote, 0, block("A"));
    ASSERT_EQ(f.machine.locked_round(), 0);
    ASSERT_EQ(f.machine.locked_value(), block("A"));
    for (std::size_t i = 1; i < 4; ++i) (void)f.vote(i, VoteType::kPrecommit, 0, core::Hash{});
    (void)f.timeout(0, Step::kPrecommit);
    ASSERT_EQ(f.machine.round(), 1u);

    // Round 1: a new block B (pol_round -1): line 23 says nil, we are locked on A.
    auto votes = only<SignVote>(f.propose(1, block("B")));
    ASSERT_EQ(votes.size(), 1u);
    EXPECT_TRUE(votes[0].block_hash.is_zero());
    (void)f.vote(0, VoteType::kPrevote, 1, core::Hash{});
    (void)f.vote(1, VoteType::kPrevote, 1, block("B"));
    for (std::size_t i = 1; i < 4; ++i) (void)f.vote(i, VoteType::kPrecommit, 1, core::Hash{});
    (void)f.timeout(1, Step::kPrecommit);
    ASSERT_EQ(f.machine.round(), 2u);

    // Round 2: B again with pol_round 1; we wait until +2/3 prevotes of round 1 for B are seen.
    EXPECT_TRUE(only<SignVote>(f.propose(2, block("B"), 1)).empty());
    EXPECT_TRUE(only<SignVote>(f.vote(2, VoteType::kPrevote, 1, block("B"))).empty());
    votes = only<SignVote>(f.vote(3, VoteType::kPrevote, 1, block("B")));
    ASSERT_EQ(votes.size(), 1u);  // lines 28-30: lockedRound 0 <= vr 1
    EXPECT_EQ(votes[0].type, VoteType::kPrevote);
    EXPECT_EQ(votes[0].round, 2u);
    EXPECT_EQ(votes[0].block_hash, block("B"));
}

TEST(Tendermint, LockedValidatorIgnoresAPolkaOlderThanItsLock) {
    Fixture f;
    (void)f.start();
    // Round 0 times out with nothing; round 1 locks on A.
    (void)f.timeout(0, Step::kPropose);
    for (std::size_t i = 1; i < 4; ++i) (void)f.vote(i, VoteType::kPrecommit, 0, core::Hash{});
    (void)f.timeout(0, Step::kPrecommit);
    (void)f.propose(1, block("A"));
    for (std::size_t i = 0; i < 4; ++i) (void)f.vote(i, VoteType::kPrevote, 1, block("A"));
    ASSERT_EQ(f.machine.locked_round(), 1);
    for (std::size_t i = 1; i < 4; ++i) (void)f.vote(i, VoteType::kPrecommit, 1, core::Hash{});
    (void)f.timeout(1, Step::kPrecommit);
    ASSERT_EQ(f.machine.round(), 2u);
    // Round 2 re-proposes B with pol_round 0, backed by +2/3 prevotes of round 0, older than
    // the lock: line 29 says nil.
    std::vector<SignVote> votes = only<SignVote>(f.propose(2, block("B"), 0));
    for (std::size_t i = 1; i < 4; ++i) {
        const auto more = only<SignVote>(f.vote(i, VoteType::kPrevote, 0, block("B")));
        votes.insert(votes.end(), more.begin(), more.end());
    }
    ASSERT_EQ(votes.size(), 1u);
    EXPECT_EQ(votes[0].round, 2u);
    EXPECT_TRUE(votes[0].block_hash.is_zero());
    EXPECT_EQ(f.machine.locked_value(), block("A"));
}

TEST(Tendermint, SkipsToAHigherRoundOnFPlusOneVotes) {
    Fixture f;
    (void)f.start();
    (void)f.vote(1, VoteType::kPrevote, 5, core::Hash{});
    EXPECT_EQ(f.machine.round(), 0u);
    (void)f.vote(2, VoteType::kPrecommit, 5, core::Hash{});
    EXPECT_EQ(f.machine.round(), 5u);  // line 55
    EXPECT_EQ(f.machine.step(), Step::kPropose);
}

TEST(Tendermint, CommitsOnAnEarlierRoundsProposalAndPrecommits) {
    Fixture f;
    (void)f.start();
    (void)f.propose(0, block("A"));
    for (std::size_t i = 1; i < 3; ++i) (void)f.vote(i, VoteType::kPrevote, 1, core::Hash{});
    ASSERT_EQ(f.machine.round(), 1u);
    for (std::size_t i = 1; i < 3; ++i) EXPECT_TRUE(only<Commit>(f.vote(i, VoteType::kPrecommit, 0, block("A"))).empty());
    const auto done = only<Commit>(f.vote(3, VoteType::kPrecommit, 0, block("A")));
    ASSERT_EQ(done.size(), 1u);  // line 49: a proposal and +2/3 precommits of any round
    EXPECT_EQ(done[0].round, 0u);
    EXPECT_EQ(done[0].block_hash, block("A"));
}

TEST(Tendermint, EquivocationYieldsEvidenceOncePerPair) {
    Fixture f;
    (void)f.start();
    (void)f.vote(2, VoteType::kPrevote, 0, block("a"));
    const auto found = only<EvidenceFound>(f.vote(2, VoteType::kPrevote, 0, block("b")));
    ASSERT_EQ(found.size(), 1u);
    EXPECT_TRUE(found[0].evidence.verify(f.ring.set, kChainId).has_value());
    EXPECT_TRUE(only<EvidenceFound>(f.vote(2, VoteType::kPrevote, 0, block("b"))).empty());
}

TEST(Tendermint, NonValidatorNeverAsksToSign) {
    const auto ring = keyring({1, 1, 1, 1});
    Tendermint follower(kChainId, std::nullopt, TimeoutConfig{});
    auto actions = follower.handle(StartHeight{1, ring.set});
    const auto& proposer = ring.key_of(ring.set.proposer().address);
    auto more = follower.handle(ProposalReceived{signed_proposal(proposer, 1, 0, block("a")), true});
    actions.insert(actions.end(), more.begin(), more.end());
    for (std::size_t i = 0; i < 4; ++i) {
        more = follower.handle(VoteReceived{signed_vote(ring.keys[i], VoteType::kPrevote, 1, 0, block("a"))});
        actions.insert(actions.end(), more.begin(), more.end());
    }
    for (std::size_t i = 0; i < 4; ++i) {
        more = follower.handle(VoteReceived{signed_vote(ring.keys[i], VoteType::kPrecommit, 1, 0, block("a"))});
        actions.insert(actions.end(), more.begin(), more.end());
    }
    EXPECT_TRUE(only<SignVote>(actions).empty());
    EXPECT_TRUE(only<BuildProposal>(actions).empty());
    EXPECT_EQ(only<Commit>(actions).size(), 1u);
}

}  // namespace
}  // namespace moe::consensus
