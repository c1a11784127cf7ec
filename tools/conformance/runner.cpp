#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "tools/conformance/conformance.hpp"

namespace moe::conformance {

namespace fs = std::filesystem;

bool is_supported_fork(const std::string& fork) { return fork == "Cancun"; }

namespace {

struct Suite {
    std::string_view folder;  ///< the ethereum/tests folder whose files this suite runs
    SuiteRunner run;
};

// Every suite the runner knows, found by a folder of that name in a file's path.
const std::vector<Suite>& suites() {
    static const std::vector<Suite> kSuites = {
        {"TransactionTests", run_transaction_tests},
        {"RLPTests", run_rlp_tests},
        {"TrieTests", run_trie_tests},
        {"GeneralStateTests", run_state_tests},
    };
    return kSuites;
}

struct Counts {
    std::size_t passed = 0;
    std::size_t failed = 0;
    std::size_t skipped = 0;
};

/// The command line of `moed conformance`.
/// The suite of a file and its folder label ("TransactionTests/ttNonce"), from its path.
std::pair<const Suite*, std::string> classify(const fs::path& file) {
    std::vector<std::string> parts;
    for (const auto& p : file.parent_path()) parts.push_back(p.string());
    for (std::size_t i = 0; i < parts.size(); ++i) {
        for (const Suite& s : suites()) {
            if (parts[i] == s.folder) {
                std::string label = parts[i];
                if (i + 1 < parts.size()) label += "/" + parts[i + 1];
                return {&s, label};
            }
        }
    }
    return {nullptr, file.parent_path().filename().string()};
}

/// A case's key in an expected-failures list: its name from the suite's folder on.
std::string case_key(const fs::path& file, const Suite& suite, const std::string& name) {
    fs::path from_suite;
    bool in = false;
    for (const auto& p : file) {
        in = in || p.string() == suite.folder;
        if (in) from_suite /= p;
    }
    const std::string full = file.string();
    const std::string tail = name.starts_with(full) ? name.substr(full.size()) : ":" + name;
    return from_suite.generic_string() + tail;
}

void collect_json_files(const fs::path& path, std::vector<fs::path>& out, std::vector<std::string>& errors) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) {
        out.push_back(path);
        return;
    }
    if (!fs::is_directory(path, ec)) {
        errors.push_back("no such file or directory: " + path.string());
        return;
    }
    for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && it->path().extension() == ".json") out.push_back(it->path());
    }
    if (ec) errors.push_back("cannot read " + path.string() + ": " + ec.message());
}

}  // namespace

std::expected<ExpectedFailures, std::string> read_expected_failures(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::unexpected("cannot read " + path);
    ExpectedFailures out;
    std::string reason, line;
    for (int number = 1; std::getline(in, line); ++number) {
        const auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos) continue;
        line = line.substr(first, line.find_last_not_of(" \t\r") + 1 - first);
        if (line.starts_with("# why:")) {
            reason = line.substr(6);
            reason.erase(0, reason.find_first_not_of(' '));
            continue;
        }
        if (line.starts_with("#")) continue;
        const std::string where = path + ":" + std::to_string(number);
        if (reason.empty()) return std::unexpected(where + ": a case before any '# why:' line");
        if (!out.emplace(line, reason).second) return std::unexpected(where + ": " + line + " is listed twice");
    }
    return out;
}

int run_conformance_command(const std::vector<std::string>& paths, bool verbose, const ExpectedFailures& expected) {
    std::vector<fs::path> files;
    std::vector<std::string> errors;
    for (const std::string& p : paths) collect_json_files(p, files, errors);
    std::sort(files.begin(), files.end());
    for (const std::string& e : errors) std::fprintf(stderr, "conformance: %s\n", e.c_str());

    std::map<std::string, Counts> by_folder;  // ordered, so the report is stable
    Counts total;
    std::size_t unknown_files = 0;
    std::size_t unexpected = 0;          // failures not in `expected`
    std::map<std::string, bool> listed;  // each expected failure: whether it ran and failed
    for (const auto& [key, why] : expected) listed.emplace(key, false);
    std::set<std::string> visited;       // the files run, keyed as in the list (a narrower PATH runs fewer)

    for (const fs::path& file : files) {
        auto [suite, folder] = classify(file);
        if (suite == nullptr) {
            ++unknown_files;
            if (verbose) std::printf("SKIP  %s: not a suite this runner knows\n", file.c_str());
            continue;
        }
        std::vector<CaseResult> results;
        std::ifstream in(file, std::ios::binary);
        nlohmann::json doc;
        try {
            doc = nlohmann::json::parse(in);
        } catch (const nlohmann::json::exception& e) {
            results.push_back({file.string(), Outcome::kFailed, std::string("cannot parse JSON: ") + e.what()});
        }
        if (results.empty() && !doc.is_object()) {
            results.push_back({file.string(), Outcome::kFailed, "file is not a JSON object of test cases"});
        }
        if (results.empty()) suite->run(doc, file.string(), results);

        visited.insert(case_key(file, *suite, file.string()));
        Counts& c = by_folder[folder];
        for (const CaseResult& r : results) {
            switch (r.outcome) {
                case Outcome::kPassed:
                    ++c.passed;
                    if (verbose) std::printf("PASS  %s\n", r.name.c_str());
                    break;
                case Outcome::kFailed: {
                    ++c.failed;
                    const auto known = listed.find(case_key(file, *suite, r.name));
                    if (known != listed.end()) {
                        known->second = true;
                        if (verbose) std::printf("XFAIL %s: %s (expected: %s)\n", r.name.c_str(), r.reason.c_str(), expected.at(known->first).c_str());
                        break;
                    }
                    ++unexpected;
                    std::printf("FAIL  %s: %s\n", r.name.c_str(), r.reason.c_str());
                    break;
                }
                case Outcome::kSkipped:
                    ++c.skipped;
                    if (verbose) std::printf("SKIP  %s: %s\n", r.name.c_str(), r.reason.c_str());
                    break;
            }
        }
    }

    std::printf("\n%-48s %8s %8s %8s\n", "folder", "passed", "failed", "skipped");
    for (const auto& [folder, c] : by_folder) {
        std::printf("%-48s %8zu %8zu %8zu\n", folder.c_str(), c.passed, c.failed, c.skipped);
        total.passed += c.passed;
        total.failed += c.failed;
        total.skipped += c.skipped;
    }
    if (unknown_files != 0) std::printf("(%zu files of suites this runner does not know were left out)\n", unknown_files);
    std::printf("%zu passed, %zu failed, %zu skipped\n", total.passed, total.failed, total.skipped);
    const bool nothing_ran = total.passed + total.failed == 0;
    if (nothing_ran) std::fprintf(stderr, "conformance: no test case ran\n");
    const double rate = nothing_ran ? 0.0 : 100.0 * static_cast<double>(total.passed) /
                                                static_cast<double>(total.passed + total.failed);
    std::printf("pass rate %.2f%%\n", rate);
    std::size_t stale = 0;
    for (const auto& [key, failed] : listed) {
        if (failed || !visited.contains(key.substr(0, key.find(':')))) continue;
        ++stale;
        std::printf("STALE %s: listed as an expected failure (%s), but it passed or did not run\n", key.c_str(), expected.at(key).c_str());
    }
    if (!expected.empty()) {
        std::size_t seen = 0;
        for (const auto& [key, failed] : listed) seen += failed ? 1 : 0;
        std::printf("%zu expected failure(s) seen, %zu unexpected failure(s), %zu stale entr%s\n", seen, unexpected, stale,
                    stale == 1 ? "y" : "ies");
    }
    return (unexpected != 0 || stale != 0 || !errors.empty() || nothing_ran) ? 1 : 0;
}

}  // namespace moe::conformance
