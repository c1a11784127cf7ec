#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/secp256k1.hpp"
#include "node/node_config.hpp"

/// Creating node homes: what `moed init` and `moed testnet` write.
namespace moe::node {

/// The two keys of a node: the validator key signs votes and blocks, the node key
/// authenticates it to peers.
struct NodeKeys {
    core::PrivateKey validator;
    core::PrivateKey node;
};

/// Two new keys from the kernel's random source.
[[nodiscard]] std::expected<NodeKeys, std::string> generate_node_keys();

/// Writes a key file (address, public and private key; mode 0600).
[[nodiscard]] std::expected<void, std::string> write_key_file(const std::filesystem::path& file,
                                                              const core::PrivateKey& key);
/// Reads a key file written by write_key_file.
[[nodiscard]] std::expected<core::PrivateKey, std::string> read_key_file(const std::filesystem::path& file);

/// A validator of a new genesis: its key and its power.
struct ValidatorEntry {
    core::PublicKey public_key;
    std::uint64_t power = 1;
    std::vector<std::uint32_t> experts = {};  ///< hosted from genesis; none: it registers them later
};

/// The genesis document of a preset ("devnet", "localnet") with these validators, checked by
/// parse_chain_config.
[[nodiscard]] std::expected<nlohmann::json, std::string> preset_genesis(std::string_view preset,
                                                                        const std::vector<ValidatorEntry>& validators);

/// Writes a new home: keys/validator_key.json, keys/node_key.json, config.json and
/// genesis.json. Refuses a directory that already holds a config or a genesis.
[[nodiscard]] std::expected<void, std::string> create_home(const HomeLayout& home, const NodeKeys& keys,
                                                           const NodeConfig& config, const nlohmann::json& genesis);

}  // namespace moe::node
