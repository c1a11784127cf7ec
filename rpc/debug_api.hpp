#pragma once

#include "node/node.hpp"
#include "rpc/dispatcher.hpp"

namespace moe::rpc {

/// Registers debug_traceTransaction, debug_traceBlockByNumber, debug_traceBlockByHash and
/// debug_traceCall with geth's struct logger and callTracer outputs, on every node: they read
/// committed state and change nothing.
void register_debug_api(Dispatcher& dispatcher, node::Node& node);

}  // namespace moe::rpc
