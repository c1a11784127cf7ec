#pragma once

#include "cmd/moed/cli.hpp"

namespace moe::node {

/// `moed byzantine double-prevote --home DIR --peer HOST:PORT`: signs conflicting votes with a
/// home's validator key and sends them to a peer (tests of evidence and slashing).
int byzantine_main(Args args);
/// Declares its options, positional arguments and help.
void byzantine_options(CLI::App& command);

}  // namespace moe::node
