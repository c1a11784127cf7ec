// The generated ordinary activity the fraud model trains on (and is evaluated on, held back):
// deterministic, every kind present, typed as the node types transactions.
#include <gtest/gtest.h>

#include <map>
#include <tuple>
#include <set>

#include "moe/account_stats.hpp"
#include "moe/offline/benign_traffic.hpp"

namespace moe::nn {
namespace {

TEST(BenignTraffic, AWorldIsTheSameFromTheSameSeedAndDiffersFromAnother) {
    const auto a = benign_world(3, 400), b = benign_world(3, 400), c = benign_world(4, 400);
    ASSERT_EQ(a.size(), 400u);
    ASSERT_EQ(b.size(), 400u);
    bool same = true, differs = false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        same = same && a[i].from == b[i].from && a[i].to == b[i].to && a[i].facts.value_gwei == b[i].facts.value_gwei &&
               a[i].facts.timestamp == b[i].facts.timestamp && a[i].failed == b[i].failed;
        differs = differs || a[i].from != c[i].from || a[i].facts.value_gwei != c[i].facts.value_gwei;
    }
    EXPECT_TRUE(same);
    EXPECT_TRUE(differs);
}

TEST(BenignTraffic, EveryKindOccursAndTransactionsAreTypedAsTheNodeTypesThem) {
    std::set<BenignKind> kinds;
    std::map<TxType, int> types;
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
        for (const TrafficEvent& e : benign_world(seed, 1000)) {
            kinds.insert(e.kind);
            ++types[e.facts.type];
            const bool token_selector = e.facts.selector == 0xa9059cbb || e.facts.selector == 0x23b872dd;
            if (e.facts.is_create) {
                EXPECT_EQ(e.facts.type, TxType::kDeployment);
                EXPECT_EQ(e.to, 0u);  // screened against the zero address, as on the chain
                EXPECT_NE(e.created, 0u);
                EXPECT_FALSE(e.facts.recipient_is_contract);
            } else if (e.facts.data_size >= 4 && token_selector) {
                EXPECT_EQ(e.facts.type, TxType::kTokenTransfer);
                EXPECT_EQ(e.facts.token, e.to);
            } else if (e.facts.data_size > 0) {
                EXPECT_EQ(e.facts.type, TxType::kContractCall);
            } else {
                EXPECT_EQ(e.facts.type, TxType::kTransfer);
            }
            EXPECT_GE(e.facts.gas_limit, 21'000u);
        }
    }
    EXPECT_EQ(kinds.size(), static_cast<std::size_t>(kBenignKinds));
    EXPECT_EQ(types.size(), static_cast<std::size_t>(kTxTypes));
}

TEST(BenignTraffic, RowsAreBenignGroupedByWorldAndInRange) {
    std::vector<BenignKind> kinds;
    const Dataset d = benign_rows(kHeldBackWorldSeed, 2, 300, kFraudFeatureSchema, &kinds);
    ASSERT_EQ(d.rows(), 600);
    EXPECT_EQ(d.num_features, kFraudFeatures);
    EXPECT_EQ(kinds.size(), 600u);
    for (int r = 0; r < d.rows(); ++r) {
        EXPECT_EQ(d.y[static_cast<std::size_t>(r)], 0);
        EXPECT_EQ(d.groups[static_cast<std::size_t>(r)], kHeldBackWorldSeed + static_cast<std::uint64_t>(r / 300));
    }
    for (float v : d.x) {
        ASSERT_GE(v, 0.0f);
        ASSERT_LE(v, 1.0f);
    }
}

TEST(DrainerTraffic, DrainersCollectFromManySendersAndPassOnNearlyAllOfIt) {
    // A drainer world is a benign world with drainers added: the same kinds of activity around them.
    const auto a = drainer_world(kTrainDrainerSeed, 3000), b = drainer_world(kTrainDrainerSeed, 3000);
    ASSERT_EQ(a.size(), 3000u);
    std::map<std::uint64_t, AccountStats> stats;
    std::map<std::uint64_t, bool> drainer;
    std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> swept_at;  // received, sent after a drainer's last sweep
    int payments = 0, visible = 0, sweeps = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const TrafficEvent& e = a[i];
        EXPECT_EQ(e.from, b[i].from);
        EXPECT_EQ(e.facts.value_gwei, b[i].facts.value_gwei);
        EXPECT_TRUE(!e.drainer_visible || e.drainer);
        if (e.drainer) {
            EXPECT_EQ(e.facts.type, TxType::kTransfer);
            if (drainer.contains(e.from)) {
                ++sweeps;
                // Visible once kDrainerVisibleVictims distinct accounts have paid it.
                EXPECT_EQ(e.drainer_visible, stats[e.from].in_peers.estimate() >= kDrainerVisibleVictims);
            } else {
                drainer[e.to] = true;
                ++payments;
                // A payment is visible once its drainer has swept before it, and only then.
                if (e.drainer_visible) {
                    EXPECT_GT(stats[e.to].sent, 0u);
                }
            }
            visible += e.drainer_visible ? 1 : 0;
        }
        const std::uint64_t recipient = e.created != 0 ? e.created : e.to;
        stats[e.from].apply_sent(e.facts, recipient, e.failed);
        if (recipient != e.from) stats[recipient].apply_received(e.facts, e.from);
        if (e.drainer && drainer.contains(e.from)) swept_at[e.from] = {stats[e.from].received_gwei, stats[e.from].sent_gwei};
    }
    EXPECT_GT(payments, 20);
    EXPECT_GT(sweeps, 3);
    EXPECT_GT(visible, payments / 3);
    // What the drainers did, as their statistics show it: by each sweep, most of what had come
    // in went out, and they heard from several distinct senders.
    std::uint64_t in = 0, out = 0;
    int many_senders = 0;
    for (const auto& [d, at] : swept_at) {
        in += at.first;
        out += at.second;
    }
    for (const auto& [d, _] : drainer) many_senders += stats[d].in_peers.estimate() >= kDrainerVisibleVictims ? 1 : 0;
    EXPECT_GE(out * 100, in * 85);
    EXPECT_LE(out, in);
    EXPECT_GT(many_senders, 0);
    // Benign worlds stay what they were: no drainers in them.
    for (const TrafficEvent& e : benign_world(kTrainDrainerSeed, 1000)) EXPECT_FALSE(e.drainer);
}

TEST(DrainerTraffic, TheZeroValueFamilyHasVictimsWhoPayNothingPlainOrByACall) {
    // Per family, of the victims' payments (a drainer event not sent by a drainer): how many
    // carried no value, and how many of those were calls.
    auto count = [](int family) {
        std::map<std::uint64_t, bool> drainer;
        int payments = 0, zero = 0, calls = 0;
        for (const TrafficEvent& e : drainer_world(kTrainDrainerSeed, 5000, family)) {
            if (!e.drainer || drainer.contains(e.from)) continue;
            drainer[e.to] = true;
            ++payments;
            zero += e.facts.value_gwei == 0 ? 1 : 0;
            calls += e.facts.type == TxType::kContractCall ? 1 : 0;
            if (e.facts.type == TxType::kContractCall) {
                EXPECT_EQ(e.facts.value_gwei, 0u);
                EXPECT_FALSE(e.facts.recipient_is_contract);
                EXPECT_GE(e.facts.data_size, 4u);
            }
        }
        return std::tuple{payments, zero, calls};
    };
    const auto [ether_payments, ether_zero, ether_calls] = count(kDrainerFamilyEther);
    const auto [payments, zero, calls] = count(kDrainerFamilyZeroValue);
    ASSERT_GT(ether_payments, 100);
    ASSERT_GT(payments, 100);
    EXPECT_EQ(ether_calls, 0);
    EXPECT_LT(ether_zero * 10, ether_payments);  // about 6%
    EXPECT_GT(zero * 10, payments);              // each drainer 0 to 50%: about a quarter
    EXPECT_GT(calls, 0);
    EXPECT_LT(calls, zero);
}

TEST(DrainerTraffic, RowsAreTheDrainersVisibleTransactionsLabelledFraud) {
    const Dataset d = drainer_rows(kHeldBackDrainerSeed, 2, 1000, kFraudFeatureSchema);
    ASSERT_GT(d.rows(), 10);
    EXPECT_EQ(d.num_features, kFraudFeatures);
    for (int r = 0; r < d.rows(); ++r) {
        EXPECT_EQ(d.y[static_cast<std::size_t>(r)], 1);
        EXPECT_GE(d.groups[static_cast<std::size_t>(r)], kHeldBackDrainerSeed);
    }
}

}  // namespace
}  // namespace moe::nn
