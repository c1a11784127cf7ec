#pragma once

#include <expected>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

/// The ethereum/tests conformance runner behind `moed conformance PATH...`: a library of its
/// own (tools/), using core and evm only.
namespace moe::conformance {

enum class Outcome { kPassed, kFailed, kSkipped };

/// The result of one test case (one fork and index of a case, where a file has several).
struct CaseResult {
    std::string name;    ///< e.g. "TransactionTests/ttNonce/TransactionWithHighNonce64.json:tx[Cancun]"
    Outcome outcome = Outcome::kPassed;
    std::string reason;  ///< why it failed or was skipped
};

/// Runs every case of one parsed JSON file of a suite (an object of named cases: the runner
/// checks that before calling) and appends their results.
/// `file` names the file in results. A suite runner never throws: a case it cannot read is a
/// failed case with the reason.
using SuiteRunner = void (*)(const nlohmann::json& file_json, const std::string& file,
                             std::vector<CaseResult>& results);

/// Suites, chosen by the folder name found in the file's path.
void run_transaction_tests(const nlohmann::json& file_json, const std::string& file, std::vector<CaseResult>& results);
void run_rlp_tests(const nlohmann::json& file_json, const std::string& file, std::vector<CaseResult>& results);
void run_state_tests(const nlohmann::json& file_json, const std::string& file, std::vector<CaseResult>& results);
void run_trie_tests(const nlohmann::json& file_json, const std::string& file, std::vector<CaseResult>& results);

/// The forks whose rules we implement (Cancun, DESIGN.md); cases for any other fork are
/// skipped and counted as skipped, never as passed.
[[nodiscard]] bool is_supported_fork(const std::string& fork);

/// Cases known to fail, by key (the path from the suite's folder on, then ":" and the case:
/// "GeneralStateTests/Cancun/.../x.json:x[Cancun][0]"), each with why.
using ExpectedFailures = std::map<std::string, std::string>;

/// Reads an expected-failures file: `# why: REASON` sets the reason of the case keys on the
/// lines after it; other `#` lines and blank lines are comments. A key before any reason, or
/// twice, is an error.
[[nodiscard]] std::expected<ExpectedFailures, std::string> read_expected_failures(const std::string& path);

/// `moed conformance PATH...`: prints a line per failing case, counts per folder, and ends with
/// "N passed, N failed, N skipped". Returns 0 when every failure is one of `expected` and every
/// case of `expected` in the files that ran failed (a listed case that passes, or is no longer in
/// its file, fails the run too: the list must stay exact).
int run_conformance_command(const std::vector<std::string>& paths, bool verbose, const ExpectedFailures& expected = {});

}  // namespace moe::conformance
