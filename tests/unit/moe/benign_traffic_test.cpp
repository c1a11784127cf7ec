// The generated ordinary activity the fraud model trains on (and is evaluated on, held back):
// deterministic, every kind present, typed as the node types transactions.
#include <gtest/gtest.h>

#include <map>
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
    const Dataset d = benign_rows(kHeldBackWorldSeed, 2, 300, &kinds);
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

}  // namespace
}  // namespace moe::nn
