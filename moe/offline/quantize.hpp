#pragma once

#include <span>
#include <vector>

#include "moe/model.hpp"

/// From a trained float layer to the integer one consensus runs (offline, in the trainer).
namespace moe::nn {

/// A float linear layer: y = x W + b, W row-major [in][out].
struct FloatLinear {
    int in = 0;
    int out = 0;
    std::vector<float> weights;
    std::vector<float> bias;
};

/// Quantizes a layer whose inputs are 7-bit codes of real value code * `input_scale`.
/// Weights get one scale per output channel (max |w| maps to 127). A hidden layer (with
/// `output_scale` > 0) requantizes to 7-bit codes of real value code * output_scale; an output
/// layer keeps s32 values of real value v * input_scale * weight_scale[j], and `out_unit`
/// receives those per-channel units so callers can compare with the float model.
/// With `shared_weight_scale` > 0 every channel uses that weight scale instead of its own,
/// so that s32 outputs of several layers (gate logits, experts' outputs) share one unit.
[[nodiscard]] QuantLinear quantize_linear(const FloatLinear& layer, float input_scale, float output_scale,
                                          std::vector<double>* out_unit = nullptr, double shared_weight_scale = 0);

}  // namespace moe::nn
