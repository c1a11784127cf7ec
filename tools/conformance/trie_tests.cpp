// TrieTests: build each trie from its inputs (in order, or any order) and compare the root;
// the next/prev cases walk the trie in key order. Files named *secure* hash their keys.
#include <algorithm>

#include "core/keccak.hpp"
#include "core/trie.hpp"
#include "tools/conformance/conformance.hpp"

namespace moe::conformance {

namespace {

using core::Bytes;

/// A key or value of the suite: "0x"-hex, or the string's own bytes; null is empty.
Bytes bytes_of(const nlohmann::json& v) {
    if (v.is_null()) return {};
    const std::string& s = v.get_ref<const std::string&>();
    if (s.starts_with("0x")) {
        if (auto b = core::from_hex(s)) return *b;
    }
    return Bytes(s.begin(), s.end());
}

bool build(core::Trie& trie, const nlohmann::json& in, bool secure, std::string& reason) {
    auto apply = [&](const nlohmann::json& k, const nlohmann::json& v) {
        Bytes key = bytes_of(k);
        if (secure) key = core::keccak256(key).to_bytes();
        const auto r = trie.put(key, bytes_of(v));
        if (!r) reason = std::string(core::to_string(r.error()));
        return r.has_value();
    };
    if (in.is_array()) {
        for (const auto& pair : in) {
            if (pair.is_array() && pair.size() == 2) {
                if (!apply(pair[0], pair[1])) return false;
            } else if (pair.is_string()) {  // nextprev inputs are keys with themselves as values
                if (!apply(pair, pair)) return false;
            } else {
                reason = "malformed input pair";
                return false;
            }
        }
        return true;
    }
    if (in.is_object()) {
        for (const auto& [k, v] : in.items()) {
            if (!apply(nlohmann::json(k), v)) return false;
        }
        return true;
    }
    reason = "malformed input";
    return false;
}

CaseResult run_case(const std::string& name, const nlohmann::json& test, bool secure) {
    CaseResult r{name, Outcome::kPassed, {}};
    try {
        core::Trie trie;
        if (!build(trie, test.at("in"), secure, r.reason)) {
            r.outcome = Outcome::kFailed;
            return r;
        }
        if (test.contains("root")) {
            const std::string got = trie.root_hash().hex();
            if (got != test["root"].get<std::string>()) {
                r.outcome = Outcome::kFailed;
                r.reason = "root " + got + " != " + test["root"].get<std::string>();
            }
            return r;
        }
        if (test.contains("tests")) {
            std::vector<Bytes> keys;
            if (auto w = trie.for_each([&](core::ByteView k, core::ByteView) { keys.emplace_back(k.begin(), k.end()); }); !w) {
                r.outcome = Outcome::kFailed;
                r.reason = std::string(core::to_string(w.error()));
                return r;
            }
            for (const auto& t : test["tests"]) {
                const Bytes key = bytes_of(t.at(0));
                auto upper = std::upper_bound(keys.begin(), keys.end(), key);
                auto lower = std::lower_bound(keys.begin(), keys.end(), key);
                const Bytes prev = lower == keys.begin() ? Bytes{} : *(lower - 1);
                const Bytes next = upper == keys.end() ? Bytes{} : *upper;
                if (prev != bytes_of(t.at(1)) || next != bytes_of(t.at(2))) {
                    r.outcome = Outcome::kFailed;
                    r.reason = "prev/next of " + t.at(0).get<std::string>() + " differ";
                    return r;
                }
            }
            return r;
        }
        r.outcome = Outcome::kFailed;
        r.reason = "case without root or tests";
    } catch (const nlohmann::json::exception& e) {
        r.outcome = Outcome::kFailed;
        r.reason = std::string("malformed case: ") + e.what();
    }
    return r;
}

}  // namespace

void run_trie_tests(const nlohmann::json& file_json, const std::string& file, std::vector<CaseResult>& results) {
    std::string lower = file;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    const bool secure = lower.find("securetrie") != std::string::npos;
    for (const auto& [name, test] : file_json.items()) results.push_back(run_case(file + ":" + name, test, secure));
}

}  // namespace moe::conformance
