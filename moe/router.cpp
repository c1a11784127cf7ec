#include "moe/router.hpp"

#include <algorithm>
#include <array>

namespace moe::nn {

void rank_experts(std::span<const std::int32_t> logits, std::vector<Choice>& out) {
    out.resize(logits.size());
    for (std::size_t i = 0; i < logits.size(); ++i) out[i] = Choice{static_cast<int>(i), logits[i]};
    // Experts are distinct, so the order is total and an unstable sort gives the same ranking
    // (std::sort needs no buffer; stable_sort allocated one per row).
    std::sort(out.begin(), out.end(), [](const Choice& a, const Choice& b) {
        if (a.logit != b.logit) return a.logit > b.logit;
        return a.expert < b.expert;
    });
}

std::vector<Choice> rank_experts(std::span<const std::int32_t> logits) {
    std::vector<Choice> out;
    rank_experts(logits, out);
    return out;
}

int expert_capacity(int rows, int k, int num_experts, std::uint32_t percent) {
    if (num_experts <= 0) return 0;
    const std::int64_t num = static_cast<std::int64_t>(rows) * k * percent;
    const std::int64_t den = 100ll * num_experts;
    return static_cast<int>(std::max<std::int64_t>(1, (num + den - 1) / den));
}

std::vector<std::vector<Choice>> assign_with_capacity(const std::vector<std::vector<Choice>>& rankings, int k,
                                                      int num_experts, int capacity) {
    std::vector<std::vector<Choice>> chosen(rankings.size());
    std::vector<std::size_t> cursor(rankings.size(), 0);  // next rank to consider per row
    std::vector<int> load(static_cast<std::size_t>(num_experts), 0);
    for (int r = 0; r < k; ++r) {
        for (std::size_t row = 0; row < rankings.size(); ++row) {
            const auto& ranking = rankings[row];
            if (r == 0) chosen[row].reserve(static_cast<std::size_t>(k));
            while (cursor[row] < ranking.size()) {
                const Choice c = ranking[cursor[row]++];
                if (c.expert < 0 || c.expert >= num_experts) continue;
                if (load[static_cast<std::size_t>(c.expert)] >= capacity) continue;  // overflow: next-ranked
                ++load[static_cast<std::size_t>(c.expert)];
                chosen[row].push_back(c);
                break;
            }
        }
    }
    return chosen;
}

std::vector<std::int32_t> combine_weights(std::span<const Choice> chosen, std::int32_t temperature) {
    std::vector<std::int32_t> w(chosen.size(), 0);
    if (chosen.empty()) return w;
    if (temperature <= 0) temperature = 1;
    std::int32_t top = chosen[0].logit;
    for (const Choice& c : chosen) top = std::max(top, c.logit);
    // 2^-(d/T) ~ 1 - frac / (2T) on [0, 1) with d = top - logit: exact at both ends of each
    // octave. A top-k of up to 16 keeps the raw values on the stack.
    std::array<std::int64_t, 16> small{};
    std::vector<std::int64_t> large;
    std::int64_t* raw = small.data();
    if (chosen.size() > small.size()) {
        large.resize(chosen.size());
        raw = large.data();
    }
    std::int64_t sum = 0;
    for (std::size_t i = 0; i < chosen.size(); ++i) {
        const std::int64_t d = static_cast<std::int64_t>(top) - chosen[i].logit;  // >= 0
        const std::int64_t halvings = d / temperature;
        const std::int64_t frac = d % temperature;
        std::int64_t v = halvings >= 30 ? 0 : ((std::int64_t{1} << 30) >> halvings);
        v = v - v * frac / (2 * temperature);
        raw[i] = std::max<std::int64_t>(v, 1);
        sum += raw[i];
    }
    for (std::size_t i = 0; i < chosen.size(); ++i) {
        w[i] = static_cast<std::int32_t>(std::max<std::int64_t>(1, (raw[i] * 32768 + sum / 2) / sum));
    }
    return w;
}

}  // namespace moe::nn
