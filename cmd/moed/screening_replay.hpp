#pragma once

#include "cmd/moed/cli.hpp"

namespace moe::node {

/// `moed moe replay-plan ...`: the transactions that replay held-back generated worlds and
/// held-out labelled accounts' histories on a devnet (issue 13, item 2), as JSON lines: a
/// derived key per original address, the calldata, value, gas and time of each, the score
/// `moed moe eval` gives its row offline, and the score the chain must give it when the plan
/// is replayed exactly (scripts/screening_replay.mjs sends them and counts the verdicts).
int replay_plan_main(Args args);
/// Declares its options, positional arguments and help.
void replay_plan_options(CLI::App& command);

}  // namespace moe::node
