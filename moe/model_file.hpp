#pragma once

#include <cstdint>
#include <expected>
#include <string>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"
#include "moe/model.hpp"

/// The model file: one self-checking binary (docs/decisions/001-model-file-format.md).
namespace moe::nn {

/// Version 2 adds the output temperature; version 1 files are still read (temperature 0).
inline constexpr std::uint32_t kModelFormatVersion = 2;

/// Serializes a model; the last 32 bytes are the SHA-256 of everything before them.
[[nodiscard]] core::Bytes serialize_model(const MoeModel& model);

/// Parses and checks a model file: magic, version, every size against the bytes present,
/// the shapes chaining from features to outputs, the groups, and the trailing SHA-256.
/// Any truncation, flipped byte or mismatch is an error with the reason.
[[nodiscard]] std::expected<MoeModel, std::string> parse_model(core::ByteView file);

/// The SHA-256 of a whole model file: what a genesis pins.
[[nodiscard]] core::Hash model_hash(core::ByteView file);

/// A human-readable description of a model's structure (`moed moe info`).
[[nodiscard]] std::string describe_model(const MoeModel& model);

}  // namespace moe::nn
