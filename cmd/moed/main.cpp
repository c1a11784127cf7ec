// moed: the moechain validator node.
#include <array>
#include <cstdio>
#include <string>

#include "cmd/moed/cli.hpp"
#include "cmd/moed/moe_commands.hpp"
#include "cmd/moed/train_command.hpp"
#if MOE_TEST_BEHAVIOURS
#include "cmd/moed/byzantine_command.hpp"
#endif
#include "cmd/moed/conformance_command.hpp"
#include "cmd/moed/node_commands.hpp"
#include "cmd/moed/testnet_command.hpp"

namespace {

using moe::node::Command;

int run_version(moe::node::Args) {
    const std::string v = moe::node::client_version();
    std::printf("%s\n", v.c_str());
    return 0;
}

void no_options(CLI::App&) {}

// Every subcommand, in the order `moed --help` lists them.
constexpr std::array kCommands = {
    Command{"devnet", "start a single-validator devnet (creating its home on first use)", moe::node::devnet_options,
            moe::node::devnet_main},
    Command{"init", "create a node home from a preset: keys, config, genesis", moe::node::init_options,
            moe::node::init_main},
    Command{"start", "run the node of a home until SIGINT or SIGTERM", moe::node::start_options, moe::node::start_main},
    Command{"testnet", "create the homes of an N-validator local testnet with one genesis", moe::node::testnet_options,
            moe::node::testnet_main},
    Command{"load", "send paced signed transfers to running nodes and measure their inclusion", moe::node::load_options,
            moe::node::load_main},
    Command{"conformance", "run ethereum/tests JSON files (TransactionTests, RLPTests, TrieTests, ...)",
            moe::node::conformance_options, moe::node::conformance_main},
    Command{"moe", "the MoE engine: selftest, info, eval, features, replay-plan, bench", moe::node::moe_options,
            moe::node::moe_main},
    Command{"train", "train an MoE model (f32 on oneDNN), quantize it, write the model file", moe::node::train_options,
            moe::node::train_main},
#if MOE_TEST_BEHAVIOURS
    Command{"byzantine", "misbehave on purpose (double-prevote) to test evidence and slashing",
            moe::node::byzantine_options, moe::node::byzantine_main},
#endif
    Command{"version", "print the version", no_options, run_version},
};

}  // namespace

int main(int argc, char** argv) { return moe::node::run_commands(kCommands, argc, argv); }
