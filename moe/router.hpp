#pragma once

#include <cstdint>
#include <span>
#include <vector>

/// Routing decisions from integer gate logits: deterministic on every machine.
namespace moe::nn {

/// An expert chosen for a row, with its gate logit.
struct Choice {
    int expert = 0;
    std::int32_t logit = 0;
};

/// Experts in rank order: higher logit first, ties to the lower expert index.
[[nodiscard]] std::vector<Choice> rank_experts(std::span<const std::int32_t> logits);
/// The same into `out`, whose storage is reused (the engine ranks every row of a batch).
void rank_experts(std::span<const std::int32_t> logits, std::vector<Choice>& out);

/// Chooses up to `k` experts for each row from its ranking, honouring a per-expert capacity.
/// Assignment is rank-major (every row's first choice before any second choice), rows in
/// order; a row whose next choice is full overflows to its next-ranked expert that still has
/// room, and gets fewer than k experts only when none has. Returns the choices per row in
/// rank order.
[[nodiscard]] std::vector<std::vector<Choice>> assign_with_capacity(const std::vector<std::vector<Choice>>& rankings,
                                                                    int k, int num_experts, int capacity);

/// Capacity per expert for `rows` rows: ceil(rows * k * percent / (100 * experts)), at least 1.
[[nodiscard]] int expert_capacity(int rows, int k, int num_experts, std::uint32_t percent);

/// Integer softmax weights of chosen logits in Q15 (summing to 32768 up to rounding, each
/// >= 1): w ~ 2^((logit - max) / temperature) with a linear interpolation between powers.
[[nodiscard]] std::vector<std::int32_t> combine_weights(std::span<const Choice> chosen, std::int32_t temperature);

}  // namespace moe::nn
