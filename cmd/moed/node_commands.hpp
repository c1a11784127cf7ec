#pragma once

#include "cmd/moed/cli.hpp"

namespace moe::node {

/// `moed init --preset devnet|localnet --home DIR`: keys, config and genesis in a new home.
int init_main(Args args);
/// Declares its options, positional arguments and help.
void init_options(CLI::App& command);
/// `moed start --home DIR`: runs the node in a home until SIGINT or SIGTERM.
int start_main(Args args);
/// Declares its options, positional arguments and help.
void start_options(CLI::App& command);
/// `moed devnet [--home DIR] [--rpc-port P]`: init (if needed) and start a single-validator devnet.
int devnet_main(Args args);
/// Declares its options, positional arguments and help.
void devnet_options(CLI::App& command);

}  // namespace moe::node
