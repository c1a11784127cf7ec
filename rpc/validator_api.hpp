#pragma once

#include "node/consensus_driver.hpp"
#include "node/node.hpp"
#include "rpc/dispatcher.hpp"

namespace moe::rpc {

/// Registers validator_* (the validator set, consensus status, evidence, commit
/// certificates), and replaces eth's net_peerCount and eth_syncing by network-aware ones
/// (register_eth_api first).
void register_validator_api(Dispatcher& dispatcher, node::Node& node, const node::ConsensusDriver& driver);

}  // namespace moe::rpc
