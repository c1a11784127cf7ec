#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "moe/model.hpp"

/// The f32 trainer: oneDNN forward and backward primitives (inner product, eltwise ReLU,
/// softmax), Adam, the Switch Transformer load-balancing loss and the router z-loss; then
/// quantization to the integer model that consensus runs. Pure compute: progress goes to a
/// callback, files are the caller's.
namespace moe::nn {

/// Labelled rows with features in [0, 1] (they are quantized to 7-bit codes x * 127).
struct Dataset {
    int num_features = 0;
    int num_classes = 2;
    std::vector<float> x;                ///< rows * num_features
    std::vector<int> y;                  ///< rows, in [0, num_classes)
    std::vector<std::uint64_t> groups;   ///< optional, per row: rows of a group stay on one side of the split
    /// Optional, per row: 1 for the rows the trainer validates on (early stopping, calibration).
    /// When given it replaces the split by `groups` (or rows): a task that must keep each class
    /// on both sides chooses its validation rows itself (contract: skeleton groups per class).
    std::vector<std::uint8_t> validation;
    [[nodiscard]] int rows() const noexcept { return static_cast<int>(y.size()); }
};

struct TrainOptions {
    std::uint64_t seed = 1;
    int experts = 8;
    int top_k = 2;
    std::vector<int> hidden = {32};
    int batch = 256;
    int max_epochs = 40;
    int patience = 5;                 ///< early stopping on validation loss
    /// false: train max_epochs and keep the last (a recipe whose epoch count was cross-validated,
    /// applied to every training row); the validation rows, if any, are still reported.
    bool early_stopping = true;
    float learning_rate = 1e-2f;
    float load_balance_weight = 1e-2f;  ///< Switch Transformer: alpha * E * sum f_e P_e
    float z_loss_weight = 1e-3f;        ///< router z-loss: mean logsumexp(z)^2
    double validation_share = 0.2;
    std::uint32_t task = 0;
    std::uint32_t feature_schema_version = 1;
    std::vector<float> class_weights;   ///< per class, multiplies its rows' loss (empty: all 1), for thin classes
    /// Decoupled weight decay (AdamW, Loshchilov and Hutter 2019) on the weights of every layer
    /// (not biases): each step multiplies them by 1 - learning_rate * weight_decay. 0: plain Adam.
    float weight_decay = 0.0f;
    /// The learning rate of epoch n is learning_rate * learning_rate_decay^(n - 1). 1: constant.
    float learning_rate_decay = 1.0f;
    /// Seed of the initialisation, the shuffles and the training noise below; 0: `seed`. The
    /// split stays `seed`'s, so trainings of one recipe on one split can be compared with each
    /// other (how far its figures move from one training to the next).
    std::uint64_t init_seed = 0;
    /// Weight averaging (Polyak; an exponential moving average of the weights after every step,
    /// with this decay, warmed up as min(decay, (1 + t) / (10 + t))): validation, early stopping
    /// and the quantized model use the average instead of the last step's weights. 0: off.
    float weight_average = 0.0f;
    /// Label smoothing (Szegedy et al. 2016): the training target of a row is 1 - s on its class
    /// and s / classes spread over all. Validation loss stays the plain cross-entropy. 0: off.
    float label_smoothing = 0.0f;
    /// Input noise on the 7-bit codes of training rows: each code that is not 0 ("absent") moves
    /// by a uniform integer in [-code_noise, code_noise], kept within 1..127. 0: off.
    int code_noise = 0;
    /// Dropout (inverted) on the experts' hidden units while training. 0: off.
    float dropout = 0.0f;
};

/// Per-epoch figures, for the progress bar and the CSV log.
struct EpochReport {
    int epoch = 0;
    int max_epochs = 0;
    double train_loss = 0;
    double load_balance_loss = 0;
    double z_loss = 0;
    double validation_loss = 0;
    double validation_accuracy = 0;
    bool best = false;
};

struct TrainResult {
    MoeModel model;                     ///< quantized, ready to serialize
    int epochs_run = 0;
    double float_validation_accuracy = 0;
    double quantized_validation_accuracy = 0;
    std::vector<EpochReport> curve;
    std::vector<float> float_test_logits;  ///< the float model's logits on the `test` rows, rows * classes
};

/// Trains, early-stops on validation loss, keeps the best epoch, quantizes (per-channel
/// hidden weights, calibrated activation ranges, shared units for gate logits and expert
/// outputs) and evaluates both models on the validation rows. Same data, options and CPU
/// give the same model, bit for bit.
/// With `test`, the float model's logits on those rows are returned too (to compare float and
/// quantized on a held-out set the trainer never sees).
[[nodiscard]] TrainResult train_moe(const Dataset& data, const TrainOptions& options,
                                    const std::function<void(const EpochReport&)>& progress = {},
                                    const Dataset* test = nullptr);

/// A task with known structure: two features pick one of four regions, and in each region a
/// different linear rule over other features decides the class. One linear model cannot
/// learn it; a mixture whose gate finds the regions can.
[[nodiscard]] Dataset synthetic_task(int rows, std::uint64_t seed);

/// True when the trainer's validation split takes a group (or a row's index, without groups):
/// early stopping watches these rows and the choices made after training (the output
/// temperature, the thresholds `moed train` proposes) are made on them, never on the held-out
/// split. A hash of the group and the seed, independent of `held_out`.
[[nodiscard]] bool in_validation(std::uint64_t group, std::uint64_t seed, double share);

/// Quantizes features in [0, 1] to 7-bit codes.
[[nodiscard]] std::vector<std::uint8_t> quantize_features(const std::vector<float>& x);

}  // namespace moe::nn
