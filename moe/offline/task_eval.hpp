#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "moe/offline/benign_traffic.hpp"
#include "moe/engine.hpp"
#include "moe/offline/fraud_dataset.hpp"
#include "moe/offline/metrics.hpp"
#include "moe/offline/trainer.hpp"

/// Held-out evaluation of the two tasks, shared by `moed train` and `moed moe eval`.
namespace moe::nn {

/// Per-row class probabilities (row-major, rows * classes) from the quantized model: the
/// integer softmax of its logits with the model's output temperature, over 10000.
[[nodiscard]] std::vector<double> quantized_probabilities(MoeEngine& engine, const Dataset& rows);

/// The same from float logits (the trainer's float model).
[[nodiscard]] std::vector<double> float_probabilities(const std::vector<float>& logits, int classes);

/// The argmax class of each row.
[[nodiscard]] std::vector<int> predicted_classes(const std::vector<double>& probabilities, int classes);

/// Fraud figures per account: an account's score is the mean fraud probability of the rows that
/// screen transactions to or from it; it is flagged at 0.5.
struct FraudReport {
    long accounts = 0, positives = 0;
    long tp = 0, fp = 0, fn = 0, tn = 0;
    double precision = 0, recall = 0, f1 = 0, roc_auc = 0, accuracy = 0;
    double row_f1 = 0, row_roc_auc = 0;  ///< the same per screened row
};

/// `rows` are the corpus row indices of `probabilities` (rows * 2).
[[nodiscard]] FraudReport fraud_report(const FraudCorpus& corpus, const std::vector<std::size_t>& rows, const std::vector<double>& probabilities);

/// The report as text (no trailing f1= line).
[[nodiscard]] std::string format_fraud_report(const FraudReport& r);

/// Verdict counts at a pair of thresholds.
struct VerdictCounts {
    long rows = 0, flagged = 0, rejected = 0;  ///< flagged counts rejected ones too
};

/// The screen on traffic it never trained on, at chain thresholds: the held-back generated
/// worlds (per kind), the held-out labelled accounts' transactions, and fraud caught.
struct TrafficReport {
    std::uint32_t flag_score = 0, reject_score = 0;
    int worlds = 0;
    VerdictCounts generated;
    std::array<VerdictCounts, kBenignKinds> by_kind{};
    std::vector<std::uint32_t> generated_scores;  ///< ascending
    VerdictCounts benign_account_rows, fraud_account_rows;
    VerdictCounts drainer_rows;  ///< held-back drainer worlds: the drainers' visible transactions
    long fraud_accounts = 0, fraud_accounts_rejected = 0, fraud_accounts_flagged = 0;
};

/// Scores `worlds` held-back worlds (kHeldBackWorldSeed on), as many held-back drainer worlds
/// (kHeldBackDrainerSeed on: their drainers' rows) and the held-out rows (`rows`,
/// `probabilities` as for fraud_report) at the thresholds.
[[nodiscard]] TrafficReport traffic_report(MoeEngine& engine, const FraudCorpus& corpus, const std::vector<std::size_t>& rows,
                                           const std::vector<double>& probabilities, std::uint32_t flag_score, std::uint32_t reject_score,
                                           int worlds);

/// The report as text, ending with a line `false_flag=X false_reject=Y fraud_recall_at_reject=Z
/// drainer_recall_at_reject=W`.
[[nodiscard]] std::string format_traffic_report(const TrafficReport& r);

}  // namespace moe::nn
