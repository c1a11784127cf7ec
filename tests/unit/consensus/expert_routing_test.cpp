#include <gtest/gtest.h>

#include "consensus/expert_committees.hpp"
#include "consensus/routing.hpp"
#include "core/rlp.hpp"
#include "test_keys.hpp"

namespace moe::consensus {
namespace {

using testing::keyring;

const auto kDecodeCommittees = [](const core::Bytes& b) { return ExpertCommittees::decode(b); };
const auto kEncodeCommittees = [](const ExpertCommittees& c) { return c.encode(); };

ExpertHost host(const core::Address& a, std::vector<std::uint32_t> experts) {
    return ExpertHost{.validator = a, .power = 0, .experts = std::move(experts)};
}

// Four validators of powers 1..4 (in address order after sorting by the set).
struct Fixture {
    testing::Keyring ring = keyring({1, 2, 3, 4});
    const core::Address& a(std::size_t i) const { return ring.set.validators()[i].address; }
    std::uint64_t p(std::size_t i) const { return ring.set.validators()[i].power; }
};

TEST(ExpertCommittees, CommitteesAreTheSetsHostsInAddressOrderWithTheSetsPower) {
    const Fixture f;
    const auto outsider = testing::key(99).address();
    // Hosts given out of order, one twice, one outside the set, ids unsorted and repeated.
    const auto c = ExpertCommittees::build(
        f.ring.set, {host(f.a(2), {7, 3, 3}), host(f.a(0), {3}), host(outsider, {3, 7}), host(f.a(2), {9}), host(f.a(1), {})},
        1);
    ASSERT_EQ(c.committee(3).size(), 2u);
    EXPECT_EQ(c.committee(3)[0], (CommitteeMember{f.a(0), f.p(0)}));
    EXPECT_EQ(c.committee(3)[1], (CommitteeMember{f.a(2), f.p(2)}));
    EXPECT_EQ(c.committee_power(3), f.p(0) + f.p(2));
    EXPECT_EQ(c.experts_of(f.a(2)), (std::vector<std::uint32_t>{3, 7, 9}));
    EXPECT_TRUE(c.experts_of(f.a(1)).empty());
    EXPECT_TRUE(c.experts_of(outsider).empty());
    EXPECT_EQ(c.served_experts(), (std::vector<std::uint32_t>{3, 7, 9}));
    EXPECT_EQ(c.hosts().size(), 2u);  // the validator with no ids is not a host
}

TEST(ExpertCommittees, ExpertWithTooFewHostsIsUnservedAndRoutedAround) {
    const Fixture f;
    // Expert 0: three hosts; expert 1: one host; expert 2: two hosts; expert 3: nobody.
    const std::vector<ExpertHost> hosts{host(f.a(0), {0, 1, 2}), host(f.a(1), {0, 2}), host(f.a(2), {0})};
    const auto c = ExpertCommittees::build(f.ring.set, hosts, 2);
    EXPECT_TRUE(c.served(0));
    EXPECT_FALSE(c.served(1));
    EXPECT_TRUE(c.served(2));
    EXPECT_FALSE(c.served(3));
    EXPECT_TRUE(c.committee(1).empty());
    EXPECT_EQ(c.committee_power(1), 0u);
    EXPECT_EQ(c.hosts_of(1).size(), 1u);  // still visible for observability
    EXPECT_EQ(c.served_experts(), (std::vector<std::uint32_t>{0, 2}));
    // Expert 1 has the best logit but is skipped; 3 has no host at all.
    const std::vector<std::int32_t> logits{5, 100, 7, 50};
    EXPECT_EQ(rank_experts(logits, c), (std::vector<std::uint32_t>{2, 0}));
    // With a minimum of 1 (and 0, read as 1) expert 1 is served, 3 never is.
    EXPECT_EQ(rank_experts(logits, ExpertCommittees::build(f.ring.set, hosts, 1)), (std::vector<std::uint32_t>{1, 2, 0}));
    EXPECT_EQ(rank_experts(logits, ExpertCommittees::build(f.ring.set, hosts, 0)), (std::vector<std::uint32_t>{1, 2, 0}));
}

TEST(ExpertCommittees, KeepsAtMostSixteenLowestIdsPerValidator) {
    const Fixture f;
    std::vector<std::uint32_t> ids;
    for (std::uint32_t i = 20; i > 0; --i) ids.push_back(i);
    const auto c = ExpertCommittees::build(f.ring.set, {host(f.a(0), ids)}, 1);
    EXPECT_EQ(c.experts_of(f.a(0)).size(), kMaxExpertsPerValidator);
    EXPECT_TRUE(c.served(16));
    EXPECT_FALSE(c.served(17));
}

TEST(ExpertCommittees, RoundTripsAndRefusesEveryTruncationAndFlip) {
    const Fixture f;
    const auto c = ExpertCommittees::build(f.ring.set, {host(f.a(0), {0, 1}), host(f.a(3), {1, 70000})}, 2);
    const auto decoded = ExpertCommittees::decode(c.encode()).value();
    EXPECT_EQ(decoded, c);
    EXPECT_EQ(decoded.served_experts(), c.served_experts());
    EXPECT_EQ(decoded.committee(1), c.committee(1));
    EXPECT_EQ(decoded.hash(), c.hash());
    EXPECT_NE(ExpertCommittees::build(f.ring.set, {host(f.a(0), {0, 1}), host(f.a(3), {1, 70000})}, 1).hash(), c.hash());
    testing::expect_tamper_evident(c.encode(), kDecodeCommittees, kEncodeCommittees);
}

core::Bytes committees_bytes(std::uint64_t min, const std::vector<std::tuple<core::Address, std::uint64_t, std::vector<std::uint64_t>>>& hosts) {
    core::Bytes list;
    for (const auto& [a, power, ids] : hosts) {
        core::Bytes item;
        core::rlp::encode(item, a);
        core::rlp::encode(item, power);
        core::Bytes id_list;
        for (const auto id : ids) core::rlp::encode(id_list, id);
        const auto wrapped = core::rlp::wrap_list(id_list);
        item.insert(item.end(), wrapped.begin(), wrapped.end());
        const auto w = core::rlp::wrap_list(item);
        list.insert(list.end(), w.begin(), w.end());
    }
    core::Bytes p;
    core::rlp::encode(p, min);
    const auto w = core::rlp::wrap_list(list);
    p.insert(p.end(), w.begin(), w.end());
    return core::rlp::wrap_list(p);
}

TEST(ExpertCommittees, DecodeRefusesUnorderedHostsIdsAndBadPower) {
    const Fixture f;
    const auto lo = std::min(f.a(0), f.a(1));
    const auto hi = std::max(f.a(0), f.a(1));
    EXPECT_TRUE(ExpertCommittees::decode(committees_bytes(1, {{lo, 1, {1}}, {hi, 1, {2}}})).has_value());
    EXPECT_FALSE(ExpertCommittees::decode(committees_bytes(1, {{hi, 1, {1}}, {lo, 1, {2}}})).has_value());
    EXPECT_FALSE(ExpertCommittees::decode(committees_bytes(1, {{lo, 1, {1}}, {lo, 1, {2}}})).has_value());
    EXPECT_FALSE(ExpertCommittees::decode(committees_bytes(1, {{lo, 1, {2, 1}}})).has_value());
    EXPECT_FALSE(ExpertCommittees::decode(committees_bytes(1, {{lo, 1, {1, 1}}})).has_value());
    EXPECT_FALSE(ExpertCommittees::decode(committees_bytes(1, {{lo, 1, {}}})).has_value());
    EXPECT_FALSE(ExpertCommittees::decode(committees_bytes(1, {{lo, 0, {1}}})).has_value());
    EXPECT_FALSE(ExpertCommittees::decode(committees_bytes(1, {{lo, 1, {std::uint64_t{1} << 32}}})).has_value());
    std::vector<std::uint64_t> seventeen;
    for (std::uint64_t i = 0; i < 17; ++i) seventeen.push_back(i);
    EXPECT_FALSE(ExpertCommittees::decode(committees_bytes(1, {{lo, 1, seventeen}})).has_value());
    seventeen.pop_back();
    EXPECT_TRUE(ExpertCommittees::decode(committees_bytes(1, {{lo, 1, seventeen}})).has_value());
}

TEST(Routing, RankingIsDescendingLogitWithTiesToTheLowerId) {
    const Fixture f;
    const auto c = ExpertCommittees::build(f.ring.set, {host(f.a(0), {0, 1, 2, 3, 4})}, 1);
    const std::vector<std::int32_t> logits{-5, 9, 9, -5, 12};
    EXPECT_EQ(rank_experts(logits, c), (std::vector<std::uint32_t>{4, 1, 2, 0, 3}));
    const std::vector<std::int32_t> equal{0, 0, 0, 0, 0};
    EXPECT_EQ(rank_experts(equal, c), (std::vector<std::uint32_t>{0, 1, 2, 3, 4}));
    EXPECT_TRUE(rank_experts({}, c).empty());
}

// Top-k without a capacity: the gate alone decides.
RoutingRule no_limit(std::uint32_t k) { return RoutingRule{.top_k = k, .capacity_percent = 0, .served = 8}; }

TEST(Routing, CapacityIsTheFairShareOfThePlacedTransactionsRoundedUp) {
    const RoutingRule r{.top_k = 2, .capacity_percent = 125, .served = 8};
    // ceil((i + 1) * 2 * 125 / 800): 1 until the 4th transaction, then 2, 3 at the 7th...
    EXPECT_EQ(r.capacity(0), 1u);
    EXPECT_EQ(r.capacity(2), 1u);
    EXPECT_EQ(r.capacity(3), 2u);
    EXPECT_EQ(r.capacity(6), 3u);
    EXPECT_EQ(r.capacity(99), 32u);  // 200 slots over 8 experts is 25 each; 1.25x that, rounded up
    EXPECT_EQ((RoutingRule{.top_k = 2, .capacity_percent = 0, .served = 8}.capacity(5)), 0u);  // no limit
    EXPECT_EQ((RoutingRule{.top_k = 2, .capacity_percent = 125, .served = 0}.capacity(5)), 0u);
    EXPECT_EQ((RoutingRule{.top_k = 1, .capacity_percent = 10000, .served = 1}.capacity(~std::size_t{0} >> 1)),
              ~std::uint32_t{0});  // saturates
    // Counted over a planned 100 transactions, the first placed has the room of the hundredth,
    // and past the plan the count is the placed ones again.
    const RoutingRule planned{.top_k = 2, .capacity_percent = 125, .served = 8, .planned = 100};
    EXPECT_EQ(planned.capacity(0), 32u);
    EXPECT_EQ(planned.capacity(99), 32u);
    EXPECT_EQ(planned.capacity(199), 63u);
}

TEST(Routing, FullExpertOverflowsToTheNextRank) {
    // k = 1 over 3 served experts at 100%: capacity ceil((i + 1) / 3), 1 for the first three
    // transactions. All prefer 0, then 1, then 2.
    const RoutingRule one{.top_k = 1, .capacity_percent = 100, .served = 3};
    const std::vector<RoutingRequest> same(3, RoutingRequest{.ranking = {0, 1, 2}, .failover = 0});
    const auto plan = RoutingPlan::assign(same, one);
    EXPECT_EQ(plan.experts, (std::vector<std::vector<std::uint32_t>>{{0}, {1}, {2}}));
    EXPECT_EQ(plan.load, (std::map<std::uint32_t, std::uint32_t>{{0, 1}, {1, 1}, {2, 1}}));
    // The fourth finds room again: the capacity grew to 2 with it.
    const std::vector<RoutingRequest> four(4, RoutingRequest{.ranking = {0, 1, 2}, .failover = 0});
    EXPECT_EQ(RoutingPlan::assign(four, one).experts[3], (std::vector<std::uint32_t>{0}));
    // A ranking without room anywhere gets nothing: here it lists only the full expert 0.
    RoutingPlan p(one);
    p.add({.ranking = {0}, .failover = 0});
    EXPECT_TRUE(p.preview({.ranking = {0}, .failover = 0}).empty());
    // No limit: everyone gets its first choice.
    EXPECT_EQ(RoutingPlan::assign(four, no_limit(1)).load, (std::map<std::uint32_t, std::uint32_t>{{0, 4}}));
}

TEST(Routing, AnsweredExpertsDecideTheOverflowButNotTheFirstChoices) {
    // k = 2 over 4 served experts at 100%: capacity ceil((i + 1) / 2), 1 for the first two.
    const RoutingRule two{.top_k = 2, .capacity_percent = 100, .served = 4};
    RoutingPlan p(two);
    p.add({.ranking = {0, 1, 2, 3}, .failover = 0});  // takes 0 and 1, both now full
    // Without answers known (a validator predicting its pool) the next overflows to 2 and 3.
    EXPECT_EQ(p.preview({.ranking = {0, 1, 2, 3}, .failover = 0}), (std::vector<std::uint32_t>{2, 3}));
    // In a block, an overflow choice nobody answered for is passed over like a full one.
    EXPECT_EQ(p.preview({.ranking = {0, 1, 2, 3}, .failover = 0, .answered = std::vector<std::uint32_t>{0, 1, 3}}),
              (std::vector<std::uint32_t>{3}));
    EXPECT_TRUE(p.preview({.ranking = {0, 1, 2, 3}, .failover = 0, .answered = std::vector<std::uint32_t>{0, 1}}).empty());
    // A first choice with room whose committee was silent leaves the transaction without
    // experts (it waits, or fails over), even when later ranks answered.
    RoutingPlan fresh(two);
    EXPECT_TRUE(fresh.preview({.ranking = {0, 1, 2, 3}, .failover = 0, .answered = std::vector<std::uint32_t>{0, 2, 3}}).empty());
    EXPECT_EQ(fresh.preview({.ranking = {0, 1, 2, 3}, .failover = 0, .answered = std::vector<std::uint32_t>{0, 1, 2, 3}}),
              (std::vector<std::uint32_t>{0, 1}));
    // Failed over by two ranks, the first choices are 2 and 3.
    EXPECT_EQ(fresh.preview({.ranking = {0, 1, 2, 3}, .failover = 2, .answered = std::vector<std::uint32_t>{2, 3}}),
              (std::vector<std::uint32_t>{2, 3}));
}

TEST(Routing, OneTransactionTypeIsSpreadOverEveryExpert) {
    // 100 transactions that the gate ranks alike (every transfer prefers 6, then 7, ...): top-2
    // over 8 served experts at 125%. Without capacity experts 6 and 7 take all of them.
    const std::vector<std::uint32_t> ranking{6, 7, 2, 0, 5, 1, 3, 4};
    const std::vector<RoutingRequest> transfers(100, RoutingRequest{.ranking = ranking, .failover = 0});
    const RoutingRule rule{.top_k = 2, .capacity_percent = 125, .served = 8};
    const auto plan = RoutingPlan::assign(transfers, rule);
    // The fair share is 25 each; no expert takes more than 1.25x (32), the gate's favourites
    // fill first and the least favoured get the rest, and everyone gets two experts.
    ASSERT_EQ(plan.load.size(), 8u);
    std::uint32_t total = 0;
    for (const auto& [e, n] : plan.load) {
        EXPECT_LE(n, 32u) << "expert " << e;
        total += n;
    }
    EXPECT_EQ(total, 200u);
    EXPECT_EQ(plan.load.at(6), 32u);
    EXPECT_EQ(plan.load.at(7), 32u);
    for (const auto& experts : plan.experts) EXPECT_EQ(experts.size(), 2u);
    // At 100% the plan is exactly fair: 25 each.
    const auto fair = RoutingPlan::assign(transfers, RoutingRule{.top_k = 2, .capacity_percent = 100, .served = 8});
    for (const auto& [e, n] : fair.load) EXPECT_EQ(n, 25u) << "expert " << e;
    // Every prefix is balanced too: no expert ever holds more than the capacity of that prefix.
    RoutingPlan prefix(rule);
    for (std::size_t i = 0; i < transfers.size(); ++i) {
        prefix.add(transfers[i]);
        for (const auto& [e, n] : prefix.load) EXPECT_LE(n, rule.capacity(i));
    }
    EXPECT_EQ(RoutingPlan::assign(transfers, no_limit(2)).load,
              (std::map<std::uint32_t, std::uint32_t>{{6, 100}, {7, 100}}));
}

TEST(Routing, ATransactionsExpertsDependOnlyOnThoseBeforeIt) {
    // What lets a proposer plan its block one transaction at a time, and a validator predict it.
    const RoutingRule rule{.top_k = 2, .capacity_percent = 100, .served = 4};
    const std::vector<RoutingRequest> reqs{{.ranking = {0, 1, 2, 3}, .failover = 0},
                                           {.ranking = {0, 1, 2, 3}, .failover = 0},
                                           {.ranking = {1, 0, 3, 2}, .failover = 0}};
    const auto whole = RoutingPlan::assign(reqs, rule);
    // Token-major: each transaction takes its k before the next; tx1 finds 0 and 1 full.
    EXPECT_EQ(whole.experts, (std::vector<std::vector<std::uint32_t>>{{0, 1}, {2, 3}, {1, 0}}));
    RoutingPlan step(rule);
    for (std::size_t i = 0; i < reqs.size(); ++i) {
        EXPECT_EQ(step.preview(reqs[i]), whole.experts[i]);
        step.add(reqs[i]);
    }
    // Uncapped top-2 in rank order; a ranking listing an expert twice does not count it twice.
    EXPECT_EQ(RoutingPlan::assign(reqs, no_limit(2)).experts[2], (std::vector<std::uint32_t>{1, 0}));
    const std::vector<RoutingRequest> twice{{.ranking = {3, 3, 4}, .failover = 0}};
    EXPECT_EQ(RoutingPlan::assign(twice, no_limit(2)).experts[0], (std::vector<std::uint32_t>{3, 4}));
}

TEST(Routing, FailoverSkipsOneRankPerSilentPeriod) {
    EXPECT_EQ(failover_rank(10, 10, 3), 0u);
    EXPECT_EQ(failover_rank(10, 12, 3), 0u);
    EXPECT_EQ(failover_rank(10, 13, 3), 1u);
    EXPECT_EQ(failover_rank(10, 15, 3), 1u);
    EXPECT_EQ(failover_rank(10, 16, 3), 2u);
    EXPECT_EQ(failover_rank(10, 5, 3), 0u);    // seen "after" the height: nothing skipped
    EXPECT_EQ(failover_rank(0, 1000, 0), 0u);  // failover off
    EXPECT_EQ(failover_rank(0, ~std::uint64_t{0}, 1), ~std::uint32_t{0});

    // The skipped ranks are not used; the plan then continues down the ranking.
    const std::vector<RoutingRequest> reqs{{.ranking = {5, 6, 7, 8}, .failover = failover_rank(10, 16, 3)}};
    EXPECT_EQ(RoutingPlan::assign(reqs, no_limit(2)).experts[0], (std::vector<std::uint32_t>{7, 8}));
    const std::vector<RoutingRequest> past_end{{.ranking = {5, 6}, .failover = 9}};
    EXPECT_TRUE(RoutingPlan::assign(past_end, no_limit(2)).experts[0].empty());
}

}  // namespace
}  // namespace moe::consensus
