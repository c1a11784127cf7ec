#include "moe/offline/task_eval.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <span>

#include "moe/inference.hpp"
#include "moe/router.hpp"

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

void count(VerdictCounts& c, std::uint32_t score, std::uint32_t flag, std::uint32_t reject, bool abstained) {
    ++c.rows;
    c.rejected_by_score += score >= reject ? 1 : 0;
    if (abstained) {
        ++c.abstained;
        return;
    }
    c.flagged += score >= flag ? 1 : 0;
    c.rejected += score >= reject ? 1 : 0;
}

/// Whether the model abstains on each row of `d` (as the chain decides it, on the 7-bit codes).
std::vector<bool> abstentions(const MoeModel& m, const Dataset& d) {
    std::vector<bool> out(static_cast<std::size_t>(d.rows()), false);
    if (!m.envelope) return out;
    const std::vector<std::uint8_t> codes = quantize_features(d.x);
    const auto F = static_cast<std::size_t>(d.num_features);
    for (std::size_t r = 0; r < out.size(); ++r) out[r] = abstains(m, std::span(codes.data() + r * F, F));
    return out;
}

std::uint32_t score_of(double probability) { return static_cast<std::uint32_t>(std::lround(probability * 10000)); }

double rate(long part, long whole) { return whole == 0 ? 0 : static_cast<double>(part) / static_cast<double>(whole); }

}  // namespace

GeneratedTraffic generated_traffic(int worlds, WorldSeeds seeds, std::uint32_t schema) {
    GeneratedTraffic g{worlds, seeds, {}, {}, {}};
    g.ordinary = benign_rows(seeds.benign, worlds, kTransactionsPerWorld, schema, &g.kinds);
    g.drained = drainer_rows(seeds.drainer, worlds, kTransactionsPerWorld, schema, seeds.drainer_family, seeds.drainer_visible_victims);
    return g;
}

TrafficReport traffic_report(MoeEngine& engine, const FraudCorpus& corpus, const std::vector<std::size_t>& rows,
                             const std::vector<double>& probabilities, std::uint32_t flag, std::uint32_t reject, int worlds, WorldSeeds seeds) {
    return traffic_report(engine, corpus, rows, probabilities, flag, reject,
                          generated_traffic(worlds, seeds, engine.model().feature_schema_version));
}

TrafficReport traffic_report(MoeEngine& engine, const FraudCorpus& corpus, const std::vector<std::size_t>& rows,
                             const std::vector<double>& probabilities, std::uint32_t flag, std::uint32_t reject,
                             const GeneratedTraffic& traffic) {
    TrafficReport r;
    r.flag_score = flag;
    r.reject_score = reject;
    r.worlds = traffic.worlds;
    r.seeds = traffic.seeds;
    const std::vector<BenignKind>& kinds = traffic.kinds;
    const Dataset& generated = traffic.ordinary;
    const std::vector<double> p = quantized_probabilities(engine, generated);
    const std::vector<bool> generated_abstains = abstentions(engine.model(), generated);
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        const std::uint32_t s = score_of(p[2 * i + 1]);
        count(r.generated, s, flag, reject, generated_abstains[i]);
        count(r.by_kind[static_cast<std::size_t>(kinds[i])], s, flag, reject, generated_abstains[i]);
        r.generated_scores.push_back(s);
    }
    std::sort(r.generated_scores.begin(), r.generated_scores.end());
    const Dataset& drained = traffic.drained;
    const std::vector<double> pd = quantized_probabilities(engine, drained);
    const std::vector<bool> drained_abstains = abstentions(engine.model(), drained);
    for (int i = 0; i < drained.rows(); ++i) {
        const std::uint32_t s = score_of(pd[2 * static_cast<std::size_t>(i) + 1]);
        count(r.drainer_rows, s, flag, reject, drained_abstains[static_cast<std::size_t>(i)]);
        r.drainer_scores.push_back(s);
    }
    std::vector<int> rejected(corpus.accounts.size(), 0), flagged(corpus.accounts.size(), 0), seen(corpus.accounts.size(), 0);
    std::vector<int> rejected_by_score(corpus.accounts.size(), 0);
    std::vector<std::uint32_t> highest(corpus.accounts.size(), 0);
    const auto F = static_cast<std::size_t>(corpus.rows.num_features);
    const MoeModel& m = engine.model();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const std::uint32_t a = corpus.row_account[rows[i]];
        const std::uint32_t s = score_of(probabilities[2 * i + 1]);
        bool abstained = false;
        if (m.envelope) {
            const std::vector<float> x(corpus.rows.x.begin() + static_cast<std::ptrdiff_t>(rows[i] * F),
                                       corpus.rows.x.begin() + static_cast<std::ptrdiff_t>((rows[i] + 1) * F));
            abstained = abstains(m, quantize_features(x));
        }
        count(corpus.account_label[a] == 1 ? r.fraud_account_rows : r.benign_account_rows, s, flag, reject, abstained);
        if (corpus.account_label[a] != 1) r.benign_account_scores.push_back(s);
        seen[a] = 1;
        flagged[a] |= s >= flag && !abstained ? 1 : 0;
        rejected[a] |= s >= reject && !abstained ? 1 : 0;
        rejected_by_score[a] |= s >= reject ? 1 : 0;
        highest[a] = std::max(highest[a], s);
    }
    for (std::size_t a = 0; a < seen.size(); ++a) {
        if (seen[a] != 0 && corpus.account_label[a] != 1) r.benign_account_max_scores.push_back(highest[a]);
        if (seen[a] == 0 || corpus.account_label[a] != 1) continue;
        ++r.fraud_accounts;
        r.fraud_accounts_flagged += flagged[a];
        r.fraud_accounts_rejected += rejected[a];
        r.fraud_accounts_rejected_by_score += rejected_by_score[a];
        r.fraud_account_max_scores.push_back(highest[a]);
    }
    std::sort(r.drainer_scores.begin(), r.drainer_scores.end());
    std::sort(r.benign_account_scores.begin(), r.benign_account_scores.end());
    std::sort(r.fraud_account_max_scores.begin(), r.fraud_account_max_scores.end());
    std::sort(r.benign_account_max_scores.begin(), r.benign_account_max_scores.end());
    return r;
}

namespace {

/// How many of `ascending` are at or above `threshold`.
long at_or_above(const std::vector<std::uint32_t>& ascending, std::uint32_t threshold) {
    return static_cast<long>(ascending.end() - std::lower_bound(ascending.begin(), ascending.end(), threshold));
}

}  // namespace

TemperatureFit fit_output_temperature(MoeEngine& engine, const std::vector<const Dataset*>& parts) {
    // The integer logit pairs once; every candidate temperature then scores them as the chain does.
    std::vector<std::array<std::int32_t, 2>> logits;
    std::vector<int> labels;
    std::array<long, 2> per_class{};
    constexpr int kBatch = 4096;
    for (const Dataset* d : parts) {
        const std::vector<std::uint8_t> codes = quantize_features(d->x);
        const auto F = static_cast<std::size_t>(d->num_features);
        for (int from = 0; from < d->rows(); from += kBatch) {
            const int n = std::min(kBatch, d->rows() - from);
            const Inference inf = engine.forward(codes.data() + static_cast<std::size_t>(from) * F, n);
            for (int r = 0; r < n; ++r) {
                logits.push_back({inf.row(r)[0], inf.row(r)[1]});
                const int y = d->y[static_cast<std::size_t>(from + r)];
                labels.push_back(y);
                ++per_class[static_cast<std::size_t>(y)];
            }
        }
    }
    TemperatureFit fit;
    const std::int32_t trained = engine.model().output_temperature;
    double best = std::numeric_limits<double>::infinity();
    for (std::int64_t k = 8; k <= 64; ++k) {
        const auto t = static_cast<std::int32_t>(std::min<std::int64_t>(INT32_MAX, trained * k / 8));
        std::array<double, 2> loss{};
        for (std::size_t i = 0; i < logits.size(); ++i) {
            const Choice c[2] = {{0, logits[i][0]}, {1, logits[i][1]}};
            const std::vector<std::int32_t> w = combine_weights(c, t);
            const double p = static_cast<double>(w[static_cast<std::size_t>(labels[i])]) / 32768.0;
            loss[static_cast<std::size_t>(labels[i])] -= std::log(std::clamp(p, 1.0 / 32768.0, 1.0));
        }
        double balanced = 0;
        for (std::size_t c = 0; c < 2; ++c) balanced += per_class[c] == 0 ? 0 : loss[c] / static_cast<double>(per_class[c]) / 2;
        fit.losses.emplace_back(t, balanced);
        if (balanced < best) {
            best = balanced;
            fit.temperature = t;
        }
    }
    return fit;
}

Envelope fit_envelope(const Dataset& training, const std::vector<const Dataset*>& validation) {
    Envelope e;
    const auto F = static_cast<std::size_t>(training.num_features);
    const std::vector<std::uint8_t> codes = quantize_features(training.x);
    const std::size_t n = static_cast<std::size_t>(training.rows());
    const std::size_t tail = n / 1000;  // rows allowed below low, and above high
    for (std::size_t f = 0; f < F; ++f) {
        std::array<std::size_t, 128> histogram{};
        for (std::size_t r = 0; r < n; ++r) ++histogram[codes[r * F + f]];
        std::size_t below = 0, low = 0, high = 127;
        while (low < 127 && below + histogram[low] <= tail) below += histogram[low++];
        std::size_t above = 0;
        while (high > low && above + histogram[high] <= tail) above += histogram[high--];
        e.low.push_back(static_cast<std::uint8_t>(low));
        e.high.push_back(static_cast<std::uint8_t>(high));
    }
    MoeModel probe;
    probe.envelope = e;
    std::vector<std::uint32_t> excess;
    for (const Dataset* d : validation) {
        const std::vector<std::uint8_t> vc = quantize_features(d->x);
        for (std::size_t r = 0; r < static_cast<std::size_t>(d->rows()); ++r) excess.push_back(envelope_excess(probe, std::span(vc.data() + r * F, F)));
    }
    std::sort(excess.begin(), excess.end());
    e.max_excess = excess.empty() ? 0 : excess[excess.size() - 1 - excess.size() / 1000];
    return e;
}

ThresholdChoice choose_thresholds(const TrafficReport& v) {
    ThresholdChoice c;
    const auto& g = v.generated_scores;
    const auto& b = v.benign_account_scores;
    const auto& accounts = v.benign_account_max_scores;
    // Reject: above every generated ordinary row, and above every row of all but 1 in
    // kRejectAccountBudget of the benign accounts.
    const std::uint32_t top_generated = g.empty() ? 0 : g.back();
    const std::size_t allowed = accounts.size() / static_cast<std::size_t>(kRejectAccountBudget);
    const std::uint32_t top_benign = accounts.size() <= allowed ? 0 : accounts[accounts.size() - 1 - allowed];
    c.reject_score = std::max(top_generated, top_benign) + 1;
    // Flag: the lowest score at which each of the two flags at most kFlagBudget.
    auto lowest = [](const std::vector<std::uint32_t>& s) -> std::uint32_t {
        const std::size_t allowed_flags = static_cast<std::size_t>(kFlagBudget * static_cast<double>(s.size()));
        return s.size() <= allowed_flags ? 0 : s[s.size() - 1 - allowed_flags] + 1;
    };
    c.flag_score = std::min(c.reject_score, std::max(lowest(g), lowest(b)));
    char buf[256];
    std::snprintf(buf, sizeof buf, "highest generated ordinary score %u, highest of the benign accounts bar %zu of %zu: %u; %.1f%% budget of flags: %u and %u",
                  top_generated, allowed, accounts.size(), top_benign, 100 * kFlagBudget, lowest(g), lowest(b));
    c.reason = buf;
    if (c.reject_score > 10000) c.reject_score = 10001;
    return c;
}

std::string format_threshold_sweep(const TrafficReport& r, const std::vector<std::uint32_t>& thresholds) {
    std::string out = "threshold  generated_rows       benign_account_rows  benign_accounts   fraud_accounts   drainer_rows\n";
    char buf[256];
    for (std::uint32_t t : thresholds) {
        std::snprintf(buf, sizeof buf, "%9u  %6ld (%.5f)  %6ld (%.5f)  %4ld (%.4f)  %4ld (%.4f)  %5ld (%.4f)\n", t, at_or_above(r.generated_scores, t),
                      rate(at_or_above(r.generated_scores, t), static_cast<long>(r.generated_scores.size())), at_or_above(r.benign_account_scores, t),
                      rate(at_or_above(r.benign_account_scores, t), static_cast<long>(r.benign_account_scores.size())),
                      at_or_above(r.benign_account_max_scores, t),
                      rate(at_or_above(r.benign_account_max_scores, t), static_cast<long>(r.benign_account_max_scores.size())),
                      at_or_above(r.fraud_account_max_scores, t),
                      rate(at_or_above(r.fraud_account_max_scores, t), static_cast<long>(r.fraud_account_max_scores.size())),
                      at_or_above(r.drainer_scores, t), rate(at_or_above(r.drainer_scores, t), static_cast<long>(r.drainer_scores.size())));
        out += buf;
    }
    return out;
}

std::string format_traffic_report(const TrafficReport& r) {
    std::string out;
    char buf[512];
    auto line = [&](const char* what, const VerdictCounts& c) {
        std::snprintf(buf, sizeof buf, "  %-34s %7ld rows: flagged %6ld (%.5f), rejected %6ld (%.5f), abstained %5ld (%.5f)\n", what, c.rows,
                      c.flagged, rate(c.flagged, c.rows), c.rejected, rate(c.rejected, c.rows), c.abstained, rate(c.abstained, c.rows));
        out += buf;
    };
    std::snprintf(buf, sizeof buf, "at flag_score %u, reject_score %u:\n", r.flag_score, r.reject_score);
    out += buf;
    const char* split = r.seeds.benign == kValidationWorldSeed ? "validation" : "held-back";
    std::snprintf(buf, sizeof buf, "%s generated worlds (%d x %d transactions from seed %llu, never trained on):\n", split, r.worlds,
                  kTransactionsPerWorld, static_cast<unsigned long long>(r.seeds.benign));
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
    const char* accounts = r.seeds.benign == kValidationWorldSeed ? "validation" : "held-out";
    line((std::string(accounts) + " benign accounts' txs").c_str(), r.benign_account_rows);
    line((std::string(accounts) + " fraud accounts' txs").c_str(), r.fraud_account_rows);
    std::snprintf(buf, sizeof buf, "  %s fraud accounts with a transaction flagged %ld/%ld (%.4f), rejected %ld/%ld (%.4f)\n", accounts, r.fraud_accounts_flagged,
                  r.fraud_accounts, rate(r.fraud_accounts_flagged, r.fraud_accounts), r.fraud_accounts_rejected, r.fraud_accounts,
                  rate(r.fraud_accounts_rejected, r.fraud_accounts));
    out += buf;
    // The benign accounts as the rule of decision 005 counts them (one behaviour each): how many
    // have a transaction scored at or above each threshold (abstention aside).
    const auto& b = r.benign_account_max_scores;
    auto benign_at = [&](std::uint32_t t) { return static_cast<long>(b.end() - std::lower_bound(b.begin(), b.end(), t)); };
    const auto benign = static_cast<long>(b.size());
    std::snprintf(buf, sizeof buf, "  %s benign accounts with a transaction scored at the flag score %ld/%ld (%.4f), at the reject score %ld/%ld (%.4f)\n",
                  accounts, benign_at(r.flag_score), benign, rate(benign_at(r.flag_score), benign), benign_at(r.reject_score), benign,
                  rate(benign_at(r.reject_score), benign));
    out += buf;
    std::snprintf(buf, sizeof buf, "%s drainer worlds (%d x %d transactions from seed %llu, never trained on):\n", split, r.worlds,
                  kTransactionsPerWorld, static_cast<unsigned long long>(r.seeds.drainer));
    out += buf;
    line("drainers' visible transactions", r.drainer_rows);
    std::snprintf(buf, sizeof buf, "  without abstention: fraud accounts rejected %ld/%ld (%.4f), drainers' transactions rejected %ld/%ld (%.4f)\n",
                  r.fraud_accounts_rejected_by_score, r.fraud_accounts, rate(r.fraud_accounts_rejected_by_score, r.fraud_accounts),
                  r.drainer_rows.rejected_by_score, r.drainer_rows.rows, rate(r.drainer_rows.rejected_by_score, r.drainer_rows.rows));
    out += buf;
    std::snprintf(buf, sizeof buf,
                  "false_flag=%.5f false_reject=%.5f fraud_recall_at_reject=%.4f drainer_recall_at_reject=%.4f abstained=%.5f "
                  "fraud_recall_at_reject_without_abstention=%.4f\n",
                  rate(r.generated.flagged, r.generated.rows), rate(r.generated.rejected, r.generated.rows),
                  rate(r.fraud_accounts_rejected, r.fraud_accounts), rate(r.drainer_rows.rejected, r.drainer_rows.rows),
                  rate(r.generated.abstained, r.generated.rows), rate(r.fraud_accounts_rejected_by_score, r.fraud_accounts));
    out += buf;
    return out;
}

}  // namespace moe::nn
