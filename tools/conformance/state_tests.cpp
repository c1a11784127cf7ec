// GeneralStateTests: build the pre-state, run the transaction of each (data, gas, value)
// index under Cancun rules, and compare the post-state root and the logs hash.
#include <cstdio>

#include "core/keccak.hpp"
#include "evm/transition.hpp"
#include "tools/conformance/conformance.hpp"

namespace moe::conformance {

namespace {

using core::uint256;
using nlohmann::json;

constexpr std::uint64_t kTestsChainId = 1;

/// A field that must be a string of a 256-bit integer.
std::optional<uint256> u256_field(const json& j, const char* key) {
    if (!j.contains(key) || !j[key].is_string()) return std::nullopt;
    auto v = core::parse_uint256_lenient(j[key].get<std::string>());
    return v ? std::optional(*v) : std::nullopt;
}

std::optional<std::uint64_t> u64_of(const json& j) {
    if (!j.is_string()) return std::nullopt;
    auto v = core::parse_uint256_lenient(j.get<std::string>());
    if (!v) return std::nullopt;
    return core::uint256_to_u64(*v);
}

std::optional<core::Bytes> bytes_of(const json& j) {
    if (!j.is_string()) return std::nullopt;
    std::string s = j.get<std::string>();
    if (s.starts_with(":raw ")) s = s.substr(5);  // a filler notation some fixtures keep
    auto b = core::from_hex(s, {.require_prefix = false});
    return b ? std::optional(*b) : std::nullopt;
}

/// The blob base fee of EIP-4844 from the excess blob gas: fake_exponential(1, excess, 3338477).
uint256 blob_base_fee(const uint256& excess) {
    const uint256 denominator = 3338477;
    uint256 output = 0;
    uint256 accumulator = denominator;  // factor (1) * denominator
    for (unsigned i = 1; accumulator > 0; ++i) {
        output += accumulator;
        accumulator = accumulator * excess / (denominator * i);
    }
    return output / denominator;
}

/// The pre-state of a case committed into `nodes` and `codes`; returns its root.
std::expected<core::Hash, std::string> build_pre_state(const json& pre, core::MemoryNodeStore& nodes,
                                                       evm::MemoryCodeStore& codes) {
    evm::State state(&nodes, &codes, core::kEmptyTrieRoot);
    for (const auto& [addr_text, acct] : pre.items()) {
        auto address = core::Address::from_hex(addr_text, {.require_prefix = false});
        auto balance = u256_field(acct, "balance");
        auto nonce = acct.contains("nonce") ? u64_of(acct["nonce"]) : std::nullopt;
        auto code = acct.contains("code") ? bytes_of(acct["code"]) : std::nullopt;
        if (!address || !balance || !nonce || !code || !acct.contains("storage") || !acct["storage"].is_object()) {
            return std::unexpected("pre-state account " + addr_text + " is malformed");
        }
        state.set_balance(*address, *balance);
        state.set_nonce(*address, *nonce);
        if (!code->empty()) state.set_code(*address, *code);
        for (const auto& [key_text, value_text] : acct["storage"].items()) {
            auto key = core::parse_uint256_lenient(key_text);
            auto value = value_text.is_string() ? core::parse_uint256_lenient(value_text.get<std::string>())
                                                : std::unexpected(core::QuantityError::kEmpty);
            if (!key || !value) return std::unexpected("pre-state storage of " + addr_text + " is malformed");
            state.set_storage(*address, *key, *value);
        }
    }
    auto root = state.commit(nodes);
    if (!root) return std::unexpected(std::string(evm::to_string(root.error())));
    for (const auto& [hash, code] : state.new_code()) codes.put_code(hash, *code);
    return *root;
}

/// The transaction of one (data, gas, value) index, or why it cannot be one on this chain.
std::expected<core::Transaction, std::string> build_transaction(const json& t, std::size_t d, std::size_t g,
                                                                std::size_t v) {
    core::Transaction txn;
    if (t.contains("maxFeePerBlobGas") || t.contains("blobVersionedHashes")) {
        return std::unexpected("blob transactions are not part of this chain");
    }
    auto data = bytes_of(t["data"][d]);
    auto gas = u64_of(t["gasLimit"][g]);
    auto value = core::parse_uint256_lenient(t["value"][v].get<std::string>());
    auto nonce = u64_of(t["nonce"]);
    if (!data || !gas || !value || !nonce) return std::unexpected("a field does not fit its type");
    txn.data = std::move(*data);
    txn.gas_limit = *gas;
    txn.value = *value;
    txn.nonce = *nonce;
    txn.chain_id = kTestsChainId;
    const std::string to = t.value("to", "");
    if (!to.empty()) {
        auto address = core::Address::from_hex(to, {.require_prefix = false});
        if (!address) return std::unexpected("bad to address");
        txn.to = *address;
    }
    if (t.contains("maxFeePerGas")) {
        auto cap = u256_field(t, "maxFeePerGas");
        auto tip = u256_field(t, "maxPriorityFeePerGas");
        if (!cap || !tip) return std::unexpected("fee fields do not fit 256 bits");
        txn.type = core::TxType::kDynamicFee;
        txn.max_fee_per_gas = *cap;
        txn.max_priority_fee_per_gas = *tip;
    } else {
        auto price = u256_field(t, "gasPrice");
        if (!price) return std::unexpected("gas price does not fit 256 bits");
        txn.type = core::TxType::kLegacy;
        txn.max_fee_per_gas = txn.max_priority_fee_per_gas = *price;
    }
    if (t.contains("accessLists") && t["accessLists"].is_array() && d < t["accessLists"].size() &&
        !t["accessLists"][d].is_null()) {
        if (txn.type == core::TxType::kLegacy) txn.type = core::TxType::kAccessList;
        for (const auto& entry : t["accessLists"][d]) {
            core::AccessListEntry e;
            auto address = core::Address::from_hex(entry.value("address", ""), {.require_prefix = false});
            if (!address) return std::unexpected("bad access list address");
            e.address = *address;
            for (const auto& key : entry["storageKeys"]) {
                auto k = bytes_of(key);
                if (!k || k->size() > 32) return std::unexpected("bad access list key");
                e.storage_keys.push_back(core::Hash::right_aligned(*k));
            }
            txn.access_list.push_back(std::move(e));
        }
    }
    return txn;
}

struct CaseEnv {
    evm::BlockEnv block;
    core::Address sender;
};

std::expected<CaseEnv, std::string> build_env(const json& test) {
    const json& env = test["env"];
    CaseEnv c;
    auto coinbase = core::Address::from_hex(env.value("currentCoinbase", ""), {.require_prefix = false});
    auto gas_limit = env.contains("currentGasLimit") ? u64_of(env["currentGasLimit"]) : std::nullopt;
    auto number = env.contains("currentNumber") ? u64_of(env["currentNumber"]) : std::nullopt;
    auto timestamp = env.contains("currentTimestamp") ? u64_of(env["currentTimestamp"]) : std::nullopt;
    auto sender = core::Address::from_hex(test["transaction"].value("sender", ""), {.require_prefix = false});
    if (!coinbase || !gas_limit || !number || !timestamp || !sender) return std::unexpected("malformed env or sender");
    c.block.coinbase = *coinbase;
    c.block.gas_limit = *gas_limit;
    c.block.number = *number;
    c.block.timestamp = *timestamp;
    c.block.base_fee = u256_field(env, "currentBaseFee").value_or(0);
    c.block.prev_randao = core::uint256_to_bytes32(u256_field(env, "currentRandom").value_or(0));
    c.block.blob_base_fee = blob_base_fee(u256_field(env, "currentExcessBlobGas").value_or(0));
    c.block.chain_id = kTestsChainId;
    // The hash ethereum/tests give block n: keccak256 of n written in decimal.
    c.block.block_hash = [](std::uint64_t n) { return core::keccak256(core::as_bytes(std::to_string(n))); };
    c.sender = *sender;
    return c;
}

/// Runs one post entry; returns the reason on failure.
std::optional<std::string> run_case(const json& test, const json& post, const CaseEnv& env,
                                    const core::MemoryNodeStore& pre_nodes, const evm::MemoryCodeStore& codes,
                                    const core::Hash& pre_root, evm::JumpdestCache& jumpdests) {
    const json& idx = post["indexes"];
    const std::size_t d = idx.value("data", 0), g = idx.value("gas", 0), v = idx.value("value", 0);
    const json& t = test["transaction"];
    if (d >= t["data"].size() || g >= t["gasLimit"].size() || v >= t["value"].size()) return "index out of range";
    auto want_root = core::Hash::from_hex(post.value("hash", ""), {.require_prefix = false});
    auto want_logs = core::Hash::from_hex(post.value("logs", ""), {.require_prefix = false});
    if (!want_root || !want_logs) return "post entry without hash or logs";
    const bool expect_invalid = post.contains("expectException");

    evm::State state(&pre_nodes, &codes, pre_root);
    std::vector<core::Log> logs;
    std::string rejected;
    int unimplemented = 0;
    auto txn = build_transaction(t, d, g, v);
    if (!txn) {
        rejected = txn.error();
    } else {
        const evm::ExecutionContext ctx{env.block, jumpdests, nullptr};
        auto out = evm::apply_transaction(state, ctx, *txn, env.sender, 0);
        if (out) {
            logs = out->receipt.logs;
            unimplemented = out->unimplemented_calls;
        } else if (!out.error().invalid) {
            return "state failure: " + out.error().message;
        } else {
            rejected = out.error().message;
        }
    }
    // As the reference clients do: touch the coinbase with zero so an empty one is deleted.
    state.begin_transaction();
    state.touch(env.block.coinbase);
    state.finalize_transaction();
    auto root = state.root();
    if (!root) return "state failure: " + std::string(evm::to_string(root.error()));

    if (unimplemented != 0) return "calls a precompile this node does not implement";
    if (expect_invalid && rejected.empty()) {
        return "accepted, expected " + post["expectException"].get<std::string>();
    }
    if (!expect_invalid && !rejected.empty()) return "rejected: " + rejected;
    if (*root != *want_root) return "state root " + root->hex() + " != " + want_root->hex();
    if (core::logs_hash(logs) != *want_logs) return "logs hash " + core::logs_hash(logs).hex() + " != " + want_logs->hex();
    return std::nullopt;
}

}  // namespace

void run_state_tests(const json& file_json, const std::string& file, std::vector<CaseResult>& results) {
    evm::JumpdestCache jumpdests;
    for (const auto& [name, test] : file_json.items()) {
        const std::string base = file + ":" + name;
        if (!test.is_object() || !test.contains("env") || !test.contains("pre") || !test.contains("transaction") ||
            !test.contains("post") || !test["post"].is_object() || !test["pre"].is_object()) {
            results.push_back({base, Outcome::kFailed, "case without env, pre, transaction or post"});
            continue;
        }
        for (const auto& [fork, posts] : test["post"].items()) {
            if (!is_supported_fork(fork)) {
                results.push_back({base + "[" + fork + "]", Outcome::kSkipped, "fork " + fork + " is not implemented"});
            }
        }
        if (!test["post"].contains("Cancun")) continue;
        try {
            core::MemoryNodeStore nodes;
            evm::MemoryCodeStore codes;
            auto pre_root = build_pre_state(test["pre"], nodes, codes);
            auto env = build_env(test);
            std::size_t i = 0;
            for (const json& post : test["post"]["Cancun"]) {
                const std::string case_name = base + "[Cancun][" + std::to_string(i++) + "]";
                if (!pre_root || !env) {
                    results.push_back({case_name, Outcome::kFailed, !pre_root ? pre_root.error() : env.error()});
                    continue;
                }
                auto reason = run_case(test, post, *env, nodes, codes, *pre_root, jumpdests);
                results.push_back({case_name, reason ? Outcome::kFailed : Outcome::kPassed, reason.value_or("")});
            }
        } catch (const json::exception& e) {
            results.push_back({base, Outcome::kFailed, std::string("malformed case: ") + e.what()});
        }
    }
}

}  // namespace moe::conformance
