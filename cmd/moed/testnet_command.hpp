#pragma once

#include "cmd/moed/cli.hpp"

namespace moe::node {

/// `moed testnet --validators N --out DIR`: the homes of an N-validator local testnet with one
/// shared genesis, as `cometbft testnet` writes them.
int testnet_main(Args args);

/// `moed load --rpc URL[,URL...] --rate R --seconds S`: paced signed transfers into running
/// nodes, then what was sent, accepted and committed, and how fast.
int load_main(Args args);

}  // namespace moe::node
