#pragma once

#include "node/consensus_driver.hpp"
#include "node/node.hpp"
#include "rpc/dispatcher.hpp"

namespace moe::rpc {

/// Registers the dev methods Hardhat and Foundry scripts call on a devnet (decision 007):
/// evm_mine, evm_increaseTime, evm_setNextBlockTimestamp. Only a devnet home registers them.
void register_dev_api(Dispatcher& dispatcher, node::Node& node, node::ConsensusDriver& driver);

}  // namespace moe::rpc
