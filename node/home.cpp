#include "node/home.hpp"

#include <fstream>

#include "core/random.hpp"
#include "chain/chain_config.hpp"
#include "node/chain_files.hpp"

namespace moe::node {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

}  // namespace

std::expected<NodeKeys, std::string> generate_node_keys() {
    auto validator_seed = core::random_hash();
    if (!validator_seed) return std::unexpected(validator_seed.error());
    auto node_seed = core::random_hash();
    if (!node_seed) return std::unexpected(node_seed.error());
    return NodeKeys{core::PrivateKey::from_seed(*validator_seed), core::PrivateKey::from_seed(*node_seed)};
}

std::expected<void, std::string> write_key_file(const fs::path& file, const core::PrivateKey& key) {
    const json j = {{"address", core::to_checksum(key.address())},
                    {"public_key", key.public_key().hex()},
                    {"private_key", key.bytes().hex()}};
    return write_file_atomic(file, j.dump(2) + "\n", /*secret=*/true);
}

std::expected<core::PrivateKey, std::string> read_key_file(const fs::path& file) {
    auto text = read_file(file, 64 * 1024);
    if (!text) return std::unexpected(text.error());
    json j = json::parse(*text, nullptr, false);
    if (!j.is_object() || !j.contains("private_key") || !j["private_key"].is_string()) {
        return std::unexpected(file.string() + ": not a key file (needs a private_key field)");
    }
    auto raw = core::from_hex(j["private_key"].get<std::string>());
    if (!raw) return std::unexpected(file.string() + ": private_key is not hex");
    auto key = core::PrivateKey::from_bytes(*raw);
    if (!key) return std::unexpected(file.string() + ": " + std::string(core::to_string(key.error())));
    return *key;
}

std::expected<json, std::string> preset_genesis(std::string_view preset, const std::vector<ValidatorEntry>& validators) {
    auto text = preset_json(preset);
    if (!text) return std::unexpected("unknown preset '" + std::string(preset) + "' (devnet or localnet)");
    json genesis = json::parse(*text);
    genesis["validators"] = json::array();
    for (const ValidatorEntry& v : validators) {
        json entry = {{"address", core::to_checksum(core::address_of(v.public_key))},
                      {"public_key", v.public_key.hex()},
                      {"power", v.power}};
        if (!v.experts.empty()) entry["experts"] = v.experts;
        genesis["validators"].push_back(std::move(entry));
    }
    if (auto c = chain::parse_chain_config(genesis); !c) return std::unexpected("the preset is invalid: " + c.error());
    return genesis;
}

std::expected<void, std::string> create_home(const HomeLayout& home, const NodeKeys& keys, const NodeConfig& config,
                                             const json& genesis) {
    if (fs::exists(home.genesis()) || fs::exists(home.config())) {
        return std::unexpected(home.root.string() + " already holds a node home; refusing to overwrite it");
    }
    for (const auto& r : {write_key_file(home.validator_key(), keys.validator), write_key_file(home.node_key(), keys.node),
                          save_node_config(config, home.config()),
                          write_file_atomic(home.genesis(), genesis.dump(2) + "\n")}) {
        if (!r) return r;
    }
    return {};
}

}  // namespace moe::node
