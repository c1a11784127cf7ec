#include "rpc/dev_api.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "rpc/eth_api.hpp"
#include "rpc/params.hpp"

namespace moe::rpc {

using nlohmann::json;

namespace {

/// How long evm_mine waits for its block.
constexpr std::chrono::milliseconds kMineWait{10'000};
/// The largest time step a script may take (about 31.7 years), far from overflowing.
constexpr std::uint64_t kMaxSeconds = 1'000'000'000;

/// A number as Hardhat and Anvil take one: a JSON number or a hex quantity string; -32602 saying
/// `name` `must` for anything else (a negative or fractional number, another type).
core::uint256 number_or_quantity(const json& v, const char* name, const std::string& must) {
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    if (v.is_string()) return quantity_param(v, name);
    throw RpcError(-32602, std::string("invalid argument: ") + name + " must be " + must);
}

/// number_or_quantity from `low` to `high`.
std::uint64_t bounded_param(const json& v, const char* name, std::uint64_t low, std::uint64_t high) {
    const std::string range = "an integer from " + std::to_string(low) + " to " + std::to_string(high);
    const core::uint256 q = number_or_quantity(v, name, range + " (a number or a hex quantity)");
    if (q < low || q > high) throw RpcError(-32602, std::string("invalid argument: ") + name + " must be " + range);
    return static_cast<std::uint64_t>(q);
}

/// Seconds: at most kMaxSeconds.
std::uint64_t seconds_param(const json& v, const char* name) { return bounded_param(v, name, 0, kMaxSeconds); }

/// A timestamp for the next block, at most kMaxSeconds past the head's.
std::uint64_t timestamp_param(node::Node& node, const json& v) {
    return bounded_param(v, "timestamp", 0, node.head_header().timestamp + kMaxSeconds);
}

/// The most blocks one hardhat_mine / anvil_mine commits: each is a real block (executed,
/// certified, synced to disk), a few milliseconds apiece.
constexpr std::uint64_t kMaxMinedBlocks = 10'000;

/// A snapshot id: a number beyond 64 bits names no snapshot (0, which is never issued).
std::uint64_t snapshot_id_param(const json& v) {
    const core::uint256 q = number_or_quantity(v, "snapshot id", "a hex quantity such as \"0x1\"");
    return q > UINT64_MAX ? 0 : static_cast<std::uint64_t>(q);
}

/// A 256-bit word as Hardhat and Anvil take balances and slots: "0x" and 1 to 64 hex digits
/// (leading zeros allowed), or a JSON number.
core::uint256 word_param(const json& v, const char* name) {
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    const std::string bad = std::string("invalid argument: ") + name + " must be a hex quantity of at most 256 bits";
    if (!v.is_string()) throw RpcError(-32602, bad);
    const std::string text = v.get<std::string>();
    if (text.size() < 3 || text.size() > 66 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) throw RpcError(-32602, bad);
    std::string digits = text.substr(2);
    if (digits.size() % 2 == 1) digits.insert(digits.begin(), '0');
    auto bytes = core::from_hex("0x" + digits);
    if (!bytes) throw RpcError(-32602, bad);
    return core::uint256_from_big_endian(*bytes);
}

/// Puts `changes` in the next block and answers once it is committed (decision 008).
void commit_changes(node::Node& node, node::ConsensusDriver& driver, std::vector<consensus::AccountChange> changes) {
    auto height = driver.queue_dev_changes(std::move(changes));
    if (!height) throw RpcError(-32000, height.error());
    if (!node.wait_for_head(*height, kMineWait)) throw RpcError(-32000, "no block was committed within 10 s");
}

}  // namespace

void register_dev_refusals(Dispatcher& d, std::string why) {
    for (const char* method : kDevMethods) {
        d.add(method, [method, why](const json&, CallContext&) -> json {
            throw RpcError(-32601, std::string("the method ") + method + " is served only on a single-validator devnet home: " + why);
        });
    }
}

namespace {

/// Setting an account's balance, nonce, code or storage (decision 008), each under Hardhat's
/// and Anvil's names; Hardhat answers true, Anvil null.
void register_state_changes(Dispatcher& d, node::Node& node, node::ConsensusDriver& driver) {
    using Kind = consensus::AccountChange::Kind;
    for (const std::string prefix : {"hardhat_", "anvil_"}) {
        const json done = prefix == "hardhat_" ? json(true) : json(nullptr);
        d.add(prefix + "setBalance", [&node, &driver, done](const json& p, CallContext&) {
            const core::Address who = address_param(param(p, 0, "address"));
            const core::uint256 balance = word_param(param(p, 1, "balance"), "balance");
            commit_changes(node, driver, {{Kind::kBalance, who, {}, balance, {}}});
            return done;
        });
        d.add(prefix + "setNonce", [&node, &driver, done](const json& p, CallContext&) {
            const core::Address who = address_param(param(p, 0, "address"));
            const core::uint256 nonce = word_param(param(p, 1, "nonce"), "nonce");
            if (nonce > UINT64_MAX) throw RpcError(-32602, "invalid argument: nonce must be below 2^64");
            auto account = node.account(who, node.head().number);
            if (!account) throw RpcError(-32000, account.error());
            // A lower nonce would let a signed transaction already included run a second time.
            if (nonce < account->nonce) {
                throw RpcError(-32602, "new nonce (" + nonce.str() + ") must not be smaller than the existing nonce (" +
                                           std::to_string(account->nonce) + ")");
            }
            commit_changes(node, driver, {{Kind::kNonce, who, {}, nonce, {}}});
            return done;
        });
        d.add(prefix + "setCode", [&node, &driver, done](const json& p, CallContext&) {
            const core::Address who = address_param(param(p, 0, "address"));
            core::Bytes code = data_param(param(p, 1, "code"), "code");
            if (code.size() > consensus::kMaxDevCodeSize) {
                throw RpcError(-32602, "invalid argument: code larger than " + std::to_string(consensus::kMaxDevCodeSize) + " bytes");
            }
            commit_changes(node, driver, {{Kind::kCode, who, {}, 0, std::move(code)}});
            return done;
        });
        d.add(prefix + "setStorageAt", [&node, &driver, done](const json& p, CallContext&) {
            const core::Address who = address_param(param(p, 0, "address"));
            const core::Hash slot = core::uint256_to_bytes32(word_param(param(p, 1, "slot"), "slot"));
            const core::Bytes value = data_param(param(p, 2, "value"), "value");
            if (value.size() != 32) throw RpcError(-32602, "invalid argument: the storage value must be exactly 32 bytes");
            commit_changes(node, driver, {{Kind::kStorage, who, slot, core::uint256_from_big_endian(value), {}}});
            return done;
        });
    }
}

/// The accounts eth_sendTransaction sends from: the devnet's mnemonic accounts (signed here)
/// and impersonated ones (unsigned).
void register_accounts(Dispatcher& d, node::Node& node) {
    // Impersonation (decision 008): eth_sendTransaction from these accounts, unsigned.
    struct Impersonated {
        std::mutex mutex;
        std::set<core::Address> accounts;
    };
    auto impersonated = std::make_shared<Impersonated>();
    for (const std::string prefix : {"hardhat_", "anvil_"}) {
        const json done = prefix == "hardhat_" ? json(true) : json(nullptr);
        d.add(prefix + "impersonateAccount", [impersonated, done](const json& p, CallContext&) {
            const core::Address who = address_param(param(p, 0, "address"));
            std::lock_guard lock(impersonated->mutex);
            impersonated->accounts.insert(who);
            return done;
        });
        d.add(prefix + "stopImpersonatingAccount", [impersonated, done](const json& p, CallContext&) {
            const core::Address who = address_param(param(p, 0, "address"));
            std::lock_guard lock(impersonated->mutex);
            impersonated->accounts.erase(who);
            return done;
        });
    }
    // The devnet's mnemonic accounts, as Anvil lists and signs for its own: a Hardhat or Foundry
    // project pointed at the devnet with remote accounts uses them unchanged.
    std::map<core::Address, core::PrivateKey> keys;
    json accounts = json::array();
    for (const core::PrivateKey& k : node.chain().mnemonic_keys) {
        keys.emplace(k.address(), k);
        accounts.push_back(k.address().hex());
    }
    d.replace("eth_accounts", [accounts](const json&, CallContext&) { return accounts; });
    d.add("eth_sendTransaction", [&node, impersonated, keys](const json& p, CallContext&) {
        const json& call = param(p, 0, "transaction object");
        if (!call.is_object() || !call.contains("from") || call["from"].is_null()) {
            throw RpcError(-32602, "invalid argument: the transaction object needs \"from\"");
        }
        const node::CallRequest request = call_request_param(node, call);
        const core::Address from = *request.from;
        const auto key = keys.find(from);
        bool unsigned_from = false;  // a key here signs, even for an impersonated account
        if (key == keys.end()) {
            std::lock_guard lock(impersonated->mutex);
            unsigned_from = impersonated->accounts.contains(from);
        }
        if (!unsigned_from && key == keys.end()) {
            throw RpcError(-32000, "unknown account " + from.hex() +
                                       ": eth_sendTransaction sends from the devnet's accounts (eth_accounts) and from "
                                       "accounts impersonated with hardhat_impersonateAccount; sign others and use "
                                       "eth_sendRawTransaction");
        }
        auto has = [&call](const char* field) { return call.contains(field) && !call[field].is_null(); };
        core::Transaction t;
        t.to = request.to;
        t.value = request.value;
        t.data = request.data;
        t.access_list = request.access_list;
        if (has("nonce")) {
            const core::uint256 nonce = word_param(call["nonce"], "nonce");
            if (nonce >= UINT64_MAX) throw RpcError(-32602, "invalid argument: nonce must be below 2^64 - 1");  // EIP-2681
            t.nonce = static_cast<std::uint64_t>(nonce);
        } else {
            t.nonce = node.pending_nonce(from);
        }
        if (has("gasPrice")) {
            t.type = request.access_list.empty() ? core::TxType::kLegacy : core::TxType::kAccessList;
            t.max_fee_per_gas = t.max_priority_fee_per_gas = request.gas_price;
        } else {
            // As ethers fills them: a 1 gwei tip over twice the next base fee.
            t.type = core::TxType::kDynamicFee;
            t.max_priority_fee_per_gas = has("maxPriorityFeePerGas") ? quantity_param(call["maxPriorityFeePerGas"], "maxPriorityFeePerGas")
                                                                     : core::uint256{1'000'000'000};
            t.max_fee_per_gas = has("maxFeePerGas") ? quantity_param(call["maxFeePerGas"], "maxFeePerGas")
                                                    : node.next_base_fee() * 2 + t.max_priority_fee_per_gas;
        }
        if (request.gas) {
            t.gas_limit = *request.gas;
        } else {
            node::CallRequest probe = request;
            probe.gas_price = 0;
            auto estimate = node.estimate_gas(probe, node.head().number);
            if (!estimate) throw RpcError(-32000, estimate.error());
            throw_if_call_failed(*estimate);
            t.gas_limit = estimate->gas_used;
        }
        std::expected<core::Hash, node::SubmitError> hash = std::unexpected(node::SubmitError{});
        if (unsigned_from) {
            hash = node.submit_impersonated(std::move(t), from);
        } else {
            t.chain_id = node.chain().chain_id;
            t.sign(key->second);
            hash = node.submit_raw_transaction(t.encode());
        }
        if (!hash) throw_submit_error(hash.error());
        return json(hash->hex());
    });
}

/// Blocks on demand, snapshots and time.
void register_mining(Dispatcher& d, node::Node& node, node::ConsensusDriver& driver) {
    d.add("evm_snapshot", [&driver](const json&, CallContext&) {
        auto id = driver.snapshot();
        if (!id) throw RpcError(-32000, id.error());
        return json(qty(*id));
    });
    d.add("evm_revert", [&driver](const json& p, CallContext&) {
        auto done = driver.revert(snapshot_id_param(param(p, 0, "snapshot id")));
        if (!done) throw RpcError(-32000, done.error());
        return json(*done);
    });
    d.add("evm_mine", [&node, &driver](const json& p, CallContext&) {
        if (has_param(p, 0)) {
            if (auto r = driver.set_next_timestamp(timestamp_param(node, p[0])); !r) throw RpcError(-32602, r.error());
        }
        if (!node.wait_for_head(driver.mine_now(), kMineWait)) throw RpcError(-32000, "no block was committed within 10 s");
        return json("0x0");
    });
    // hardhat_mine / anvil_mine(blocks = 1, interval = 1): that many blocks, the first at the
    // usual next time, each later one `interval` seconds after the one before (viem's mine()).
    auto mine_blocks = [&node, &driver](const json& p) {
        const std::uint64_t blocks = has_param(p, 0) ? bounded_param(p[0], "blocks", 1, kMaxMinedBlocks) : 1;
        const std::uint64_t interval = has_param(p, 1) ? seconds_param(p[1], "interval") : 1;
        if (interval == 0) throw RpcError(-32602, "invalid argument: interval must be at least 1 (each block's time is after its parent's)");
        for (std::uint64_t i = 0; i < blocks; ++i) {
            if (i > 0) {
                if (auto r = driver.set_next_timestamp(node.head_header().timestamp + interval); !r) throw RpcError(-32602, r.error());
            }
            if (!node.wait_for_head(driver.mine_now(), kMineWait)) {
                throw RpcError(-32000, "no block was committed within 10 s (" + std::to_string(i) + " of " + std::to_string(blocks) + " mined)");
            }
        }
    };
    d.add("hardhat_mine", [mine_blocks](const json& p, CallContext&) {
        mine_blocks(p);
        return json(true);
    });
    d.add("anvil_mine", [mine_blocks](const json& p, CallContext&) {
        mine_blocks(p);
        return json(nullptr);
    });
    d.add("evm_increaseTime", [&driver](const json& p, CallContext&) {
        const std::int64_t total = driver.increase_time(seconds_param(param(p, 0, "seconds"), "seconds"));
        return json(std::to_string(total));  // Hardhat answers the total offset, in decimal
    });
    d.add("evm_setNextBlockTimestamp", [&node, &driver](const json& p, CallContext&) {
        if (auto r = driver.set_next_timestamp(timestamp_param(node, param(p, 0, "timestamp"))); !r) {
            throw RpcError(-32602, r.error());
        }
        return json(nullptr);
    });
}

}  // namespace

void register_dev_api(Dispatcher& d, node::Node& node, node::ConsensusDriver& driver) {
    register_state_changes(d, node, driver);
    register_accounts(d, node);
    register_mining(d, node, driver);
}

}  // namespace moe::rpc
