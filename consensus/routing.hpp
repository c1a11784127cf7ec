#pragma once

#include <cstdint>
#include <map>
#include <optional>
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
    /// In a block: the experts (ascending) whose committees answered for the transaction in
    /// the last commit. Absent while a validator predicts the plan of its pool, before anyone
    /// answered. See RoutingPlan for what an unanswered expert does to the plan.
    std::optional<std::vector<std::uint32_t>> answered = std::nullopt;
};

/// How a block spreads its transactions over experts (decision 004, Balance): each takes its
/// top `top_k`, but an expert holds at most `capacity_percent`% of its fair share of the
/// transactions placed so far, and a full one overflows to the next-ranked expert with room.
struct RoutingRule {
    std::uint32_t top_k = 2;
    /// 0: no limit (the gate alone decides); otherwise at least 100, so that every transaction
    /// whose ranking lists every served expert finds `top_k` of them with room.
    std::uint32_t capacity_percent = 0;
    std::uint32_t served = 0;  ///< the served experts, among whom the fair share is counted
    /// The transactions the fair share is counted over while fewer are placed: in a block, those
    /// the last commit answered for (at most a block's worth), so that a transaction's room does
    /// not depend on which of them were placed before it. 0: those placed so far.
    std::uint64_t planned = 0;

    /// The most transactions one expert may hold once the block's transaction at `index`
    /// (0-based, block order) is placed: ceil(n * top_k * capacity_percent / (100 * served)),
    /// n = max(index + 1, planned), at least 1. 0 means no limit (capacity_percent or served is 0).
    [[nodiscard]] std::uint32_t capacity(std::size_t index) const;
};

/// The experts each transaction of a block goes to.
///
/// In block order, each transaction takes the experts of its ranking, after its skipped ranks,
/// that have room under RoutingRule::capacity of its index, until it has `top_k` (a full
/// expert is passed over for the next-ranked one). A transaction's experts depend only on the
/// transactions before it, so a proposer plans a block one transaction at a time and a
/// precommitting validator predicts the plan from the pool in the order the proposer takes it.
/// A transaction gets fewer than top_k experts only when its ranking runs out of room.
///
/// With the committees' answers known (RoutingRequest::answered), an expert without an answer
/// is passed over like a full one when it is an overflow choice (ranked after the first top_k
/// after failover): the validators that predicted the plan from their own pools may have
/// overflowed elsewhere, and the next-ranked answered expert takes it. One of the first top_k
/// with room and no answer means its committee was silent: the transaction gets no expert
/// (it waits, or fails over, which counts against the silent members).
struct RoutingPlan {
    RoutingRule rule;
    std::vector<std::vector<std::uint32_t>> experts;  ///< per transaction, in rank order
    std::map<std::uint32_t, std::uint32_t> load;      ///< transactions per expert

    explicit RoutingPlan(RoutingRule r) : rule(r) {}
    /// The experts `request` would get as the block's next transaction.
    [[nodiscard]] std::vector<std::uint32_t> preview(const RoutingRequest& request) const;
    /// Appends `request` as the block's next transaction; returns its experts.
    const std::vector<std::uint32_t>& add(const RoutingRequest& request);
    /// Plans `requests`, in block order.
    [[nodiscard]] static RoutingPlan assign(const std::vector<RoutingRequest>& requests, RoutingRule rule);
};

}  // namespace moe::consensus
