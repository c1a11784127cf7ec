#pragma once

#include "node/node.hpp"
#include "rpc/dispatcher.hpp"

namespace moe::rpc {

/// Registers moe_* (decision 005): screening verdicts, contract classes, account risk and the
/// chain's models; expert routing (decision 004): moe_getRouting, moe_getExperts.
void register_moe_api(Dispatcher& dispatcher, node::Node& node);

}  // namespace moe::rpc
