#include "moe/engine.hpp"

#include <algorithm>
#include <cstring>

namespace moe::nn {

int Inference::argmax(int r) const {
    const std::int32_t* v = row(r);
    int best = 0;
    for (int i = 1; i < output_dim; ++i) {
        if (v[i] > v[best]) best = i;
    }
    return best;
}

MoeEngine::MoeEngine(MoeModel model) : model_(std::move(model)), device_(std::make_unique<Device>()) {
    gate_kernel_ = std::make_unique<Int8Matmul>(*device_, model_.gate.linear.in, model_.gate.linear.out, model_.gate.linear.weights);
    for (const Gate& g : model_.group_gates) {
        group_kernels_.push_back(std::make_unique<Int8Matmul>(*device_, g.linear.in, g.linear.out, g.linear.weights));
    }
    for (const Expert& e : model_.experts) {
        std::vector<Layer> layers;
        for (const QuantLinear& l : e.layers) {
            layers.push_back(Layer{std::make_unique<Int8Matmul>(*device_, l.in, l.out, l.weights), &l});
        }
        experts_.push_back(std::move(layers));
    }
}

void MoeEngine::gate_logits(const Gate& gate, Int8Matmul& kernel, const std::uint8_t* in, int rows,
                            std::vector<std::int32_t>& out) {
    out.resize(static_cast<std::size_t>(rows) * static_cast<std::size_t>(gate.linear.out));
    kernel.run(in, rows, out.data());
    for (int r = 0; r < rows; ++r) {
        for (int j = 0; j < gate.linear.out; ++j) out[static_cast<std::size_t>(r * gate.linear.out + j)] += gate.linear.bias[static_cast<std::size_t>(j)];
    }
}

void MoeEngine::run_expert(int expert, const std::uint8_t* rows_in, int rows, std::int32_t* out) {
    const std::uint8_t* in = rows_in;
    auto& layers = experts_[static_cast<std::size_t>(expert)];
    for (std::size_t li = 0; li < layers.size(); ++li) {
        const QuantLinear& spec = *layers[li].spec;
        const bool last = li + 1 == layers.size();
        std::int32_t* acc = out;
        if (!last) {
            accumulators_.resize(std::max(accumulators_.size(), static_cast<std::size_t>(rows) * static_cast<std::size_t>(spec.out)));
            acc = accumulators_.data();
        }
        layers[li].kernel->run(in, rows, acc);
        if (last) {
            for (int r = 0; r < rows; ++r) {
                for (int j = 0; j < spec.out; ++j) acc[r * spec.out + j] += spec.bias[static_cast<std::size_t>(j)];
            }
            return;
        }
        // Our own integer requantization: bias, fixed-point scale, ReLU clamp to 7 bits.
        const std::size_t next_size = static_cast<std::size_t>(rows) * static_cast<std::size_t>(spec.out);
        // Alternate between two halves of the activation buffer so a layer never reads what it writes.
        activations_.resize(std::max(activations_.size(), 2 * next_size));
        std::uint8_t* next = activations_.data() + ((li % 2) * (activations_.size() / 2));
        requantize_rows(acc, spec.bias.data(), spec.scales.data(), rows, spec.out, next);
        in = next;
    }
}

Inference MoeEngine::forward(const std::uint8_t* features, int rows, Rows routing) {
    Inference result;
    result.rows = rows;
    result.output_dim = model_.output_dim;
    result.outputs.assign(static_cast<std::size_t>(rows) * static_cast<std::size_t>(model_.output_dim), 0);
    result.weights.resize(static_cast<std::size_t>(rows));
    if (rows <= 0) return result;
    const int num_experts = static_cast<int>(model_.experts.size());
    const int f = model_.num_features;

    // 1. Rankings from the gate(s).
    // The rankings are scratch kept across calls, so a batch's rows reuse their storage.
    auto& rankings = rankings_;
    rankings.resize(static_cast<std::size_t>(rows));
    for (int r = 0; r < rows; ++r) rankings[static_cast<std::size_t>(r)].clear();
    gate_logits(model_.gate, *gate_kernel_, features, rows, logits_);
    if (!model_.hierarchical()) {
        for (int r = 0; r < rows; ++r) {
            rank_experts(std::span<const std::int32_t>(logits_.data() + static_cast<std::ptrdiff_t>(r) * num_experts, static_cast<std::size_t>(num_experts)),
                         rankings[static_cast<std::size_t>(r)]);
        }
    } else {
        const int num_groups = static_cast<int>(model_.groups.size());
        std::vector<std::vector<int>> rows_of_group(static_cast<std::size_t>(num_groups));
        for (int r = 0; r < rows; ++r) {
            const auto groups = rank_experts(std::span<const std::int32_t>(logits_.data() + static_cast<std::ptrdiff_t>(r) * num_groups, static_cast<std::size_t>(num_groups)));
            rows_of_group[static_cast<std::size_t>(groups[0].expert)].push_back(r);
        }
        std::vector<std::int32_t> group_logits;
        for (int g = 0; g < num_groups; ++g) {
            const auto& members = rows_of_group[static_cast<std::size_t>(g)];
            if (members.empty()) continue;
            gathered_.resize(std::max(gathered_.size(), members.size() * static_cast<std::size_t>(f)));
            for (std::size_t i = 0; i < members.size(); ++i) {
                std::memcpy(gathered_.data() + i * static_cast<std::size_t>(f), features + static_cast<std::ptrdiff_t>(members[i]) * f, static_cast<std::size_t>(f));
            }
            const Gate& gate = model_.group_gates[static_cast<std::size_t>(g)];
            gate_logits(gate, *group_kernels_[static_cast<std::size_t>(g)], gathered_.data(), static_cast<int>(members.size()), group_logits);
            const auto& experts = model_.groups[static_cast<std::size_t>(g)];
            for (std::size_t i = 0; i < members.size(); ++i) {
                auto local = rank_experts(std::span<const std::int32_t>(group_logits.data() + i * experts.size(), experts.size()));
                for (Choice& c : local) c.expert = experts[static_cast<std::size_t>(c.expert)];
                rankings[static_cast<std::size_t>(members[i])] = std::move(local);
            }
        }
    }

    // 2. Capacity-bounded top-k.
    // Alone, a row's top-k experts always have room (one row per expert); with room for every
    // row at every expert, each row of a batch gets exactly that.
    const int capacity = routing == Rows::kAlone ? rows : expert_capacity(rows, model_.top_k, num_experts, model_.capacity_percent);
    result.routes = assign_with_capacity(rankings, model_.top_k, num_experts, capacity);
    for (int r = 0; r < rows; ++r) {
        auto& route = result.routes[static_cast<std::size_t>(r)];
        if (model_.combine == Combine::kHard && route.size() > 1) route.resize(1);
        result.weights[static_cast<std::size_t>(r)] = route.size() == 1 ? std::vector<std::int32_t>{32768}
                                                                        : combine_weights(route, model_.softmax_temperature);
    }

    // 3. Per expert: gather its rows, one matmul per layer, scatter the weighted outputs.
    const int d = model_.output_dim;
    std::vector<std::int64_t> sums(static_cast<std::size_t>(rows) * static_cast<std::size_t>(d), 0);
    std::vector<std::int32_t> expert_out;
    // Each expert's rows (row, weight), in row order: one pass over the routes.
    members_.resize(static_cast<std::size_t>(num_experts));
    for (auto& m : members_) m.clear();
    for (int r = 0; r < rows; ++r) {
        const auto& route = result.routes[static_cast<std::size_t>(r)];
        for (std::size_t i = 0; i < route.size(); ++i) {
            members_[static_cast<std::size_t>(route[i].expert)].emplace_back(r, result.weights[static_cast<std::size_t>(r)][i]);
        }
    }
    for (int e = 0; e < num_experts; ++e) {
        const auto& members = members_[static_cast<std::size_t>(e)];
        if (members.empty()) continue;
        gathered_.resize(std::max(gathered_.size(), members.size() * static_cast<std::size_t>(f)));
        for (std::size_t i = 0; i < members.size(); ++i) {
            std::memcpy(gathered_.data() + i * static_cast<std::size_t>(f), features + static_cast<std::ptrdiff_t>(members[i].first) * f, static_cast<std::size_t>(f));
        }
        expert_out.resize(members.size() * static_cast<std::size_t>(d));
        run_expert(e, gathered_.data(), static_cast<int>(members.size()), expert_out.data());
        for (std::size_t i = 0; i < members.size(); ++i) {
            for (int j = 0; j < d; ++j) {
                sums[static_cast<std::size_t>(members[i].first * d + j)] += static_cast<std::int64_t>(members[i].second) * expert_out[i * static_cast<std::size_t>(d) + static_cast<std::size_t>(j)];
            }
        }
    }
    for (std::size_t i = 0; i < sums.size(); ++i) {
        const std::int64_t v = sums[i];
        result.outputs[i] = static_cast<std::int32_t>(v >= 0 ? (v + 16384) >> 15 : -((-v + 16384) >> 15));
    }
    return result;
}

}  // namespace moe::nn
