// `moed conformance`: the command line of the ethereum/tests runner (tools/conformance).
#include "cmd/moed/conformance_command.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tools/conformance/conformance.hpp"

namespace moe::node {

namespace {

constexpr std::string_view kUsage =
    "usage: moed conformance [--verbose] [--min-pass-rate PERCENT] PATH...\n"
    "Runs every ethereum/tests JSON file under PATH (files or folders) that the runner knows:\n"
    "TransactionTests, RLPTests, TrieTests, GeneralStateTests. Prints a line per failing case,\n"
    "counts per folder, and ends with 'N passed, N failed, N skipped'. Cases of forks other than\n"
    "Cancun are skipped. Exits 1 when a case failed or nothing ran; with --min-pass-rate, when\n"
    "fewer than PERCENT of the cases that ran passed (the failures are still printed).\n";

}  // namespace

int conformance_main(Args args) {
    if (wants_help(args) || args.empty()) {
        std::fputs(kUsage.data(), args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    static constexpr std::string_view kValueFlags[] = {"--min-pass-rate"};
    const std::vector<std::string> paths = positional(args, kValueFlags);
    double min_rate = 100.0;
    if (const std::string rate = flag_value(args, "--min-pass-rate"); !rate.empty()) {
        char* end = nullptr;
        min_rate = std::strtod(rate.c_str(), &end);
        if (end == rate.c_str() || *end != '\0' || min_rate < 0 || min_rate > 100) {
            std::fprintf(stderr, "conformance: --min-pass-rate takes a percentage from 0 to 100\n");
            return 2;
        }
    }
    return conformance::run_conformance_command(paths, has_flag(args, "--verbose") || has_flag(args, "-v"), min_rate);
}

}  // namespace moe::node
