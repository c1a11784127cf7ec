#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "moe/int8_matmul.hpp"
#include "moe/model.hpp"
#include "moe/router.hpp"

namespace moe::nn {

/// The result of a batch: per row the combined output and the experts that produced it.
struct Inference {
    int rows = 0;
    int output_dim = 0;
    std::vector<std::int32_t> outputs;             ///< rows * output_dim
    std::vector<std::vector<Choice>> routes;       ///< per row, the chosen experts in rank order
    std::vector<std::vector<std::int32_t>> weights;  ///< per row, Q15 combine weights of the routes

    [[nodiscard]] const std::int32_t* row(int r) const { return outputs.data() + static_cast<std::ptrdiff_t>(r) * output_dim; }
    /// The class of a row: the argmax of its outputs, ties to the lower class.
    [[nodiscard]] int argmax(int r) const;
};

/// Runs a quantized MoE model: integer gates, capacity-bounded top-k routing, and for each
/// expert one oneDNN int8 matmul per layer over the rows routed to it (gathered, then
/// scattered back). Primitives and buffers are made on first use of a batch-size bucket and
/// reused. Not thread-safe: one engine per thread.
class MoeEngine {
  public:
    explicit MoeEngine(MoeModel model);

    /// How the rows of one batch share the experts.
    enum class Rows {
        kShareCapacity,  ///< the model's per-expert capacity over the batch (what training saw)
        kAlone,          ///< each row routed as if it were alone: its top-k, whatever the others
    };

    /// `features` holds rows * num_features 7-bit values (0..127).
    [[nodiscard]] Inference forward(const std::uint8_t* features, int rows, Rows routing = Rows::kShareCapacity);

    [[nodiscard]] const MoeModel& model() const noexcept { return model_; }

    /// One expert on its own over already gathered rows (benchmarks): s32 outputs.
    void run_expert(int expert, const std::uint8_t* rows_in, int rows, std::int32_t* out);

  private:
    struct Layer {
        std::unique_ptr<Int8Matmul> kernel;
        const QuantLinear* spec;
    };
    void gate_logits(const Gate& gate, Int8Matmul& kernel, const std::uint8_t* in, int rows, std::vector<std::int32_t>& out);

    MoeModel model_;
    std::unique_ptr<Device> device_;
    std::unique_ptr<Int8Matmul> gate_kernel_;
    std::vector<std::unique_ptr<Int8Matmul>> group_kernels_;
    std::vector<std::vector<Layer>> experts_;

    // Scratch reused across calls.
    std::vector<std::uint8_t> gathered_;
    std::vector<std::uint8_t> activations_;
    std::vector<std::int32_t> accumulators_;
    std::vector<std::int32_t> logits_;
    std::vector<std::vector<Choice>> rankings_;                        ///< per row of the last batch
    std::vector<std::vector<std::pair<int, std::int32_t>>> members_;  ///< per expert: (row, Q15 weight)
};

}  // namespace moe::nn
