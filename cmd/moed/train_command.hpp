#pragma once

#include <expected>
#include <string>

#include "cmd/moed/cli.hpp"
#include "moe/offline/fraud_dataset.hpp"

namespace moe::node {

/// `moed train --task T [--data FILE] --out MODEL`: trains an MoE model in f32, quantizes it
/// and writes the integer model file.
int train_main(Args args);
/// Declares its options, positional arguments and help.
void train_options(CLI::App& command);

/// The fraud training set's options: --rows-per-account, --worlds, --drainer-worlds and the
/// drainer worlds' --drainer-family and --drainer-visible. `moed train` takes them and `moed moe
/// features` mirrors them, so the gradient-boosting baseline trains on the MoE's rows.
void fraud_training_options(CLI::App& command);
/// --drainer-family and --drainer-visible alone (`moed moe eval`'s generated worlds).
void drainer_options(CLI::App& command);
/// What fraud_training_options declared, over the shipped recipe's defaults.
[[nodiscard]] std::expected<nn::FraudTrainingOptions, std::string> fraud_training_flags(Args args);
/// What drainer_options declared, into `o`.
[[nodiscard]] std::expected<void, std::string> drainer_flags(Args args, nn::FraudTrainingOptions& o);

}  // namespace moe::node
