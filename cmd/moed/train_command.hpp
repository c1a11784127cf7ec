#pragma once

#include "cmd/moed/cli.hpp"

namespace moe::node {

/// `moed train --task T [--data FILE] --out MODEL`: trains an MoE model in f32, quantizes it
/// and writes the integer model file.
int train_main(Args args);
/// Declares its options, positional arguments and help.
void train_options(CLI::App& command);

}  // namespace moe::node
