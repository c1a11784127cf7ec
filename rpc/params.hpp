#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"
#include "core/uint256.hpp"
#include "node/node.hpp"

/// Reading JSON-RPC parameters as geth does, shared by every namespace of methods; a bad
/// parameter throws the -32602 error with geth's wording.
namespace moe::rpc {

/// A hex quantity ("0x1a").
[[nodiscard]] std::string qty(const core::uint256& v);
[[nodiscard]] std::string qty(std::uint64_t v);

/// Parameter i, or -32602 naming it when missing.
[[nodiscard]] const nlohmann::json& param(const nlohmann::json& params, std::size_t i, const char* what);
/// Whether parameter i is given and not null.
[[nodiscard]] bool has_param(const nlohmann::json& params, std::size_t i);

[[nodiscard]] core::Address address_param(const nlohmann::json& v);
[[nodiscard]] core::Hash hash_param(const nlohmann::json& v);
[[nodiscard]] core::uint256 quantity_param(const nlohmann::json& v, const char* name);
[[nodiscard]] core::Bytes data_param(const nlohmann::json& v, const char* name);
/// Resolves a block tag, number or EIP-1898 object to a committed block number.
[[nodiscard]] std::uint64_t block_number_param(node::Node& node, const nlohmann::json& v);

/// Throws a refused submission as geth answers it: -32000 with its message, or -32602 when
/// the bytes were not a transaction at all.
[[noreturn]] void throw_submit_error(const node::SubmitError& e);

}  // namespace moe::rpc
