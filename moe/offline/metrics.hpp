#pragma once

#include <string>
#include <string_view>
#include <vector>

/// Evaluation figures for the trained models (offline).
namespace moe::nn {

/// Per-class precision, recall and F1, the confusion matrix (rows: truth, columns: predicted).
struct ClassReport {
    int classes = 0;
    std::vector<std::vector<long>> confusion;
    std::vector<double> precision, recall, f1;
    std::vector<long> support;
    double macro_f1 = 0;
    double accuracy = 0;
};

[[nodiscard]] ClassReport classification_report(const std::vector<int>& truth, const std::vector<int>& predicted, int classes);

/// The report as a table with the class names, then the confusion matrix.
[[nodiscard]] std::string format_report(const ClassReport& report, const std::vector<std::string_view>& names);

/// Area under the ROC curve of scores against 0/1 labels (ties count one half).
[[nodiscard]] double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels);

}  // namespace moe::nn
