// RLPTests: encode each "in" and compare with "out"; decode each "out" and compare with "in";
// "INVALID" cases must fail to decode, "VALID" ones must decode.
#include <boost/multiprecision/cpp_int.hpp>
#include <iterator>

#include "core/rlp.hpp"
#include "tools/conformance/conformance.hpp"

namespace moe::conformance {

namespace {

using core::Bytes;
namespace rlp = core::rlp;

/// Builds the expected item from a test's "in" value; false when the value has a form the
/// suite does not define.
bool to_item(const nlohmann::json& in, rlp::Item& out, std::string& error) {
    if (in.is_string()) {
        const std::string& s = in.get_ref<const std::string&>();
        if (!s.empty() && s[0] == '#') {  // a big integer in decimal, possibly over 256 bits
            boost::multiprecision::cpp_int v;
            try {
                v = boost::multiprecision::cpp_int(s.substr(1));
            } catch (const std::exception&) {
                error = "bad big integer " + s;
                return false;
            }
            Bytes be;
            if (v != 0) boost::multiprecision::export_bits(v, std::back_inserter(be), 8);
            out.value = std::move(be);
            return true;
        }
        out.value = Bytes(s.begin(), s.end());
        return true;
    }
    if (in.is_number_unsigned() || (in.is_number_integer() && in.get<std::int64_t>() >= 0)) {
        out.value = core::to_big_endian_compact(in.get<std::uint64_t>());
        return true;
    }
    if (in.is_array()) {
        std::vector<rlp::Item> items;
        for (const auto& child : in) {
            rlp::Item item;
            if (!to_item(child, item, error)) return false;
            items.push_back(std::move(item));
        }
        out.value = std::move(items);
        return true;
    }
    error = "unsupported input value " + in.dump();
    return false;
}

bool same_item(const rlp::Item& a, const rlp::Item& b) {
    if (a.is_list() != b.is_list()) return false;
    if (!a.is_list()) return a.string() == b.string();
    if (a.list().size() != b.list().size()) return false;
    for (std::size_t i = 0; i < a.list().size(); ++i) {
        if (!same_item(a.list()[i], b.list()[i])) return false;
    }
    return true;
}

CaseResult run_case(const std::string& name, const nlohmann::json& test) {
    CaseResult r{name, Outcome::kPassed, {}};
    auto fail = [&](std::string why) {
        r.outcome = Outcome::kFailed;
        r.reason = std::move(why);
        return r;
    };
    if (!test.is_object() || !test.contains("in") || !test.contains("out") || !test["out"].is_string()) {
        return fail("case without in/out");
    }
    auto out = core::from_hex(test["out"].get<std::string>(), {.require_prefix = false});
    const nlohmann::json& in = test["in"];
    const bool expect_invalid = in.is_string() && in.get<std::string>() == "INVALID";
    const bool expect_valid_only = in.is_string() && in.get<std::string>() == "VALID";

    if (!out) return expect_invalid ? r : fail("bad hex in out");
    auto decoded = rlp::decode_item(*out);
    if (expect_invalid) {
        return decoded ? fail("decoded an invalid encoding") : r;
    }
    if (!decoded) return fail(std::string("decode failed: ") + std::string(rlp::to_string(decoded.error())));
    if (expect_valid_only) return r;

    rlp::Item expected;
    std::string error;
    if (!to_item(in, expected, error)) return fail(error);
    Bytes encoded;
    rlp::encode(encoded, expected);
    if (encoded != *out) return fail("encoding " + core::to_hex(encoded) + " differs from " + core::to_hex(*out));
    if (!same_item(*decoded, expected)) return fail("decoded item differs from the input");
    return r;
}

}  // namespace

void run_rlp_tests(const nlohmann::json& file_json, const std::string& file, std::vector<CaseResult>& results) {
    for (const auto& [name, test] : file_json.items()) results.push_back(run_case(file + ":" + name, test));
}

}  // namespace moe::conformance
