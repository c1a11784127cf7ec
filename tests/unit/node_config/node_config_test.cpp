#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "node/node_config.hpp"

using namespace moe::node;
namespace fs = std::filesystem;

namespace {
class NodeConfigTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("moe_node_config_" + std::to_string(::getpid()) + "_" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path write(const std::string& text) {
        const fs::path p = dir_ / "config.json";
        std::ofstream(p) << text;
        return p;
    }
    fs::path dir_;
};
}  // namespace

TEST_F(NodeConfigTest, SaveThenLoadGivesTheSameSettings) {
    NodeConfig c;
    c.rpc_port = 9545;
    c.block_interval_ms = 250;
    c.instant_blocks = true;
    c.mempool_max_transactions = 65'536;
    c.mempool_max_per_sender = 4'096;
    c.log_level = log::Level::kDebug;
    ASSERT_TRUE(save_node_config(c, dir_ / "config.json").has_value());
    auto loaded = load_node_config(dir_ / "config.json");
    ASSERT_TRUE(loaded.has_value()) << loaded.error();
    EXPECT_EQ(loaded->rpc_port, 9545);
    EXPECT_EQ(loaded->block_interval_ms, 250u);
    EXPECT_TRUE(loaded->instant_blocks);
    EXPECT_EQ(loaded->mempool_max_transactions, 65'536u);
    EXPECT_EQ(loaded->mempool_max_per_sender, 4'096u);
    EXPECT_EQ(loaded->log_level, log::Level::kDebug);
    EXPECT_EQ(loaded->rpc_host, "127.0.0.1");
}

TEST_F(NodeConfigTest, PeersSurviveSaveAndLoad) {
    NodeConfig c;
    c.persistent_peers = {"127.0.0.1:36657", "node-2.local:36658"};
    c.p2p_max_peers = 7;
    ASSERT_TRUE(save_node_config(c, dir_ / "config.json").has_value());
    auto loaded = load_node_config(dir_ / "config.json");
    ASSERT_TRUE(loaded.has_value()) << loaded.error();
    EXPECT_EQ(loaded->persistent_peers, c.persistent_peers);
    EXPECT_EQ(loaded->p2p_max_peers, 7u);
    auto defaults = load_node_config(write("{}"));
    ASSERT_TRUE(defaults.has_value());
    EXPECT_TRUE(defaults->persistent_peers.empty());
    EXPECT_EQ(defaults->p2p_max_peers, 50u);
}

TEST_F(NodeConfigTest, EmptyObjectGivesDefaults) {
    auto loaded = load_node_config(write("{}"));
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->rpc_port, 8545);
    EXPECT_FALSE(loaded->rpc_allow_external);
    EXPECT_FALSE(loaded->instant_blocks);  // on only where a devnet home says so
    EXPECT_EQ(loaded->mempool_max_transactions, 8'192u);
    EXPECT_EQ(loaded->mempool_max_per_sender, 64u);
    EXPECT_EQ(loaded->recovery_threads, 0u);  // one per core
}

TEST_F(NodeConfigTest, MalformedFilesGetClearErrors) {
    const std::pair<std::string, std::string> cases[] = {
        {"{", "invalid JSON"},
        {"[]", "must be a JSON object"},
        {R"({"rpc_port": 70000})", "rpc_port"},
        {R"({"rpc_port": -1})", "rpc_port"},
        {R"({"rpc_port": "8545"})", "rpc_port"},
        {R"({"rpc_max_batch": 0})", "at least 1"},
        {R"({"log_level": "loud"})", "log_level"},
        {R"({"rcp_port": 1})", "unknown field 'rcp_port'"},
        {R"({"rpc_allow_external": 1})", "true or false"},
        {R"({"instant_blocks": "yes"})", "field 'instant_blocks' must be true or false"},
        {R"({"mempool_max_per_sender": 0})", "at least 1"},
        {R"({"mempool_max_transactions": 2000000})", "from 0 to 1048576"},
        {R"({"mempool_max_transactions": 10, "mempool_max_per_sender": 11})", "must not exceed"},
        {R"({"persistent_peers": "127.0.0.1:26656"})", "must be an array"},
        {R"({"persistent_peers": [26656]})", "must be an array"},
        {R"({"persistent_peers": ["127.0.0.1"]})", "is not host:port"},
        {R"({"persistent_peers": ["127.0.0.1:0"]})", "port must be 1 to 65535"},
        {R"({"persistent_peers": ["127.0.0.1:65536"]})", "port must be 1 to 65535"},
        {R"({"persistent_peers": ["a b:1"]})", "the host may hold only"},
        {R"({"persistent_peers": [":1"]})", "is not host:port"},
        {R"({"p2p_max_peers": 0})", "at least 1"},
        {R"({"recovery_threads": 257})", "recovery_threads"},
        {R"({"recovery_threads": -1})", "recovery_threads"},
    };
    for (const auto& [text, expected] : cases) {
        auto loaded = load_node_config(write(text));
        ASSERT_FALSE(loaded.has_value()) << text;
        EXPECT_NE(loaded.error().find(expected), std::string::npos) << text << " -> " << loaded.error();
    }
    EXPECT_FALSE(load_node_config(dir_ / "missing.json").has_value());
}

TEST_F(NodeConfigTest, SecretFilesAreWrittenOwnerOnly) {
    const fs::path key = dir_ / "keys" / "k.json";
    ASSERT_TRUE(write_file_atomic(key, "{}", true).has_value());
    EXPECT_EQ(fs::status(key).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(read_file(key).value(), "{}");
}

TEST(ParseNodeConfig, RpcLimitsAndTimeoutsAreReadAndChecked) {
    auto c = parse_node_config(R"({"rpc_max_connections_per_address":8,"rpc_idle_timeout_ms":2000,)"
                               R"("rpc_header_timeout_ms":1000,"rpc_body_timeout_ms":1500})");
    ASSERT_TRUE(c.has_value()) << c.error();
    EXPECT_EQ(c->rpc_max_connections_per_address, 8u);
    EXPECT_EQ(c->rpc_idle_timeout_ms, 2000u);
    EXPECT_EQ(c->rpc_header_timeout_ms, 1000u);
    EXPECT_EQ(c->rpc_body_timeout_ms, 1500u);
    const auto defaults = parse_node_config("{}");
    ASSERT_TRUE(defaults.has_value());
    EXPECT_EQ(defaults->rpc_max_connections_per_address, 64u);
    EXPECT_EQ(defaults->rpc_header_timeout_ms, 10'000u);
    for (const char* bad : {R"({"rpc_max_connections_per_address":0})", R"({"rpc_header_timeout_ms":99})",
                            R"({"rpc_idle_timeout_ms":"60s"})", R"({"rpc_body_timeout_ms":-1})"}) {
        auto r = parse_node_config(bad);
        ASSERT_FALSE(r.has_value()) << bad;
        EXPECT_NE(r.error().find("field 'rpc_"), std::string::npos) << r.error();
    }
}
