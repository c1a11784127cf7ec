#include "moe/offline/task_eval.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>

#include "moe/inference.hpp"

namespace moe::nn {

std::vector<double> quantized_probabilities(MoeEngine& engine, const Dataset& rows) {
    const std::vector<std::uint8_t> codes = quantize_features(rows.x);
    const int C = engine.model().output_dim;
    std::vector<double> p;
    p.reserve(static_cast<std::size_t>(rows.rows()) * static_cast<std::size_t>(C));
    constexpr int kBatch = 4096;
    const auto F = static_cast<std::size_t>(rows.num_features);
    for (int from = 0; from < rows.rows(); from += kBatch) {
        const int n = std::min(kBatch, rows.rows() - from);
        const Inference inf = engine.forward(codes.data() + static_cast<std::size_t>(from) * F, n);
        for (int r = 0; r < n; ++r) {
            const std::span<const std::int32_t> logits(inf.row(r), static_cast<std::size_t>(C));
            for (int c = 0; c < C; ++c) p.push_back(class_probability(engine.model(), logits, c) / 10000.0);
        }
    }
    return p;
}

std::vector<double> float_probabilities(const std::vector<float>& logits, int classes) {
    std::vector<double> p(logits.size());
    const auto C = static_cast<std::size_t>(classes);
    for (std::size_t r = 0; r + C <= logits.size(); r += C) {
        const double mx = *std::max_element(logits.begin() + static_cast<std::ptrdiff_t>(r), logits.begin() + static_cast<std::ptrdiff_t>(r + C));
        double sum = 0;
        for (std::size_t c = 0; c < C; ++c) sum += p[r + c] = std::exp(logits[r + c] - mx);
        for (std::size_t c = 0; c < C; ++c) p[r + c] /= sum;
    }
    return p;
}

std::vector<int> predicted_classes(const std::vector<double>& probabilities, int classes) {
    std::vector<int> out;
    const auto C = static_cast<std::size_t>(classes);
    for (std::size_t r = 0; r + C <= probabilities.size(); r += C) {
        out.push_back(static_cast<int>(std::max_element(probabilities.begin() + static_cast<std::ptrdiff_t>(r), probabilities.begin() + static_cast<std::ptrdiff_t>(r + C)) -
                                       (probabilities.begin() + static_cast<std::ptrdiff_t>(r))));
    }
    return out;
}

namespace {

void binary_figures(long tp, long fp, long fn, double& precision, double& recall, double& f1) {
    precision = tp + fp == 0 ? 0 : static_cast<double>(tp) / static_cast<double>(tp + fp);
    recall = tp + fn == 0 ? 0 : static_cast<double>(tp) / static_cast<double>(tp + fn);
    f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
}

}  // namespace

FraudReport fraud_report(const FraudCorpus& corpus, const std::vector<std::size_t>& rows, const std::vector<double>& probabilities) {
    FraudReport r;
    std::vector<double> sum(corpus.accounts.size(), 0);
    std::vector<long> count(corpus.accounts.size(), 0);
    std::vector<double> row_scores;
    std::vector<int> row_labels;
    long rtp = 0, rfp = 0, rfn = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const double p = probabilities[2 * i + 1];
        const std::uint32_t a = corpus.row_account[rows[i]];
        sum[a] += p;
        ++count[a];
        const int y = corpus.rows.y[rows[i]];
        row_scores.push_back(p);
        row_labels.push_back(y);
        const bool flagged = p >= 0.5;
        rtp += flagged && y == 1 ? 1 : 0;
        rfp += flagged && y == 0 ? 1 : 0;
        rfn += !flagged && y == 1 ? 1 : 0;
    }
    double rp = 0, rr = 0;
    binary_figures(rtp, rfp, rfn, rp, rr, r.row_f1);
    r.row_roc_auc = roc_auc(row_scores, row_labels);
    std::vector<double> scores;
    std::vector<int> labels;
    for (std::size_t a = 0; a < sum.size(); ++a) {
        if (count[a] == 0) continue;
        const double s = sum[a] / static_cast<double>(count[a]);
        const int y = corpus.account_label[a];
        scores.push_back(s);
        labels.push_back(y);
        const bool flagged = s >= 0.5;
        (flagged ? (y == 1 ? r.tp : r.fp) : (y == 1 ? r.fn : r.tn))++;
    }
    r.accounts = static_cast<long>(scores.size());
    r.positives = r.tp + r.fn;
    binary_figures(r.tp, r.fp, r.fn, r.precision, r.recall, r.f1);
    r.accuracy = r.accounts == 0 ? 0 : static_cast<double>(r.tp + r.tn) / static_cast<double>(r.accounts);
    r.roc_auc = roc_auc(scores, labels);
    return r;
}

std::string format_fraud_report(const FraudReport& r) {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "accounts %ld (fraud %ld): tp %ld fp %ld fn %ld tn %ld\n"
                  "precision %.4f recall %.4f f1 %.4f accuracy %.4f roc_auc %.4f\n"
                  "per screened row: f1 %.4f roc_auc %.4f\n",
                  r.accounts, r.positives, r.tp, r.fp, r.fn, r.tn, r.precision, r.recall, r.f1, r.accuracy, r.roc_auc, r.row_f1, r.row_roc_auc);
    return buf;
}

}  // namespace moe::nn
