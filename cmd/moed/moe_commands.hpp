#pragma once

#include "cmd/moed/cli.hpp"

namespace moe::node {

/// `moed moe selftest|info|bench ...`: the MoE engine from the command line.
int moe_main(Args args);

}  // namespace moe::node
