#pragma once

#include <string>

#include "node/consensus_driver.hpp"
#include "node/node.hpp"
#include "rpc/dispatcher.hpp"
#include "rpc/server.hpp"

/// What an operator watches: the Prometheus text of /metrics and the answers of /health/live
/// and /health/ready (deploy/ holds the scrape config, alert rules and dashboard over them).
namespace moe::rpc {

/// The Prometheus text of the node's, its consensus's and the server's metrics. Every series
/// an operator's dashboard or alert uses exists from start-up, at zero until something
/// happens (a series that appears late reads as "no data", and rate() misses its first step).
[[nodiscard]] std::string render_metrics(const node::Node& node, const node::ConsensusStatus& consensus,
                                         const Dispatcher& dispatcher, const Server& server);

/// /health and /health/live: the process serves RPC (always ok, with the head).
[[nodiscard]] Health liveness(const node::Head& head);

/// /health/ready: whether this node can be sent traffic. Not ready (with a reason) before
/// consensus runs, once it halted, while it syncs from a peer that is ahead, and with no peer
/// connected when persistent peers are configured (a validator alone cannot commit).
[[nodiscard]] Health readiness(const node::ConsensusStatus& consensus, const node::Head& head);

}  // namespace moe::rpc
