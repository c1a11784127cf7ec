#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moe/requant.hpp"

/// The integer model that consensus runs: quantized experts and gates. Everything here is an
/// integer; the float model exists only inside the trainer.
namespace moe::nn {

/// One quantized linear layer: y = W x + b over u8 inputs and s8 weights, s32 accumulators.
/// Hidden layers requantize each output channel to a 7-bit activation with ReLU; the last
/// layer of an expert and every gate keep the s32 values.
struct QuantLinear {
    int in = 0;
    int out = 0;
    std::vector<std::int8_t> weights;    ///< row-major [in][out]
    std::vector<std::int32_t> bias;      ///< [out], in accumulator units
    std::vector<FixedPointScale> scales; ///< [out] for hidden layers, empty for output layers
};

/// An expert: an MLP from the features to `output_dim` s32 values.
struct Expert {
    std::vector<QuantLinear> layers;
};

/// A gate: a linear layer from the features to one integer logit per choice.
struct Gate {
    QuantLinear linear;
};

/// What the model's output means.
enum class OutputKind : std::uint8_t {
    kScore = 0,  ///< one value: a risk score (fraud screening)
    kClass = 1,  ///< one logit per class: the class is the argmax (contract classification)
};

/// How the chosen experts' outputs are combined.
enum class Combine : std::uint8_t {
    kSoft = 0,  ///< weighted by an integer softmax of the gate logits
    kHard = 1,  ///< the top-ranked chosen expert's output alone
};

/// Where the training rows lie, per feature (format version 3): a row whose codes fall outside
/// by more than `max_excess` in total is far from anything the model was trained on, and the
/// model abstains on it rather than guesses (DESIGN.md, task 1). Integer only.
struct Envelope {
    std::vector<std::uint8_t> low, high;  ///< per feature, codes 0..127, low <= high
    std::uint32_t max_excess = 0;         ///< the most a row may lie outside, summed over features

    friend bool operator==(const Envelope&, const Envelope&) = default;
};

/// A mixture of experts with a flat or a two-level (hierarchical) gate.
struct MoeModel {
    std::uint32_t task = 0;                    ///< which job the model does (see tasks.hpp)
    std::uint32_t feature_schema_version = 0;  ///< the feature extractor it was trained on
    int num_features = 0;
    OutputKind output_kind = OutputKind::kScore;
    int output_dim = 1;
    int top_k = 2;
    std::uint32_t capacity_percent = 200;  ///< per-expert capacity: ceil(rows * top_k / experts * p / 100)
    Combine combine = Combine::kSoft;
    std::int32_t softmax_temperature = 256;  ///< logit units per halving of the combine weight
    std::int32_t output_temperature = 0;     ///< output units per halving of a class probability (0: not calibrated)

    Gate gate;                          ///< flat: over experts; hierarchical: over groups
    std::vector<Gate> group_gates;      ///< hierarchical only: one gate per group, over its experts
    std::vector<std::vector<int>> groups;  ///< hierarchical only: the experts of each group
    std::vector<Expert> experts;
    std::optional<Envelope> envelope;   ///< none: the model never abstains

    [[nodiscard]] bool hierarchical() const noexcept { return !groups.empty(); }
};

}  // namespace moe::nn
