#include <gtest/gtest.h>

#include <map>

#include "consensus/validator_set.hpp"
#include "test_keys.hpp"

namespace moe::consensus {
namespace {

using testing::keyring;

Validator member(int i, std::uint64_t power, std::int64_t priority = 0) {
    const auto k = testing::key(i);
    return Validator{.address = k.address(), .pubkey = k.compressed_public_key(), .power = power, .proposer_priority = priority};
}

TEST(ValidatorSet, MakeRefusesEmptyDuplicateZeroPowerAndOverflow) {
    EXPECT_FALSE(ValidatorSet::make({}).has_value());
    EXPECT_FALSE(ValidatorSet::make({member(0, 1), member(0, 2)}).has_value());
    EXPECT_FALSE(ValidatorSet::make({member(0, 1), member(1, 0)}).has_value());
    EXPECT_FALSE(ValidatorSet::make({member(0, kMaxTotalPower), member(1, 1)}).has_value());
    EXPECT_TRUE(ValidatorSet::make({member(0, kMaxTotalPower)}).has_value());
    EXPECT_FALSE(ValidatorSet::make({member(0, ~std::uint64_t{0}), member(1, 2)}).has_value());
}

TEST(ValidatorSet, SortedByAddressAndIndexed) {
    auto set = ValidatorSet::make({member(3, 1), member(1, 2), member(2, 3)}).value();
    for (std::size_t i = 1; i < set.size(); ++i) EXPECT_LT(set.validators()[i - 1].address, set.validators()[i].address);
    for (std::size_t i = 0; i < set.size(); ++i) EXPECT_EQ(set.index_of(set.validators()[i].address), i);
    EXPECT_FALSE(set.index_of(testing::key(9).address()).has_value());
    EXPECT_EQ(set.total_power(), 6u);
}

TEST(ValidatorSet, QuorumIsStrictlyMoreThanTwoThirds) {
    const std::vector<std::pair<std::uint64_t, std::uint64_t>> cases = {{1, 1}, {3, 3}, {4, 3}, {6, 5}, {7, 5}, {100, 67}, {99, 67}};
    for (auto [total, quorum] : cases) {
        auto set = ValidatorSet::make({member(0, total)}).value();
        EXPECT_EQ(set.quorum_power(), quorum) << total;
        EXPECT_GT(3 * set.quorum_power(), 2 * total);
        EXPECT_LE(3 * (set.quorum_power() - 1), 2 * total);
        EXPECT_GT(3 * set.f_plus_one_power(), total);
        EXPECT_LE(3 * (set.f_plus_one_power() - 1), total);
    }
}

TEST(ValidatorSet, EqualPowersRotateRoundRobinFromTheLowestAddress) {
    auto set = keyring({5, 5, 5, 5}).set;
    EXPECT_EQ(set.proposer().address, set.validators()[0].address);
    for (int cycle = 0; cycle < 3; ++cycle) {
        std::map<core::Address, int> seen;
        for (int i = 0; i < 4; ++i) {
            ++seen[set.proposer().address];
            set.advance();
        }
        EXPECT_EQ(seen.size(), 4u);
    }
}

TEST(ValidatorSet, ProposerRotationIsProportionalToPower) {
    const std::vector<std::uint64_t> powers = {1, 2, 3, 4, 10};
    auto set = keyring(powers).set;
    std::map<core::Address, std::uint64_t> count;
    constexpr std::uint64_t kCycles = 200;
    const std::uint64_t steps = kCycles * set.total_power();
    for (std::uint64_t i = 0; i < steps; ++i) {
        ++count[set.proposer().address];
        set.advance();
    }
    for (const auto& v : set.validators()) {
        const auto expected = static_cast<std::int64_t>(kCycles * v.power);
        EXPECT_NEAR(static_cast<double>(count[v.address]), static_cast<double>(expected), static_cast<double>(set.size()))
            << v.power;
    }
}

TEST(ValidatorSet, AdvanceIsDeterministicAndComposes) {
    const auto start = keyring({7, 1, 300, 42}).set;
    auto a = start;
    a.advance(37);
    a.advance(63);
    EXPECT_EQ(a, start.advanced(100));
    EXPECT_EQ(start.advanced(100), start.advanced(100));
    auto b = start;
    for (int i = 0; i < 100; ++i) b.advance();
    EXPECT_EQ(a, b);
}

TEST(ValidatorSet, PrioritiesStayBounded) {
    auto set = keyring({1, 1000000, 3, 77777}).set;
    const auto total = static_cast<std::int64_t>(set.total_power());
    for (int i = 0; i < 5000; ++i) {
        set.advance();
        std::int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (const auto& v : set.validators()) {
            lo = std::min(lo, v.proposer_priority);
            hi = std::max(hi, v.proposer_priority);
        }
        ASSERT_LE(hi - lo, 3 * total) << "step " << i;
    }
}

TEST(ValidatorSet, ExtremePrioritiesAreRescaledWithoutOverflow) {
    auto set = ValidatorSet::make({member(0, 10, INT64_MAX), member(1, 20, INT64_MIN), member(2, 30, 0)}).value();
    set.advance(10);
    for (const auto& v : set.validators()) EXPECT_LE(std::abs(v.proposer_priority), 4 * 60);
}

TEST(ValidatorSet, HashExcludesPrioritiesAndEncodingKeepsThem) {
    const auto set = keyring({3, 4, 5}).set;
    const auto moved = set.advanced(5);
    EXPECT_EQ(set.hash(), moved.hash());
    EXPECT_NE(set.encode(), moved.encode());
    EXPECT_EQ(ValidatorSet::decode(moved.encode()).value(), moved);
    EXPECT_NE(keyring({3, 4, 6}).set.hash(), set.hash());
    testing::expect_tamper_evident(
        moved.encode(), [](const core::Bytes& b) { return ValidatorSet::decode(b); },
        [](const ValidatorSet& s) { return s.encode(); });
}

TEST(ValidatorSet, UpdateKeepsPrioritiesAndStartsNewcomersLast) {
    const auto previous = keyring({10, 10, 10}).set.advanced(2);
    std::vector<Validator> next(previous.validators().begin(), previous.validators().end());
    next.push_back(member(7, 10));
    const auto updated = ValidatorSet::update(previous, next).value();
    const auto newcomer = *updated.index_of(testing::key(7).address());
    for (std::size_t i = 0; i < updated.size(); ++i) {
        if (i == newcomer) continue;
        EXPECT_GT(updated.validators()[i].proposer_priority, updated.validators()[newcomer].proposer_priority);
    }
    // The others keep their order of priority, shifted by one common amount.
    const auto old0 = previous.validators()[0].proposer_priority - previous.validators()[1].proposer_priority;
    const auto new0 = updated.validators()[*updated.index_of(previous.validators()[0].address)].proposer_priority -
                      updated.validators()[*updated.index_of(previous.validators()[1].address)].proposer_priority;
    EXPECT_EQ(old0, new0);
    std::int64_t sum = 0;
    for (const auto& v : updated.validators()) sum += v.proposer_priority;
    EXPECT_LT(std::abs(sum), static_cast<std::int64_t>(updated.size()));
    EXPECT_NE(updated.proposer().address, testing::key(7).address());
    EXPECT_FALSE(ValidatorSet::update(previous, {}).has_value());
}

}  // namespace
}  // namespace moe::consensus
