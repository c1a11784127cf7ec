#pragma once

#include <cstdint>
#include <expected>
#include <string>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"
#include "moe/model.hpp"

/// The model file: one self-checking binary (docs/decisions/001-model-file-format.md).
namespace moe::nn {

/// Version 3 adds the envelope of the training rows; version 2 the output temperature; versions
/// 1 and 2 are still read (temperature 0, no envelope).
inline constexpr std::uint32_t kModelFormatVersion = 3;

/// Serializes a model; the last 32 bytes are the SHA-256 of everything before them. A model
/// without an envelope is written as version 2, so its bytes (and the hash a genesis pins)
/// stay what they were.
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
