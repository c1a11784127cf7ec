#include "moe/offline/quantize.hpp"

#include <algorithm>
#include <cmath>

namespace moe::nn {

QuantLinear quantize_linear(const FloatLinear& layer, float input_scale, float output_scale, std::vector<double>* out_unit,
                            double shared_weight_scale) {
    QuantLinear q;
    q.in = layer.in;
    q.out = layer.out;
    q.weights.resize(layer.weights.size());
    q.bias.resize(static_cast<std::size_t>(layer.out));
    if (out_unit) out_unit->assign(static_cast<std::size_t>(layer.out), 0.0);
    for (int j = 0; j < layer.out; ++j) {
        float max_abs = 0;
        for (int i = 0; i < layer.in; ++i) max_abs = std::max(max_abs, std::fabs(layer.weights[static_cast<std::size_t>(i * layer.out + j)]));
        const double w_scale = shared_weight_scale > 0 ? shared_weight_scale : (max_abs > 0 ? max_abs / 127.0 : 1.0);
        for (int i = 0; i < layer.in; ++i) {
            const double v = std::nearbyint(layer.weights[static_cast<std::size_t>(i * layer.out + j)] / w_scale);
            q.weights[static_cast<std::size_t>(i * layer.out + j)] = static_cast<std::int8_t>(std::clamp(v, -127.0, 127.0));
        }
        const double acc_unit = static_cast<double>(input_scale) * w_scale;  // real value of one accumulator unit
        const double b = std::nearbyint(layer.bias[static_cast<std::size_t>(j)] / acc_unit);
        q.bias[static_cast<std::size_t>(j)] = static_cast<std::int32_t>(std::clamp(b, -static_cast<double>(kMaxBias), static_cast<double>(kMaxBias)));
        if (output_scale > 0) q.scales.push_back(scale_from_real(acc_unit / output_scale));
        if (out_unit) (*out_unit)[static_cast<std::size_t>(j)] = acc_unit;
    }
    return q;
}

}  // namespace moe::nn
