#include "consensus/routing.hpp"

#include <algorithm>
#include <limits>

namespace moe::consensus {

std::vector<std::uint32_t> rank_experts(std::span<const std::int32_t> logits, const ExpertCommittees& committees) {
    std::vector<std::uint32_t> out;
    for (std::size_t i = 0; i < logits.size() && i <= std::numeric_limits<std::uint32_t>::max(); ++i)
        if (committees.served(static_cast<std::uint32_t>(i))) out.push_back(static_cast<std::uint32_t>(i));
    // DESIGN.md, Gates: top-k with ties broken by the lower expert index.
    std::sort(out.begin(), out.end(), [&](std::uint32_t a, std::uint32_t b) {
        if (logits[a] != logits[b]) return logits[a] > logits[b];
        return a < b;
    });
    return out;
}

std::uint32_t failover_rank(std::uint64_t first_seen_height, std::uint64_t height, std::uint32_t failover_heights) {
    if (failover_heights == 0 || height <= first_seen_height) return 0;
    const std::uint64_t ranks = (height - first_seen_height) / failover_heights;
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(ranks, std::numeric_limits<std::uint32_t>::max()));
}

RoutingPlan RoutingPlan::assign(const std::vector<RoutingRequest>& requests, std::uint32_t k, std::uint32_t capacity) {
    RoutingPlan plan;
    plan.experts.resize(requests.size());
    std::vector<std::size_t> cursor(requests.size());  // next rank to consider per transaction
    for (std::size_t t = 0; t < requests.size(); ++t)
        cursor[t] = std::min<std::size_t>(requests[t].failover, requests[t].ranking.size());
    for (std::uint32_t choice = 0; choice < k; ++choice) {
        bool any = false;
        for (std::size_t t = 0; t < requests.size(); ++t) {
            const auto& ranking = requests[t].ranking;
            while (cursor[t] < ranking.size()) {
                const std::uint32_t e = ranking[cursor[t]++];
                auto& chosen = plan.experts[t];
                if (std::find(chosen.begin(), chosen.end(), e) != chosen.end()) continue;  // listed twice
                auto& load = plan.load[e];
                if (capacity != 0 && load >= capacity) continue;  // full: overflow to the next-ranked expert
                ++load;
                chosen.push_back(e);
                any = true;
                break;
            }
        }
        if (!any) break;  // every ranking is exhausted
    }
    return plan;
}

}  // namespace moe::consensus
