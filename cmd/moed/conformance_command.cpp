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
    "usage: moed conformance [--verbose] [--expected-failures FILE] PATH...\n"
    "Runs every ethereum/tests JSON file under PATH (files or folders) that the runner knows:\n"
    "TransactionTests, RLPTests, TrieTests, GeneralStateTests. Prints a line per failing case,\n"
    "counts per folder, and ends with 'N passed, N failed, N skipped'. Cases of forks other than\n"
    "Cancun are skipped. Exits 1 when a case failed or nothing ran. With --expected-failures, the\n"
    "cases FILE lists (each under a '# why: REASON' line, keyed from the suite's folder on, e.g.\n"
    "GeneralStateTests/Cancun/x/y.json:y[Cancun][0]) may fail; any other failure, and any listed\n"
    "case that passes or does not run, exits 1.\n";

}  // namespace

int conformance_main(Args args) {
    if (wants_help(args) || args.empty()) {
        std::fputs(kUsage.data(), args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    static constexpr std::string_view kValueFlags[] = {"--expected-failures"};
    const std::vector<std::string> paths = positional(args, kValueFlags);
    conformance::ExpectedFailures expected;
    if (const std::string file = flag_value(args, "--expected-failures"); !file.empty()) {
        auto read = conformance::read_expected_failures(file);
        if (!read) {
            std::fprintf(stderr, "conformance: %s\n", read.error().c_str());
            return 2;
        }
        expected = std::move(*read);
    }
    return conformance::run_conformance_command(paths, has_flag(args, "--verbose") || has_flag(args, "-v"), expected);
}

}  // namespace moe::node
