// TransactionTests: decode each txbytes under Cancun rules and compare the sender, hash and
// intrinsic gas, or expect a rejection where the fork's result names an exception.
#include "core/transaction.hpp"
#include "tools/conformance/conformance.hpp"

namespace moe::conformance {

namespace {

constexpr std::uint64_t kTestsChainId = 1;

/// Checks one case against one fork's expected result; the reason is set on failure.
bool check_case(const std::string& txbytes, const nlohmann::json& expected, std::string& reason) {
    const bool expect_valid = !expected.contains("exception");
    auto raw = core::from_hex(txbytes, {.require_prefix = false});
    if (!raw) {
        reason = "txbytes is not hex";
        return !expect_valid;
    }
    auto txn = core::decode_transaction(*raw);
    // ethereum/tests sign for chain id 1 (mainnet).
    std::expected<core::Address, core::TxError> valid =
        txn ? core::validate_static(*txn, kTestsChainId) : std::unexpected(txn.error());
    if (!valid) {
        reason = std::string("rejected (") + std::string(core::to_string(valid.error())) + ")";
        return !expect_valid;
    }
    if (!expect_valid) {
        reason = "accepted, expected " + expected["exception"].get<std::string>();
        return false;
    }
    const auto sender = valid;
    const std::string want_sender = expected.value("sender", "");
    const std::string want_hash = expected.value("hash", "");
    if (sender->hex() != core::to_hex(core::from_hex(want_sender, {.require_prefix = false}).value_or(core::Bytes{}))) {
        reason = "sender " + sender->hex() + " != " + want_sender;
        return false;
    }
    if (txn->hash().hex() != want_hash) {
        reason = "hash " + txn->hash().hex() + " != " + want_hash;
        return false;
    }
    if (expected.contains("intrinsicGas")) {
        auto gas = core::parse_uint256_lenient(expected["intrinsicGas"].get<std::string>());
        if (!gas || *gas != core::intrinsic_gas(*txn)) {
            reason = "intrinsic gas " + std::to_string(core::intrinsic_gas(*txn)) + " != " +
                     expected["intrinsicGas"].get<std::string>();
            return false;
        }
    }
    return true;
}

}  // namespace

void run_transaction_tests(const nlohmann::json& file_json, const std::string& file, std::vector<CaseResult>& results) {
    for (const auto& [name, test] : file_json.items()) {
        const std::string base = file + ":" + name;
        if (!test.is_object() || !test.contains("txbytes") || !test["txbytes"].is_string() || !test.contains("result") ||
            !test["result"].is_object()) {
            results.push_back({base, Outcome::kFailed, "case without txbytes or result"});
            continue;
        }
        for (const auto& [fork, expected] : test["result"].items()) {
            const std::string case_name = base + "[" + fork + "]";
            if (!is_supported_fork(fork)) {
                results.push_back({case_name, Outcome::kSkipped, "fork " + fork + " is not implemented"});
                continue;
            }
            std::string reason;
            const bool ok = expected.is_object() && check_case(test["txbytes"].get<std::string>(), expected, reason);
            results.push_back({case_name, ok ? Outcome::kPassed : Outcome::kFailed, reason});
        }
    }
}

}  // namespace moe::conformance
