#pragma once

#include <array>
#include <cstdint>
#include <set>

#include "core/bytes.hpp"

/// Features of a contract's runtime bytecode for the contract classifier (DESIGN.md, task 2):
/// integer arithmetic only, so every validator computes the same bytes for the same code.
namespace moe::nn {

/// Bumped whenever the meaning of a feature changes; model files record the version they
/// were trained on and the node refuses a model of another version. 2: features of the
/// contract's own code only (not the creation code it carries), event topics, the opcodes that
/// create and delegate, erc1155/dex/factory interfaces.
inline constexpr std::uint32_t kContractFeatureSchema = 2;

inline constexpr int kOpcodeGroups = 44;
inline constexpr int kBigramBuckets = 32;
inline constexpr int kInterfaceFeatures = 17;
inline constexpr int kEventFeatures = 12;
inline constexpr int kShapeFeatures = 10;
inline constexpr int kGuardFeatures = 8;
inline constexpr int kContractFeatures =
    kShapeFeatures + kGuardFeatures + kOpcodeGroups + kInterfaceFeatures + kEventFeatures + kBigramBuckets;

/// One row of the classifier's input: 7-bit codes (0..127), the engine's activation format.
using ContractFeatures = std::array<std::uint8_t, kContractFeatures>;

/// What a static pass over the code finds, before it is scaled into features. Everything but
/// `size` and the carried counts describes the contract's own code: the bytes before the first
/// creation code it carries (a factory's product, deployed with `new`) and before Solidity's
/// metadata trailer.
struct CodeSummary {
    std::size_t size = 0;
    std::size_t own_size = 0;      ///< bytes of its own code
    std::size_t carried_codes = 0; ///< Solidity creation or runtime prologues after its own code
    std::size_t instructions = 0;
    std::array<std::uint32_t, kOpcodeGroups> groups{};
    std::array<std::uint32_t, kBigramBuckets> bigrams{};
    std::set<std::uint32_t> selectors;  ///< PUSH4 values compared with EQ (the dispatcher)
    std::set<std::uint64_t> topics;     ///< first 8 bytes of each PUSH32 (event topics, slots)
    std::uint32_t creates = 0;          ///< CREATE
    std::uint32_t creates2 = 0;         ///< CREATE2
    std::uint32_t delegatecalls = 0;
    std::uint32_t calls = 0;            ///< CALL
    std::uint32_t logs = 0;             ///< LOG0..LOG4
    std::uint32_t caller_checks = 0;    ///< CALLER compared (EQ) within a few instructions: an owner guard
    bool selfdestruct = false;
    bool minimal_proxy = false;         ///< EIP-1167: the exact 45-byte forwarder
    bool eip1967_slot = false;          ///< an EIP-1967 implementation, admin or beacon slot
    bool forwards_calldata = false;     ///< CALLDATACOPY ... DELEGATECALL ... RETURNDATACOPY
};

/// The opcode group a byte counts in (kOpcodeGroups - 1 collects INVALID, SELFDESTRUCT and
/// every undefined byte).
[[nodiscard]] std::uint8_t opcode_group(std::uint8_t op);

/// Where a contract's own code ends: at the first Solidity prologue (PUSH1 0x80 PUSH1 0x40
/// MSTORE, or 0x60 0x40 of older compilers) after offset 0, which opens a creation code it
/// carries, or at its metadata trailer; else at the end.
[[nodiscard]] std::size_t own_code_size(core::ByteView code);

/// Where Solidity's CBOR metadata trailer starts (its length is in the last two bytes and it
/// opens with a map header), or the code's size when it has none.
[[nodiscard]] std::size_t metadata_start(core::ByteView code);

/// Walks the code once (push data skipped, a truncated push tolerated).
[[nodiscard]] CodeSummary summarize_code(core::ByteView code);

/// The feature row of a runtime bytecode.
[[nodiscard]] ContractFeatures contract_features(core::ByteView code);
[[nodiscard]] ContractFeatures contract_features(const CodeSummary& summary);

}  // namespace moe::nn
