// Creating node homes (shared by moed init and moed testnet) and reading RPC addresses.
#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "core/hd_wallet.hpp"
#include "node/chain_config.hpp"
#include "node/home.hpp"
#include "node/load_generator.hpp"

namespace moe::node {
namespace {

namespace fs = std::filesystem;

TEST(Home, CreateWritesKeysConfigAndGenesisAndRefusesToOverwrite) {
    const fs::path dir = fs::temp_directory_path() / ("moe_home_test_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    auto keys = generate_node_keys();
    ASSERT_TRUE(keys) << keys.error();
    EXPECT_NE(keys->validator.address(), keys->node.address());
    auto genesis = preset_genesis("localnet", {{keys->validator.public_key(), 7}});
    ASSERT_TRUE(genesis) << genesis.error();
    NodeConfig config;
    config.persistent_peers = {"127.0.0.1:36657"};
    const HomeLayout home{dir};
    ASSERT_TRUE(create_home(home, *keys, config, *genesis));
    auto validator = read_key_file(home.validator_key());
    ASSERT_TRUE(validator) << validator.error();
    EXPECT_EQ(validator->address(), keys->validator.address());
    auto chain = load_chain_config(home.genesis());
    ASSERT_TRUE(chain) << chain.error();
    ASSERT_EQ(chain->validators.size(), 1u);
    EXPECT_EQ(chain->validators[0].power, 7u);
    EXPECT_EQ(load_node_config(home.config()).value().persistent_peers, config.persistent_peers);
    auto again = create_home(home, *keys, config, *genesis);
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().find("refusing to overwrite"), std::string::npos);
    fs::remove_all(dir);
}

TEST(Home, UnknownPresetAndBadKeyFilesAreErrors) {
    EXPECT_EQ(preset_genesis("mainnet", {}).error(), "unknown preset 'mainnet' (devnet or localnet)");
    const fs::path file = fs::temp_directory_path() / ("moe_home_key_" + std::to_string(::getpid()) + ".json");
    ASSERT_TRUE(write_file_atomic(file, R"({"private_key": "0x00"})"));
    EXPECT_FALSE(read_key_file(file));
    fs::remove(file);
}

TEST(LoadGenerator, RpcEndpointsAreParsed) {
    auto e = parse_rpc_endpoint("http://127.0.0.1:28545/");
    ASSERT_TRUE(e) << e.error();
    EXPECT_EQ(e->host, "127.0.0.1");
    EXPECT_EQ(e->port, 28545);
    EXPECT_EQ(parse_rpc_endpoint("localhost:9").value().host, "localhost");
    EXPECT_EQ(parse_rpc_endpoint("28546").value().port, 28546);
    for (const char* bad : {"", "http://", "host:", "host:0", "host:65536", "host:8x", ":8545"}) {
        EXPECT_FALSE(parse_rpc_endpoint(bad)) << bad;
    }
}

TEST(LoadGenerator, TransfersAreSignedByTheSenderForTheChain) {
    const core::PrivateKey from = core::mnemonic_account(kTestMnemonic, 0).value();
    const core::Transaction t = signed_transfer(from, core::Address{}, 5, 4225);
    EXPECT_EQ(t.sender().value(), from.address());
    EXPECT_EQ(core::to_checksum(from.address()), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    EXPECT_EQ(t.nonce, 5u);
    EXPECT_EQ(t.chain_id, 4225u);
    EXPECT_NE(send_raw_transaction_body(t).find(core::to_hex(t.encode())), std::string::npos);
}

}  // namespace
}  // namespace moe::node
