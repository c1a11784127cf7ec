#include "moe/offline/metrics.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace moe::nn {

ClassReport classification_report(const std::vector<int>& truth, const std::vector<int>& predicted, int classes) {
    ClassReport r;
    r.classes = classes;
    r.confusion.assign(static_cast<std::size_t>(classes), std::vector<long>(static_cast<std::size_t>(classes), 0));
    long correct = 0;
    for (std::size_t i = 0; i < truth.size() && i < predicted.size(); ++i) {
        if (truth[i] < 0 || truth[i] >= classes || predicted[i] < 0 || predicted[i] >= classes) continue;
        ++r.confusion[static_cast<std::size_t>(truth[i])][static_cast<std::size_t>(predicted[i])];
        correct += truth[i] == predicted[i] ? 1 : 0;
    }
    double f1_sum = 0;
    int present = 0;
    for (std::size_t c = 0; c < static_cast<std::size_t>(classes); ++c) {
        long tp = r.confusion[c][c], predicted_c = 0, actual_c = 0;
        for (std::size_t k = 0; k < static_cast<std::size_t>(classes); ++k) {
            predicted_c += r.confusion[k][c];
            actual_c += r.confusion[c][k];
        }
        const double p = predicted_c == 0 ? 0 : static_cast<double>(tp) / static_cast<double>(predicted_c);
        const double rc = actual_c == 0 ? 0 : static_cast<double>(tp) / static_cast<double>(actual_c);
        const double f = p + rc == 0 ? 0 : 2 * p * rc / (p + rc);
        r.precision.push_back(p);
        r.recall.push_back(rc);
        r.f1.push_back(f);
        r.support.push_back(actual_c);
        if (actual_c > 0) {  // classes absent from the evaluated rows do not enter the macro average
            f1_sum += f;
            ++present;
        }
    }
    r.macro_f1 = present == 0 ? 0 : f1_sum / present;
    r.accuracy = truth.empty() ? 0 : static_cast<double>(correct) / static_cast<double>(truth.size());
    return r;
}

std::string format_report(const ClassReport& r, const std::vector<std::string_view>& names) {
    std::string out;
    char line[256];
    std::snprintf(line, sizeof line, "%-10s %9s %9s %9s %8s\n", "class", "precision", "recall", "f1", "support");
    out += line;
    for (std::size_t c = 0; c < static_cast<std::size_t>(r.classes); ++c) {
        std::snprintf(line, sizeof line, "%-10.*s %9.4f %9.4f %9.4f %8ld\n", static_cast<int>(names[c].size()), names[c].data(), r.precision[c],
                      r.recall[c], r.f1[c], r.support[c]);
        out += line;
    }
    out += "confusion (rows: truth, columns: predicted)\n          ";
    for (std::size_t c = 0; c < static_cast<std::size_t>(r.classes); ++c) {
        std::snprintf(line, sizeof line, " %8.*s", static_cast<int>(std::min<std::size_t>(8, names[c].size())), names[c].data());
        out += line;
    }
    out += "\n";
    for (std::size_t c = 0; c < static_cast<std::size_t>(r.classes); ++c) {
        std::snprintf(line, sizeof line, "%-10.*s", static_cast<int>(names[c].size()), names[c].data());
        out += line;
        for (long v : r.confusion[c]) {
            std::snprintf(line, sizeof line, " %8ld", v);
            out += line;
        }
        out += "\n";
    }
    std::snprintf(line, sizeof line, "accuracy %.4f\n", r.accuracy);
    out += line;
    return out;
}

double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels) {
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
    // Mann-Whitney U with average ranks for ties.
    double rank_sum = 0;
    long pos = 0, neg = 0;
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j < order.size() && scores[order[j]] == scores[order[i]]) ++j;
        const double avg_rank = (static_cast<double>(i) + static_cast<double>(j) + 1) / 2;  // 1-based
        for (std::size_t k = i; k < j; ++k) {
            if (labels[order[k]] == 1) rank_sum += avg_rank;
        }
        i = j;
    }
    for (int l : labels) (l == 1 ? pos : neg)++;
    if (pos == 0 || neg == 0) return 0.5;
    return (rank_sum - static_cast<double>(pos) * static_cast<double>(pos + 1) / 2) / (static_cast<double>(pos) * static_cast<double>(neg));
}

}  // namespace moe::nn
