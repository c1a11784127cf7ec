#include "rpc/eth_api.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <sstream>

#include "core/keccak.hpp"
#include "core/rlp.hpp"
#include "evm/tracing.hpp"
#include "rpc/params.hpp"

namespace moe::rpc {

using nlohmann::json;
using core::uint256;

namespace {

json access_list_json(const core::AccessList& list) {
    json out = json::array();
    for (const auto& e : list) {
        json keys = json::array();
        for (const auto& k : e.storage_keys) keys.push_back(k.hex());
        out.push_back({{"address", core::to_checksum(e.address)}, {"storageKeys", keys}});
    }
    return out;
}

core::AccessList access_list_param(const json& v) {
    if (!v.is_array()) invalid_params("accessList must be an array");
    core::AccessList list;
    for (const json& e : v) {
        if (!e.is_object() || !e.contains("address")) invalid_params("accessList entries need an address");
        core::AccessListEntry entry{address_param(e["address"]), {}};
        if (e.contains("storageKeys") && !e["storageKeys"].is_null()) {
            if (!e["storageKeys"].is_array()) invalid_params("storageKeys must be an array");
            for (const json& k : e["storageKeys"]) entry.storage_keys.push_back(hash_param(k));
        }
        list.push_back(std::move(entry));
    }
    return list;
}

/// geth's message for a call that did not succeed.
std::string failure_message(const node::CallOutcome& out) {
    if (out.status != evm::Status::kRevert) return std::string(evm::to_string(out.status));
    auto reason = evm::decode_revert_reason(out.output);
    return reason ? "execution reverted: " + *reason : "execution reverted";
}

/// A revert becomes error 3 with the revert data (what ethers decodes); other failures -32000.
void throw_if_failed(const node::CallOutcome& out) {
    if (out.status == evm::Status::kSuccess) return;
    if (out.status == evm::Status::kRevert) throw RpcError(kExecutionReverted, failure_message(out), json(core::to_hex(out.output)));
    throw RpcError(kServerError, failure_message(out));
}

/// The address and topics of a filter (eth_getLogs or a logs subscription).
node::LogFilter log_criteria(const json& f) {
    node::LogFilter filter;
    if (f.contains("address") && !f["address"].is_null()) {
        const json& a = f["address"];
        if (a.is_array()) {
            for (const json& x : a) filter.addresses.push_back(address_param(x));
        } else {
            filter.addresses.push_back(address_param(a));
        }
    }
    if (f.contains("topics") && !f["topics"].is_null()) {
        if (!f["topics"].is_array() || f["topics"].size() > 4) invalid_params("topics must be an array of at most 4");
        for (const json& t : f["topics"]) {
            std::vector<core::Hash> alternatives;
            if (t.is_array()) {
                for (const json& x : t) alternatives.push_back(hash_param(x));
            } else if (!t.is_null()) {
                alternatives.push_back(hash_param(t));
            }
            filter.topics.push_back(std::move(alternatives));
        }
    }
    return filter;
}

node::LogFilter log_filter_param(node::Node& node, const json& f) {
    if (!f.is_object()) invalid_params("filter must be an object");
    node::LogFilter filter = log_criteria(f);
    if (f.contains("blockHash") && !f["blockHash"].is_null()) {
        if (f.contains("fromBlock") || f.contains("toBlock")) invalid_params("blockHash excludes fromBlock and toBlock");
        auto b = node.block_by_hash(hash_param(f["blockHash"]));
        if (!b) throw RpcError(-32001, "unknown block");
        filter.from_block = filter.to_block = b->header.number;
        return filter;
    }
    filter.from_block = block_number_param(node, f.contains("fromBlock") ? f["fromBlock"] : json("latest"));
    filter.to_block = block_number_param(node, f.contains("toBlock") ? f["toBlock"] : json("latest"));
    if (filter.from_block > filter.to_block) invalid_params("fromBlock is after toBlock");
    return filter;
}

json log_entry_json(const node::LogEntry& e) {
    json topics = json::array();
    for (const auto& t : e.log.topics) topics.push_back(t.hex());
    return {{"address", core::to_checksum(e.log.address)},
            {"topics", topics},
            {"data", core::to_hex(e.log.data)},
            {"blockHash", e.block_hash.hex()},
            {"blockNumber", qty(e.block_number)},
            {"transactionHash", e.txn_hash.hex()},
            {"transactionIndex", qty(std::uint64_t{e.txn_index})},
            {"logIndex", qty(e.log_index)},
            {"removed", false}};
}

json transaction_json(const core::Transaction& t, const core::Address& from, const std::optional<core::Hash>& block_hash,
                      std::optional<std::uint64_t> block_number, std::optional<std::uint32_t> index,
                      const std::optional<uint256>& base_fee) {
    json j = {
        {"hash", t.hash().hex()},
        {"nonce", qty(t.nonce)},
        {"from", core::to_checksum(from)},
        {"to", t.to ? json(core::to_checksum(*t.to)) : json(nullptr)},
        {"value", qty(t.value)},
        {"gas", qty(t.gas_limit)},
        {"input", core::to_hex(t.data)},
        {"type", qty(static_cast<std::uint64_t>(t.type))},
        {"r", qty(t.signature.r)},
        {"s", qty(t.signature.s)},
        {"blockHash", block_hash ? json(block_hash->hex()) : json(nullptr)},
        {"blockNumber", block_number ? json(qty(*block_number)) : json(nullptr)},
        {"transactionIndex", index ? json(qty(std::uint64_t{*index})) : json(nullptr)},
    };
    if (t.chain_id) j["chainId"] = qty(*t.chain_id);
    if (t.type == core::TxType::kLegacy) {
        j["gasPrice"] = qty(t.gas_price());
        j["v"] = t.chain_id ? qty(uint256{*t.chain_id} * 2 + 35 + t.signature.y_parity) : qty(std::uint64_t{27u + t.signature.y_parity});
    } else {
        j["v"] = qty(std::uint64_t{t.signature.y_parity});
        j["yParity"] = qty(std::uint64_t{t.signature.y_parity});
        j["accessList"] = access_list_json(t.access_list);
        if (t.type == core::TxType::kDynamicFee) {
            j["maxFeePerGas"] = qty(t.max_fee_per_gas);
            j["maxPriorityFeePerGas"] = qty(t.max_priority_fee_per_gas);
            // geth reports the effective price once mined, the fee cap while pending.
            j["gasPrice"] = qty(base_fee ? t.effective_gas_price(*base_fee).value_or(t.max_fee_per_gas) : t.max_fee_per_gas);
        } else {
            j["gasPrice"] = qty(t.gas_price());
        }
    }
    return j;
}

json logs_json(const std::vector<core::Log>& logs, const core::Hash& block_hash, std::uint64_t block_number,
               const core::Hash& txn_hash, std::uint32_t txn_index, std::uint64_t first_log_index) {
    json out = json::array();
    for (std::size_t i = 0; i < logs.size(); ++i) {
        json topics = json::array();
        for (const auto& t : logs[i].topics) topics.push_back(t.hex());
        out.push_back({{"address", core::to_checksum(logs[i].address)},
                       {"topics", topics},
                       {"data", core::to_hex(logs[i].data)},
                       {"blockHash", block_hash.hex()},
                       {"blockNumber", qty(block_number)},
                       {"transactionHash", txn_hash.hex()},
                       {"transactionIndex", qty(std::uint64_t{txn_index})},
                       {"logIndex", qty(first_log_index + i)},
                       {"removed", false}});
    }
    return out;
}

json receipt_json(const node::IncludedTransaction& t) {
    return {
        {"transactionHash", t.txn.hash().hex()},
        {"transactionIndex", qty(std::uint64_t{t.index})},
        {"blockHash", t.block_hash.hex()},
        {"blockNumber", qty(t.block_number)},
        {"from", core::to_checksum(t.sender)},
        {"to", t.txn.to ? json(core::to_checksum(*t.txn.to)) : json(nullptr)},
        {"cumulativeGasUsed", qty(t.receipt.cumulative_gas_used)},
        {"gasUsed", qty(t.gas_used)},
        {"effectiveGasPrice", qty(t.effective_gas_price)},
        {"contractAddress", t.contract_address ? json(core::to_checksum(*t.contract_address)) : json(nullptr)},
        {"logs", logs_json(t.receipt.logs, t.block_hash, t.block_number, t.txn.hash(), t.index, t.first_log_index)},
        {"logsBloom", t.receipt.bloom.hex()},
        {"status", t.receipt.success ? "0x1" : "0x0"},
        {"type", qty(static_cast<std::uint64_t>(t.txn.type))},
    };
}

/// Tip percentiles of a block's transactions, weighted by gas used, as eth_feeHistory computes them.
json reward_percentiles(node::Node& node, const core::Block& block, const std::vector<double>& percentiles) {
    json out = json::array();
    const uint256 base = block.header.base_fee_per_gas.value_or(0);
    auto receipts = node.receipts(block.header.hash());
    std::vector<std::pair<uint256, std::uint64_t>> tips;  // (tip, gas used)
    for (std::size_t i = 0; i < block.body.transactions.size() && receipts && i < receipts->size(); ++i) {
        const std::uint64_t before = i == 0 ? 0 : (*receipts)[i - 1].cumulative_gas_used;
        tips.emplace_back(block.body.transactions[i].effective_priority_fee(base).value_or(0),
                          (*receipts)[i].cumulative_gas_used - before);
    }
    std::sort(tips.begin(), tips.end());
    for (double p : percentiles) {
        if (tips.empty()) {
            out.push_back("0x0");
            continue;
        }
        const double threshold = static_cast<double>(block.header.gas_used) * p / 100.0;
        std::uint64_t sum = 0;
        uint256 chosen = tips.back().first;
        for (const auto& [tip, gas] : tips) {
            sum += gas;
            if (static_cast<double>(sum) >= threshold) {
                chosen = tip;
                break;
            }
        }
        out.push_back(qty(chosen));
    }
    return out;
}

constexpr std::uint64_t kSuggestedTip = 1'000'000'000;  // 1 gwei: what eth_maxPriorityFeePerGas suggests

}  // namespace

json block_json(const core::Block& block, bool full, const node::Node* node) {
    const core::BlockHeader& h = block.header;
    const core::Hash hash = h.hash();
    json txns = json::array();
    for (std::size_t i = 0; i < block.body.transactions.size(); ++i) {
        const core::Transaction& t = block.body.transactions[i];
        if (full) {
            const auto sender = node ? node->included_sender(t, hash) : std::optional<core::Address>(t.sender().value_or(core::Address{}));
            txns.push_back(transaction_json(t, sender.value_or(core::Address{}), hash, h.number,
                                            static_cast<std::uint32_t>(i), h.base_fee_per_gas));
        } else {
            txns.push_back(t.hash().hex());
        }
    }
    const std::size_t size = h.encode().size() + block.body.encode().size();
    json j = {
        {"number", qty(h.number)},
        {"hash", hash.hex()},
        {"parentHash", h.parent_hash.hex()},
        {"nonce", core::to_hex(core::ByteView(h.nonce.data(), h.nonce.size()))},
        {"mixHash", h.mix_hash.hex()},
        {"sha3Uncles", h.ommers_hash.hex()},
        {"logsBloom", h.logs_bloom.hex()},
        {"transactionsRoot", h.transactions_root.hex()},
        {"stateRoot", h.state_root.hex()},
        {"receiptsRoot", h.receipts_root.hex()},
        {"miner", core::to_checksum(h.beneficiary)},
        {"difficulty", qty(h.difficulty)},
        {"totalDifficulty", "0x0"},
        {"extraData", core::to_hex(h.extra_data)},
        {"size", qty(std::uint64_t{size})},
        {"gasLimit", qty(h.gas_limit)},
        {"gasUsed", qty(h.gas_used)},
        {"timestamp", qty(h.timestamp)},
        {"transactions", txns},
        {"uncles", json::array()},
    };
    if (h.base_fee_per_gas) j["baseFeePerGas"] = qty(*h.base_fee_per_gas);
    if (h.withdrawals_root) {
        j["withdrawalsRoot"] = h.withdrawals_root->hex();
        j["withdrawals"] = json::array();
    }
    if (h.blob_gas_used) j["blobGasUsed"] = qty(*h.blob_gas_used);
    if (h.excess_blob_gas) j["excessBlobGas"] = qty(*h.excess_blob_gas);
    if (h.parent_beacon_block_root) j["parentBeaconBlockRoot"] = h.parent_beacon_block_root->hex();
    return j;
}

void throw_if_call_failed(const node::CallOutcome& outcome) { throw_if_failed(outcome); }

node::CallRequest call_request_param(node::Node& node, const json& call) {
    if (!call.is_object()) invalid_params("transaction call object must be an object");
    node::CallRequest r;
    auto has = [&call](const char* key) { return call.contains(key) && !call[key].is_null(); };
    if (has("from")) r.from = address_param(call["from"]);
    if (has("to")) r.to = address_param(call["to"]);
    if (has("gas")) {
        const uint256 gas = quantity_param(call["gas"], "gas");
        r.gas = gas > node::kRpcGasCap ? node::kRpcGasCap : static_cast<std::uint64_t>(gas);
    }
    if (has("value")) r.value = quantity_param(call["value"], "value");
    if (has("gasPrice")) {
        r.gas_price = quantity_param(call["gasPrice"], "gasPrice");
    } else if (has("maxFeePerGas")) {
        const uint256 cap = quantity_param(call["maxFeePerGas"], "maxFeePerGas");
        const uint256 tip = has("maxPriorityFeePerGas") ? quantity_param(call["maxPriorityFeePerGas"], "maxPriorityFeePerGas") : uint256{};
        if (tip > cap) invalid_params("maxPriorityFeePerGas above maxFeePerGas");
        r.gas_price = std::min(cap, node.next_base_fee() + tip);
    }
    if (has("input") && has("data") && call["input"] != call["data"]) {
        invalid_params("both \"data\" and \"input\" are set and not equal");
    }
    for (const char* key : {"data", "input"}) {
        if (has(key)) r.data = data_param(call[key], key);
    }
    if (has("accessList")) r.access_list = access_list_param(call["accessList"]);
    return r;
}

namespace {

/// What the node is: client, chain, network.
void register_identity_methods(Dispatcher& d, node::Node& node, const EthApiOptions& options) {
    const std::uint64_t chain_id = node.chain().chain_id;

    d.add("web3_clientVersion", [version = options.client_version](const json&, CallContext&) { return json(version); });
    d.add("web3_sha3", [](const json& p, CallContext&) {
        return json(core::keccak256(data_param(param(p, 0, "data"), "data")).hex());
    });
    d.add("net_version", [chain_id](const json&, CallContext&) { return json(std::to_string(chain_id)); });
    d.add("net_listening", [](const json&, CallContext&) { return json(true); });
    d.add("net_peerCount", [](const json&, CallContext&) { return json("0x0"); });
    d.add("eth_chainId", [chain_id](const json&, CallContext&) { return json(qty(chain_id)); });
    d.add("eth_syncing", [](const json&, CallContext&) { return json(false); });
    d.add("eth_accounts", [](const json&, CallContext&) { return json::array(); });
    d.add("eth_mining", [](const json&, CallContext&) { return json(false); });
    d.add("eth_blockNumber", [&node](const json&, CallContext&) { return json(qty(node.head().number)); });
    d.add("rpc_modules", [](const json&, CallContext&) {
        return json{{"eth", "1.0"}, {"net", "1.0"}, {"web3", "1.0"}, {"rpc", "1.0"}, {"txpool", "1.0"}};
    });
}

/// The accounts of a block's state.
void register_state_methods(Dispatcher& d, node::Node& node) {
    d.add("eth_getBalance", [&node](const json& p, CallContext&) {
        const core::Address a = address_param(param(p, 0, "address"));
        const std::uint64_t n = block_number_param(node, has_param(p, 1) ? p[1] : json(nullptr));
        auto acct = node.account(a, n);
        if (!acct) throw RpcError(kInternalError, acct.error());
        return json(qty(acct->balance));
    });
    d.add("eth_getTransactionCount", [&node](const json& p, CallContext&) {
        const core::Address a = address_param(param(p, 0, "address"));
        if (has_param(p, 1) && p[1].is_string() && p[1].get<std::string>() == "pending") {
            return json(qty(node.pending_nonce(a)));
        }
        const std::uint64_t n = block_number_param(node, has_param(p, 1) ? p[1] : json(nullptr));
        auto acct = node.account(a, n);
        if (!acct) throw RpcError(kInternalError, acct.error());
        return json(qty(acct->nonce));
    });
    d.add("eth_getCode", [&node](const json& p, CallContext&) {
        const core::Address a = address_param(param(p, 0, "address"));
        const std::uint64_t n = block_number_param(node, has_param(p, 1) ? p[1] : json(nullptr));
        auto code = node.code(a, n);
        if (!code) throw RpcError(kInternalError, code.error());
        return json(core::to_hex(*code));
    });
    d.add("eth_getStorageAt", [&node](const json& p, CallContext&) {
        const core::Address a = address_param(param(p, 0, "address"));
        const json& slot_param = param(p, 1, "storage slot");
        if (!slot_param.is_string()) invalid_params("storage slot must be a hex string");
        auto slot = core::from_hex(slot_param.get<std::string>(), {.allow_odd = true});
        if (!slot || slot->size() > 32) invalid_params("storage slot must be at most 32 bytes of hex");
        const std::uint64_t n = block_number_param(node, has_param(p, 2) ? p[2] : json(nullptr));
        auto value = node.storage(a, core::uint256_to_bytes32(core::uint256_from_big_endian(*slot)), n);
        if (!value) throw RpcError(kInternalError, value.error());
        return json(value->hex());
    });
}

/// Fees: the next base fee and the history of past ones.
void register_fee_methods(Dispatcher& d, node::Node& node) {
    d.add("eth_gasPrice", [&node](const json&, CallContext&) { return json(qty(node.next_base_fee() + kSuggestedTip)); });
    d.add("eth_maxPriorityFeePerGas", [](const json&, CallContext&) { return json(qty(kSuggestedTip)); });
    d.add("eth_feeHistory", [&node](const json& p, CallContext&) {
        const json& count_param = param(p, 0, "blockCount");
        std::uint64_t count = 0;
        if (count_param.is_number_unsigned()) count = count_param.get<std::uint64_t>();
        else count = static_cast<std::uint64_t>(std::min<uint256>(quantity_param(count_param, "blockCount"), 1024));
        count = std::min<std::uint64_t>(count, 1024);
        const std::uint64_t newest = block_number_param(node, param(p, 1, "newestBlock"));
        std::vector<double> percentiles;
        if (has_param(p, 2)) {
            if (!p[2].is_array()) invalid_params("rewardPercentiles must be an array");
            double last = -1;
            for (const auto& v : p[2]) {
                if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 100 || v.get<double>() < last) {
                    invalid_params("rewardPercentiles must be increasing numbers from 0 to 100");
                }
                last = v.get<double>();
                percentiles.push_back(last);
            }
        }
        count = std::min(count, newest + 1);
        const std::uint64_t oldest = newest + 1 - count;
        json base_fees = json::array();
        json ratios = json::array();
        json rewards = json::array();
        for (std::uint64_t n = oldest; n <= newest && count != 0; ++n) {
            auto block = node.block_by_number(n);
            if (!block) throw RpcError(kInternalError, "block " + std::to_string(n) + " unreadable");
            base_fees.push_back(qty(block->header.base_fee_per_gas.value_or(0)));
            ratios.push_back(block->header.gas_limit == 0 ? 0.0
                                                          : static_cast<double>(block->header.gas_used) /
                                                                static_cast<double>(block->header.gas_limit));
            if (!percentiles.empty()) rewards.push_back(reward_percentiles(node, *block, percentiles));
            if (n == newest) {
                base_fees.push_back(qty(core::next_base_fee(block->header, node.chain().fee_rules)));
            }
        }
        json out = {{"oldestBlock", qty(oldest)}, {"baseFeePerGas", base_fees}, {"gasUsedRatio", ratios}};
        if (!percentiles.empty()) out["reward"] = rewards;
        return out;
    });
}

/// Calls on a block's state that change nothing, and logs.
void register_call_methods(Dispatcher& d, node::Node& node) {
    auto call_request = [&node](const json& p) { return call_request_param(node, param(p, 0, "transaction call object")); };
    auto block_of = [&node](const json& p, std::size_t i) {
        return block_number_param(node, has_param(p, i) ? p[i] : json("latest"));
    };
    d.add("eth_call", [&node, call_request, block_of](const json& p, CallContext&) {
        auto out = node.call(call_request(p), block_of(p, 1));
        if (!out) throw RpcError(kServerError, out.error());
        throw_if_failed(*out);
        return json(core::to_hex(out->output));
    });
    d.add("eth_estimateGas", [&node, call_request, block_of](const json& p, CallContext&) {
        auto out = node.estimate_gas(call_request(p), block_of(p, 1));
        if (!out) throw RpcError(kServerError, out.error());
        if (out->status == evm::Status::kOutOfGas) {
            throw RpcError(kServerError, "gas required exceeds allowance (" + std::to_string(node::kRpcGasCap) + ")");
        }
        throw_if_failed(*out);
        return json(qty(out->gas_used));
    });
    d.add("eth_createAccessList", [&node, call_request, block_of](const json& p, CallContext&) {
        node::CallRequest request = call_request(p);
        const std::uint64_t n = block_of(p, 1);
        // As geth: run until the list the call touches stops growing (warm slots change gas).
        node::CallOutcome out;
        for (int round = 0; round < 4; ++round) {
            auto r = node.call(request, n);
            if (!r) throw RpcError(kServerError, r.error());
            out = std::move(*r);
            if (out.access_list == request.access_list) break;
            request.access_list = out.access_list;
        }
        json result = {{"accessList", access_list_json(out.access_list)}, {"gasUsed", qty(out.gas_used)}};
        if (out.status != evm::Status::kSuccess) result["error"] = failure_message(out);
        return result;
    });
    d.add("eth_getLogs", [&node](const json& p, CallContext&) {
        auto logs = node.logs(log_filter_param(node, param(p, 0, "filter")));
        if (!logs) throw RpcError(kLimitExceeded, logs.error());
        json out = json::array();
        for (const node::LogEntry& e : *logs) out.push_back(log_entry_json(e));
        return out;
    });
}

/// Transactions: sending, the pool, and those in blocks with their receipts.
void register_transaction_methods(Dispatcher& d, node::Node& node, const EthApiOptions& options) {
    d.add("eth_sendRawTransaction", [&node](const json& p, CallContext&) {
        const core::Bytes raw = data_param(param(p, 0, "signed transaction"), "signed transaction");
        auto r = node.submit_raw_transaction(raw);
        if (!r) throw_submit_error(r.error());
        return json(r->hex());
    });
    d.add("eth_getTransactionByHash", [&node](const json& p, CallContext&) {
        const core::Hash h = hash_param(param(p, 0, "transaction hash"));
        if (auto t = node.transaction(h)) {
            auto header = node.header_by_number(t->block_number);
            return transaction_json(t->txn, t->sender, t->block_hash, t->block_number, t->index,
                                    header ? header->base_fee_per_gas : std::nullopt);
        }
        if (auto pending = node.pending_transaction(h)) {
            return transaction_json(pending->txn, pending->sender, std::nullopt, std::nullopt, std::nullopt, std::nullopt);
        }
        return json(nullptr);
    });
    // The pool as geth shows it: executable runs under "pending", transactions behind a nonce
    // gap under "queued", keyed by sender then decimal nonce.
    auto pool_view = [&node](const std::function<json(const node::PooledTransaction&)>& show) {
        const node::Mempool::Content content = node.pool_content();
        json out = {{"pending", json::object()}, {"queued", json::object()}};
        for (const auto& [key, list] : {std::pair{"pending", &content.pending}, std::pair{"queued", &content.queued}}) {
            for (const node::PooledTransaction& p : *list) {
                out[key][core::to_checksum(p.sender)][std::to_string(p.txn.nonce)] = show(p);
            }
        }
        return out;
    };
    d.add("txpool_content", [pool_view](const json&, CallContext&) {
        return pool_view([](const node::PooledTransaction& p) {
            return transaction_json(p.txn, p.sender, std::nullopt, std::nullopt, std::nullopt, std::nullopt);
        });
    });
    d.add("txpool_inspect", [pool_view](const json&, CallContext&) {
        return pool_view([](const node::PooledTransaction& p) {
            const std::string to = p.txn.to ? core::to_checksum(*p.txn.to) : std::string("contract creation");
            return json(to + ": " + p.txn.value.str() + " wei + " + std::to_string(p.txn.gas_limit) + " gas \u00d7 " +
                        (p.txn.type == core::TxType::kDynamicFee ? p.txn.max_fee_per_gas : p.txn.gas_price()).str() + " wei");
        });
    });
    d.add("txpool_status", [&node](const json&, CallContext&) {
        const node::Mempool::Content content = node.pool_content();
        return json{{"pending", qty(std::uint64_t{content.pending.size()})}, {"queued", qty(std::uint64_t{content.queued.size()})}};
    });
    auto waiters = std::make_shared<std::atomic<unsigned>>(0);
    d.add("eth_getTransactionReceipt", [&node, options, waiters](const json& p, CallContext&) {
        const core::Hash h = hash_param(param(p, 0, "transaction hash"));
        auto t = node.transaction(h);
        if (!t && options.receipt_wait.count() > 0 && node.pending_transaction(h)) {
            if (waiters->fetch_add(1) < options.max_receipt_waiters) {
                node.wait_until_unpooled(h, options.receipt_wait);
                t = node.transaction(h);
            }
            waiters->fetch_sub(1);
        }
        if (!t) return json(nullptr);
        return receipt_json(*t);
    });
}

/// Blocks, and subscriptions to new heads and logs.
void register_block_methods(Dispatcher& d, node::Node& node) {
    d.add("eth_getBlockByNumber", [&node](const json& p, CallContext&) {
        const json& tag = param(p, 0, "block number");
        std::uint64_t n = 0;
        try {
            n = block_number_param(node, tag);
        } catch (const RpcError& e) {
            if (e.code == -32001) return json(nullptr);  // a future block: null, as geth answers
            throw;
        }
        const bool full = has_param(p, 1) && p[1].is_boolean() && p[1].get<bool>();
        auto b = node.block_by_number(n);
        return b ? block_json(*b, full, &node) : json(nullptr);
    });
    d.add("eth_getBlockByHash", [&node](const json& p, CallContext&) {
        const core::Hash h = hash_param(param(p, 0, "block hash"));
        const bool full = has_param(p, 1) && p[1].is_boolean() && p[1].get<bool>();
        auto b = node.block_by_hash(h);
        return b ? block_json(*b, full, &node) : json(nullptr);
    });
    d.add("eth_getBlockTransactionCountByNumber", [&node](const json& p, CallContext&) {
        std::uint64_t n = 0;
        try {
            n = block_number_param(node, param(p, 0, "block number"));
        } catch (const RpcError& e) {
            if (e.code == -32001) return json(nullptr);
            throw;
        }
        auto b = node.block_by_number(n);
        return b ? json(qty(std::uint64_t{b->body.transactions.size()})) : json(nullptr);
    });
    d.add("eth_getBlockTransactionCountByHash", [&node](const json& p, CallContext&) {
        auto b = node.block_by_hash(hash_param(param(p, 0, "block hash")));
        return b ? json(qty(std::uint64_t{b->body.transactions.size()})) : json(nullptr);
    });
    d.add("eth_subscribe", [](const json& p, CallContext& ctx) {
        const json& kind = param(p, 0, "subscription kind");
        if (!kind.is_string()) invalid_params("subscription kind must be a string");
        const std::string k = kind.get<std::string>();
        if (k != "newHeads" && k != "logs") {
            throw RpcError(kInvalidParams, "no \"" + k + "\" subscription in eth namespace");
        }
        json filter = has_param(p, 1) ? p[1] : json(nullptr);
        if (k == "logs") {
            if (!filter.is_null() && !filter.is_object()) invalid_params("logs filter must be an object");
            (void)log_criteria(filter.is_null() ? json::object() : filter);  // refuse a bad filter now, not at each block
        }
        return json(ctx.subscribe(k, filter));
    });
    d.add("eth_unsubscribe", [](const json& p, CallContext& ctx) {
        const json& id = param(p, 0, "subscription id");
        if (!id.is_string()) invalid_params("subscription id must be a string");
        return json(ctx.unsubscribe(id.get<std::string>()));
    });
}

}  // namespace

void register_eth_api(Dispatcher& d, node::Node& node, EthApiOptions options) {
    register_identity_methods(d, node, options);
    register_state_methods(d, node);
    register_fee_methods(d, node);
    register_call_methods(d, node);
    register_transaction_methods(d, node, options);
    register_block_methods(d, node);
}

void publish_new_heads(node::Node& node, Server& server) {
    node.on_block([&server](const core::Block& block, const std::vector<core::Receipt>&) {
        json head = block_json(core::Block{block.header, {}}, false);
        head.erase("transactions");
        head.erase("uncles");
        head.erase("size");
        head.erase("withdrawals");
        head.erase("totalDifficulty");
        server.publish("newHeads", [&head](const json&) { return std::optional<json>(head); });
    });
    node.on_block([&server](const core::Block& block, const std::vector<core::Receipt>& receipts) {
        const core::Hash hash = block.header.hash();
        // Each subscription's filter, parsed once per block rather than once per log.
        std::map<std::string, node::LogFilter> filters;
        auto filter_of = [&filters](const json& params) -> const node::LogFilter& {
            const std::string key = params.dump();
            auto it = filters.find(key);
            if (it == filters.end()) it = filters.emplace(key, log_criteria(params.is_null() ? json::object() : params)).first;
            return it->second;
        };
        std::uint64_t log_index = 0;
        for (std::size_t i = 0; i < receipts.size(); ++i) {
            const core::Hash txn_hash = block.body.transactions[i].hash();
            for (const core::Log& log : receipts[i].logs) {
                const node::LogEntry entry{log, hash, block.header.number, txn_hash, static_cast<std::uint32_t>(i), log_index++};
                const json payload = log_entry_json(entry);
                server.publish("logs", [&](const json& params) -> std::optional<json> {
                    return filter_of(params).matches(log) ? std::optional<json>(payload) : std::nullopt;
                });
            }
        }
    });
}

}  // namespace moe::rpc
