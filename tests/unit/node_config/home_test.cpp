// Creating node homes (shared by moed init and moed testnet).
#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "core/hd_wallet.hpp"
#include "chain/chain_config.hpp"
#include "node/home.hpp"
#include "node/chain_files.hpp"

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

}  // namespace
}  // namespace moe::node
