#pragma once

#include <chrono>
#include <string>

#include "node/node.hpp"
#include "rpc/dispatcher.hpp"
#include "rpc/server.hpp"

namespace moe::rpc {


/// How the eth_* methods behave beyond Ethereum's rules.
struct EthApiOptions {
    /// eth_getTransactionReceipt of a pooled transaction waits this long for its block before
    /// answering null (0: never waits). An instant-blocks node commits within milliseconds of
    /// a send, so a client's first poll gets its receipt (decision 007).
    std::chrono::milliseconds receipt_wait{0};
    /// At most this many requests wait at once; others answer at once, so waiting never takes
    /// every server thread.
    unsigned max_receipt_waiters = 1;
    /// What web3_clientVersion answers (moed sets its version with the git revision).
    std::string client_version = "moed/v0.1.0/linux-x86_64/gcc12";
};

/// A transaction call object (eth_call, eth_estimateGas, debug_traceCall) as geth reads it.
[[nodiscard]] node::CallRequest call_request_param(node::Node& node, const nlohmann::json& call);

/// Throws what eth_call answers for a call that did not succeed: error 3 with the revert data
/// for a revert (what ethers decodes), -32000 for other failures; nothing for a success.
void throw_if_call_failed(const node::CallOutcome& outcome);

/// Registers web3_*, net_* and eth_* methods over a node's read and submit interfaces.
void register_eth_api(Dispatcher& dispatcher, node::Node& node, EthApiOptions options = {});

/// Publishes newHeads notifications to WebSocket subscribers for every block the node commits.
void publish_new_heads(node::Node& node, Server& server);

/// A block as eth_getBlockBy* returns it (full: transaction objects, their senders from
/// `node`, else hashes).
[[nodiscard]] nlohmann::json block_json(const core::Block& block, bool full, const node::Node* node = nullptr);

}  // namespace moe::rpc
