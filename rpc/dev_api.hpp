#pragma once

#include <array>
#include <string>

#include "node/consensus_driver.hpp"
#include "node/node.hpp"
#include "rpc/dispatcher.hpp"

namespace moe::rpc {

/// The dev methods (decisions 007 and 008), served on a single-validator devnet home only.
inline constexpr std::array kDevMethods{
    "evm_mine",           "evm_increaseTime",     "evm_setNextBlockTimestamp", "evm_snapshot",      "evm_revert",
    "hardhat_mine",       "anvil_mine",
    "hardhat_setBalance", "hardhat_setNonce",     "hardhat_setCode",           "hardhat_setStorageAt",
    "anvil_setBalance",   "anvil_setNonce",       "anvil_setCode",             "anvil_setStorageAt",
    "hardhat_impersonateAccount", "hardhat_stopImpersonatingAccount", "anvil_impersonateAccount",
    "anvil_stopImpersonatingAccount", "eth_sendTransaction",
};

/// Registers the dev methods Hardhat and Foundry scripts call on a devnet (decisions 007, 008):
/// kDevMethods. Only a devnet home registers them.
void register_dev_api(Dispatcher& dispatcher, node::Node& node, node::ConsensusDriver& driver);
/// On any other home the same names answer -32601 with `why` (the reason this home is not one),
/// so a script pointed at the wrong node is told so rather than "method not found".
void register_dev_refusals(Dispatcher& dispatcher, std::string why);

}  // namespace moe::rpc
