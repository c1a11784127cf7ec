#pragma once

#include <array>
#include <cstdint>
#include <set>

#include "core/bytes.hpp"

/// Schema 1 of the contract classifier's features, frozen: the cost baseline of bench_moe.
namespace moe::bench::schema1 {

inline constexpr int kOpcodeGroups = 44;
inline constexpr int kBigramBuckets = 32;
inline constexpr int kInterfaceFeatures = 12;
inline constexpr int kShapeFeatures = 8;
inline constexpr int kFeatures = kShapeFeatures + kOpcodeGroups + kInterfaceFeatures + kBigramBuckets;
inline constexpr int kClasses = 6;  ///< erc20, erc721, proxy, wallet, ponzi, other

using Features = std::array<std::uint8_t, kFeatures>;

/// The schema 1 feature row of a runtime bytecode (the whole code, carried creation code included).
[[nodiscard]] Features features(core::ByteView code);

}  // namespace moe::bench::schema1
