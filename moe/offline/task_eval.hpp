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
    long rows = 0, flagged = 0, rejected = 0;  ///< the chain's verdicts: flagged counts rejected ones too
    long abstained = 0;                        ///< accepted because the model abstained (never flagged or rejected)
    long rejected_by_score = 0;                ///< rejected as the score alone says, abstention or not
};

/// Where a traffic report's generated worlds come from: the first seed of the ordinary worlds
/// and of the drainer worlds.
struct WorldSeeds {
    std::uint64_t benign = kHeldBackWorldSeed, drainer = kHeldBackDrainerSeed;
    int drainer_family = kDrainerFamily;  ///< drainer_world's family
    int drainer_visible_victims = kDrainerVisibleVictims;  ///< and when a drainer's rows count
};
/// Only the final figures use these.
inline constexpr WorldSeeds kHeldBackWorlds{kHeldBackWorldSeed, kHeldBackDrainerSeed};
/// Every choice after training is made on these (with the validation accounts).
inline constexpr WorldSeeds kValidationWorldSeeds{kValidationWorldSeed, kValidationDrainerSeed};

/// The screen on traffic it never trained on, at chain thresholds: the generated worlds (per
/// kind), the labelled accounts' transactions, and fraud caught.
struct TrafficReport {
    std::uint32_t flag_score = 0, reject_score = 0;
    int worlds = 0;
    WorldSeeds seeds;
    VerdictCounts generated;
    std::array<VerdictCounts, kBenignKinds> by_kind{};
    std::vector<std::uint32_t> generated_scores;  ///< ascending
    VerdictCounts benign_account_rows, fraud_account_rows;
    VerdictCounts drainer_rows;  ///< drainer worlds: the drainers' visible transactions
    long fraud_accounts = 0, fraud_accounts_rejected = 0, fraud_accounts_flagged = 0;
    long fraud_accounts_rejected_by_score = 0;  ///< as if the model never abstained
    /// Ascending scores, to count verdicts at other thresholds: the benign accounts' rows, the
    /// drainers' rows, and each benign and each fraud account's highest.
    std::vector<std::uint32_t> benign_account_scores, drainer_scores, benign_account_max_scores, fraud_account_max_scores;
};

/// Temperature scaling of a trained score model (Guo et al., "On calibration of modern neural
/// networks", 2017), on rows it never trained on: of the output temperatures T * k / 8 for
/// k = 8 .. 64 (T the trained model's own), the one whose class-balanced log loss over `rows`
/// is lowest. A larger temperature keeps the ranking of the rows and spreads the scores the
/// trained model pins at 10000; the argmax of a row does not move.
struct TemperatureFit {
    std::int32_t temperature = 0;
    std::vector<std::pair<std::int32_t, double>> losses;  ///< every candidate, in order
};
[[nodiscard]] TemperatureFit fit_output_temperature(MoeEngine& engine, const std::vector<const Dataset*>& rows);

/// The envelope of a model's training rows (moe/model.hpp): per feature the codes between the
/// 1-in-1000 lowest and highest of `training`, and as max_excess the excess (envelope_excess)
/// that at most 1 in 1000 of the `validation` rows go beyond, so the model abstains on about
/// that share of traffic like its validation rows and on more of anything unlike them.
[[nodiscard]] Envelope fit_envelope(const Dataset& training, const std::vector<const Dataset*>& validation);

/// Thresholds chosen from a report on validation traffic, and why.
struct ThresholdChoice {
    std::uint32_t flag_score = 10001, reject_score = 10001;  ///< 10001: none is possible
    std::string reason;
};

/// What the validation traffic asks of the thresholds: reject above every ordinary generated
/// row, and above every transaction of all but 1 in kRejectAccountBudget of the benign
/// accounts (an account's rows are one behaviour, counted once: the labels are Ethereum's,
/// and a few "benign" accounts act as drainers do); flag at the lowest score that flags at
/// most kFlagBudget of the rows of either (half the 1-in-100 bar, for the difference between
/// one split and another).
inline constexpr long kRejectAccountBudget = 500;
inline constexpr double kFlagBudget = 0.005;
[[nodiscard]] ThresholdChoice choose_thresholds(const TrafficReport& validation);

/// The verdicts of `r`'s rows at each reject (or flag) threshold of `thresholds`, as a table.
[[nodiscard]] std::string format_threshold_sweep(const TrafficReport& r, const std::vector<std::uint32_t>& thresholds);

/// Generated traffic verdicts are counted on: `worlds` worlds of ordinary activity (from
/// `seeds.benign`; each row's kind) and the drainers' rows of as many drainer worlds (from
/// `seeds.drainer`), in feature schema `schema`.
struct GeneratedTraffic {
    int worlds = 0;
    WorldSeeds seeds;
    Dataset ordinary;
    std::vector<BenignKind> kinds;  ///< per row of `ordinary`
    Dataset drained;
};
[[nodiscard]] GeneratedTraffic generated_traffic(int worlds, WorldSeeds seeds, std::uint32_t schema);

/// Scores `traffic` and the labelled accounts' rows (`rows`, `probabilities` as for
/// fraud_report) at the thresholds.
[[nodiscard]] TrafficReport traffic_report(MoeEngine& engine, const FraudCorpus& corpus, const std::vector<std::size_t>& rows,
                                           const std::vector<double>& probabilities, std::uint32_t flag_score, std::uint32_t reject_score,
                                           const GeneratedTraffic& traffic);
/// The same on `worlds` worlds of `seeds`, generated in the model's feature schema.
[[nodiscard]] TrafficReport traffic_report(MoeEngine& engine, const FraudCorpus& corpus, const std::vector<std::size_t>& rows,
                                           const std::vector<double>& probabilities, std::uint32_t flag_score, std::uint32_t reject_score,
                                           int worlds, WorldSeeds seeds = kHeldBackWorlds);

/// The report as text, ending with a line `false_flag=X false_reject=Y fraud_recall_at_reject=Z
/// drainer_recall_at_reject=W abstained=A fraud_recall_at_reject_without_abstention=V`.
[[nodiscard]] std::string format_traffic_report(const TrafficReport& r);

}  // namespace moe::nn
