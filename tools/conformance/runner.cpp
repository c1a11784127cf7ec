#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
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

int run_conformance_command(const std::vector<std::string>& paths, bool verbose, double min_pass_rate) {
    std::vector<fs::path> files;
    std::vector<std::string> errors;
    for (const std::string& p : paths) collect_json_files(p, files, errors);
    std::sort(files.begin(), files.end());
    for (const std::string& e : errors) std::fprintf(stderr, "conformance: %s\n", e.c_str());

    std::map<std::string, Counts> by_folder;  // ordered, so the report is stable
    Counts total;
    std::size_t unknown_files = 0;

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

        Counts& c = by_folder[folder];
        for (const CaseResult& r : results) {
            switch (r.outcome) {
                case Outcome::kPassed:
                    ++c.passed;
                    if (verbose) std::printf("PASS  %s\n", r.name.c_str());
                    break;
                case Outcome::kFailed:
                    ++c.failed;
                    std::printf("FAIL  %s: %s\n", r.name.c_str(), r.reason.c_str());
                    break;
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
    const bool enough = min_pass_rate >= 100.0 ? total.failed == 0 : rate >= min_pass_rate;
    return (!enough || !errors.empty() || nothing_ran) ? 1 : 0;
}

}  // namespace moe::conformance
