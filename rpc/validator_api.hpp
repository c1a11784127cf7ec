#pragma once

#include "node/consensus_driver.hpp"
#include "node/node.hpp"
#include "rpc/dispatcher.hpp"

namespace moe::rpc {

/// Registers validator_* (the validator set, consensus status, evidence, commit
/// certificates) and the network-aware net_peerCount and eth_syncing.
void register_validator_api(Dispatcher& dispatcher, node::Node& node, const node::ConsensusDriver& driver);

}  // namespace moe::rpc
