#pragma once

#include "node/node.hpp"
#include "rpc/dispatcher.hpp"
#include "rpc/server.hpp"

namespace moe::rpc {

/// The client version web3_clientVersion reports.
inline constexpr std::string_view kClientVersion = "moed/v0.1.0/linux-x86_64/gcc12";

/// Registers web3_*, net_* and eth_* methods over a node's read and submit interfaces.
void register_eth_api(Dispatcher& dispatcher, node::Node& node);

/// Publishes newHeads notifications to WebSocket subscribers for every block the node commits.
void publish_new_heads(node::Node& node, Server& server);

/// The Prometheus text of the node's and the server's metrics.
[[nodiscard]] std::string render_metrics(const node::Node& node, const Dispatcher& dispatcher, const Server& server);

/// A block as eth_getBlockBy* returns it (full: transaction objects, else hashes).
[[nodiscard]] nlohmann::json block_json(const core::Block& block, bool full);

}  // namespace moe::rpc
