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

std::uint32_t RoutingRule::capacity(std::size_t index) const {
    if (capacity_percent == 0 || served == 0) return 0;
    __extension__ typedef unsigned __int128 Wide;  // (2^64) * 2^32 * 2^32 fits: no overflow for any index
    const Wide num = std::max<Wide>(static_cast<Wide>(index) + 1, planned) * top_k * capacity_percent;
    const Wide den = static_cast<Wide>(100) * served;
    const Wide cap = std::max<Wide>(1, (num + den - 1) / den);
    return static_cast<std::uint32_t>(std::min<Wide>(cap, std::numeric_limits<std::uint32_t>::max()));
}

std::vector<std::uint32_t> RoutingPlan::preview(const RoutingRequest& request) const {
    const std::uint32_t capacity = rule.capacity(experts.size());
    std::vector<std::uint32_t> chosen;
    const auto& ranking = request.ranking;
    const std::size_t first = std::min<std::size_t>(request.failover, ranking.size());
    for (std::size_t r = first; r < ranking.size(); ++r) {
        if (chosen.size() >= rule.top_k) break;
        const std::uint32_t e = ranking[r];
        if (std::find(chosen.begin(), chosen.end(), e) != chosen.end()) continue;  // listed twice
        const auto it = load.find(e);
        if (capacity != 0 && it != load.end() && it->second >= capacity) continue;  // full: overflow to the next rank
        if (request.answered && !std::binary_search(request.answered->begin(), request.answered->end(), e)) {
            if (r - first < rule.top_k) return {};  // a first choice with room whose committee was silent
            continue;                               // an overflow choice nobody answered for
        }
        chosen.push_back(e);
    }
    return chosen;
}

const std::vector<std::uint32_t>& RoutingPlan::add(const RoutingRequest& request) {
    experts.push_back(preview(request));
    for (std::uint32_t e : experts.back()) ++load[e];
    return experts.back();
}

RoutingPlan RoutingPlan::assign(const std::vector<RoutingRequest>& requests, RoutingRule rule) {
    RoutingPlan plan(rule);
    for (const RoutingRequest& r : requests) plan.add(r);
    return plan;
}

}  // namespace moe::consensus
