#pragma once

#include "cmd/moed/cli.hpp"

namespace moe::node {

/// `moed conformance [--verbose] [--expected-failures FILE] PATH...`: runs ethereum/tests files.
int conformance_main(Args args);
/// Declares its options, positional arguments and help.
void conformance_options(CLI::App& command);

}  // namespace moe::node
