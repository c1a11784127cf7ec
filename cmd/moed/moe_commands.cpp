// `moed moe`: run the shipped models over seeded inputs (selftest), describe a model file
// (info), and measure the engine (bench).
#include "cmd/moed/moe_commands.hpp"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <oneapi/dnnl/dnnl.hpp>

#include "core/keccak.hpp"
#include "moe/account_stats.hpp"
#include "moe/contract_features.hpp"
#include "moe/offline/contract_dataset.hpp"
#include "moe/engine.hpp"
#include "moe/offline/fraud_dataset.hpp"
#include "moe/inference.hpp"
#include "moe/model_file.hpp"
#include "moe/offline/svg_plot.hpp"
#include "moe/offline/task_eval.hpp"
#include "moe/tasks.hpp"
#include "moe/offline/synthetic.hpp"
#include "cmd/moed/moe_bench.hpp"
#include "cmd/moed/screening_replay.hpp"
#include "cmd/moed/train_command.hpp"
#include "chain/chain_config.hpp"
#include "node/files.hpp"
#include "node/chain_files.hpp"

namespace moe::node {

namespace {

namespace fs = std::filesystem;


std::string isa_name(dnnl::cpu_isa isa) {
    switch (isa) {
        case dnnl::cpu_isa::sse41: return "SSE41";
        case dnnl::cpu_isa::avx: return "AVX";
        case dnnl::cpu_isa::avx2: return "AVX2";
        case dnnl::cpu_isa::avx2_vnni: return "AVX2_VNNI";
        case dnnl::cpu_isa::avx512_core: return "AVX512_CORE";
        case dnnl::cpu_isa::avx512_core_vnni: return "AVX512_CORE_VNNI";
        case dnnl::cpu_isa::avx512_core_bf16: return "AVX512_CORE_BF16";
        case dnnl::cpu_isa::avx512_core_amx: return "AVX512_CORE_AMX";
        default: return "other(" + std::to_string(static_cast<int>(isa)) + ")";
    }
}

/// The seeded reference models: every routing mode the engine has.
std::vector<std::pair<std::string, nn::MoeModel>> reference_models() {
    std::vector<std::pair<std::string, nn::MoeModel>> out;
    nn::SyntheticSpec soft;
    soft.num_features = 48;
    soft.hidden = {96, 48};
    soft.output_dim = 1;
    soft.num_experts = 8;
    out.emplace_back("seeded-soft-top2", nn::synthetic_model(soft, 1));
    nn::SyntheticSpec hard = soft;
    hard.top_k = 1;
    hard.combine = nn::Combine::kHard;
    hard.output_kind = nn::OutputKind::kClass;
    hard.output_dim = 8;
    hard.num_experts = 16;
    out.emplace_back("seeded-hard-top1-classes", nn::synthetic_model(hard, 2));
    nn::SyntheticSpec tree = soft;
    tree.num_experts = 32;
    tree.num_groups = 4;
    out.emplace_back("seeded-hierarchical", nn::synthetic_model(tree, 3));
    return out;
}

int selftest(Args args) {
    std::vector<std::pair<std::string, nn::MoeModel>> models = reference_models();
    const fs::path dir = flag_value(args, "--models", "chain-config/models");
    std::error_code ec;
    if (fs::is_directory(dir, ec)) {
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            if (e.path().extension() == ".moe") files.push_back(e.path());
        }
        std::sort(files.begin(), files.end());
        for (const fs::path& f : files) {
            auto bytes = read_file(f);
            if (!bytes) {
                std::fprintf(stderr, "moed moe selftest: %s\n", bytes.error().c_str());
                return 1;
            }
            auto m = nn::parse_model(core::as_bytes(*bytes));
            if (!m) {
                std::fprintf(stderr, "moed moe selftest: %s: %s\n", f.c_str(), m.error().c_str());
                return 1;
            }
            models.emplace_back(f.filename().string(), std::move(*m));
        }
    }
    std::fprintf(stderr, "oneDNN %d.%d.%d, effective ISA %s\n", dnnl::version()->major, dnnl::version()->minor,
                 dnnl::version()->patch, isa_name(dnnl::get_effective_cpu_isa()).c_str());
    core::Keccak256 all;  // hash of the per-model hashes, in order
    for (auto& [name, model] : models) {
        nn::MoeEngine engine(model);
        std::vector<std::uint8_t> bytes;
        // Several batch sizes, so every bucket and the routing under capacity pressure run.
        for (int rows : {1, 7, 64, 333, 1024}) {
            const auto x = nn::synthetic_inputs(rows, model.num_features, 1000u + static_cast<std::uint64_t>(rows));
            const nn::Inference out = engine.forward(x.data(), rows);
            for (std::int32_t v : out.outputs) {
                for (int b = 0; b < 4; ++b) bytes.push_back(static_cast<std::uint8_t>(static_cast<std::uint32_t>(v) >> (8 * b)));
            }
            for (const auto& route : out.routes) {
                for (const auto& c : route) bytes.push_back(static_cast<std::uint8_t>(c.expert));
                bytes.push_back(0xff);
            }
        }
        // A fraud model's feature attributions are stored in verdict records (decision 005):
        // they too must be the same bits on every CPU.
        const auto x = nn::synthetic_inputs(16, model.num_features, 77);
        for (int r = 0; r < 16; ++r) {
            const std::span<const std::uint8_t> row(x.data() + static_cast<std::ptrdiff_t>(r) * model.num_features,
                                                    static_cast<std::size_t>(model.num_features));
            auto v = nn::screen_transaction(engine, row);
            if (!v) break;  // not a fraud model
            auto parts = nn::explain_screening(engine, row, v->score, 5);
            if (!parts) break;
            for (const nn::FeatureContribution& c : *parts) {
                for (std::int32_t w : {c.feature, c.contribution}) {
                    for (int b = 0; b < 4; ++b) bytes.push_back(static_cast<std::uint8_t>(static_cast<std::uint32_t>(w) >> (8 * b)));
                }
            }
            bytes.push_back(0xfe);
        }
        const core::Hash h = core::sha256(bytes);
        all.update(h);
        std::printf("model %-28s outputs=%zu sha256=%s\n", name.c_str(), bytes.size(), h.hex().c_str());
    }
    std::printf("selftest sha256=%s\n", all.finish().hex().c_str());
    return 0;
}

int info(Args args) {
    const auto files = positional(args, "model");
    auto bytes = read_file(files[0]);
    if (!bytes) {
        std::fprintf(stderr, "moed moe info: %s\n", bytes.error().c_str());
        return 1;
    }
    auto m = nn::parse_model(core::as_bytes(*bytes));
    if (!m) {
        std::fprintf(stderr, "moed moe info: %s: %s\n", files[0].c_str(), m.error().c_str());
        return 1;
    }
    std::printf("%s", nn::describe_model(*m).c_str());
    std::printf("size: %zu bytes\nsha256: %s\n", bytes->size(), nn::model_hash(core::as_bytes(*bytes)).hex().c_str());
    return 0;
}

/// The task's corpus and split, shared by eval and features.
struct TaskData {
    nn::Dataset held;
    nn::Dataset rest;
    std::optional<nn::FraudCorpus> fraud;
    std::vector<std::size_t> held_rows, rest_rows;
    std::vector<nn::LabelledCode> corpus_codes;  ///< contract: every code of the corpus, either side
};

std::optional<TaskData> load_task(const std::string& cmd, const std::string& task, const std::string& dir, std::uint64_t seed, std::size_t accounts,
                                  bool gas_price, const std::string& templates, std::uint32_t fraud_schema) {
    TaskData t;
    if (task == "contract") {
        auto corpus = nn::load_contract_corpus(dir, templates);
        if (!corpus) {
            std::fprintf(stderr, "moed moe %s: %s\n", cmd.c_str(), corpus.error().c_str());
            return std::nullopt;
        }
        for (const auto& n : corpus->notes) std::fprintf(stderr, "%s\n", n.c_str());
        t.held = nn::contract_dataset(*corpus, seed, true);
        t.rest = nn::contract_dataset(*corpus, seed, false);
        t.corpus_codes = std::move(corpus->codes);
        return t;
    }
    nn::FraudOptions fo;
    fo.max_accounts = accounts;
    fo.with_gas_price = gas_price;
    fo.schema = fraud_schema;
    auto corpus = nn::load_fraud_corpus(dir, fo);
    if (!corpus) {
        std::fprintf(stderr, "moed moe %s: %s\n", cmd.c_str(), corpus.error().c_str());
        return std::nullopt;
    }
    for (const auto& n : corpus->notes) std::fprintf(stderr, "%s\n", n.c_str());
    t.fraud = std::move(*corpus);
    t.held = nn::fraud_split(*t.fraud, seed, true, &t.held_rows);
    t.rest = nn::fraud_split(*t.fraud, seed, false, &t.rest_rows);
    return t;
}

struct TaskFlags {
    std::string task, data;
    std::string templates{nn::kContractTemplatesFile};  ///< contract: our compiled corpus
    std::string live{nn::kContractLiveFile};            ///< contract: the live set
    std::uint64_t seed = nn::kShippedSeed;
    std::size_t accounts = 0;
};

std::optional<TaskFlags> task_flags(const std::string& cmd, Args args) {
    TaskFlags f;
    f.task = flag_value(args, "--task");
    f.data = flag_value(args, "--data");
    f.templates = flag_value(args, "--templates", f.templates);
    f.live = flag_value(args, "--live", f.live);
    const auto seed = unsigned_flag(args, "--seed", f.seed, 0, std::uint64_t{1} << 62);
    const auto accounts = unsigned_flag(args, "--accounts", 0, 0, 10'000'000);
    for (const auto* v : {&seed, &accounts}) {
        if (!*v) {
            std::fprintf(stderr, "moed moe %s: %s\n", cmd.c_str(), v->error().c_str());
            return std::nullopt;
        }
    }
    if (has_flag(args, "--accounts") && *accounts == 0) {
        std::fprintf(stderr, "moed moe %s: --accounts must be a positive integer\n", cmd.c_str());
        return std::nullopt;
    }
    f.seed = *seed;
    f.accounts = *accounts;
    return f;
}

/// Writes one picture of `moed moe eval --plots DIR`; false (and says why) when it cannot.
bool write_plot(const std::string& dir, const std::string& name, const std::string& svg) {
    if (dir.empty()) return true;
    const fs::path file = fs::path(dir) / name;
    if (auto w = write_file_atomic(file, svg); !w) {
        std::fprintf(stderr, "moed moe eval: %s\n", w.error().c_str());
        return false;
    }
    std::printf("plot: %s\n", file.c_str());
    return true;
}

/// Integer counts as a heatmap shaded by each row's share (a confusion matrix row sums to its class).
nn::svg::Heatmap counts_heatmap(std::string title, std::string row_axis, std::string column_axis, std::vector<std::string> rows,
                                std::vector<std::string> columns, const std::vector<std::vector<long>>& counts) {
    nn::svg::Heatmap h{std::move(title), std::move(row_axis), std::move(column_axis), std::move(rows), std::move(columns), {}, {}};
    for (const auto& row : counts) {
        long sum = 0;
        for (long n : row) sum += n;
        std::vector<double> shade;
        std::vector<std::string> text;
        for (long n : row) {
            shade.push_back(sum == 0 ? 0.0 : static_cast<double>(n) / static_cast<double>(sum));
            text.push_back(std::to_string(n));
        }
        h.shade.push_back(std::move(shade));
        h.text.push_back(std::move(text));
    }
    return h;
}

int eval(Args args) {
    const auto f = task_flags("eval", args);
    if (!f) return 2;
    const std::string model_path = flag_value(args, "--model", "chain-config/models/" + f->task + ".moe");
    auto bytes = read_file(model_path);
    if (!bytes) {
        std::fprintf(stderr, "moed moe eval: %s\n", bytes.error().c_str());
        return 1;
    }
    auto model = nn::parse_model(core::as_bytes(*bytes));
    if (!model) {
        std::fprintf(stderr, "moed moe eval: %s: %s\n", model_path.c_str(), model.error().c_str());
        return 1;
    }
    const std::uint32_t want = f->task == "contract" ? nn::kTaskContract : nn::kTaskFraud;
    if (model->task != want) {
        std::fprintf(stderr, "moed moe eval: %s is a model for task %u, not %s\n", model_path.c_str(), model->task, f->task.c_str());
        return 1;
    }
    // The chain thresholds the traffic figures are counted at: the devnet preset's unless given.
    std::optional<chain::ScreeningThresholds> thresholds;
    if (auto preset = chain::parse_chain_config(nlohmann::json::parse(*preset_json("devnet"))); preset) thresholds = preset->screening;
    if (!thresholds) {
        std::fputs("moed moe eval: the devnet preset does not parse\n", stderr);
        return 1;
    }
    const auto flag = unsigned_flag(args, "--flag-score", thresholds->flag_score, 0, 10001);
    const auto reject = unsigned_flag(args, "--reject-score", thresholds->reject_score, 0, 10001);
    const auto worlds_flag = unsigned_flag(args, "--worlds", 20, 1, 1000);
    nn::FraudTrainingOptions drainers;  // the generated worlds' drainer recipe, as `moed train` takes it
    const auto drainer = drainer_flags(args, drainers);
    for (const auto* v : {&flag, &reject, &worlds_flag}) {
        if (!*v) {
            std::fprintf(stderr, "moed moe eval: %s\n", v->error().c_str());
            return 2;
        }
    }
    if (!drainer) {
        std::fprintf(stderr, "moed moe eval: %s\n", drainer.error().c_str());
        return 2;
    }
    thresholds->flag_score = static_cast<std::uint32_t>(*flag);
    thresholds->reject_score = static_cast<std::uint32_t>(*reject);
    const std::uint64_t worlds = *worlds_flag;
    const std::string plots = flag_value(args, "--plots");
    if (!plots.empty()) {
        std::error_code ec;
        fs::create_directories(plots, ec);
        if (ec) {
            std::fprintf(stderr, "moed moe eval: cannot create %s: %s\n", plots.c_str(), ec.message().c_str());
            return 1;
        }
    }
    const bool gas_price = f->task == "fraud" && model->num_features == nn::kFraudFeatures + 1;
    // A fraud model's rows are computed with the schema it records (a gas-price model records 0).
    const std::uint32_t schema = nn::is_fraud_feature_schema(model->feature_schema_version) ? model->feature_schema_version : nn::kFraudFeatureSchema;
    auto data = load_task("eval", f->task, f->data, f->seed, f->accounts, gas_price, f->templates, schema);
    if (!data) return 1;
    if (data->held.num_features != model->num_features) {
        std::fprintf(stderr, "moed moe eval: the model takes %d features, the task has %d\n", model->num_features, data->held.num_features);
        return 1;
    }
    const bool validation = has_flag(args, "--validation");
    if (validation && f->task != "fraud") {
        std::fputs("moed moe eval: --validation is for --task fraud (contract choices are made by `moed train --task contract --cross-validate`)\n", stderr);
        return 2;
    }
    if (validation) {
        // The trainer's validation accounts and the validation worlds: what `moed train`
        // chooses on, never the held-out split.
        data->held_rows.clear();
        data->held = nn::fraud_validation(*data->fraud, f->seed, nn::TrainOptions{}.validation_share, &data->held_rows);
    }
    std::printf("model %s sha256=%s\n%s part of seed %llu: %d rows\n", model_path.c_str(), nn::model_hash(core::as_bytes(*bytes)).hex().c_str(),
                validation ? "validation" : "held-out", static_cast<unsigned long long>(f->seed), data->held.rows());
    nn::MoeEngine engine(std::move(*model));
    const auto p = nn::quantized_probabilities(engine, data->held);
    if (f->task == "contract") {
        std::vector<std::string_view> names;
        for (int c = 0; c < nn::kContractClasses; ++c) names.push_back(nn::to_string(static_cast<nn::ContractClass>(c)));
        const auto r = nn::classification_report(data->held.y, nn::predicted_classes(p, nn::kContractClasses), nn::kContractClasses);
        std::printf("%s", nn::format_report(r, names).c_str());
        std::vector<std::set<std::uint64_t>> groups(nn::kContractClasses);
        for (int row = 0; row < data->held.rows(); ++row) {
            groups[static_cast<std::size_t>(data->held.y[static_cast<std::size_t>(row)])].insert(data->held.groups[static_cast<std::size_t>(row)]);
        }
        std::printf("held-out groups per class:");
        for (int c = 0; c < nn::kContractClasses; ++c) std::printf(" %s=%zu", std::string(names[static_cast<std::size_t>(c)]).c_str(), groups[static_cast<std::size_t>(c)].size());
        std::printf("\n");
        // The experts' specialities: of the held-out rows of each class, how many the gate sends
        // first to each expert.
        const std::vector<std::uint8_t> x = nn::quantize_features(data->held.x);
        const nn::Inference inf = engine.forward(x.data(), data->held.rows());
        const std::size_t experts = engine.model().experts.size();
        std::vector<std::vector<int>> first(experts, std::vector<int>(nn::kContractClasses, 0));
        for (int row = 0; row < inf.rows; ++row) {
            ++first[static_cast<std::size_t>(inf.routes[static_cast<std::size_t>(row)].front().expert)]
                   [static_cast<std::size_t>(data->held.y[static_cast<std::size_t>(row)])];
        }
        std::printf("first expert of held-out rows (rows: expert, columns: true class)\n%-8s", "expert");
        for (std::string_view n : names) std::printf(" %8.8s", std::string(n).c_str());
        std::printf("\n");
        for (std::size_t e = 0; e < experts; ++e) {
            std::printf("%-8zu", e);
            for (int n : first[e]) std::printf(" %8d", n);
            std::printf("\n");
        }
        if (!plots.empty()) {
            const std::vector<std::string> classes(names.begin(), names.end());
            if (!write_plot(plots, "contract_confusion.svg",
                            nn::svg::heatmap(counts_heatmap("Contract classes, held-out codes (shade: share of the true class)", "true class",
                                                            "predicted class", classes, classes, r.confusion)))) {
                return 1;
            }
            // Transposed: per class, which expert the gate sends its rows to first.
            std::vector<std::vector<long>> by_class(nn::kContractClasses, std::vector<long>(experts, 0));
            std::vector<std::string> expert_names;
            for (std::size_t e = 0; e < experts; ++e) {
                expert_names.push_back("expert " + std::to_string(e));
                for (int c = 0; c < nn::kContractClasses; ++c) by_class[static_cast<std::size_t>(c)][e] = first[e][static_cast<std::size_t>(c)];
            }
            if (!write_plot(plots, "contract_experts.svg",
                            nn::svg::heatmap(counts_heatmap("First expert of held-out codes (shade: share of the class)", "true class",
                                                            "expert the gate ranks first", classes, expert_names, by_class)))) {
                return 1;
            }
        }
        // The live set: contracts of families never trained on, as the e2e test deploys them.
        auto live = nn::load_labelled_codes(f->live);
        if (!live) {
            std::fprintf(stderr, "moed moe eval: %s\n", live.error().c_str());
            return 1;
        }
        std::vector<core::ByteView> codes;
        std::vector<int> truth;
        for (const nn::LabelledCode& c : *live) {
            codes.push_back(c.code);
            truth.push_back(static_cast<int>(c.label));
        }
        auto verdicts = nn::classify_contracts(engine, codes);
        if (!verdicts) {
            std::fprintf(stderr, "moed moe eval: %s\n", std::string(nn::to_string(verdicts.error())).c_str());
            return 1;
        }
        // A live contract is only live if no code of the corpus (trained on or held out) shares
        // its skeleton: a near-copy would measure memory, not generalisation.
        std::set<std::uint64_t> corpus_skeletons;
        for (const nn::LabelledCode& c : data->corpus_codes) corpus_skeletons.insert(nn::code_skeleton(c.code));
        // The experts the gate picks for each, to see which speciality a wrong answer came from.
        std::vector<std::uint8_t> live_x;
        for (core::ByteView c : codes) {
            const nn::ContractFeatures row = nn::contract_features(c);
            live_x.insert(live_x.end(), row.begin(), row.end());
        }
        const nn::Inference live_inf = engine.forward(live_x.data(), static_cast<int>(codes.size()));
        std::vector<int> predicted;
        std::size_t in_corpus = 0;
        std::printf("live set %s: %zu contracts\n", f->live.c_str(), live->size());
        for (std::size_t i = 0; i < live->size(); ++i) {
            predicted.push_back(static_cast<int>((*verdicts)[i].contract_class));
            const bool known = corpus_skeletons.contains(nn::code_skeleton((*live)[i].code));
            in_corpus += known ? 1 : 0;
            std::string chosen;
            for (const auto& c : live_inf.routes[i]) chosen += (chosen.empty() ? "" : ",") + std::to_string(c.expert);
            std::printf("  %-48s %-8s -> %-8s confidence %5u experts %s%s\n", (*live)[i].source.c_str(),
                        std::string(nn::to_string((*live)[i].label)).c_str(), std::string(nn::to_string((*verdicts)[i].contract_class)).c_str(),
                        (*verdicts)[i].confidence, chosen.c_str(), known ? " (skeleton in the corpus)" : "");
        }
        const auto lr = nn::classification_report(truth, predicted, nn::kContractClasses);
        std::printf("live set:\n%slive_in_corpus=%zu\nlive_macro_f1=%.4f\nmacro_f1=%.4f\n", nn::format_report(lr, names).c_str(), in_corpus,
                    lr.macro_f1, r.macro_f1);
    } else {
        const auto r = nn::fraud_report(*data->fraud, data->held_rows, p);
        std::printf("%sf1=%.4f\n", nn::format_fraud_report(r).c_str(), r.f1);
        nn::WorldSeeds seeds = validation ? nn::kValidationWorldSeeds : nn::kHeldBackWorlds;
        seeds.drainer_family = drainers.drainer_family;
        seeds.drainer_visible_victims = drainers.drainer_visible_victims;
        const auto t = nn::traffic_report(engine, *data->fraud, data->held_rows, p, thresholds->flag_score, thresholds->reject_score, static_cast<int>(worlds),
                                          seeds);
        std::printf("%s", nn::format_traffic_report(t).c_str());
        if (validation) {
            std::printf("%s", nn::format_threshold_sweep(t, {9000, 9500, 9700, 9800, 9900, 9950, 9970, 9980, 9990, 9995, 9998, 9999, 10000}).c_str());
            const auto c = nn::choose_thresholds(t);
            std::printf("thresholds from validation: flag_score=%u reject_score=%u (%s)\n", c.flag_score, c.reject_score, c.reason.c_str());
        }
        // The experts' specialities: of the held-out rows, by the transaction's type (the one-hot
        // features the gate sees first) and by its account's label, the share the gate sends
        // first to each expert, and each expert's mean score when first.
        const std::vector<std::uint8_t> x = nn::quantize_features(data->held.x);
        const nn::Inference inf = engine.forward(x.data(), data->held.rows());
        const std::size_t experts = engine.model().experts.size();
        constexpr int kColumns = nn::kTxTypes + 2;  // transfer, call, deployment, token, benign, fraud
        std::vector<std::array<long, kColumns>> first(experts);
        std::array<long, kColumns> total{};
        std::vector<double> score_sum(experts, 0);
        std::vector<long> rows_of(experts, 0);
        const auto F = static_cast<std::size_t>(data->held.num_features);
        for (int row = 0; row < inf.rows; ++row) {
            const auto at = static_cast<std::size_t>(row);
            const std::size_t e = inf.routes[at].front().expert;
            int type = 0;
            while (type < nn::kTxTypes - 1 && x[at * F + static_cast<std::size_t>(type)] == 0) ++type;
            const int label = nn::kTxTypes + data->held.y[at];
            ++first[e][static_cast<std::size_t>(type)];
            ++first[e][static_cast<std::size_t>(label)];
            ++total[static_cast<std::size_t>(type)];
            ++total[static_cast<std::size_t>(label)];
            score_sum[e] += p[2 * at + 1];
            ++rows_of[e];
        }
        std::printf("first expert of held-out rows, share of each column (rows: expert)\n%-7s %9s %9s %9s %9s %9s %9s %11s\n", "expert", "transfer",
                    "call", "deploy", "token", "benign", "fraud", "mean score");
        for (std::size_t e = 0; e < experts; ++e) {
            std::printf("%-7zu", e);
            for (int c = 0; c < kColumns; ++c) {
                const long n = total[static_cast<std::size_t>(c)];
                std::printf(" %8.1f%%", n == 0 ? 0.0 : 100.0 * static_cast<double>(first[e][static_cast<std::size_t>(c)]) / static_cast<double>(n));
            }
            std::printf(" %11.0f\n", rows_of[e] == 0 ? 0.0 : 10000 * score_sum[e] / static_cast<double>(rows_of[e]));
        }
        if (!plots.empty()) {
            // Per column (a transaction type, or the account's label), the share each expert takes first.
            const std::vector<std::string> columns = {"transfer", "call", "deploy", "token", "benign", "fraud"};
            std::vector<std::vector<long>> by_column(kColumns, std::vector<long>(experts, 0));
            std::vector<std::string> expert_names;
            for (std::size_t e = 0; e < experts; ++e) {
                expert_names.push_back("expert " + std::to_string(e));
                for (int c = 0; c < kColumns; ++c) by_column[static_cast<std::size_t>(c)][e] = first[e][static_cast<std::size_t>(c)];
            }
            if (!write_plot(plots, "fraud_experts.svg",
                            nn::svg::heatmap(counts_heatmap("First expert of held-out transactions (shade: share of the row)",
                                                            "transaction type / account", "expert the gate ranks first", columns,
                                                            expert_names, by_column)))) {
                return 1;
            }
        }
    }
    return 0;
}

int features(Args args) {
    const auto f = task_flags("features", args);
    if (!f) return 2;
    const std::string out = flag_value(args, "--out");
    const auto training = fraud_training_flags(args);
    if (!training) {
        std::fprintf(stderr, "moed moe features: %s\n", training.error().c_str());
        return 2;
    }
    const auto held_back_worlds = unsigned_flag(args, "--worlds-held-back", 100, 1, 10000);
    if (!held_back_worlds) {
        std::fprintf(stderr, "moed moe features: %s\n", held_back_worlds.error().c_str());
        return 2;
    }
    auto data = load_task("features", f->task, f->data, f->seed, f->accounts, has_flag(args, "--with-gas-price"), f->templates, training->schema);
    if (!data) return 1;
    std::ofstream csv(out, std::ios::trunc);
    if (!csv) {
        std::fprintf(stderr, "moed moe features: cannot write %s\n", out.c_str());
        return 1;
    }
    const int F = data->held.num_features;
    for (int i = 0; i < F; ++i) csv << 'f' << i << ',';
    csv << "label,group,held_out" << (data->fraud ? ",account,validation" : ",fold") << '\n';
    auto write_row = [&](const std::vector<std::uint8_t>& codes, int r) {
        for (int i = 0; i < F; ++i) csv << static_cast<int>(codes[static_cast<std::size_t>(r * F + i)]) << ',';
    };
    if (data->fraud) {
        // The rows `moed train` trains on (its validation rows marked as train_moe marks them),
        // then the held-out accounts (all their rows), then the validation accounts (all their
        // rows, as `moed moe eval --validation` scores them): the baseline gets the MoE's
        // training rows, not more.
        std::vector<std::size_t> train_rows;
        std::vector<std::string> notes;
        const nn::Dataset train = nn::fraud_training_set(*data->fraud, f->seed, *training, &train_rows, &notes);
        for (const auto& n : notes) std::fprintf(stderr, "%s\n", n.c_str());
        std::vector<std::size_t> val_rows;
        const double share = nn::TrainOptions{}.validation_share;
        const nn::Dataset val = nn::fraud_validation(*data->fraud, f->seed, share, &val_rows);
        auto dump = [&](const nn::Dataset& d, int part, const std::vector<std::size_t>& rows) {
            const std::vector<std::uint8_t> codes = nn::quantize_features(d.x);
            for (int r = 0; r < d.rows(); ++r) {
                const auto at = static_cast<std::size_t>(r);
                write_row(codes, r);
                const long account = at < rows.size() ? static_cast<long>(data->fraud->row_account[rows[at]]) : -1;  // -1: a generated world's row
                const bool validates = part == 3 || (part == 0 && nn::in_validation(d.groups[at], f->seed, share));
                csv << d.y[at] << ',' << d.groups[at] << ',' << part << ',' << account << ',' << (validates ? 1 : 0) << '\n';
            }
        };
        dump(train, 0, train_rows);
        dump(data->held, 1, data->held_rows);
        dump(val, 3, val_rows);
        if (has_flag(args, "--traffic")) {
            // The generated traffic the chain's thresholds are chosen on and counted on, so the
            // baseline can be put at the same operating point: the validation worlds (4) and their
            // drainers' rows (5), the held-back worlds (6) and their drainers' rows (7).
            const std::vector<std::size_t> none;
            const int family = training->drainer_family, visible = training->drainer_visible_victims;
            const auto validation = nn::generated_traffic(nn::kValidationWorlds, {nn::kValidationWorldSeed, nn::kValidationDrainerSeed, family, visible},
                                                          training->schema);
            const auto held_back = nn::generated_traffic(static_cast<int>(*held_back_worlds),
                                                         {nn::kHeldBackWorldSeed, nn::kHeldBackDrainerSeed, family, visible}, training->schema);
            dump(validation.ordinary, 4, none);
            dump(validation.drained, 5, none);
            dump(held_back.ordinary, 6, none);
            dump(held_back.drained, 7, none);
        }
        if (!csv.flush()) {
            std::fprintf(stderr, "moed moe features: write to %s failed\n", out.c_str());
            return 1;
        }
        std::printf("%s: %d training rows (%d accounts' and %d generated), %d held out, %d of the validation accounts\n", out.c_str(), train.rows(),
                    static_cast<int>(train_rows.size()), train.rows() - static_cast<int>(train_rows.size()), data->held.rows(), val.rows());
        return 0;
    }
    // Contract: the cross-validation fold of each training row's group (`moed train --fold I`), -1 for none.
    std::vector<int> fold_of(static_cast<std::size_t>(data->rest.rows()), -1);
    nn::Dataset marked = data->rest;
    for (int k = 0; k < nn::kContractFolds; ++k) {
        nn::mark_contract_validation(marked, f->seed, nn::kContractFolds, k);
        for (std::size_t r = 0; r < fold_of.size(); ++r) fold_of[r] = marked.validation[r] != 0 ? k : fold_of[r];
    }
    auto dump = [&](const nn::Dataset& d, bool held) {
        const std::vector<std::uint8_t> codes = nn::quantize_features(d.x);
        for (int r = 0; r < d.rows(); ++r) {
            write_row(codes, r);
            csv << d.y[static_cast<std::size_t>(r)] << ',' << d.groups[static_cast<std::size_t>(r)] << ',' << (held ? 1 : 0) << ','
                << (held ? -1 : fold_of[static_cast<std::size_t>(r)]) << '\n';
        }
    };
    dump(data->rest, false);
    dump(data->held, true);
    // The live set too (held_out 2), so a baseline is scored on it as eval scores the model.
    auto live = nn::load_labelled_codes(f->live);
    if (!live) {
        std::fprintf(stderr, "moed moe features: %s\n", live.error().c_str());
        return 1;
    }
    for (std::size_t r = 0; r < live->size(); ++r) {
        for (std::uint8_t v : nn::contract_features((*live)[r].code)) csv << static_cast<int>(v) << ',';
        csv << static_cast<int>((*live)[r].label) << ',' << r << ",2,-1\n";
    }
    if (!csv.flush()) {
        std::fprintf(stderr, "moed moe features: write to %s failed\n", out.c_str());
        return 1;
    }
    std::printf("%s: %d rows, %d features (%d held out, %zu live)\n", out.c_str(), data->rest.rows() + data->held.rows(), F, data->held.rows(),
                live->size());
    return 0;
}

}  // namespace

/// --task, --data, --seed and --accounts, as `eval` and `features` read them (task_flags).
void task_options(CLI::App& command) {
    value_option(command, "--task", "contract or fraud")->required()->check(CLI::IsMember({"contract", "fraud"}));
    value_option(command, "--data", "DIR: ../shared/data (contract) or ../shared/data/eth_fraud_accounts_and_txns (fraud)")
        ->required();
    value_option(command, "--seed", "N: the split of `moed train --seed N` (default 7, the shipped models' seed)");
    value_option(command, "--accounts", "N: fraud: only the first N labelled accounts (quick runs)");
    value_option(command, "--templates", "FILE: contract: our compiled corpus (default chain-config/corpus/contract_templates.csv.gz)");
}

void moe_options(CLI::App& command) {
    command.require_subcommand(1);
    CLI::App* selftest = command.add_subcommand(
        "selftest", "run the seeded reference models and every *.moe model in DIR over fixed seeded inputs; print the "
                    "SHA-256 of every output byte per model and over all. The hashes are the same on every CPU and ISA.");
    value_option(*selftest, "--models", "DIR (default chain-config/models, if present)");
    CLI::App* info = command.add_subcommand("info", "check a model file and print its structure and SHA-256");
    info->add_option("model", "MODEL: the model file")->required()->expected(1);
    CLI::App* eval = command.add_subcommand(
        "eval",
        "evaluate a model on the held-out part of DIR: the 20% of skeleton groups (contract) or of accounts (fraud) "
        "that `moed train --seed N` never saw. Contract: per-class precision, recall, F1 and the confusion matrix, then "
        "the same on the live set (families never trained on; 'live_in_corpus=N' counts those sharing a code skeleton "
        "with the corpus), ending 'live_macro_f1=X' and 'macro_f1=X' (held out). Fraud: per account (the mean score of "
        "the rows screening its transactions, flagged at 0.5) precision, recall, F1 and ROC-AUC, ending 'f1=X'; then "
        "the verdicts at the chain thresholds on held-back generated worlds of ordinary activity and on the held-out "
        "accounts' transactions, ending 'false_flag=X false_reject=Y fraud_recall_at_reject=Z "
        "drainer_recall_at_reject=W'.");
    task_options(*eval);
    value_option(*eval, "--model", "MODEL (default chain-config/models/TASK.moe)");
    value_option(*eval, "--live", "FILE: contract: the live set (default chain-config/corpus/contract_live.csv.gz)");
    value_option(*eval, "--flag-score", "F: fraud: the flag threshold (default the devnet preset's)");
    value_option(*eval, "--reject-score", "R: fraud: the reject threshold (default the devnet preset's)");
    value_option(*eval, "--worlds", "N: fraud: held-back generated worlds to replay (default 20)");
    drainer_options(*eval);
    flag_option(*eval, "--validation", "fraud: the same on what `moed train --seed N` validates on instead (its validation "
                                   "accounts, all their rows, and the validation worlds), with a sweep of thresholds and "
                                   "the ones validation asks for (contract: see `moed train --cross-validate`)");
    value_option(*eval, "--plots", "DIR: also write pictures there as SVG (contract: the confusion matrix and each "
                                   "class's first expert; fraud: each transaction type's and label's first expert)");
    CLI::App* features = command.add_subcommand(
        "features", "write the feature rows (7-bit codes), label, group and held-out flag of the same split, for "
                    "scripts/baseline.py. Contract: the training and held-out codes, the live set (held_out 2) and a 'fold' "
                    "column (the `moed train --fold` that validates on the row, or -1). Fraud: the rows `moed train` trains on "
                    "(held_out 0: the training accounts' rows as many per account as it keeps, and the generated worlds' rows; "
                    "'validation' 1 on those its early stopping watches), the held-out accounts' rows (1) and the validation "
                    "accounts' rows (3, all of them, as `moed moe eval --validation` scores them); 'account' indexes the "
                    "labelled account, -1 for a generated row");
    task_options(*features);
    value_option(*features, "--out", "CSV: where the rows go")->required();
    value_option(*features, "--live", "FILE: contract: the live set (default chain-config/corpus/contract_live.csv.gz)");
    flag_option(*features, "--with-gas-price", "fraud: add the gas-price level, an era feature (to show its leak)");
    fraud_training_options(*features);  // as `moed train`: the rows it trains on
    flag_option(*features, "--traffic", "fraud: also the generated traffic thresholds are chosen and counted on: the "
                                        "validation worlds (held_out 4) and their drainers' rows (5), the held-back worlds "
                                        "(6) and their drainers' rows (7), for scripts/baseline.py --thresholds");
    value_option(*features, "--worlds-held-back", "N: with --traffic, the held-back worlds (default 100, as README's figures)");
    replay_plan_options(*command.add_subcommand(
        "replay-plan", "the transactions that replay held-back worlds and held-out accounts' histories on a devnet, "
                       "with derived keys and the offline and expected scores (scripts/screening_replay.mjs)"));
    CLI::App* bench = command.add_subcommand(
        "bench", "int8 and f32 expert throughput against the naive loop and the measured CPU peak, whole-MoE rows/s, MoE "
                 "cost per transaction beside sender recovery; ends with 'peak_ratio=R naive_ratio=N'");
    value_option(*bench, "--threads", "N: 1 to 256 (default 1)");
    value_option(*bench, "--seconds", "S: per measurement, above 0 and below 60 (default 0.3)");
}

int moe_main(Args command) {
    if (const CLI::App* c = command.get_subcommand("selftest"); c->parsed()) return selftest(*c);
    if (const CLI::App* c = command.get_subcommand("info"); c->parsed()) return info(*c);
    if (const CLI::App* c = command.get_subcommand("eval"); c->parsed()) return eval(*c);
    if (const CLI::App* c = command.get_subcommand("features"); c->parsed()) return features(*c);
    if (const CLI::App* c = command.get_subcommand("replay-plan"); c->parsed()) return replay_plan_main(*c);
    const CLI::App& args = *command.get_subcommand("bench");
    const int threads = std::atoi(flag_value(args, "--threads", "1").c_str());
    const double seconds = std::atof(flag_value(args, "--seconds", "0.3").c_str());
    if (threads < 1 || threads > 256 || !(seconds > 0 && seconds < 60)) {
        std::fputs("moed moe bench: --threads must be 1 to 256 and --seconds above 0 and below 60\n", stderr);
        return 2;
    }
    return run_moe_bench(threads, seconds);
}

}  // namespace moe::node
