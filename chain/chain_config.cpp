#include "chain/chain_config.hpp"

#include <algorithm>
#include <map>

#include "core/hd_wallet.hpp"
#include "core/keccak.hpp"
#include "core/rlp.hpp"

namespace moe::chain {

namespace {

using nlohmann::json;
using Error = std::unexpected<std::string>;

std::expected<std::uint64_t, std::string> u64_field(const json& j, const char* name, std::uint64_t min, std::uint64_t max) {
    if (!j.contains(name)) return Error(std::string("missing field '") + name + "'");
    const json& v = j.at(name);
    const bool non_negative = v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0);
    if (!non_negative || v.get<std::uint64_t>() < min || v.get<std::uint64_t>() > max) {
        return Error(std::string("field '") + name + "' must be an integer from " + std::to_string(min) + " to " +
                     std::to_string(max));
    }
    return v.get<std::uint64_t>();
}

/// A 256-bit amount written as a decimal or 0x string (JSON numbers lose precision).
std::expected<core::uint256, std::string> amount_field(const json& j, const char* name) {
    if (!j.contains(name)) return Error(std::string("missing field '") + name + "'");
    const json& v = j.at(name);
    if (!v.is_string()) return Error(std::string("field '") + name + "' must be a decimal or 0x string");
    auto parsed = core::parse_uint256_lenient(v.get<std::string>());
    if (!parsed) return Error(std::string("field '") + name + "': " + std::string(core::to_string(parsed.error())));
    return *parsed;
}

/// Reads `name` into `out` when present; absent keeps the default.
template <typename T>
std::expected<void, std::string> optional_u64(const json& j, const char* name, std::uint64_t min, std::uint64_t max, T& out) {
    if (!j.contains(name)) return {};
    auto v = u64_field(j, name, min, max);
    if (!v) return Error(v.error());
    out = static_cast<T>(*v);
    return {};
}

/// The staking, slashing, downtime and consensus timing parameters, each optional.
std::expected<void, std::string> staking_fields(const json& doc, ChainConfig& c) {
    if (doc.contains("min_stake_wei")) {
        auto v = amount_field(doc, "min_stake_wei");
        if (!v) return Error(v.error());
        if (*v == 0) return Error("field 'min_stake_wei' must be above zero");
        c.min_stake_wei = *v;
    }
    for (auto r : {optional_u64(doc, "max_validators", 1, 10'000, c.max_validators),
                   optional_u64(doc, "slash_fraction_bps", 0, 10'000, c.slash_fraction_bps),
                   optional_u64(doc, "jail_blocks", 1, 1'000'000, c.jail_blocks),
                   optional_u64(doc, "downtime_window", 1, 1'000'000, c.downtime_window),
                   optional_u64(doc, "downtime_max_missed_bps", 0, 10'000, c.downtime_max_missed_bps)}) {
        if (!r) return r;
    }
    if (!doc.contains("consensus_timeouts")) return {};
    const json& t = doc["consensus_timeouts"];
    if (!t.is_object()) return Error("field 'consensus_timeouts' must be an object");
    static const std::vector<std::string> kTimeouts = {"propose_ms", "propose_delta_ms", "prevote_ms",
                                                       "prevote_delta_ms", "precommit_ms", "precommit_delta_ms"};
    for (const auto& [key, value] : t.items()) {
        if (std::find(kTimeouts.begin(), kTimeouts.end(), key) == kTimeouts.end()) {
            return Error("consensus_timeouts: unknown field '" + key + "'");
        }
    }
    consensus::TimeoutConfig& ct = c.consensus_timeouts;
    for (auto r : {optional_u64(t, "propose_ms", 1, 600'000, ct.propose_ms),
                   optional_u64(t, "propose_delta_ms", 0, 600'000, ct.propose_delta_ms),
                   optional_u64(t, "prevote_ms", 1, 600'000, ct.prevote_ms),
                   optional_u64(t, "prevote_delta_ms", 0, 600'000, ct.prevote_delta_ms),
                   optional_u64(t, "precommit_ms", 1, 600'000, ct.precommit_ms),
                   optional_u64(t, "precommit_delta_ms", 0, 600'000, ct.precommit_delta_ms)}) {
        if (!r) return Error("consensus_timeouts: " + r.error());
    }
    return {};
}

/// The "models" object: {"fraud": {"sha256": H, "flag_score": F, "reject_score": R},
/// "contract": {"sha256": H}}, each optional.
std::expected<void, std::string> model_fields(const json& doc, ChainConfig& c) {
    if (!doc.contains("models")) return {};
    const json& m = doc["models"];
    if (!m.is_object()) return Error("field 'models' must be an object");
    for (const auto& [key, value] : m.items()) {
        if (key != "fraud" && key != "contract") return Error("models: unknown model '" + key + "' (fraud or contract)");
        if (!value.is_object()) return Error("models." + key + " must be an object");
        for (const auto& [field, v] : value.items()) {
            const bool known = field == "sha256" || (key == "fraud" && (field == "flag_score" || field == "reject_score"));
            if (!known) return Error("models." + key + ": unknown field '" + field + "'");
        }
        if (!value.contains("sha256") || !value["sha256"].is_string()) return Error("models." + key + ".sha256 must be a hex string");
        auto h = core::Hash::from_hex(value["sha256"].get<std::string>());
        if (!h) return Error("models." + key + ".sha256: " + std::string(core::to_string(h.error())));
        (key == "fraud" ? c.fraud_model : c.contract_model) = ModelRequirement{*h};
        if (key == "fraud") {
            for (auto r : {optional_u64(value, "flag_score", 0, 10'001, c.screening.flag_score),
                           optional_u64(value, "reject_score", 0, 10'001, c.screening.reject_score)}) {
                if (!r) return Error("models.fraud: " + r.error());
            }
            if (c.screening.flag_score > c.screening.reject_score) {
                return Error("models.fraud: flag_score must not exceed reject_score");
            }
        }
    }
    return {};
}

/// The "routing" object (decision 004): {"min_committee_size", "top_k", "capacity_percent",
/// "failover_heights", "quorum_bps", "sample_percent"}, each optional; the object needs the fraud model.
std::expected<void, std::string> routing_fields(const json& doc, ChainConfig& c) {
    if (!doc.contains("routing")) return {};
    const json& r = doc["routing"];
    if (!r.is_object()) return Error("field 'routing' must be an object");
    static const std::vector<std::string> kFields = {"min_committee_size", "top_k", "capacity_percent",
                                                     "failover_heights", "quorum_bps", "sample_percent",
                                                     "governance"};
    for (const auto& [key, value] : r.items()) {
        if (std::find(kFields.begin(), kFields.end(), key) == kFields.end()) return Error("routing: unknown field '" + key + "'");
    }
    RoutingConfig rc;
    for (auto ok : {optional_u64(r, "min_committee_size", 1, 1'000, rc.min_committee_size),
                    optional_u64(r, "top_k", 1, 16, rc.top_k),
                    optional_u64(r, "capacity_percent", 0, 10'000, rc.capacity_percent),
                    optional_u64(r, "failover_heights", 0, 1'000'000, rc.failover_heights),
                    optional_u64(r, "quorum_bps", 1, 10'000, rc.quorum_bps),
                    optional_u64(r, "sample_percent", 0, 100, rc.sample_percent)}) {
        if (!ok) return Error("routing: " + ok.error());
    }
    if (rc.capacity_percent != 0 && rc.capacity_percent < 100) {
        return Error("routing.capacity_percent must be 0 (no limit) or at least 100 (room for every transaction's top_k)");
    }
    if (r.contains("governance")) {
        auto a = r["governance"].is_string() ? core::parse_address(r["governance"].get<std::string>())
                                             : std::expected<core::Address, core::AddressError>(std::unexpected(core::AddressError::kBadHex));
        if (!a) return Error("routing.governance must be an address");
        rc.governance = *a;
    }
    if (!c.fraud_model) return Error("routing needs the fraud model (models.fraud): its experts are the ones routed to");
    c.routing = rc;
    return {};
}

/// `base_fee`: EIP-1559's initial base fee and its rules.
std::expected<void, std::string> fee_fields(const json& doc, ChainConfig& c) {
    if (!doc.contains("base_fee") || !doc["base_fee"].is_object()) return Error("field 'base_fee' must be an object");
    const json& fee = doc["base_fee"];
    auto initial = amount_field(fee, "initial_wei");
    if (!initial) return Error("base_fee: " + initial.error());
    c.initial_base_fee = *initial;
    auto elasticity = u64_field(fee, "elasticity_multiplier", 1, 100);
    if (!elasticity) return Error("base_fee: " + elasticity.error());
    c.fee_rules.elasticity_multiplier = *elasticity;
    auto denominator = u64_field(fee, "max_change_denominator", 1, 1000);
    if (!denominator) return Error("base_fee: " + denominator.error());
    c.fee_rules.base_fee_max_change_denominator = *denominator;
    return {};
}

/// `alloc_mnemonic` and `alloc`: the genesis balances, summed per address.
std::expected<void, std::string> alloc_fields(const json& doc, ChainConfig& c) {
    std::map<core::Address, core::uint256> balances;
    auto credit = [&](const core::Address& a, const core::uint256& v) -> std::expected<void, std::string> {
        const core::uint256 before = balances[a];
        if (v > std::numeric_limits<core::uint256>::max() - before) return Error("allocation overflows 256 bits");
        balances[a] = before + v;
        return {};
    };
    if (doc.contains("alloc_mnemonic")) {
        const json& m = doc["alloc_mnemonic"];
        if (!m.is_object() || !m.contains("mnemonic") || !m["mnemonic"].is_string()) {
            return Error("field 'alloc_mnemonic' must hold a 'mnemonic' string, 'accounts' and 'balance_wei'");
        }
        auto count = u64_field(m, "accounts", 1, 1000);
        if (!count) return Error("alloc_mnemonic: " + count.error());
        auto balance = amount_field(m, "balance_wei");
        if (!balance) return Error("alloc_mnemonic: " + balance.error());
        const core::Bytes seed = core::bip39_seed(m["mnemonic"].get<std::string>());
        for (std::uint64_t i = 0; i < *count; ++i) {
            auto key = core::derive_key(seed, "m/44'/60'/0'/0/" + std::to_string(i));
            if (!key) return Error("alloc_mnemonic: " + std::string(core::to_string(key.error())));
            if (auto r = credit(key->address(), *balance); !r) return Error(r.error());
            c.mnemonic_keys.push_back(*key);
        }
    }
    if (doc.contains("alloc")) {
        if (!doc["alloc"].is_object()) return Error("field 'alloc' must be an object of address: balance");
        for (const auto& [addr, value] : doc["alloc"].items()) {
            auto a = core::parse_address(addr);
            if (!a) return Error("alloc: " + addr + ": " + std::string(core::to_string(a.error())));
            if (!value.is_string()) return Error("alloc: the balance of " + addr + " must be a decimal or 0x string");
            auto v = core::parse_uint256_lenient(value.get<std::string>());
            if (!v) return Error("alloc: the balance of " + addr + ": " + std::string(core::to_string(v.error())));
            if (auto r = credit(*a, *v); !r) return Error(r.error());
        }
    }
    for (const auto& [a, v] : balances) c.alloc.push_back({a, v});
    return {};
}

/// `validators`: the genesis set, each staked `power` ether (decision 003).
std::expected<void, std::string> validator_fields(const json& doc, ChainConfig& c) {
    if (!doc.contains("validators") || !doc["validators"].is_array()) return Error("field 'validators' must be an array");
    for (const json& v : doc["validators"]) {
        if (!v.is_object() || !v.contains("public_key") || !v["public_key"].is_string()) {
            return Error("each validator must have a 'public_key' (0x + 64 bytes hex) and a 'power'");
        }
        auto pk = core::PublicKey::from_hex(v["public_key"].get<std::string>());
        if (!pk) return Error("validator public_key: " + std::string(core::to_string(pk.error())));
        if (!core::is_valid_public_key(*pk)) return Error("validator public_key is not a point of secp256k1");
        auto power = u64_field(v, "power", 1, 1ull << 40);
        if (!power) return Error("validator: " + power.error());
        GenesisValidator gv{core::address_of(*pk), *pk, *power, {}};
        if (v.contains("experts")) {
            // Strictly increasing, 1..16 ids: what registerExperts stores, written plainly.
            const json& ids = v["experts"];
            if (!ids.is_array() || ids.empty() || ids.size() > 16) return Error("validator experts must be an array of 1 to 16 ids");
            for (const json& id : ids) {
                if (!id.is_number_unsigned() || id.get<std::uint64_t>() > UINT32_MAX) return Error("validator experts: each id is a uint32");
                const auto e = static_cast<std::uint32_t>(id.get<std::uint64_t>());
                if (!gv.experts.empty() && e <= gv.experts.back()) return Error("validator experts must be strictly increasing");
                gv.experts.push_back(e);
            }
        }
        if (v.contains("address")) {
            auto a = v["address"].is_string() ? core::parse_address(v["address"].get<std::string>())
                                               : std::expected<core::Address, core::AddressError>(std::unexpected(core::AddressError::kBadHex));
            if (!a || *a != gv.address) return Error("validator address does not match its public key");
        }
        for (const GenesisValidator& other : c.validators) {
            if (other.address == gv.address) return Error("validator " + core::to_checksum(gv.address) + " is listed twice");
        }
        // Decision 003: the set comes from the staking contract, where power P is a stake of P ether.
        if (genesis_stake_wei(gv) < c.min_stake_wei) {
            return Error("validator " + core::to_checksum(gv.address) + ": power " + std::to_string(gv.power) +
                         " stakes less than min_stake_wei");
        }
        c.validators.push_back(gv);
    }
    return {};
}

}  // namespace

core::uint256 genesis_stake_wei(const GenesisValidator& validator) {
    return core::uint256(validator.power) * core::uint256(1'000'000'000'000'000'000ull);
}

evm::StakingRules staking_rules(const ChainConfig& config) {
    evm::StakingRules rules;
    rules.unbonding_blocks = config.unbonding_blocks;
    if (config.routing) rules.routing_governance = config.routing->governance;
    return rules;
}

evm::DowntimeRules downtime_rules(const ChainConfig& config) {
    return evm::DowntimeRules{config.downtime_window, config.downtime_max_missed_bps, config.jail_blocks};
}

core::Hash validator_set_hash(const std::vector<GenesisValidator>& validators) {
    core::Bytes payload;
    for (const GenesisValidator& v : validators) {
        core::Bytes entry;
        core::rlp::encode(entry, v.address);
        core::rlp::encode(entry, v.public_key);
        core::rlp::encode(entry, v.power);
        const core::Bytes item = core::rlp::wrap_list(entry);
        payload.insert(payload.end(), item.begin(), item.end());
    }
    return core::keccak256(core::rlp::wrap_list(payload));
}

std::expected<ChainConfig, std::string> parse_chain_config(const json& doc) {
    if (!doc.is_object()) return Error("the chain config must be a JSON object");
    static const std::vector<std::string> kKnown = {"name", "chain_id", "block_interval_ms", "block_gas_limit",
                                                   "genesis_timestamp", "base_fee", "alloc_mnemonic", "alloc",
                                                   "epoch_length", "unbonding_blocks", "validators",
                                                   "min_stake_wei", "max_validators", "slash_fraction_bps",
                                                   "jail_blocks", "downtime_window", "downtime_max_missed_bps",
                                                   "consensus_timeouts", "models", "routing"};
    for (const auto& [key, value] : doc.items()) {
        if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end()) return Error("unknown field '" + key + "'");
    }
    ChainConfig c;
    c.source = doc;
    if (!doc.contains("name") || !doc["name"].is_string()) return Error("field 'name' must be a string");
    c.name = doc["name"].get<std::string>();

    auto chain_id = u64_field(doc, "chain_id", 1, (1ull << 53) - 1);  // EIP-155 ids must fit JSON numbers
    if (!chain_id) return Error(chain_id.error());
    c.chain_id = *chain_id;
    auto interval = u64_field(doc, "block_interval_ms", 10, 3'600'000);
    if (!interval) return Error(interval.error());
    c.block_interval_ms = *interval;
    auto gas = u64_field(doc, "block_gas_limit", 5000, 1'000'000'000);
    if (!gas) return Error(gas.error());
    c.block_gas_limit = *gas;
    auto ts = u64_field(doc, "genesis_timestamp", 0, 1ull << 40);
    if (!ts) return Error(ts.error());
    c.genesis_timestamp = *ts;
    auto epoch = u64_field(doc, "epoch_length", 1, 1'000'000);
    if (!epoch) return Error(epoch.error());
    c.epoch_length = *epoch;
    if (doc.contains("unbonding_blocks")) {
        auto unbonding = u64_field(doc, "unbonding_blocks", 1, 1'000'000);
        if (!unbonding) return Error(unbonding.error());
        c.unbonding_blocks = *unbonding;
    }
    if (auto r = staking_fields(doc, c); !r) return Error(r.error());
    if (auto r = model_fields(doc, c); !r) return Error(r.error());
    if (auto r = routing_fields(doc, c); !r) return Error(r.error());

    if (auto r = fee_fields(doc, c); !r) return Error(r.error());
    if (auto r = alloc_fields(doc, c); !r) return Error(r.error());
    if (auto r = validator_fields(doc, c); !r) return Error(r.error());
    if (c.validators.size() > c.max_validators) return Error("the genesis lists more validators than max_validators");
    return c;
}

}  // namespace moe::chain
