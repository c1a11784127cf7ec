#pragma once

#include <cstdint>

/// The jobs a model file can do (its `task` field), and the held-out split every trainer and
/// evaluator shares.
namespace moe::nn {

inline constexpr std::uint32_t kTaskSynthetic = 0;  ///< the trainer's generated test task
inline constexpr std::uint32_t kTaskFraud = 1;      ///< transaction screening (DESIGN.md, task 1)
inline constexpr std::uint32_t kTaskContract = 2;   ///< contract classification (DESIGN.md, task 2)

/// The seed the shipped models are trained with (`moed train --seed`), and the default of `moed moe eval`.
inline constexpr std::uint64_t kShippedSeed = 7;

/// The held-out split's hash of a group and the seed: `held_out` takes the groups it puts below
/// 20 of 100, and the contract split orders each class's groups by it (decision 010).
[[nodiscard]] inline std::uint64_t held_out_rank(std::uint64_t group, std::uint64_t seed) {
    std::uint64_t z = group ^ (seed * 0xd6e8feb86659fd93ull) ^ 0x4845'4c44'4f55'5421ull;  // "HELDOUT!"
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return z;
}

/// True when a group (an account) is held out for evaluation: 20% of groups, chosen by a hash
/// of the group and the seed, independent of the trainer's own validation split. The contract
/// split is stratified by class instead (contract_held_out_groups).
[[nodiscard]] inline bool held_out(std::uint64_t group, std::uint64_t seed) { return held_out_rank(group, seed) % 100 < 20; }

}  // namespace moe::nn
