#include <gtest/gtest.h>

#include "rpc/dispatcher.hpp"
#include "rpc/metrics.hpp"

using namespace moe;
using nlohmann::json;

namespace {
node::ConsensusStatus running() {
    node::ConsensusStatus s;
    s.started = true;
    return s;
}
}  // namespace

TEST(Readiness, ReadyWhenRunningWithoutConfiguredPeers) {
    const rpc::Health h = rpc::readiness(running(), node::Head{7, {}});
    EXPECT_TRUE(h.ok);
    EXPECT_EQ(h.body["status"], "ready");
    EXPECT_EQ(h.body["block_number"], 7);
    EXPECT_FALSE(h.body.contains("reason"));
}

TEST(Readiness, NotReadyBeforeConsensusStarts) {
    const rpc::Health h = rpc::readiness(node::ConsensusStatus{}, node::Head{});
    EXPECT_FALSE(h.ok);
    EXPECT_EQ(h.body["status"], "not ready");
    EXPECT_EQ(h.body["reason"], "consensus has not started");
}

TEST(Readiness, NotReadyOnceHalted) {
    node::ConsensusStatus s = running();
    s.halted = true;
    const rpc::Health h = rpc::readiness(s, node::Head{});
    EXPECT_FALSE(h.ok);
    EXPECT_EQ(h.body["reason"], "consensus halted");
}

TEST(Readiness, NeedsAPeerOnlyWhenPeersAreConfigured) {
    node::ConsensusStatus s = running();
    s.persistent_peers = 3;
    rpc::Health h = rpc::readiness(s, node::Head{});
    EXPECT_FALSE(h.ok);
    EXPECT_NE(h.body["reason"].get<std::string>().find("no peer connected"), std::string::npos);
    s.peers.push_back(node::p2p::PeerInfo{});
    h = rpc::readiness(s, node::Head{});
    EXPECT_TRUE(h.ok) << h.body.dump();
    EXPECT_EQ(h.body["peers"], 1);
}

TEST(Readiness, NotReadyWhileSyncing) {
    node::ConsensusStatus s = running();
    s.syncing = true;
    const rpc::Health h = rpc::readiness(s, node::Head{});
    EXPECT_FALSE(h.ok);
    EXPECT_EQ(h.body["reason"], "syncing: a peer is ahead");
}

TEST(LatencyHistogram, CountsEachObservationInTheFirstBucketThatHoldsIt) {
    node::LatencyHistogram h;
    h.observe(0.004);
    h.observe(0.005);  // bounds are inclusive (Prometheus's le)
    h.observe(0.7);
    h.observe(100);  // beyond every bound: only +Inf (the count)
    EXPECT_EQ(h.buckets[0], 2u);
    EXPECT_EQ(h.buckets[7], 1u);  // le=1
    std::uint64_t in_buckets = 0;
    for (std::uint64_t b : h.buckets) in_buckets += b;
    EXPECT_EQ(in_buckets, 3u);
    EXPECT_EQ(h.count, 4u);
    EXPECT_DOUBLE_EQ(h.sum, 0.004 + 0.005 + 0.7 + 100);
}

TEST(Refusal, GethMessagesMapToTheirReasons) {
    EXPECT_EQ(node::refusal_of("txpool is full"), node::Refusal::kFull);
    EXPECT_EQ(node::refusal_of("already known"), node::Refusal::kKnown);
    EXPECT_EQ(node::refusal_of("nonce too low"), node::Refusal::kNonce);
    EXPECT_EQ(node::refusal_of("replacement transaction underpriced"), node::Refusal::kFee);
    EXPECT_EQ(node::refusal_of("max fee per gas less than block base fee"), node::Refusal::kFee);
    EXPECT_EQ(node::refusal_of("insufficient funds for gas * price + value"), node::Refusal::kFunds);
    EXPECT_EQ(node::refusal_of("transaction rejected by fraud screening: risk score 10000 >= reject threshold 10000"),
              node::Refusal::kScreening);
    EXPECT_EQ(node::refusal_of("fraud screening failed: model error"), node::Refusal::kOther);
    EXPECT_EQ(node::refusal_of("invalid sender"), node::Refusal::kInvalid);
    EXPECT_EQ(node::to_string(node::Refusal::kScreening), "screening");
}

TEST(MethodClass, IsTheNamespaceBeforeTheFirstUnderscore) {
    EXPECT_EQ(rpc::method_class("eth_getBalance"), "eth");
    EXPECT_EQ(rpc::method_class("debug_traceTransaction"), "debug");
    EXPECT_EQ(rpc::method_class("unknown"), "unknown");
}

TEST(DispatcherStats, EveryRegisteredMethodAndUnknownExistAtZeroBeforeAnyCall) {
    rpc::Dispatcher d;
    d.add("eth_chainId", [](const json&, rpc::CallContext&) { return json("0x1"); });
    const auto stats = d.stats();
    ASSERT_TRUE(stats.contains("eth_chainId"));
    ASSERT_TRUE(stats.contains(std::string(rpc::kUnknownMethod)));
    EXPECT_EQ(stats.at("eth_chainId").calls, 0u);
    EXPECT_EQ(stats.at(std::string(rpc::kUnknownMethod)).calls, 0u);
    rpc::CallContext ctx;
    (void)d.handle(R"({"jsonrpc":"2.0","id":1,"method":"eth_nothing"})", ctx);
    EXPECT_EQ(d.stats().at(std::string(rpc::kUnknownMethod)).errors, 1u);
}
