#include "rpc/params.hpp"

#include "rpc/dispatcher.hpp"

namespace moe::rpc {

using nlohmann::json;
using core::uint256;

std::string qty(const uint256& v) { return core::to_hex_quantity(v); }
std::string qty(std::uint64_t v) { return core::to_hex_quantity(v); }

const json& param(const json& params, std::size_t i, const char* what) {
    if (!params.is_array() || params.size() <= i) invalid_params(std::string("missing value for required argument ") + std::to_string(i) + " (" + what + ")");
    return params[i];
}

bool has_param(const json& params, std::size_t i) { return params.is_array() && params.size() > i && !params[i].is_null(); }

core::Address address_param(const json& v) {
    if (!v.is_string()) invalid_params("address must be a hex string");
    auto a = core::Address::from_hex(v.get<std::string>());
    if (!a) invalid_params("hex string has length " + std::to_string(v.get<std::string>().size() > 2 ? v.get<std::string>().size() - 2 : 0) + ", want 40 for common.Address");
    return *a;
}

core::Hash hash_param(const json& v) {
    if (!v.is_string()) invalid_params("hash must be a hex string");
    auto h = core::Hash::from_hex(v.get<std::string>());
    if (!h) invalid_params("hex string of wrong length, want 64 hex digits for a hash");
    return *h;
}

uint256 quantity_param(const json& v, const char* name) {
    if (!v.is_string()) invalid_params(std::string(name) + " must be a hex quantity string");
    auto q = core::parse_quantity(v.get<std::string>());
    if (!q) invalid_params(std::string(name) + ": " + std::string(core::to_string(q.error())));
    return *q;
}

core::Bytes data_param(const json& v, const char* name) {
    if (!v.is_string()) invalid_params(std::string(name) + " must be a hex data string");
    auto b = core::from_hex(v.get<std::string>());
    if (!b) invalid_params(std::string(name) + ": " + std::string(core::to_string(b.error())));
    return *b;
}

/// Resolves a block tag, number or EIP-1898 object to a committed block number.
std::uint64_t block_number_param(node::Node& node, const json& v) {
    const std::uint64_t head = node.head().number;
    if (v.is_null()) return head;
    if (v.is_object()) {
        if (v.contains("blockHash")) {
            auto b = node.block_by_hash(hash_param(v["blockHash"]));
            if (!b) throw RpcError(-32001, "header for hash not found");
            return b->header.number;
        }
        if (v.contains("blockNumber")) return block_number_param(node, v["blockNumber"]);
        invalid_params("block object needs blockHash or blockNumber");
    }
    if (!v.is_string()) invalid_params("block must be a tag or hex number");
    const std::string s = v.get<std::string>();
    // Finality is instant, so safe and finalized are the head; pending state is the head's.
    if (s == "latest" || s == "pending" || s == "safe" || s == "finalized") return head;
    if (s == "earliest") return 0;
    const uint256 n = quantity_param(v, "block number");
    if (n > head) throw RpcError(-32001, "header not found");
    return static_cast<std::uint64_t>(n);
}
void throw_submit_error(const node::SubmitError& e) {
    switch (e.kind) {
        case node::SubmitError::Kind::kBadInput: throw RpcError(kInvalidParams, e.message);
        case node::SubmitError::Kind::kRefused: break;
    }
    throw RpcError(kServerError, e.message);
}

}  // namespace moe::rpc
