#pragma once

#include "cmd/moed/cli.hpp"

namespace moe::node {

/// `moed moe selftest|info|bench ...`: the MoE engine from the command line.
int moe_main(Args args);
/// Declares its options, positional arguments and help.
void moe_options(CLI::App& command);

}  // namespace moe::node
