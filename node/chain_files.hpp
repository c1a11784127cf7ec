#pragma once

#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "chain/chain_config.hpp"
#include "chain/screening.hpp"
#include "core/bytes.hpp"

/// What a node reads of its chain from files and from moed itself: the chain config, the
/// built-in presets and the shipped models (the chain/ layer parses and checks them).
namespace moe::node {

/// Reads and validates a chain config file; every bad or missing field is a clear error.
[[nodiscard]] std::expected<chain::ChainConfig, std::string> load_chain_config(const std::filesystem::path& file);

/// The JSON text of a built-in preset ("devnet", "localnet"), embedded at build time.
[[nodiscard]] std::optional<std::string_view> preset_json(std::string_view name);

/// The shipped model file of that name ("fraud", "contract"), embedded in moed.
[[nodiscard]] core::ByteView embedded_model(std::string_view name);

/// Loads each model the chain names, from `dir`/NAME.moe when that file exists, else the
/// embedded copy; a model whose SHA-256 differs from the genesis's is refused.
[[nodiscard]] std::expected<std::unique_ptr<chain::ChainModels>, std::string> load_chain_models(const chain::ChainConfig& chain,
                                                                                              const std::filesystem::path& dir);

}  // namespace moe::node
