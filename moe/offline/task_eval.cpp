#include "moe/offline/task_eval.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
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

namespace {

void count(VerdictCounts& c, std::uint32_t score, std::uint32_t flag, std::uint32_t reject) {
    ++c.rows;
    c.flagged += score >= flag ? 1 : 0;
    c.rejected += score >= reject ? 1 : 0;
}

std::uint32_t score_of(double probability) { return static_cast<std::uint32_t>(std::lround(probability * 10000)); }

double rate(long part, long whole) { return whole == 0 ? 0 : static_cast<double>(part) / static_cast<double>(whole); }

}  // namespace

TrafficReport traffic_report(MoeEngine& engine, const FraudCorpus& corpus, const std::vector<std::size_t>& rows,
                             const std::vector<double>& probabilities, std::uint32_t flag, std::uint32_t reject, int worlds) {
    TrafficReport r;
    r.flag_score = flag;
    r.reject_score = reject;
    r.worlds = worlds;
    std::vector<BenignKind> kinds;
    const Dataset generated = benign_rows(kHeldBackWorldSeed, worlds, kTransactionsPerWorld, &kinds);
    const std::vector<double> p = quantized_probabilities(engine, generated);
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        const std::uint32_t s = score_of(p[2 * i + 1]);
        count(r.generated, s, flag, reject);
        count(r.by_kind[static_cast<std::size_t>(kinds[i])], s, flag, reject);
        r.generated_scores.push_back(s);
    }
    std::sort(r.generated_scores.begin(), r.generated_scores.end());
    const Dataset drained = drainer_rows(kHeldBackDrainerSeed, worlds, kTransactionsPerWorld);
    const std::vector<double> pd = quantized_probabilities(engine, drained);
    for (int i = 0; i < drained.rows(); ++i) count(r.drainer_rows, score_of(pd[2 * static_cast<std::size_t>(i) + 1]), flag, reject);
    std::vector<int> rejected(corpus.accounts.size(), 0), flagged(corpus.accounts.size(), 0), seen(corpus.accounts.size(), 0);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const std::uint32_t a = corpus.row_account[rows[i]];
        const std::uint32_t s = score_of(probabilities[2 * i + 1]);
        count(corpus.account_label[a] == 1 ? r.fraud_account_rows : r.benign_account_rows, s, flag, reject);
        seen[a] = 1;
        flagged[a] |= s >= flag ? 1 : 0;
        rejected[a] |= s >= reject ? 1 : 0;
    }
    for (std::size_t a = 0; a < seen.size(); ++a) {
        if (seen[a] == 0 || corpus.account_label[a] != 1) continue;
        ++r.fraud_accounts;
        r.fraud_accounts_flagged += flagged[a];
        r.fraud_accounts_rejected += rejected[a];
    }
    return r;
}

std::string format_traffic_report(const TrafficReport& r) {
    std::string out;
    char buf[512];
    auto line = [&](const char* what, const VerdictCounts& c) {
        std::snprintf(buf, sizeof buf, "  %-34s %7ld rows: flagged %6ld (%.5f), rejected %6ld (%.5f)\n", what, c.rows, c.flagged, rate(c.flagged, c.rows),
                      c.rejected, rate(c.rejected, c.rows));
        out += buf;
    };
    std::snprintf(buf, sizeof buf, "at flag_score %u, reject_score %u:\n", r.flag_score, r.reject_score);
    out += buf;
    std::snprintf(buf, sizeof buf, "held-back generated worlds (%d x %d transactions, never trained on):\n", r.worlds, kTransactionsPerWorld);
    out += buf;
    line("all", r.generated);
    for (int k = 0; k < kBenignKinds; ++k) {
        const std::string name = "  " + std::string(to_string(static_cast<BenignKind>(k)));
        line(name.c_str(), r.by_kind[static_cast<std::size_t>(k)]);
    }
    const auto& g = r.generated_scores;
    auto q = [&](double f) { return g.empty() ? 0u : g[std::min(g.size() - 1, static_cast<std::size_t>(f * static_cast<double>(g.size())))]; };
    std::snprintf(buf, sizeof buf, "  generated scores: median %u, p99 %u, p99.9 %u, max %u\n", q(0.5), q(0.99), q(0.999), g.empty() ? 0u : g.back());
    out += buf;
    line("held-out benign accounts' txs", r.benign_account_rows);
    line("held-out fraud accounts' txs", r.fraud_account_rows);
    std::snprintf(buf, sizeof buf, "  held-out fraud accounts with a transaction flagged %ld/%ld (%.4f), rejected %ld/%ld (%.4f)\n", r.fraud_accounts_flagged,
                  r.fraud_accounts, rate(r.fraud_accounts_flagged, r.fraud_accounts), r.fraud_accounts_rejected, r.fraud_accounts,
                  rate(r.fraud_accounts_rejected, r.fraud_accounts));
    out += buf;
    std::snprintf(buf, sizeof buf, "held-back drainer worlds (%d x %d transactions, never trained on):\n", r.worlds, kTransactionsPerWorld);
    out += buf;
    line("drainers' visible transactions", r.drainer_rows);
    std::snprintf(buf, sizeof buf, "false_flag=%.5f false_reject=%.5f fraud_recall_at_reject=%.4f drainer_recall_at_reject=%.4f\n",
                  rate(r.generated.flagged, r.generated.rows), rate(r.generated.rejected, r.generated.rows),
                  rate(r.fraud_accounts_rejected, r.fraud_accounts), rate(r.drainer_rows.rejected, r.drainer_rows.rows));
    out += buf;
    return out;
}

}  // namespace moe::nn
