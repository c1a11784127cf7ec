// `moed conformance`: the command line of the ethereum/tests runner (tools/conformance).
#include "cmd/moed/conformance_command.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tools/conformance/conformance.hpp"

namespace moe::node {

void conformance_options(CLI::App& command) {
    command.footer(
        "Runs every ethereum/tests JSON file under PATH (files or folders) that the runner knows: TransactionTests, "
        "RLPTests, TrieTests, GeneralStateTests. Prints a line per failing case, counts per folder, and ends with 'N "
        "passed, N failed, N skipped'. Cases of forks other than Cancun are skipped. Exits 1 when a case failed or "
        "nothing ran.");
    flag_option(command, "--verbose,-v", "print every case");
    value_option(command, "--expected-failures",
                 "FILE: the cases it lists (each under a '# why: REASON' line, keyed from the suite's folder on, e.g. "
                 "GeneralStateTests/Cancun/x/y.json:y[Cancun][0]) may fail; any other failure, and any listed case "
                 "that passes or does not run, exits 1");
    command.add_option("paths", "PATH...: files or folders of ethereum/tests")->required()->expected(-1);
}

int conformance_main(Args args) {
    const std::vector<std::string> paths = positional(args, "paths");
    conformance::ExpectedFailures expected;
    if (const std::string file = flag_value(args, "--expected-failures"); !file.empty()) {
        auto read = conformance::read_expected_failures(file);
        if (!read) {
            std::fprintf(stderr, "conformance: %s\n", read.error().c_str());
            return 2;
        }
        expected = std::move(*read);
    }
    return conformance::run_conformance_command(paths, has_flag(args, "--verbose"), expected);
}

}  // namespace moe::node
