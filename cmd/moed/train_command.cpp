#include "cmd/moed/train_command.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <cstdio>
#include <functional>
#include <fstream>
#include <sstream>

#include "core/bytes.hpp"
#include "moe/account_stats.hpp"
#include "moe/offline/contract_dataset.hpp"
#include "moe/contract_features.hpp"
#include "moe/engine.hpp"
#include "moe/offline/benign_traffic.hpp"
#include "moe/offline/fraud_dataset.hpp"
#include "moe/model_file.hpp"
#include "moe/offline/svg_plot.hpp"
#include "moe/offline/task_eval.hpp"
#include "moe/tasks.hpp"
#include "moe/offline/trainer.hpp"
#include "node/files.hpp"

namespace moe::node {

namespace {


std::expected<nn::Dataset, std::string> read_csv(const std::string& path) {
    auto text = read_file(path, 1ull << 31);
    if (!text) return std::unexpected(text.error());
    nn::Dataset d;
    std::istringstream in(*text);
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (line.empty()) continue;
        std::vector<double> values;
        std::stringstream cells(line);
        std::string cell;
        bool numeric = true;
        while (std::getline(cells, cell, ',')) {
            char* end = nullptr;
            const double v = std::strtod(cell.c_str(), &end);
            if (end == cell.c_str() || *end != '\0') {
                numeric = false;
                break;
            }
            values.push_back(v);
        }
        if (!numeric) {
            if (line_no == 1) continue;  // a header
            return std::unexpected(path + ":" + std::to_string(line_no) + ": not a number");
        }
        if (values.size() < 2) return std::unexpected(path + ":" + std::to_string(line_no) + ": needs features and a label");
        const int features = static_cast<int>(values.size()) - 1;
        if (d.num_features == 0) d.num_features = features;
        if (features != d.num_features) return std::unexpected(path + ":" + std::to_string(line_no) + ": wrong column count");
        const double label = values.back();
        if (label < 0 || label > 255 || label != std::floor(label)) {
            return std::unexpected(path + ":" + std::to_string(line_no) + ": the label must be a class number 0..255");
        }
        for (int i = 0; i < features; ++i) {
            const double v = values[static_cast<std::size_t>(i)];
            if (!(v >= 0 && v <= 1)) return std::unexpected(path + ":" + std::to_string(line_no) + ": features must lie in [0, 1]");
            d.x.push_back(static_cast<float>(v));
        }
        d.y.push_back(static_cast<int>(label));
        d.num_classes = std::max(d.num_classes, static_cast<int>(label) + 1);
    }
    if (d.y.empty()) return std::unexpected(path + ": no rows");
    return d;
}

/// What every fraud choice is made on: the trainer's validation accounts (all their rows) and
/// worlds of seeds apart from both the training and the held-back ones.
struct FraudValidationRows {
    std::vector<std::size_t> account_rows;  ///< corpus indices of `accounts`' rows
    nn::Dataset accounts;
    nn::GeneratedTraffic traffic;  ///< generated once: every report on validation counts these
};

FraudValidationRows fraud_validation_rows(const nn::FraudCorpus& fraud, const nn::TrainOptions& o, const nn::FraudTrainingOptions& set) {
    FraudValidationRows v;
    v.accounts = nn::fraud_validation(fraud, o.seed, o.validation_share, &v.account_rows);
    v.traffic = nn::generated_traffic(nn::kValidationWorlds,
                                      {nn::kValidationWorldSeed, nn::kValidationDrainerSeed, set.drainer_family, set.drainer_visible_victims},
                                      fraud.schema);
    return v;
}

/// The chain's operating point of a model on the validation traffic: the thresholds decision
/// 005's rule takes from it, and the share of validation fraud accounts with a transaction at the
/// reject score (account F1 does not see the tail a reject threshold lives in).
struct OperatingPoint {
    nn::ThresholdChoice choice;
    double fraud_at_reject = 0;
};

OperatingPoint operating_point(const nn::MoeModel& model, const nn::FraudCorpus& fraud, const FraudValidationRows& v) {
    nn::MoeEngine engine(model);
    const auto vt = nn::traffic_report(engine, fraud, v.account_rows, nn::quantized_probabilities(engine, v.accounts), 10001, 10001, v.traffic);
    OperatingPoint op{nn::choose_thresholds(vt), 0};
    const auto& top = vt.fraud_account_max_scores;
    if (!top.empty()) {
        const auto refused = std::count_if(top.begin(), top.end(), [&](std::uint32_t s) { return s >= op.choice.reject_score; });
        op.fraud_at_reject = static_cast<double>(refused) / static_cast<double>(top.size());
    }
    return op;
}

/// A fraud model's output temperature, set on the validation rows, and its operating point there.
struct Calibration {
    nn::TemperatureFit fit;        ///< temperature scaling: the candidate of lowest class-balanced log loss
    std::int32_t temperature = 0;  ///< what the model got: the fit's, or a larger candidate (raised)
    OperatingPoint op;             ///< at `temperature`
    [[nodiscard]] bool raised() const noexcept { return temperature != fit.temperature; }
};

/// Temperature scaling on the validation rows (decision 005, "Calibration"): sets the model's
/// output temperature. When the fitted temperature leaves the validation traffic no reject score
/// (the row the rule keys on rounds to 10000, tied with the fraud at the top), it is raised to the
/// next candidate of the fit until one exists: the rows keep their order, and the ones tied at
/// 10000 are told apart.
Calibration calibrate(nn::MoeModel& model, const FraudValidationRows& v, const nn::FraudCorpus& fraud) {
    Calibration c;
    {
        nn::MoeEngine engine(model);
        c.fit = nn::fit_output_temperature(engine, {&v.accounts, &v.traffic.ordinary, &v.traffic.drained});
    }
    model.output_temperature = c.temperature = c.fit.temperature;
    c.op = operating_point(model, fraud, v);
    for (const auto& candidate : c.fit.losses) {
        if (c.op.choice.reject_score <= 10000) break;
        if (candidate.first <= c.temperature) continue;
        model.output_temperature = c.temperature = candidate.first;
        c.op = operating_point(model, fraud, v);
    }
    return c;
}

/// Mean and sample standard deviation.
std::pair<double, double> mean_and_spread(const std::vector<double>& x) {
    double mean = 0;
    for (double v : x) mean += v;
    mean /= static_cast<double>(std::max<std::size_t>(1, x.size()));
    double ss = 0;
    for (double v : x) ss += (v - mean) * (v - mean);
    return {mean, x.size() > 1 ? std::sqrt(ss / static_cast<double>(x.size() - 1)) : 0.0};
}

}  // namespace

void drainer_options(CLI::App& command) {
    value_option(command, "--drainer-family", "F: fraud: how the drainer worlds' victims pay, for training and validation: 2 "
                                              "(default) also victims who pay nothing, 1 ether only (moe/offline/benign_traffic.hpp)");
    value_option(command, "--drainer-visible", "N: fraud: a drainer's transactions are fraud rows once N distinct accounts have "
                                               "paid it (default 3), for training and validation");
}

void fraud_training_options(CLI::App& command) {
    value_option(command, "--rows-per-account", "N: fraud: train on at most N screened rows per account (default 64; 0: all); "
                                                "the held-out accounts are evaluated on all their rows");
    value_option(command, "--worlds", "N: fraud: generated worlds of ordinary dev-chain activity added as benign "
                                      "training rows (default 160 x 1000 transactions; 0: none)");
    value_option(command, "--drainer-worlds", "N: fraud: generated worlds whose drainers' visible transactions are added "
                                              "as fraud rows (default 1000 x 1000 transactions; 0: none)");
    value_option(command, "--fraud-schema", "S: fraud: the feature schema of every row, 3 (default: finer codes and each party's "
                                            "share of receipts from distinct senders) or 2 (whole halvings, the models before) "
                                            "or 4 (schema 3 with what the parties hold and whether they paid each other before "
                                            "in place of four repeated features); moe/account_stats.hpp");
    drainer_options(command);
}

std::expected<void, std::string> drainer_flags(Args args, nn::FraudTrainingOptions& o) {
    const auto family = unsigned_flag(args, "--drainer-family", static_cast<std::uint64_t>(o.drainer_family), nn::kDrainerFamilyEther,
                                      nn::kDrainerFamilyZeroValue);
    if (!family) return std::unexpected(family.error());
    const auto visible = unsigned_flag(args, "--drainer-visible", static_cast<std::uint64_t>(o.drainer_visible_victims), 2, 50);
    if (!visible) return std::unexpected(visible.error());
    o.drainer_family = static_cast<int>(*family);
    o.drainer_visible_victims = static_cast<int>(*visible);
    return {};
}

std::expected<nn::FraudTrainingOptions, std::string> fraud_training_flags(Args args) {
    nn::FraudTrainingOptions o;
    const auto per_account = unsigned_flag(args, "--rows-per-account", static_cast<std::uint64_t>(o.rows_per_account), 0, 100'000);
    if (!per_account) return std::unexpected(per_account.error());
    const auto worlds = unsigned_flag(args, "--worlds", static_cast<std::uint64_t>(o.worlds), 0, 10'000);
    if (!worlds) return std::unexpected(worlds.error());
    const auto drainer_worlds = unsigned_flag(args, "--drainer-worlds", static_cast<std::uint64_t>(o.drainer_worlds), 0, 10'000);
    if (!drainer_worlds) return std::unexpected(drainer_worlds.error());
    o.rows_per_account = static_cast<int>(*per_account);
    o.worlds = static_cast<int>(*worlds);
    o.drainer_worlds = static_cast<int>(*drainer_worlds);
    const auto schema = unsigned_flag(args, "--fraud-schema", o.schema, nn::kFraudFeatureSchemaWhole, nn::kFraudFeatureSchemaPairs);
    if (!schema) return std::unexpected(schema.error());
    o.schema = static_cast<std::uint32_t>(*schema);
    if (auto d = drainer_flags(args, o); !d) return std::unexpected(d.error());
    return o;
}

void train_options(CLI::App& command) {
    command.footer(
        "Trains a Mixture-of-Experts classifier in f32 on oneDNN (Adam, Switch load-balancing loss, router z-loss, "
        "early stopping on a validation split), quantizes it to the integer model consensus runs and writes MODEL. "
        "Same data, options and seed give the same file.");
    value_option(command, "--task",
                 "synthetic: a generated task with known structure (regions x linear rules); contract: contract classes "
                 "from runtime bytecode, --data DIR laid out like ../shared/data, 20% of the skeleton groups (by seed) "
                 "held out and evaluated, never trained on; fraud: transaction screening, --data DIR laid out like "
                 "../shared/data/eth_fraud_accounts_and_txns, 20% of the accounts held out, the output temperature "
                 "fitted on validation rows and the thresholds validation asks for printed")
        ->required()
        ->check(CLI::IsMember({"synthetic", "contract", "fraud"}));
    value_option(command, "--out", "MODEL: the model file to write (required unless --cross-validate)");
    value_option(command, "--data", "FILE|DIR: synthetic: CSV of feature columns in [0, 1], then the integer class label "
                                    "(optional header line); without it the task generates --rows rows");
    value_option(command, "--templates", "FILE: contract: our compiled corpus (default chain-config/corpus/contract_templates.csv.gz)");
    value_option(command, "--accounts", "N: fraud: only the first N labelled accounts (quick runs)");
    fraud_training_options(command);
    flag_option(command, "--with-gas-price", "fraud: add the gas-price level, an era feature (to show its leak; never ship)");
    value_option(command, "--rows", "N: synthetic: generated rows (default 12000)");
    value_option(command, "--seed", "N: seed of the initialisation, shuffles and split (default 1; 7 for contract and fraud)");
    value_option(command, "--init-seed", "N: seed of the initialisation, shuffles and training noise only (default: --seed); the "
                                         "split stays --seed's");
    value_option(command, "--init-seeds", "N: fraud: train N times on the same split, with init seeds S, S+1, ... (S: --init-seed "
                                          "or --seed), and print each training's validation account F1 and ROC-AUC, the thresholds "
                                          "decision 005's rule takes from its validation traffic and the validation fraud "
                                          "accounts refused at that reject score, and their means and spreads, ending "
                                          "'validation_f1_mean=X'; writes no model: what a recipe's choice is judged on, against "
                                          "the noise between trainings");
    value_option(command, "--experts", "E: experts per layer");
    value_option(command, "--top-k", "K: experts the gate picks per row");
    value_option(command, "--hidden", "H: the experts' hidden width");
    value_option(command, "--depth", "D: hidden layers per expert, each --hidden wide (default 1)");
    value_option(command, "--epochs", "N: at most N epochs");
    value_option(command, "--patience", "N: stop after N epochs without a better validation loss");
    value_option(command, "--batch", "N: rows per step");
    value_option(command, "--learning-rate", "R: Adam's step size, in (0, 1)");
    value_option(command, "--weight-decay", "W: decoupled weight decay (AdamW) on the weights, per unit of learning rate, in [0, 1) (default 0)");
    value_option(command, "--learning-rate-decay", "D: the learning rate is multiplied by D after each epoch, in (0, 1] (default 1: constant)");
    value_option(command, "--balance-weight", "A: weight of the Switch load-balancing loss, in [0, 1) (default 0.01)");
    value_option(command, "--weight-average", "D: validate, early-stop on and ship a moving average of the weights with decay D "
                                              "per step, in [0, 1) (default 0: the weights themselves)");
    value_option(command, "--label-smoothing", "S: train towards 1 - S on a row's class and S spread over all, in [0, 0.5) (default 0)");
    value_option(command, "--code-noise", "K: move each training row's non-zero input codes by a uniform integer in [-K, K] "
                                          "(default 0)");
    value_option(command, "--dropout", "P: dropout on the experts' hidden units while training, in [0, 0.9] (default 0)");
    value_option(command, "--folds", "K: contract: the training part's skeleton groups are dealt, per class, into K folds (default 5)");
    value_option(command, "--fold", "I: contract: validate on fold I of the training groups (early stopping and the figures "
                                    "printed); without it, on rows of the training groups (the shipped recipe)");
    flag_option(command, "--cross-validate", "contract: train once per fold (validated on that fold, trained on the others) and "
                                             "print the pooled figures, ending 'cv_macro_f1=X'; writes no model: what choices of "
                                             "options and training data are made on");
    flag_option(command, "--fixed-epochs", "no early stopping: train --epochs epochs and keep the last (fraud's default)");
    flag_option(command, "--early-stopping", "stop after --patience epochs without a better validation loss and keep the best "
                                             "(contract's default; the fraud models before 2026-12 were trained so)");
    flag_option(command, "--held-out", "contract, fraud: also score the held-out split after training (to report, never to "
                                       "choose on; `moed moe eval` does the same for a model file)");
    value_option(command, "--class-weights", "balanced|sqrt|none: contract, fraud: each class's loss weight, inverse class "
                                             "frequency (fraud's default), its square root (contract's default), or 1")
        ->check(CLI::IsMember({"balanced", "sqrt", "none"}));
    value_option(command, "--log", "FILE: CSV of the curves: epoch,train_loss,load_balance,z_loss,val_loss,val_acc");
    value_option(command, "--plot", "FILE: the same curves as an SVG picture");
}

int train_main(Args args) {
    const std::string task = flag_value(args, "--task");
    const std::string out = flag_value(args, "--out");
    const bool cross_validate = has_flag(args, "--cross-validate");
    const bool repeat = has_flag(args, "--init-seeds");
    if (out.empty() && !cross_validate && !repeat) {
        std::fputs("moed train: --out MODEL is required (unless --cross-validate or --init-seeds)\n", stderr);
        return 2;
    }
    nn::TrainOptions o;
    if (task == "contract") {
        o.hidden = {128};  // 8 experts of 128, top-2: chosen by cross-validation (decision 010)
        o.max_epochs = 80;
        o.patience = 10;
        o.batch = 128;
        o.learning_rate = 3e-3f;
        o.task = nn::kTaskContract;
        o.feature_schema_version = nn::kContractFeatureSchema;
        o.seed = nn::kShippedSeed;
    } else if (task == "fraud") {
        o.hidden = {64};
        o.max_epochs = 40;
        o.patience = 8;
        o.batch = 256;
        o.learning_rate = 1e-3f;
        // Chosen on validation, mean of 3 init seeds (README, "The MoE against gradient
        // boosting"): the validation loss bottoms out at epoch 10-20 while account F1 still
        // rises, so early stopping on it kept an undertrained, noisy model (F1 0.9538, sd
        // 0.0062); a moving average of the weights over 40 epochs gives 0.9683, sd 0.0036.
        o.weight_average = 0.999f;
        o.early_stopping = false;
        o.task = nn::kTaskFraud;
        o.feature_schema_version = nn::kFraudFeatureSchema;
        o.seed = nn::kShippedSeed;
    }
    struct IntFlag {
        const char* name;
        long lo, hi;
        std::function<void(long)> set;
    };
    long rows = 12000;
    int depth = 1;
    std::size_t accounts = 0;
    nn::FraudTrainingOptions fraud_set;  // fraud: rows per account, benign and drainer worlds
    int folds = nn::kContractFolds, fold = -1;  // contract: with --fold, the validation rows are that fold of the training groups
    int init_seeds = 0;  // fraud: with --init-seeds N, N trainings on one split, compared on validation
    const IntFlag flags[] = {
        {"--seed", 0, 1l << 62, [&](long x) { o.seed = static_cast<std::uint64_t>(x); }},
        {"--experts", 1, 256, [&](long x) { o.experts = static_cast<int>(x); }},
        {"--top-k", 1, 256, [&](long x) { o.top_k = static_cast<int>(x); }},
        {"--hidden", 1, 4096, [&](long x) { o.hidden = {static_cast<int>(x)}; }},
        {"--depth", 1, 8, [&](long x) { depth = static_cast<int>(x); }},
        {"--epochs", 1, 10000, [&](long x) { o.max_epochs = static_cast<int>(x); }},
        {"--patience", 1, 10000, [&](long x) { o.patience = static_cast<int>(x); }},
        {"--batch", 8, 65536, [&](long x) { o.batch = static_cast<int>(x); }},
        {"--rows", 100, 10'000'000, [&](long x) { rows = x; }},
        {"--accounts", 10, 10'000'000, [&](long x) { accounts = static_cast<std::size_t>(x); }},
        {"--folds", 2, 100, [&](long x) { folds = static_cast<int>(x); }},
        {"--fold", 0, 99, [&](long x) { fold = static_cast<int>(x); }},
        {"--init-seed", 1, 1l << 62, [&](long x) { o.init_seed = static_cast<std::uint64_t>(x); }},
        {"--init-seeds", 1, 100, [&](long x) { init_seeds = static_cast<int>(x); }},
        {"--code-noise", 0, 64, [&](long x) { o.code_noise = static_cast<int>(x); }},
    };
    auto training_set = fraud_training_flags(args);
    if (!training_set) {
        std::fprintf(stderr, "moed train: %s\n", training_set.error().c_str());
        return 2;
    }
    fraud_set = *training_set;
    for (const IntFlag& f : flags) {
        if (!has_flag(args, f.name)) continue;
        const auto v = unsigned_flag(args, f.name, 0, static_cast<std::uint64_t>(f.lo), static_cast<std::uint64_t>(f.hi));
        if (!v) {
            std::fprintf(stderr, "moed train: %s\n", v.error().c_str());
            return 2;
        }
        f.set(static_cast<long>(*v));
    }
    o.hidden.assign(static_cast<std::size_t>(depth), o.hidden.front());
    struct RealFlag {
        const char* name;
        const char* range;  ///< for the error message
        std::function<bool(double)> ok;
        float* out;
    };
    const RealFlag reals[] = {
        {"--learning-rate", "(0, 1)", [](double x) { return x > 0 && x < 1; }, &o.learning_rate},
        {"--weight-decay", "[0, 1)", [](double x) { return x >= 0 && x < 1; }, &o.weight_decay},
        {"--learning-rate-decay", "(0, 1]", [](double x) { return x > 0 && x <= 1; }, &o.learning_rate_decay},
        {"--balance-weight", "[0, 1)", [](double x) { return x >= 0 && x < 1; }, &o.load_balance_weight},
        {"--weight-average", "[0, 1)", [](double x) { return x >= 0 && x < 1; }, &o.weight_average},
        {"--label-smoothing", "[0, 0.5)", [](double x) { return x >= 0 && x < 0.5; }, &o.label_smoothing},
        {"--dropout", "[0, 0.9]", [](double x) { return x >= 0 && x <= 0.9; }, &o.dropout},
    };
    for (const RealFlag& f : reals) {
        const std::string s = flag_value(args, f.name);
        if (s.empty()) continue;
        char* end = nullptr;
        const double x = std::strtod(s.c_str(), &end);
        if (end == s.c_str() || *end != '\0' || !f.ok(x)) {
            std::fprintf(stderr, "moed train: %s must be a number in %s\n", f.name, f.range);
            return 2;
        }
        *f.out = static_cast<float>(x);
    }
    if (has_flag(args, "--fixed-epochs")) o.early_stopping = false;
    if (has_flag(args, "--early-stopping")) o.early_stopping = true;
    if (has_flag(args, "--fixed-epochs") && has_flag(args, "--early-stopping")) {
        std::fputs("moed train: --fixed-epochs and --early-stopping exclude each other\n", stderr);
        return 2;
    }
    if (fold >= folds) {
        std::fputs("moed train: --fold must be below --folds\n", stderr);
        return 2;
    }
    if (cross_validate && task != "contract") {
        std::fputs("moed train: --cross-validate is for --task contract\n", stderr);
        return 2;
    }
    if (repeat && task != "fraud") {
        std::fputs("moed train: --init-seeds is for --task fraud\n", stderr);
        return 2;
    }
    if (repeat && !out.empty()) {
        std::fputs("moed train: --init-seeds writes no model (it compares trainings): leave out --out\n", stderr);
        return 2;
    }
    // Contract: the square root of inverse class frequency, chosen by cross-validation (decision
    // 010: full inverse frequency weighed ponzi's 94 rows so much that other and wallet codes
    // were called ponzi).
    const std::string weighting = flag_value(args, "--class-weights", task == "contract" ? "sqrt" : "balanced");
    if (o.top_k > o.experts) {
        std::fputs("moed train: --top-k cannot exceed --experts\n", stderr);
        return 2;
    }
    nn::Dataset data;
    const std::string data_path = flag_value(args, "--data");
    // The real tasks: the held-out part is kept aside and evaluated after training.
    nn::Dataset test;
    std::optional<nn::FraudCorpus> fraud;
    std::vector<std::size_t> test_rows;
    if (task != "synthetic") {
        if (data_path.empty()) {
            std::fprintf(stderr, "moed train: --task %s needs --data DIR\n", task.c_str());
            return 2;
        }
        if (task == "contract") {
            auto corpus = nn::load_contract_corpus(data_path, flag_value(args, "--templates", std::string(nn::kContractTemplatesFile)));
            if (!corpus) {
                std::fprintf(stderr, "moed train: %s\n", corpus.error().c_str());
                return 1;
            }
            for (const auto& n : corpus->notes) std::fprintf(stderr, "%s\n", n.c_str());
            data = nn::contract_dataset(*corpus, o.seed, false);
            test = nn::contract_dataset(*corpus, o.seed, true);
            // The shipped recipe: early stopping watches rows of the training groups (a split by
            // group hash would take whole thin classes, a handful of dex or factory families, out
            // of training). Those rows are near-copies of training rows, so their figures measure
            // memory: choices are made by --cross-validate, whose folds are whole skeleton groups
            // dealt per class, as the held-out split takes them (decision 010). --fold I trains
            // one of its models. The held-out groups stay apart.
            if (fold >= 0) {
                nn::mark_contract_validation(data, o.seed, folds, fold);
            } else if (!cross_validate) {
                data.groups.clear();
            }
        } else {
            nn::FraudOptions fo;
            fo.with_gas_price = has_flag(args, "--with-gas-price");
            fo.max_accounts = accounts;
            fo.schema = fraud_set.schema;
            o.feature_schema_version = fraud_set.schema;
            auto corpus = nn::load_fraud_corpus(data_path, fo);
            if (!corpus) {
                std::fprintf(stderr, "moed train: %s\n", corpus.error().c_str());
                return 1;
            }
            for (const auto& n : corpus->notes) std::fprintf(stderr, "%s\n", n.c_str());
            fraud = std::move(*corpus);
            std::vector<std::string> notes;
            data = nn::fraud_training_set(*fraud, o.seed, fraud_set, nullptr, &notes);
            for (const auto& n : notes) std::fprintf(stderr, "%s\n", n.c_str());
            test = nn::fraud_split(*fraud, o.seed, true, &test_rows);
            if (fo.with_gas_price) o.feature_schema_version = 0;  // never a shippable schema
        }
        // Thin classes weigh more: inverse class frequency (or its square root), capped at 20x.
        std::vector<long> count(static_cast<std::size_t>(data.num_classes), 0);
        for (int y : data.y) ++count[static_cast<std::size_t>(y)];
        for (long n : count) {
            if (weighting == "none") break;
            const double w = n == 0 ? 1.0 : static_cast<double>(data.rows()) / (static_cast<double>(data.num_classes) * static_cast<double>(n));
            o.class_weights.push_back(static_cast<float>(std::clamp(weighting == "sqrt" ? std::sqrt(w) : w, 0.05, 20.0)));
        }
        std::fprintf(stderr, "train %d rows, held out %d rows (seed %llu)\n", data.rows(), test.rows(), static_cast<unsigned long long>(o.seed));
    } else if (!data_path.empty()) {
        auto d = read_csv(data_path);
        if (!d) {
            std::fprintf(stderr, "moed train: %s\n", d.error().c_str());
            return 1;
        }
        data = std::move(*d);
    } else {
        data = nn::synthetic_task(static_cast<int>(rows), o.seed + 1000);
    }
    std::fprintf(stderr, "training on %d rows, %d features, %d classes: %d experts, top-%d, hidden %d, seed %llu\n", data.rows(),
                 data.num_features, data.num_classes, o.experts, o.top_k, o.hidden[0], static_cast<unsigned long long>(o.seed));

    if (repeat) {
        // One recipe on one split, trained init_seeds times with nothing but the init seed
        // changed: a choice between recipes is judged against how far one recipe moves
        // (the validation account F1 of the fraud MoE moved by 0.01-0.02 between single runs).
        const FraudValidationRows v = fraud_validation_rows(*fraud, o, fraud_set);
        const std::uint64_t first = o.init_seed != 0 ? o.init_seed : o.seed;
        std::vector<double> f1s, aucs, recalls;
        for (int k = 0; k < init_seeds; ++k) {
            nn::TrainOptions ok = o;
            ok.init_seed = first + static_cast<std::uint64_t>(k);
            auto trained = nn::train_moe(data, ok);
            const Calibration calibration = calibrate(trained.model, v, *fraud);
            const OperatingPoint& op = calibration.op;
            nn::MoeEngine engine(trained.model);
            const auto r = nn::fraud_report(*fraud, v.account_rows, nn::quantized_probabilities(engine, v.accounts));
            int best_epoch = 0;
            for (const auto& e : trained.curve) best_epoch = e.best ? e.epoch : best_epoch;
            std::printf("init seed %llu: epochs %d (kept %d), output temperature %d%s, validation accounts f1 %.4f (precision %.4f, "
                        "recall %.4f) roc_auc %.4f; the rule's flag %u reject %u, fraud accounts at reject %.4f\n",
                        static_cast<unsigned long long>(ok.init_seed), trained.epochs_run, best_epoch, calibration.temperature,
                        calibration.raised() ? " (raised for a reject score)" : "", r.f1, r.precision,
                        r.recall, r.roc_auc, op.choice.flag_score, op.choice.reject_score, op.fraud_at_reject);
            std::fflush(stdout);
            f1s.push_back(r.f1);
            aucs.push_back(r.roc_auc);
            recalls.push_back(op.fraud_at_reject);
        }
        const auto [f1_mean, f1_sd] = mean_and_spread(f1s);
        const auto [auc_mean, auc_sd] = mean_and_spread(aucs);
        const auto [recall_mean, recall_sd] = mean_and_spread(recalls);
        std::printf("validation accounts over %d trainings: f1 mean %.4f sd %.4f (min %.4f, max %.4f), roc_auc mean %.4f sd %.4f, "
                    "fraud accounts at the rule's reject mean %.4f sd %.4f\n",
                    init_seeds, f1_mean, f1_sd, *std::min_element(f1s.begin(), f1s.end()), *std::max_element(f1s.begin(), f1s.end()),
                    auc_mean, auc_sd, recall_mean, recall_sd);
        std::printf("validation_f1_mean=%.4f\n", f1_mean);
        return 0;
    }

    if (cross_validate) {
        // Every fold of the training groups validated once by a model trained on the others;
        // the predictions pooled. The held-out groups take no part.
        std::vector<int> truth, predicted;
        std::vector<std::string_view> names;
        for (int c = 0; c < nn::kContractClasses; ++c) names.push_back(nn::to_string(static_cast<nn::ContractClass>(c)));
        for (int k = 0; k < folds; ++k) {
            nn::Dataset part = data;
            nn::mark_contract_validation(part, o.seed, folds, k);
            const nn::Dataset val = nn::validation_part(part);
            const auto trained = nn::train_moe(part, o);
            nn::MoeEngine engine(trained.model);
            const auto classes = nn::predicted_classes(nn::quantized_probabilities(engine, val), data.num_classes);
            truth.insert(truth.end(), val.y.begin(), val.y.end());
            predicted.insert(predicted.end(), classes.begin(), classes.end());
            const auto r = nn::classification_report(val.y, classes, data.num_classes);
            std::printf("fold %d of %d: %d validation rows, epochs %d, macro_f1 %.4f\n", k, folds, val.rows(), trained.epochs_run, r.macro_f1);
            std::fflush(stdout);
        }
        const auto r = nn::classification_report(truth, predicted, data.num_classes);
        std::printf("cross-validation, %d folds of the training groups, quantized models:\n%scv_macro_f1=%.4f\n", folds,
                    nn::format_report(r, names).c_str(), r.macro_f1);
        return 0;
    }

    std::ofstream log;
    const std::string log_path = flag_value(args, "--log");
    if (!log_path.empty()) {
        log.open(log_path, std::ios::trunc);
        if (!log) {
            std::fprintf(stderr, "moed train: cannot write %s\n", log_path.c_str());
            return 1;
        }
        log << "epoch,train_loss,load_balance_loss,z_loss,val_loss,val_accuracy\n";
    }
    const std::string plot_path = flag_value(args, "--plot");
    nn::svg::LineChart curves{"Training curves", "epoch", "loss / accuracy", {}, {{"train loss", {}}, {"validation loss", {}}, {"validation accuracy", {}}}};
    const auto started = std::chrono::steady_clock::now();
    auto trained = nn::train_moe(data, o, [&](const nn::EpochReport& r) {
        curves.x.push_back(r.epoch);
        curves.series[0].y.push_back(r.train_loss);
        curves.series[1].y.push_back(r.validation_loss);
        curves.series[2].y.push_back(r.validation_accuracy);
        constexpr int kWidth = 30;
        const int filled = kWidth * r.epoch / std::max(1, r.max_epochs);
        std::fprintf(stderr, "\repoch %3d/%-3d [%-*s] loss %.4f lb %.4f z %.4f | val loss %.4f acc %.4f%s\n", r.epoch, r.max_epochs,
                     kWidth, std::string(static_cast<std::size_t>(filled), '=').c_str(), r.train_loss, r.load_balance_loss,
                     r.z_loss, r.validation_loss, r.validation_accuracy, r.best ? " *" : "");
        if (log) log << r.epoch << ',' << r.train_loss << ',' << r.load_balance_loss << ',' << r.z_loss << ',' << r.validation_loss << ','
                     << r.validation_accuracy << '\n';
    }, test.rows() > 0 ? &test : nullptr);
    auto result = std::move(trained);
    if (fraud) {
        // Every choice after training is made on validation rows, never on the held-out split:
        // the trainer's validation accounts (all their rows) and worlds of seeds apart from both
        // the training and the held-back ones. The output temperature is fitted there (the
        // trained model pins many rows at 10000, benign ones among them), then the thresholds
        // that validation traffic asks for are printed (decision 005 says how they are used).
        const FraudValidationRows v = fraud_validation_rows(*fraud, o, fraud_set);
        const std::vector<std::size_t>& val_rows = v.account_rows;
        const nn::Dataset& val = v.accounts;
        const nn::Dataset& generated = v.traffic.ordinary;
        const nn::Dataset& drained = v.traffic.drained;
        {
            const std::int32_t trained_temperature = result.model.output_temperature;
            const Calibration calibration = calibrate(result.model, v, *fraud);
            const nn::TemperatureFit& fit = calibration.fit;
            auto loss_at = [&](std::int32_t t) {
                return std::find_if(fit.losses.begin(), fit.losses.end(), [&](const auto& l) { return l.first == t; })->second;
            };
            std::printf("output temperature: trained %d, fitted on validation %d (class-balanced log loss %.5f -> %.5f)\n",
                        trained_temperature, fit.temperature, fit.losses.front().second, loss_at(fit.temperature));
            if (calibration.raised()) {
                std::printf("output temperature: raised to %d, where the validation traffic leaves a reject score (log loss %.5f)\n",
                            calibration.temperature, loss_at(calibration.temperature));
            }
        }
        // Far from anything trained on, the model abstains (accepts, and the chain counts it):
        // the envelope of the training rows, its allowance set on the validation rows.
        result.model.envelope = nn::fit_envelope(data, {&val, &generated, &drained});
        std::printf("envelope: abstains beyond %u codes outside the training rows' range\n", result.model.envelope->max_excess);
        nn::MoeEngine engine(result.model);
        const auto pv = nn::quantized_probabilities(engine, val);
        const auto vr = nn::fraud_report(*fraud, val_rows, pv);
        std::printf("validation accounts, quantized model:\n%s", nn::format_fraud_report(vr).c_str());
        const auto vt = nn::traffic_report(engine, *fraud, val_rows, pv, 10001, 10001, v.traffic);
        const nn::ThresholdChoice choice = nn::choose_thresholds(vt);
        auto share = [](const nn::VerdictCounts& c) { return c.rows == 0 ? 0.0 : static_cast<double>(c.abstained) / static_cast<double>(c.rows); };
        std::printf("validation abstentions: ordinary %.5f, benign accounts' rows %.5f, fraud accounts' rows %.5f, drainers' rows %.5f\n",
                    share(vt.generated), share(vt.benign_account_rows), share(vt.fraud_account_rows), share(vt.drainer_rows));
        std::vector<std::uint32_t> sweep = {9000, 9500, 9800, 9900, 9950, 9980, 9990, 9995, 9998, 9999, 10000, choice.flag_score, choice.reject_score};
        std::sort(sweep.begin(), sweep.end());
        sweep.erase(std::unique(sweep.begin(), sweep.end()), sweep.end());
        std::printf("validation rows at or above each threshold:\n%s", nn::format_threshold_sweep(vt, sweep).c_str());
        std::printf("thresholds from validation: flag_score=%u reject_score=%u (%s)\n", choice.flag_score, choice.reject_score, choice.reason.c_str());
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const core::Bytes file = nn::serialize_model(result.model);
    if (auto w = write_file_atomic(out, std::string_view(reinterpret_cast<const char*>(file.data()), file.size())); !w) {
        std::fprintf(stderr, "moed train: %s\n", w.error().c_str());
        return 1;
    }
    if (!plot_path.empty()) {
        curves.title = "Training curves: " + (task.empty() ? std::string("synthetic task") : task) + " (" + std::to_string(o.experts) + " experts, top-" + std::to_string(o.top_k) + ")";
        if (auto w = write_file_atomic(plot_path, nn::svg::line_chart(curves)); !w) {
            std::fprintf(stderr, "moed train: %s\n", w.error().c_str());
            return 1;
        }
    }
    std::printf("epochs: %d (early stopping patience %d)\n", result.epochs_run, o.patience);
    std::printf("validation accuracy: float %.4f, quantized %.4f\n", result.float_validation_accuracy,
                result.quantized_validation_accuracy);
    std::printf("training time: %.1f s\n", seconds);
    if (task == "contract" && fold >= 0) {
        // With --fold, that fold's figures (one of --cross-validate's).
        if (const nn::Dataset val = nn::validation_part(data); val.rows() > 0) {
            nn::MoeEngine engine(result.model);
            std::vector<std::string_view> names;
            for (int c = 0; c < nn::kContractClasses; ++c) names.push_back(nn::to_string(static_cast<nn::ContractClass>(c)));
            const auto vf = nn::classification_report(val.y, nn::predicted_classes(nn::quantized_probabilities(engine, val), data.num_classes),
                                                      data.num_classes);
            std::printf("validation groups (fold %d of %d), quantized model:\n%s", fold, folds, nn::format_report(vf, names).c_str());
            std::printf("validation macro_f1: quantized %.4f\n", vf.macro_f1);
        }
    }
    // The held-out split is scored only when asked: a figure printed after every training is
    // one a choice can drift towards (choices are made on the validation rows above).
    if (test.rows() > 0 && !has_flag(args, "--held-out")) {
        std::printf("held out: %d rows kept aside, not scored (--held-out, or moed moe eval)\n", test.rows());
    } else if (test.rows() > 0) {
        nn::MoeEngine engine(result.model);
        const auto quantized = nn::quantized_probabilities(engine, test);
        const auto floating = nn::float_probabilities(result.float_test_logits, data.num_classes);
        if (task == "contract") {
            std::vector<std::string_view> names;
            for (int c = 0; c < nn::kContractClasses; ++c) names.push_back(nn::to_string(static_cast<nn::ContractClass>(c)));
            const auto qf = nn::classification_report(test.y, nn::predicted_classes(quantized, data.num_classes), data.num_classes);
            const auto ff = nn::classification_report(test.y, nn::predicted_classes(floating, data.num_classes), data.num_classes);
            std::printf("held-out groups, quantized model:\n%s", nn::format_report(qf, names).c_str());
            std::printf("held-out macro_f1: float %.4f, quantized %.4f\n", ff.macro_f1, qf.macro_f1);
        } else {
            const auto qf = nn::fraud_report(*fraud, test_rows, quantized);
            const auto ff = nn::fraud_report(*fraud, test_rows, floating);
            std::printf("held-out accounts, quantized model:\n%s", nn::format_fraud_report(qf).c_str());
            std::printf("held-out accounts, float model:\n%s", nn::format_fraud_report(ff).c_str());
            std::printf("held-out f1: float %.4f, quantized %.4f\n", ff.f1, qf.f1);
        }
    }
    std::printf("model: %s (%zu bytes) sha256=%s\n", out.c_str(), file.size(), nn::model_hash(file).hex().c_str());
    return 0;
}

}  // namespace moe::node
