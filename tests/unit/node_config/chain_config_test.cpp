// The chain config's staking, slashing, downtime and timeout fields, and the genesis that
// stakes every genesis validator in the staking contract.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/keccak.hpp"
#include "evm/staking.hpp"
#include "evm/state.hpp"
#include "chain/chain_config.hpp"
#include "chain/genesis.hpp"
#include "node/chain_files.hpp"

namespace moe::node {
namespace {

using nlohmann::json;

core::PrivateKey key(std::string_view seed) { return core::PrivateKey::from_seed(core::keccak256(core::as_bytes(seed))); }

json devnet_with(std::initializer_list<std::pair<std::string_view, std::uint64_t>> validators) {
    json doc = json::parse(*preset_json("devnet"));
    doc["validators"] = json::array();
    for (const auto& [seed, power] : validators) {
        doc["validators"].push_back({{"public_key", key(seed).public_key().hex()}, {"power", power}});
    }
    return doc;
}

std::string error_of(const json& doc) {
    auto c = chain::parse_chain_config(doc);
    return c ? std::string() : c.error();
}

TEST(ChainConfig, NewFieldsAreOptionalWithTheirDefaults) {
    json doc = devnet_with({{"a", 1}});
    for (const char* f : {"min_stake_wei", "max_validators", "slash_fraction_bps", "jail_blocks", "downtime_window",
                          "downtime_max_missed_bps", "consensus_timeouts", "unbonding_blocks"}) {
        doc.erase(f);
    }
    auto c = chain::parse_chain_config(doc);
    ASSERT_TRUE(c) << c.error();
    const chain::ChainConfig defaults;
    EXPECT_EQ(c->min_stake_wei, core::uint256(1'000'000'000'000'000'000ull));
    EXPECT_EQ(c->max_validators, defaults.max_validators);
    EXPECT_EQ(c->slash_fraction_bps, 500u);
    EXPECT_EQ(c->jail_blocks, 50u);
    EXPECT_EQ(c->downtime_window, 50u);
    EXPECT_EQ(c->downtime_max_missed_bps, 5000u);
    EXPECT_EQ(c->consensus_timeouts.propose_ms, 1000u);
    EXPECT_EQ(c->consensus_timeouts.precommit_delta_ms, 500u);
}

TEST(ChainConfig, NewFieldsAreRead) {
    json doc = devnet_with({{"a", 5}});
    doc["min_stake_wei"] = "0x1bc16d674ec80000";  // 2 ether
    doc["max_validators"] = 7;
    doc["slash_fraction_bps"] = 10000;
    doc["jail_blocks"] = 9;
    doc["downtime_window"] = 20;
    doc["downtime_max_missed_bps"] = 0;
    doc["consensus_timeouts"] = {{"prevote_ms", 42}, {"propose_delta_ms", 0}};
    auto c = chain::parse_chain_config(doc);
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ(c->min_stake_wei, core::uint256(2'000'000'000'000'000'000ull));
    EXPECT_EQ(c->max_validators, 7u);
    EXPECT_EQ(c->slash_fraction_bps, 10000u);
    EXPECT_EQ(c->consensus_timeouts.prevote_ms, 42u);
    EXPECT_EQ(c->consensus_timeouts.propose_delta_ms, 0u);
    EXPECT_EQ(c->consensus_timeouts.propose_ms, 1000u);
    const evm::DowntimeRules d = chain::downtime_rules(*c);
    EXPECT_EQ(d.window, 20u);
    EXPECT_EQ(d.max_missed_bps, 0u);
    EXPECT_EQ(d.jail_blocks, 9u);
}

TEST(ChainConfig, BadNewFieldsGetClearErrors) {
    auto with = [](const char* field, json value) {
        json doc = devnet_with({{"a", 1}});
        doc[field] = std::move(value);
        return error_of(doc);
    };
    EXPECT_EQ(with("slash_fraction_bps", 10001), "field 'slash_fraction_bps' must be an integer from 0 to 10000");
    EXPECT_EQ(with("downtime_max_missed_bps", -1), "field 'downtime_max_missed_bps' must be an integer from 0 to 10000");
    EXPECT_EQ(with("downtime_window", 0), "field 'downtime_window' must be an integer from 1 to 1000000");
    EXPECT_EQ(with("jail_blocks", "50"), "field 'jail_blocks' must be an integer from 1 to 1000000");
    EXPECT_EQ(with("max_validators", 0), "field 'max_validators' must be an integer from 1 to 10000");
    EXPECT_EQ(with("min_stake_wei", 1), "field 'min_stake_wei' must be a decimal or 0x string");
    EXPECT_EQ(with("min_stake_wei", "0"), "field 'min_stake_wei' must be above zero");
    EXPECT_NE(with("min_stake_wei", "ten").find("min_stake_wei"), std::string::npos);
    EXPECT_EQ(with("consensus_timeouts", 5), "field 'consensus_timeouts' must be an object");
    EXPECT_EQ(with("consensus_timeouts", json{{"propose", 5}}), "consensus_timeouts: unknown field 'propose'");
    EXPECT_EQ(with("consensus_timeouts", json{{"prevote_ms", 0}}),
              "consensus_timeouts: field 'prevote_ms' must be an integer from 1 to 600000");
    EXPECT_EQ(with("unjail_delay_blocks", 5), "unknown field 'unjail_delay_blocks'");
}

TEST(ChainConfig, GenesisValidatorsMustBeStakeableAndDistinct) {
    json doc = devnet_with({{"a", 1}, {"a", 2}});
    EXPECT_NE(error_of(doc).find("is listed twice"), std::string::npos);
    doc = devnet_with({{"a", 1}});
    doc["min_stake_wei"] = "2000000000000000000";
    EXPECT_NE(error_of(doc).find("stakes less than min_stake_wei"), std::string::npos);
    doc = devnet_with({{"a", 1}, {"b", 1}});
    doc["max_validators"] = 1;
    EXPECT_EQ(error_of(doc), "the genesis lists more validators than max_validators");
    doc = devnet_with({{"a", 1}});
    doc["validators"][0]["public_key"] = "0x" + std::string(126, '0') + "07";
    EXPECT_EQ(error_of(doc), "validator public_key is not a point of secp256k1");
}

TEST(ChainConfig, PresetsParse) {
    for (const char* name : {"devnet", "localnet"}) {
        auto c = chain::parse_chain_config(json::parse(*preset_json(name)));
        EXPECT_TRUE(c) << name << ": " << c.error();
    }
}

TEST(ChainConfig, TheDevnetKeepsTheKeysOfItsMnemonicAccountsAndIsADevChain) {
    auto c = chain::parse_chain_config(json::parse(*preset_json("devnet")));
    ASSERT_TRUE(c) << c.error();
    ASSERT_EQ(c->mnemonic_keys.size(), 10u);
    // m/44'/60'/0'/0/0 of "test test ... junk", as every tutorial knows it.
    EXPECT_EQ(c->mnemonic_keys[0].address(), core::Address::from_hex("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266").value());
    auto one = chain::parse_chain_config(devnet_with({{"a", 1}}));  // as moed init writes it
    ASSERT_TRUE(one) << one.error();
    EXPECT_TRUE(one->is_dev_chain());
    auto local = chain::parse_chain_config(json::parse(*preset_json("localnet")));
    ASSERT_TRUE(local) << local.error();
    EXPECT_FALSE(local->is_dev_chain());
    auto two = chain::parse_chain_config(devnet_with({{"a", 1}, {"b", 1}}));
    ASSERT_TRUE(two) << two.error();
    EXPECT_FALSE(two->is_dev_chain());
}

TEST(Genesis, StakesEveryGenesisValidator) {
    auto c = chain::parse_chain_config(devnet_with({{"a", 3}, {"b", 100}}));
    ASSERT_TRUE(c) << c.error();
    const chain::Genesis g = chain::build_genesis(*c);
    core::MemoryNodeStore nodes;
    for (const auto& [hash, node] : g.trie_nodes) nodes.put_node(hash, node);
    evm::MemoryCodeStore codes;
    evm::State state(&nodes, &codes, g.block.header.state_root);
    const core::uint256 ether = core::uint256(1'000'000'000'000'000'000ull);
    EXPECT_EQ(state.balance(evm::staking_address()), 103 * ether);
    const auto stakes = evm::read_stakes(state);
    ASSERT_EQ(stakes.size(), 2u);
    for (const evm::StakeRecord& r : stakes) {
        const core::PrivateKey& k = r.validator == key("a").address() ? key("a") : key("b");
        EXPECT_EQ(r.validator, k.address());
        EXPECT_EQ(r.stake, (r.validator == key("a").address() ? 3 : 100) * ether);
        EXPECT_EQ(r.pubkey, k.compressed_public_key());
        EXPECT_FALSE(r.jailed);
    }
    EXPECT_FALSE(state.error());
    // The same config gives the same genesis; another stake gives another one.
    EXPECT_EQ(chain::build_genesis(*c).block.header.state_root, g.block.header.state_root);
    auto other = chain::parse_chain_config(devnet_with({{"a", 4}, {"b", 100}}));
    EXPECT_NE(chain::build_genesis(*other).block.header.state_root, g.block.header.state_root);
}

}  // namespace
}  // namespace moe::node
