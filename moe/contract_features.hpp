#pragma once

#include <array>
#include <cstdint>
#include <set>

#include "core/bytes.hpp"

/// Features of a contract's runtime bytecode for the contract classifier (DESIGN.md, task 2):
/// integer arithmetic only, so every validator computes the same bytes for the same code.
namespace moe::nn {

/// Bumped whenever the meaning of a feature changes; model files record the version they
/// were trained on and the node refuses a model of another version.
inline constexpr std::uint32_t kContractFeatureSchema = 1;

inline constexpr int kOpcodeGroups = 44;
inline constexpr int kBigramBuckets = 32;
inline constexpr int kInterfaceFeatures = 12;
inline constexpr int kShapeFeatures = 8;
inline constexpr int kContractFeatures = kShapeFeatures + kOpcodeGroups + kInterfaceFeatures + kBigramBuckets;

/// One row of the classifier's input: 7-bit codes (0..127), the engine's activation format.
using ContractFeatures = std::array<std::uint8_t, kContractFeatures>;

/// What a static pass over the code finds, before it is scaled into features.
struct CodeSummary {
    std::size_t size = 0;
    std::size_t instructions = 0;
    std::array<std::uint32_t, kOpcodeGroups> groups{};
    std::array<std::uint32_t, kBigramBuckets> bigrams{};
    std::set<std::uint32_t> selectors;  ///< PUSH4 values compared with EQ (the dispatcher)
    bool minimal_proxy = false;         ///< EIP-1167: the exact 45-byte forwarder
    bool eip1967_slot = false;          ///< an EIP-1967 implementation, admin or beacon slot
    bool forwards_calldata = false;     ///< CALLDATACOPY ... DELEGATECALL ... RETURNDATACOPY
};

/// Walks the code once (push data skipped, a truncated push tolerated).
[[nodiscard]] CodeSummary summarize_code(core::ByteView code);

/// The feature row of a runtime bytecode.
[[nodiscard]] ContractFeatures contract_features(core::ByteView code);
[[nodiscard]] ContractFeatures contract_features(const CodeSummary& summary);

}  // namespace moe::nn
