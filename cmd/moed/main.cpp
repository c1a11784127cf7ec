// moed: the moechain validator node.
#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "cmd/moed/cli.hpp"
#include "cmd/moed/moe_commands.hpp"
#include "cmd/moed/train_command.hpp"
#include "cmd/moed/byzantine_command.hpp"
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

// Every subcommand, in the order `moed --help` lists them.
constexpr std::array kCommands = {
    Command{"devnet", "start a single-validator devnet (creating its home on first use)", moe::node::devnet_main},
    Command{"init", "create a node home from a preset: keys, config, genesis", moe::node::init_main},
    Command{"start", "run the node of a home until SIGINT or SIGTERM", moe::node::start_main},
    Command{"testnet", "create the homes of an N-validator local testnet with one genesis", moe::node::testnet_main},
    Command{"load", "send paced signed transfers to running nodes and measure their inclusion", moe::node::load_main},
    Command{"conformance", "run ethereum/tests JSON files (TransactionTests, RLPTests, TrieTests, ...)",
            moe::node::conformance_main},
    Command{"moe", "the MoE engine: selftest (cross-CPU determinism), info MODEL", moe::node::moe_main},
    Command{"train", "train an MoE model (f32 on oneDNN), quantize it, write the model file", moe::node::train_main},
    Command{"byzantine", "misbehave on purpose (double-prevote) to test evidence and slashing", moe::node::byzantine_main},
    Command{"version", "print the version", run_version},
};

void print_usage() {
    std::printf("usage: moed COMMAND [ARGS...]\n\ncommands:\n");
    for (const Command& c : kCommands) {
        std::printf("  %-14.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                    static_cast<int>(c.summary.size()), c.summary.data());
    }
    std::printf("\nRun 'moed COMMAND --help' for the options of a command.\n");
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
        print_usage();
        return args.empty() ? 2 : 0;
    }
    for (const Command& c : kCommands) {
        if (args[0] == c.name) {
            return c.run(moe::node::Args(args).subspan(1));
        }
    }
    std::fprintf(stderr, "moed: unknown command '%s'\n\n", args[0].c_str());
    print_usage();
    return 2;
}
