#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "consensus/expert_committees.hpp"

/// The routing of transactions to expert committees (DESIGN.md, Tasks, 3; decision 004).
/// Integer and ordered: every validator computes the same plan from the same inputs.
namespace moe::consensus {

/// The served experts in rank order from a gate's integer logits (logits[i] is expert i's):
/// higher logit first, ties to the lower expert id; unserved experts are dropped. The same
/// order as moe::nn::rank_experts, restricted to served experts.
[[nodiscard]] std::vector<std::uint32_t> rank_experts(std::span<const std::int32_t> logits,
                                                      const ExpertCommittees& committees);

/// How many ranks a transaction first seen at `first_seen_height` skips at `height`: one more
/// for every full `failover_heights` heights its current committees stayed silent, so
/// (height - first_seen_height) / failover_heights. 0 when failover_heights is 0 (no
/// failover) or height is not above first_seen_height; saturates at 2^32 - 1.
[[nodiscard]] std::uint32_t failover_rank(std::uint64_t first_seen_height, std::uint64_t height,
                                          std::uint32_t failover_heights);

/// One transaction to route: its ranking (rank_experts) and the ranks failover skips.
struct RoutingRequest {
    std::vector<std::uint32_t> ranking;
    std::uint32_t failover = 0;
};

/// The experts each transaction of a block goes to, under a per-expert capacity per block.
///
/// Rank-major, as moe::nn::assign_with_capacity (moe/router.cpp; reimplemented here because
/// consensus may not depend on the MoE engine): for choice 1..k in turn, every transaction in
/// block order takes the next expert of its ranking (after the skipped ranks) that still has
/// room; a full expert is passed over for the next-ranked one. A transaction gets fewer than k
/// experts only when its ranking runs out.
struct RoutingPlan {
    std::vector<std::vector<std::uint32_t>> experts;  ///< per transaction, in rank order
    std::map<std::uint32_t, std::uint32_t> load;      ///< transactions per expert

    /// Plans `requests` (in block order) to up to `k` experts each; `capacity` is the most
    /// transactions one expert takes per block, 0 meaning no limit.
    [[nodiscard]] static RoutingPlan assign(const std::vector<RoutingRequest>& requests, std::uint32_t k,
                                            std::uint32_t capacity);
};

}  // namespace moe::consensus
