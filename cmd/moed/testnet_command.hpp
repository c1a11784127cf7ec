#pragma once

#include "cmd/moed/cli.hpp"

namespace moe::node {

/// `moed testnet --validators N --out DIR`: the homes of an N-validator local testnet with one
/// shared genesis, as `cometbft testnet` writes them.
int testnet_main(Args args);
/// Declares its options, positional arguments and help.
void testnet_options(CLI::App& command);

/// `moed load --rpc URL[,URL...] --rate R --seconds S`: paced signed transfers into running
/// nodes, then what was sent, accepted and committed, and how fast.
int load_main(Args args);
/// Declares its options, positional arguments and help.
void load_options(CLI::App& command);

}  // namespace moe::node
