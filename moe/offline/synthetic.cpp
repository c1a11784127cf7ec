#include "moe/offline/synthetic.hpp"

#include <cmath>

namespace moe::nn {

namespace {
QuantLinear random_linear(SplitMix64& rng, int in, int out, bool hidden) {
    QuantLinear l;
    l.in = in;
    l.out = out;
    l.weights.resize(static_cast<std::size_t>(in) * static_cast<std::size_t>(out));
    for (auto& w : l.weights) w = static_cast<std::int8_t>(rng.range(-127, 127));
    l.bias.resize(static_cast<std::size_t>(out));
    for (auto& b : l.bias) b = static_cast<std::int32_t>(rng.range(-2000, 2000));
    if (hidden) {
        // A sum of `in` products of up to 127 * 127 has a spread of about 127 * 73 * sqrt(in);
        // scale it so typical activations land inside [0, 127].
        const double spread = 127.0 * 73.0 * std::sqrt(static_cast<double>(in));
        for (int j = 0; j < out; ++j) l.scales.push_back(scale_from_real(64.0 / spread * (0.75 + 0.5 * static_cast<double>(rng.range(0, 1000)) / 1000.0)));
    }
    return l;
}
}  // namespace

MoeModel synthetic_model(const SyntheticSpec& spec, std::uint64_t seed) {
    SplitMix64 rng(seed);
    MoeModel m;
    m.task = 0;
    m.feature_schema_version = 1;
    m.num_features = spec.num_features;
    m.output_kind = spec.output_kind;
    m.output_dim = spec.output_dim;
    m.top_k = spec.top_k;
    m.combine = spec.combine;
    m.capacity_percent = 150;
    m.softmax_temperature = 20000;
    if (spec.num_groups > 0) {
        m.gate.linear = random_linear(rng, spec.num_features, spec.num_groups, false);
        m.groups.resize(static_cast<std::size_t>(spec.num_groups));
        for (int e = 0; e < spec.num_experts; ++e) m.groups[static_cast<std::size_t>(e % spec.num_groups)].push_back(e);
        for (const auto& g : m.groups) m.group_gates.push_back(Gate{random_linear(rng, spec.num_features, static_cast<int>(g.size()), false)});
    } else {
        m.gate.linear = random_linear(rng, spec.num_features, spec.num_experts, false);
    }
    for (int e = 0; e < spec.num_experts; ++e) {
        Expert ex;
        int width = spec.num_features;
        for (int h : spec.hidden) {
            ex.layers.push_back(random_linear(rng, width, h, true));
            width = h;
        }
        ex.layers.push_back(random_linear(rng, width, spec.output_dim, false));
        m.experts.push_back(std::move(ex));
    }
    return m;
}

std::vector<std::uint8_t> synthetic_inputs(int rows, int features, std::uint64_t seed) {
    SplitMix64 rng(seed);
    std::vector<std::uint8_t> out(static_cast<std::size_t>(rows) * static_cast<std::size_t>(features));
    for (auto& v : out) v = static_cast<std::uint8_t>(rng.range(0, kActivationMax));
    return out;
}

}  // namespace moe::nn
