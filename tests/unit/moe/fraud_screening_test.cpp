// The shipped fraud model on devnet-like histories: the patterns the end-to-end screening test
// builds with real transactions, and the chain-config thresholds they justify. Each history is
// replayed exactly as the node keeps AccountStats (sender apply_sent, recipient apply_received,
// block time) and the next transaction is screened with both parties' statistics before it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <cstdlib>
#include <vector>

#include "moe/account_stats.hpp"
#include "moe/inference.hpp"
#include "moe/model_file.hpp"

namespace moe::nn {
namespace {

/// A fraud threshold of the devnet preset (chain-config/devnet.json, `models.fraud.NAME`): the
/// tests judge the shipped model at the thresholds the chain applies; 0 if it cannot be read.
std::uint32_t preset_threshold(std::string_view name) {
    std::ifstream in(MOE_SOURCE_DIR "/chain-config/devnet.json");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::size_t key = text.find("\"" + std::string(name) + "\"");
    if (key == std::string::npos) return 0;
    const std::size_t digits = text.find_first_of("0123456789", text.find(':', key));
    return digits == std::string::npos ? 0 : static_cast<std::uint32_t>(std::strtoul(text.c_str() + digits, nullptr, 10));
}

/// A score at or above kFlag is flagged, at or above kReject rejected.
const std::uint32_t kFlag = preset_threshold("flag_score");
const std::uint32_t kReject = preset_threshold("reject_score");

constexpr std::uint64_t kEth = 1'000'000'000;  // in gwei
constexpr std::uint64_t kGenesisTime = 1'700'000'000;

std::optional<MoeModel> shipped_fraud_model() {
    std::ifstream in(MOE_SOURCE_DIR "/chain-config/models/fraud.moe", std::ios::binary);
    if (!in) return std::nullopt;
    const core::Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto m = parse_model(bytes);
    if (!m) return std::nullopt;
    return std::move(*m);
}

/// A devnet of 1-second blocks as the node sees it: per-address statistics and a block clock.
class Devnet {
  public:
    explicit Devnet(MoeEngine& engine) : engine_(engine) {}

    /// Moves the clock on by `blocks` blocks (0: the next transaction shares the block).
    void mine(std::uint64_t blocks) { now_ += blocks; }

    /// The score `from` -> `to` would get now, without applying it.
    [[nodiscard]] std::uint32_t screen(std::uint64_t from, std::uint64_t to, const TxFacts& tx) {
        TxFacts t = tx;
        t.timestamp = now_;
        const FraudFeatures f = fraud_features(t, stats_[from], stats_[to], engine_.model().feature_schema_version);
        auto v = screen_transaction(engine_, f);
        EXPECT_TRUE(v.has_value());
        return v ? v->score : 0;
    }

    /// Screens and commits a transaction; returns its score (also kept in max_score()).
    std::uint32_t send(std::uint64_t from, std::uint64_t to, const TxFacts& tx) {
        const std::uint32_t s = screen(from, to, tx);
        TxFacts t = tx;
        t.timestamp = now_;
        stats_[from].apply_sent(t, to, false);
        stats_[to].apply_received(t, from);
        max_score_ = std::max(max_score_, s);
        return s;
    }

    [[nodiscard]] std::uint32_t max_score() const { return max_score_; }

  private:
    MoeEngine& engine_;
    std::map<std::uint64_t, AccountStats> stats_;
    std::uint64_t now_ = kGenesisTime;
    std::uint32_t max_score_ = 0;
};

/// A plain ether transfer as ethers.js sends it to an externally owned account.
TxFacts transfer(std::uint64_t gwei) {
    TxFacts t;
    t.value_gwei = gwei;
    t.gas_limit = 21000;
    return t;
}

// Addresses: the ten funded test accounts and wallets created by the test (keys are arbitrary).
constexpr std::uint64_t kTest = 0xa000;  // kTest + 0..9
constexpr std::uint64_t kSender = 0x5e00;
constexpr std::uint64_t kPhisher = 0xbad0;
constexpr std::uint64_t kFresh = 0xf000;

class FraudScreening : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        model_ = shipped_fraud_model();
        if (model_) engine_.emplace(*model_);
    }
    void SetUp() override {
        ASSERT_TRUE(model_.has_value()) << "chain-config/models/fraud.moe missing or invalid";
        ASSERT_TRUE(kFlag > 0 && kFlag <= kReject && kReject <= 10000) << "the devnet preset's flag_score " << kFlag << " and reject_score "
                                                                        << kReject;
    }

    static std::optional<MoeModel> model_;
    static std::optional<MoeEngine> engine_;
};
std::optional<MoeModel> FraudScreening::model_;
std::optional<MoeEngine> FraudScreening::engine_;

/// The sender of the screened transfers: a new wallet funded with 2 ETH by a test account
/// `age` blocks earlier ("a fresh account" on a devnet: it cannot send before it is funded).
void fund_sender(Devnet& net, std::uint64_t sender, std::uint64_t age) {
    net.send(kTest + 9, sender, transfer(2 * kEth));
    net.mine(age);
}

TEST_F(FraudScreening, BaselineTransfersFromAFreshAccountStayBelowTheFlagThreshold) {
    for (std::uint64_t value : {std::uint64_t{0}, kEth / 100, kEth}) {
        for (std::uint64_t age : {1, 3, 10}) {
            Devnet net(*engine_);
            fund_sender(net, kSender, age);
            const std::uint32_t to_fresh = net.screen(kSender, kFresh, transfer(value));
            std::printf("baseline: funded wallet (age %llu blocks) sends %.2f ETH to a fresh address: %u\n",
                        static_cast<unsigned long long>(age), static_cast<double>(value) / kEth, to_fresh);
            EXPECT_LT(to_fresh, kFlag);
        }
    }
    // An untouched genesis test account (no statistics at all) sending 1 ETH to a fresh address.
    Devnet net(*engine_);
    const std::uint32_t genesis_to_fresh = net.screen(kTest, kFresh, transfer(kEth));
    std::printf("baseline: untouched test account sends 1 ETH to a fresh address: %u\n", genesis_to_fresh);
    EXPECT_LT(genesis_to_fresh, kReject);
}

/// Ordinary devnet traffic is recorded, not asserted: with 1-second blocks the model scores much
/// of it high (the training data has gaps of minutes to days), which the thresholds must live with.
TEST_F(FraudScreening, RecordsOrdinaryDevnetTraffic) {
    Devnet net(*engine_);
    std::vector<std::uint32_t> scores;
    for (std::uint64_t i = 0; i < 40; ++i) {
        scores.push_back(net.send(kTest + i % 10, kTest + (i * 3 + 1) % 10, transfer(kEth)));
        net.mine(1);
    }
    std::sort(scores.begin(), scores.end());
    std::printf("ordinary: 40 x 1 ETH among the test accounts: min %u median %u max %u\n", scores.front(), scores[scores.size() / 2],
                scores.back());
    std::printf("ordinary: a test account after 8 transfers sends 1 ETH to another: %u\n", net.screen(kTest + 1, kTest + 2, transfer(kEth)));
    fund_sender(net, kSender, 2);
    const std::uint32_t to_busy = net.screen(kSender, kTest + 2, transfer(kEth));
    std::printf("ordinary: a funded wallet sends 1 ETH to a test account after 8 transfers: %u\n", to_busy);
}

/// Recipe "split": a test account sends the phisher 0.1 ETH; one block later the phisher splits
/// it in three 0.03 ETH transfers to three fresh addresses (one block, or one per block).
void split_history(Devnet& net, std::uint64_t spread) {
    net.send(kTest + 0, kPhisher, transfer(kEth / 10));
    net.mine(1);
    for (std::uint64_t i = 0; i < 3; ++i) {
        net.send(kPhisher, kFresh + 1 + i, transfer(3 * kEth / 100));
        net.mine(spread);
    }
}

/// Recipe "sweep": eight test accounts send the phisher 0.001 ETH each (same or successive
/// blocks), then the phisher sweeps 0.0072 ETH out to one fresh address.
void sweep_history(Devnet& net, std::uint64_t spread) {
    for (std::uint64_t i = 0; i < 8; ++i) {
        net.send(kTest + i, kPhisher, transfer(kEth / 1000));
        net.mine(spread);
    }
    net.mine(1);
    net.send(kPhisher, kFresh + 1, transfer(72 * kEth / 10000));
}

TEST_F(FraudScreening, SplitHistoryIsOrdinaryUse) {
    std::uint32_t lowest = 10000;
    for (std::uint64_t spread : {0, 1}) {
        for (std::uint64_t age : {2, 3, 5}) {
            for (std::uint64_t wait : {1, 2, 3}) {
                Devnet net(*engine_);
                split_history(net, spread);
                const std::uint32_t setup = net.max_score();
                fund_sender(net, kSender, age);
                net.mine(wait);
                const std::uint32_t normal = net.screen(kSender, kFresh + 10, transfer(kEth / 100));
                const std::uint32_t phished = net.screen(kSender, kPhisher, transfer(kEth / 100));
                std::printf("split spread %llu age %llu wait %llu: setup max %u, 0.01 ETH to phisher %u, to fresh %u\n",
                            static_cast<unsigned long long>(spread), static_cast<unsigned long long>(age),
                            static_cast<unsigned long long>(wait), setup, phished, normal);
                // The retrained model (issue 13) no longer calls a payment to this address
                // risky: a test account's 0.1 ETH split in three payments is what ordinary
                // users of a devnet do, and the benign worlds it trained on show it. Neither
                // payment is flagged; the figures are printed for the README.
                EXPECT_LT(phished, kFlag);
                EXPECT_LT(normal, kFlag);
                lowest = std::min(lowest, phished);
            }
        }
    }
    std::printf("split: lowest phisher score %u\n", lowest);
}

TEST_F(FraudScreening, PaymentsToASweeperAreRejectedAndTheSweepIsFlagged) {
    std::uint32_t lowest = 10000;
    int rejected = 0, payments = 0;
    for (std::uint64_t spread : {0, 1}) {
        for (std::uint64_t age : {2, 3, 5}) {
            for (std::uint64_t wait : {1, 2, 3}) {
                Devnet net(*engine_);
                sweep_history(net, spread);
                const std::uint32_t setup = net.max_score();
                fund_sender(net, kSender, age);
                net.mine(wait);
                const std::uint32_t normal = net.screen(kSender, kFresh + 10, transfer(0));
                const std::uint32_t phished = net.screen(kSender, kPhisher, transfer(0));
                const std::uint32_t phished_value = net.screen(kSender, kPhisher, transfer(kEth / 100));
                std::printf("sweep spread %llu age %llu wait %llu: setup max %u, 0 ETH to phisher %u, 0.01 ETH %u, to fresh %u\n",
                            static_cast<unsigned long long>(spread), static_cast<unsigned long long>(age),
                            static_cast<unsigned long long>(wait), setup, phished, phished_value, normal);
                // Issue 13: the drainer's own sweep (nearly all it collected from eight accounts,
                // passed on within seconds) is flagged, and every payment to it afterwards is
                // rejected, whatever the value, at the reject threshold validation chose (decision
                // 005; features schema 3 and drainers some of whose victims pay nothing); the same
                // sender paying a fresh address is not even flagged.
                EXPECT_GE(setup, kFlag) << "the sweep itself";
                EXPECT_LT(normal, kFlag);
                EXPECT_GE(phished, kReject);
                EXPECT_GE(phished_value, kReject);
                rejected += (phished >= kReject ? 1 : 0) + (phished_value >= kReject ? 1 : 0);
                payments += 2;
                lowest = std::min({lowest, phished, phished_value});
            }
        }
    }
    std::printf("sweep: lowest score of a payment to the sweeper %u; %d of %d payments at or above the reject threshold %u\n", lowest,
                rejected, payments, kReject);
}

}  // namespace
}  // namespace moe::nn
