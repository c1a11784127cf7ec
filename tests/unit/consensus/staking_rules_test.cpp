#include <gtest/gtest.h>

#include "consensus/staking_rules.hpp"
#include "test_keys.hpp"

namespace moe::consensus {
namespace {

const core::uint256 kEther = core::uint256{1'000'000'000'000'000'000ULL};

Candidate candidate(int i, core::uint256 stake, bool jailed = false) {
    const auto k = testing::key(i);
    return Candidate{.address = k.address(), .pubkey = k.compressed_public_key(), .stake = stake, .jailed = jailed};
}

TEST(StakingRules, MembersAreUnjailedWithMinStakeAndPowerInWholeEther) {
    const ValidatorSetRules rules{.min_stake = 10 * kEther, .max_validators = 100};
    auto set = next_validator_set(nullptr,
                                  {candidate(0, 10 * kEther), candidate(1, 9 * kEther), candidate(2, 50 * kEther, true),
                                   candidate(3, 25 * kEther + kEther / 2)},
                                  rules)
                   .value();
    ASSERT_EQ(set.size(), 2u);
    EXPECT_EQ(set.validators()[*set.index_of(testing::key(0).address())].power, 10u);
    EXPECT_EQ(set.validators()[*set.index_of(testing::key(3).address())].power, 25u);
}

TEST(StakingRules, PowerIsAtLeastOne) {
    const ValidatorSetRules rules{.min_stake = 1, .max_validators = 100};
    auto set = next_validator_set(nullptr, {candidate(0, 5)}, rules).value();
    EXPECT_EQ(set.validators()[0].power, 1u);
}

TEST(StakingRules, KeepsTheTopByPowerWithTiesToTheLowerAddress) {
    const ValidatorSetRules rules{.min_stake = kEther, .max_validators = 2};
    std::vector<Candidate> cs = {candidate(0, 5 * kEther), candidate(1, 5 * kEther), candidate(2, 5 * kEther),
                                 candidate(3, 9 * kEther)};
    auto set = next_validator_set(nullptr, cs, rules).value();
    ASSERT_EQ(set.size(), 2u);
    EXPECT_TRUE(set.index_of(testing::key(3).address()).has_value());
    core::Address lowest = cs[0].address;
    for (int i = 1; i < 3; ++i) lowest = std::min(lowest, cs[i].address);
    EXPECT_TRUE(set.index_of(lowest).has_value());
    std::reverse(cs.begin(), cs.end());
    EXPECT_EQ(next_validator_set(nullptr, cs, rules).value(), set);
}

TEST(StakingRules, EmptyResultIsAnErrorAndPrioritiesCarryOver) {
    const ValidatorSetRules rules{.min_stake = 100 * kEther, .max_validators = 10};
    EXPECT_FALSE(next_validator_set(nullptr, {candidate(0, kEther)}, rules).has_value());
    EXPECT_FALSE(next_validator_set(nullptr, {}, rules).has_value());
    const auto previous = next_validator_set(nullptr, {candidate(0, 100 * kEther), candidate(1, 200 * kEther)}, rules)->advanced(3);
    const auto next = next_validator_set(&previous, {candidate(0, 100 * kEther), candidate(1, 200 * kEther)}, rules).value();
    EXPECT_EQ(next.proposer().address, previous.proposer().address);
}

TEST(StakingRules, Epochs) {
    EXPECT_EQ(epoch_of(0, 10), 0u);
    EXPECT_EQ(epoch_of(1, 10), 0u);
    EXPECT_EQ(epoch_of(10, 10), 0u);
    EXPECT_EQ(epoch_of(11, 10), 1u);
    EXPECT_EQ(epoch_of(12345, 0), 0u);
    EXPECT_TRUE(is_epoch_boundary(0, 10));
    EXPECT_TRUE(is_epoch_boundary(10, 10));
    EXPECT_FALSE(is_epoch_boundary(11, 10));
    EXPECT_FALSE(is_epoch_boundary(10, 0));
}

}  // namespace
}  // namespace moe::consensus
