#include <gtest/gtest.h>

#include "consensus/vote_set.hpp"
#include "test_keys.hpp"

namespace moe::consensus {
namespace {

using testing::block;
using testing::kChainId;
using testing::keyring;
using testing::signed_vote;

TEST(VoteSet, QuorumNeedsMoreThanTwoThirdsOfStake) {
    // Powers 2, 1, 1, 2: total 6, quorum 5; the two of power 2 hold exactly 2/3.
    const auto ring = keyring({2, 1, 1, 2});
    VoteSet set(kChainId, 1, 0, VoteType::kPrevote, ring.set);
    std::vector<std::size_t> heavy, light;
    for (std::size_t i = 0; i < ring.set.size(); ++i) (ring.set.validators()[i].power == 2 ? heavy : light).push_back(i);
    for (auto i : heavy) ASSERT_TRUE(set.add(signed_vote(ring.keys[i], VoteType::kPrevote, 1, 0, block("v")))->added);
    EXPECT_EQ(set.power_for(block("v")), 4u);
    EXPECT_FALSE(set.two_thirds_majority().has_value());
    EXPECT_FALSE(set.has_two_thirds_any());
    EXPECT_TRUE(set.has_one_third_any());
    ASSERT_TRUE(set.add(signed_vote(ring.keys[light[0]], VoteType::kPrevote, 1, 0, block("v")))->added);
    EXPECT_EQ(set.two_thirds_majority(), block("v"));
    EXPECT_TRUE(set.has_two_thirds_any());
}

TEST(VoteSet, ExactlyTwoThirdsIsNoQuorum) {
    const auto ring = keyring({1, 1, 1});
    VoteSet set(kChainId, 1, 0, VoteType::kPrecommit, ring.set);
    EXPECT_FALSE(set.has_one_third_any());
    (void)set.add(signed_vote(ring.keys[0], VoteType::kPrecommit, 1, 0, block("v")));
    EXPECT_FALSE(set.has_one_third_any());  // exactly 1/3 is not f + 1
    (void)set.add(signed_vote(ring.keys[1], VoteType::kPrecommit, 1, 0, block("v")));
    EXPECT_TRUE(set.has_one_third_any());
    EXPECT_FALSE(set.two_thirds_majority().has_value());
    EXPECT_FALSE(set.has_two_thirds_any());
    (void)set.add(signed_vote(ring.keys[2], VoteType::kPrecommit, 1, 0, core::Hash{}));
    EXPECT_TRUE(set.has_two_thirds_any());
    EXPECT_FALSE(set.two_thirds_majority().has_value());
}

TEST(VoteSet, NilMajorityIsTheZeroHash) {
    const auto ring = keyring({1, 1, 1, 1});
    VoteSet set(kChainId, 1, 0, VoteType::kPrevote, ring.set);
    for (std::size_t i = 0; i < 3; ++i) (void)set.add(signed_vote(ring.keys[i], VoteType::kPrevote, 1, 0, core::Hash{}));
    ASSERT_TRUE(set.two_thirds_majority().has_value());
    EXPECT_TRUE(set.two_thirds_majority()->is_zero());
}

TEST(VoteSet, DuplicateIsNoOpAndConflictIsReported) {
    const auto ring = keyring({1, 1, 1, 1});
    VoteSet set(kChainId, 1, 0, VoteType::kPrevote, ring.set);
    const auto a = signed_vote(ring.keys[0], VoteType::kPrevote, 1, 0, block("a"));
    EXPECT_TRUE(set.add(a)->added);
    auto again = set.add(a);
    EXPECT_FALSE(again->added);
    EXPECT_FALSE(again->conflict.has_value());
    const auto b = signed_vote(ring.keys[0], VoteType::kPrevote, 1, 0, block("b"));
    auto conflict = set.add(b);
    EXPECT_FALSE(conflict->added);
    ASSERT_TRUE(conflict->conflict.has_value());
    EXPECT_TRUE(conflict->conflict->same_as(a));
    EXPECT_EQ(set.power_for(block("a")), 1u);
    EXPECT_EQ(set.power_for(block("b")), 0u);
    EXPECT_EQ(set.count(), 1u);
    auto forged = b;
    forged.block_hash = block("c");
    EXPECT_EQ(set.add(forged).error(), VoteError::kBadSignature);
}

TEST(VoteSet, RefusesWrongHeightRoundTypeAndStrangers) {
    const auto ring = keyring({1, 1, 1, 1});
    VoteSet set(kChainId, 5, 2, VoteType::kPrevote, ring.set);
    EXPECT_EQ(set.add(signed_vote(ring.keys[0], VoteType::kPrevote, 6, 2, block("a"))).error(), VoteError::kWrongHeight);
    EXPECT_EQ(set.add(signed_vote(ring.keys[0], VoteType::kPrevote, 5, 1, block("a"))).error(), VoteError::kWrongRound);
    EXPECT_EQ(set.add(signed_vote(ring.keys[0], VoteType::kPrecommit, 5, 2, block("a"))).error(), VoteError::kWrongType);
    EXPECT_EQ(set.add(signed_vote(testing::key(77), VoteType::kPrevote, 5, 2, block("a"))).error(),
              VoteError::kUnknownValidator);
    EXPECT_EQ(set.count(), 0u);
}

TEST(HeightVotes, RoutesByRoundAndTypeAndBoundsRoundsAhead) {
    const auto ring = keyring({1, 1, 1, 1});
    HeightVotes votes(kChainId, 3, ring.set);
    EXPECT_TRUE(votes.add(signed_vote(ring.keys[0], VoteType::kPrevote, 3, 0, block("a")))->added);
    EXPECT_TRUE(votes.add(signed_vote(ring.keys[0], VoteType::kPrecommit, 3, 0, block("a")))->added);
    EXPECT_TRUE(votes.add(signed_vote(ring.keys[1], VoteType::kPrecommit, 3, kMaxRoundsAhead, block("a")))->added);
    EXPECT_EQ(votes.add(signed_vote(ring.keys[1], VoteType::kPrevote, 3, kMaxRoundsAhead + 1, block("a"))).error(),
              VoteError::kRoundTooFarAhead);
    EXPECT_EQ(votes.add(signed_vote(ring.keys[1], VoteType::kPrevote, 4, 0, block("a"))).error(), VoteError::kWrongHeight);
    votes.set_round(1);
    EXPECT_TRUE(votes.add(signed_vote(ring.keys[1], VoteType::kPrevote, 3, kMaxRoundsAhead + 1, block("a")))->added);
    EXPECT_EQ(votes.prevotes(0)->count(), 1u);
    EXPECT_EQ(votes.precommits(0)->count(), 1u);
    EXPECT_EQ(votes.prevotes(2), nullptr);
    // Validator 0 voted twice in round 0 but counts once towards line 55.
    EXPECT_EQ(votes.round_power(0), 1u);
    EXPECT_EQ(votes.rounds(), (std::vector<std::uint32_t>{0, kMaxRoundsAhead, kMaxRoundsAhead + 1}));
}

}  // namespace
}  // namespace moe::consensus
