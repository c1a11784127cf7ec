#pragma once

#include <cstdint>
#include <vector>

#include "moe/model.hpp"

/// Deterministic models and inputs from a seed, for the self-test, tests and benchmarks.
namespace moe::nn {

/// splitmix64: a small PRNG whose sequence is the same on every machine.
class SplitMix64 {
  public:
    explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    /// Uniform in [lo, hi].
    std::int64_t range(std::int64_t lo, std::int64_t hi) {
        return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
    }

  private:
    std::uint64_t state_;
};

/// The shape of a generated model.
struct SyntheticSpec {
    int num_features = 32;
    std::vector<int> hidden = {64};
    int output_dim = 1;
    int num_experts = 8;
    int num_groups = 0;  ///< > 0: hierarchical
    int top_k = 2;
    Combine combine = Combine::kSoft;
    OutputKind output_kind = OutputKind::kScore;
};

/// A model with random s8 weights and scales that keep activations in range.
[[nodiscard]] MoeModel synthetic_model(const SyntheticSpec& spec, std::uint64_t seed);

/// rows x features 7-bit inputs.
[[nodiscard]] std::vector<std::uint8_t> synthetic_inputs(int rows, int features, std::uint64_t seed);

}  // namespace moe::nn
