// The MoE engine's kernels (Google Benchmark): the int8 expert (oneDNN matmuls plus our
// requantization), the naive triple loop of the same arithmetic, the f32 expert, the CPU's
// peak kernels, and whole-MoE forward passes. `moed moe bench` prints the ratios of one run.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <optional>

#include "bench/contract_features_schema1.hpp"
#include "bench/sample_transaction.hpp"
#include "core/keccak.hpp"
#include "core/secp256k1.hpp"
#include "core/transaction.hpp"
#include "moe/account_stats.hpp"
#include "moe/engine.hpp"
#include "moe/inference.hpp"
#include "moe/model_file.hpp"
#include "moe/offline/contract_dataset.hpp"
#include "moe/offline/perf_kernels.hpp"
#include "moe/offline/synthetic.hpp"
#include "node/files.hpp"

namespace {

using namespace moe::nn;
const perf::ExpertShape kShape;

void set_counters(benchmark::State& state, double ops_per_iteration, const char* name) {
    state.counters[name] = benchmark::Counter(ops_per_iteration, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Int8Expert(benchmark::State& state) {
    static const Expert expert = perf::benchmark_expert(kShape, 42);
    Device device;
    perf::Int8Expert e(device, expert);
    const int rows = static_cast<int>(state.range(0));
    const auto x = synthetic_inputs(rows, kShape.width, 7);
    std::vector<std::int32_t> out(static_cast<std::size_t>(rows) * static_cast<std::size_t>(kShape.width));
    for (auto _ : state) e.run(x.data(), rows, out.data());
    set_counters(state, perf::expert_ops_per_row(kShape) * rows, "ops");
}
BENCHMARK(BM_Int8Expert)->Arg(1)->Arg(64)->Arg(1024)->Arg(8192)->Unit(benchmark::kMicrosecond);

void BM_Int8Expert_NaiveLoop(benchmark::State& state) {
    static const Expert expert = perf::benchmark_expert(kShape, 42);
    const int rows = static_cast<int>(state.range(0));
    const auto x = synthetic_inputs(rows, kShape.width, 7);
    std::vector<std::int32_t> out(static_cast<std::size_t>(rows) * static_cast<std::size_t>(kShape.width));
    for (auto _ : state) perf::naive_expert(expert, x.data(), rows, out.data());
    set_counters(state, perf::expert_ops_per_row(kShape) * rows, "ops");
}
BENCHMARK(BM_Int8Expert_NaiveLoop)->Arg(1)->Arg(64)->Arg(1024)->Unit(benchmark::kMicrosecond);

void BM_F32Expert(benchmark::State& state) {
    static const Expert expert = perf::benchmark_expert(kShape, 42);
    Device device;
    perf::F32Expert e(device, expert);
    const int rows = static_cast<int>(state.range(0));
    const auto q = synthetic_inputs(rows, kShape.width, 7);
    std::vector<float> x(q.begin(), q.end());
    std::vector<float> out(static_cast<std::size_t>(rows) * static_cast<std::size_t>(kShape.width));
    for (auto _ : state) e.run(x.data(), rows, out.data());
    set_counters(state, perf::expert_ops_per_row(kShape) * rows, "flops");
}
BENCHMARK(BM_F32Expert)->Arg(1)->Arg(64)->Arg(1024)->Arg(8192)->Unit(benchmark::kMicrosecond);

void BM_PeakVnni(benchmark::State& state) {
    if (!perf::has_avx512_vnni()) {
        state.SkipWithError("no AVX-512 VNNI");
        return;
    }
    for (auto _ : state) benchmark::DoNotOptimize(perf::vnni_peak(1'000'000));
    set_counters(state, perf::kVnniOpsPerIteration * 1'000'000, "ops");
}
BENCHMARK(BM_PeakVnni)->Unit(benchmark::kMicrosecond);

void BM_PeakFma(benchmark::State& state) {
    if (!perf::has_avx512f()) {
        state.SkipWithError("no AVX-512F");
        return;
    }
    for (auto _ : state) benchmark::DoNotOptimize(perf::fma_peak(1'000'000));
    set_counters(state, perf::kFmaFlopsPerIteration * 1'000'000, "flops");
}
BENCHMARK(BM_PeakFma)->Unit(benchmark::kMicrosecond);

/// Whole forward passes of a generated model of `spec`'s shape over `rows` rows.
void forward_rows(benchmark::State& state, const SyntheticSpec& spec, int rows) {
    MoeEngine engine(synthetic_model(spec, 5));
    const auto x = synthetic_inputs(rows, spec.num_features, 9);
    for (auto _ : state) benchmark::DoNotOptimize(engine.forward(x.data(), rows));
    state.counters["rows"] = benchmark::Counter(rows, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_MoeForward(benchmark::State& state) {
    SyntheticSpec spec;
    spec.num_features = 64;
    spec.hidden = {128};
    spec.num_experts = static_cast<int>(state.range(0));
    forward_rows(state, spec, static_cast<int>(state.range(1)));
}
BENCHMARK(BM_MoeForward)->Args({8, 1})->Args({8, 1024})->Args({32, 1})->Args({32, 1024})->Unit(benchmark::kMicrosecond);

/// The fraud model's shape (64 features, two class logits) as an MoE and as the dense networks
/// it is compared with in README.md: experts, hidden width, top-k, rows. 8 x 64 top-2 is the
/// shipped mixture; 1 x 512 the dense network of its total size; 1 x 128 of its active size.
/// What the mixture costs against the dense network that scores as well held out.
void BM_FraudModelShape(benchmark::State& state) {
    SyntheticSpec spec;
    spec.num_features = 64;
    spec.num_experts = static_cast<int>(state.range(0));
    spec.hidden = {static_cast<int>(state.range(1))};
    spec.top_k = static_cast<int>(state.range(2));
    spec.output_dim = 2;
    spec.output_kind = OutputKind::kClass;
    forward_rows(state, spec, static_cast<int>(state.range(3)));
}
BENCHMARK(BM_FraudModelShape)
    ->ArgNames({"experts", "hidden", "top_k", "rows"})
    ->Args({8, 64, 2, 1})->Args({1, 512, 1, 1})->Args({1, 128, 1, 1})
    ->Args({8, 64, 2, 1024})->Args({1, 512, 1, 1024})->Args({1, 128, 1, 1024})
    ->Unit(benchmark::kMicrosecond);

/// A shipped model from chain-config/models, or nothing (the benchmark then reports an error).
std::optional<MoeModel> shipped_model(const char* name) {
    auto bytes = moe::node::read_file(std::string(MOE_SOURCE_DIR) + "/chain-config/models/" + name);
    if (!bytes) return std::nullopt;
    auto m = parse_model(moe::core::as_bytes(*bytes));
    if (!m) return std::nullopt;
    return std::move(*m);
}

using moe::bench::sample_transaction;

/// Screening one transaction: its facts, the feature row from both parties' statistics, the
/// shipped fraud model at batch 1 (gate, top-2 experts, integer score).
void BM_ScreenTransaction(benchmark::State& state) {
    const auto model = shipped_model("fraud.moe");
    if (!model) {
        state.SkipWithError("chain-config/models/fraud.moe missing");
        return;
    }
    MoeEngine engine(*model);
    const moe::core::Transaction t = sample_transaction();
    AccountStats sender, recipient;
    for (std::uint64_t i = 0; i < 100; ++i) {
        TxFacts f;
        f.value_gwei = 1'000'000 * (i + 1);
        f.timestamp = 1'000'000 + i * 600;
        sender.apply_sent(f, i, i % 13 == 0);
        recipient.apply_received(f, i + 7);
    }
    for (auto _ : state) {
        TxFacts f;
        f.type = moe::nn::TxType::kTokenTransfer;
        f.value_gwei = 1'000'000;
        f.gas_limit = t.gas_limit;
        f.data_size = static_cast<std::uint32_t>(t.data.size());
        f.selector = 0xa9059cbb;
        f.recipient_is_contract = true;
        f.timestamp = 1'100'000;
        const FraudFeatures row = fraud_features(f, sender, recipient, model->feature_schema_version);
        benchmark::DoNotOptimize(screen_transaction(engine, row));
    }
}
BENCHMARK(BM_ScreenTransaction)->Unit(benchmark::kMicrosecond);

/// The same transaction's sender recovery (secp256k1 + Keccak), the cost screening is compared with.
void BM_ScreenTransaction_SenderRecovery(benchmark::State& state) {
    const moe::core::Transaction t = sample_transaction();
    for (auto _ : state) benchmark::DoNotOptimize(t.sender());
}
BENCHMARK(BM_ScreenTransaction_SenderRecovery)->Unit(benchmark::kMicrosecond);

/// Random bytes of `kib` KiB: a code of that size with no structure.
moe::core::Bytes random_code(std::size_t kib) {
    SplitMix64 rng(3);
    moe::core::Bytes code(kib * 1024);
    for (auto& b : code) b = static_cast<std::uint8_t>(rng.next());
    return code;
}

/// The live set (chain-config/corpus/contract_live.csv.gz): real contracts of 0.2 to 21 KiB.
const std::vector<LabelledCode>& live_codes() {
    static const std::vector<LabelledCode> codes = [] {
        auto c = load_labelled_codes(std::string(MOE_SOURCE_DIR) + "/" + std::string(kContractLiveFile));
        return c ? std::move(*c) : std::vector<LabelledCode>{};
    }();
    return codes;
}

double total_kib(const std::vector<LabelledCode>& codes) {
    std::size_t bytes = 0;
    for (const auto& c : codes) bytes += c.code.size();
    return static_cast<double>(bytes) / 1024.0;
}

/// Classifying runtime bytecode with the shipped contract model (schema 2): features plus
/// inference, per KiB.
void BM_ClassifyContract(benchmark::State& state) {
    const auto model = shipped_model("contract.moe");
    if (!model) {
        state.SkipWithError("chain-config/models/contract.moe missing");
        return;
    }
    MoeEngine engine(*model);
    const auto kib = static_cast<std::size_t>(state.range(0));
    const moe::core::Bytes code = random_code(kib);
    for (auto _ : state) benchmark::DoNotOptimize(classify_contract(engine, code));
    state.counters["KiB"] = benchmark::Counter(static_cast<double>(kib), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ClassifyContract)->Arg(1)->Arg(8)->Arg(24)->Unit(benchmark::kMicrosecond);

/// Schema 1's cost, the baseline of the 2x budget (issue 14): its features (frozen in
/// bench/contract_features_schema1.cpp) and a model of its shape (96 -> 64 -> 6, 8 experts,
/// top-2; the weights do not change the cost).
struct Schema1Classifier {
    MoeEngine engine;
    Schema1Classifier() : engine(model()) {}
    static MoeModel model() {
        SyntheticSpec spec;
        spec.num_features = moe::bench::schema1::kFeatures;
        spec.hidden = {64};
        spec.output_dim = moe::bench::schema1::kClasses;
        spec.num_experts = 8;
        spec.output_kind = OutputKind::kClass;
        return synthetic_model(spec, 14);
    }
    int classify(moe::core::ByteView code) {
        const moe::bench::schema1::Features f = moe::bench::schema1::features(code);
        return engine.forward(f.data(), 1).argmax(0);
    }
};

void BM_ClassifyContract_Schema1(benchmark::State& state) {
    Schema1Classifier old;
    const auto kib = static_cast<std::size_t>(state.range(0));
    const moe::core::Bytes code = random_code(kib);
    for (auto _ : state) benchmark::DoNotOptimize(old.classify(code));
    state.counters["KiB"] = benchmark::Counter(static_cast<double>(kib), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ClassifyContract_Schema1)->Arg(1)->Arg(8)->Arg(24)->Unit(benchmark::kMicrosecond);

/// The live set's real contracts one at a time, as blocks classify what a transaction creates.
void BM_ClassifyContract_Live(benchmark::State& state) {
    const auto model = shipped_model("contract.moe");
    if (!model || live_codes().empty()) {
        state.SkipWithError("chain-config/models/contract.moe or the live set missing");
        return;
    }
    MoeEngine engine(*model);
    for (auto _ : state) {
        for (const auto& c : live_codes()) benchmark::DoNotOptimize(classify_contract(engine, c.code));
    }
    state.counters["KiB"] = benchmark::Counter(total_kib(live_codes()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ClassifyContract_Live)->Unit(benchmark::kMicrosecond);

void BM_ClassifyContract_Live_Schema1(benchmark::State& state) {
    if (live_codes().empty()) {
        state.SkipWithError("the live set is missing");
        return;
    }
    Schema1Classifier old;
    for (auto _ : state) {
        for (const auto& c : live_codes()) benchmark::DoNotOptimize(old.classify(c.code));
    }
    state.counters["KiB"] = benchmark::Counter(total_kib(live_codes()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ClassifyContract_Live_Schema1)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
    omp_set_num_threads(1);  // compare with the single-core peak kernels
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
