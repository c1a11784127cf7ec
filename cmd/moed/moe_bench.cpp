#include "cmd/moed/moe_bench.hpp"

#include <omp.h>

#include <chrono>
#include <cstdio>
#include <functional>

#include "core/keccak.hpp"
#include "core/transaction.hpp"
#include "moe/engine.hpp"
#include "moe/offline/perf_kernels.hpp"
#include "moe/offline/synthetic.hpp"

namespace moe::node {

namespace {

using Clock = std::chrono::steady_clock;
namespace perf = nn::perf;

/// Calls `f` until `seconds` have passed (at least once); returns seconds per call.
double time_per_call(const std::function<void()>& f, double seconds) {
    f();  // warm: primitives are created on first use
    std::uint64_t calls = 0;
    const auto start = Clock::now();
    double elapsed = 0;
    do {
        f();
        ++calls;
        elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < seconds);
    return elapsed / static_cast<double>(calls);
}

}  // namespace

int run_moe_bench(int threads, double seconds) {
    omp_set_num_threads(threads);
    std::printf("threads: %d (oneDNN OpenMP), peak kernels on one core x %d\n", threads, threads);

    double vnni_peak = 0;
    double fma_peak = 0;
    if (perf::has_avx512_vnni()) {
        const std::uint64_t n = 20'000'000;
        const double t = time_per_call([&] { volatile auto r = perf::vnni_peak(n); (void)r; }, seconds);
        vnni_peak = perf::kVnniOpsPerIteration * static_cast<double>(n) / t * threads;
    }
    if (perf::has_avx512f()) {
        const std::uint64_t n = 20'000'000;
        const double t = time_per_call([&] { volatile auto r = perf::fma_peak(n); (void)r; }, seconds);
        fma_peak = perf::kFmaFlopsPerIteration * static_cast<double>(n) / t * threads;
    }
    std::printf("measured peak: int8 VNNI %.1f Gop/s, f32 AVX-512 FMA %.1f Gflop/s\n\n", vnni_peak / 1e9, fma_peak / 1e9);

    const perf::ExpertShape shape;  // 256 wide, 3 layers
    const nn::Expert expert = perf::benchmark_expert(shape, 42);
    nn::Device device;
    perf::Int8Expert int8(device, expert);
    perf::F32Expert f32(device, expert);
    const double ops_per_row = perf::expert_ops_per_row(shape);

    std::printf("expert %dx%d, %d layers | batch | int8 Gop/s | /VNNI peak | /naive | f32 Gflop/s | /FMA peak\n", shape.width,
                shape.width, shape.layers);
    double peak_ratio_1024 = 0;
    double naive_ratio_1024 = 0;
    for (int rows : {1, 64, 1024, 8192}) {
        const auto x = nn::synthetic_inputs(rows, shape.width, 7);
        std::vector<float> xf(x.begin(), x.end());
        std::vector<std::int32_t> out(static_cast<std::size_t>(rows) * static_cast<std::size_t>(shape.width));
        std::vector<float> outf(out.size());
        const double t_int8 = time_per_call([&] { int8.run(x.data(), rows, out.data()); }, seconds);
        const double t_naive = time_per_call([&] { perf::naive_expert(expert, x.data(), rows, out.data()); }, rows >= 1024 ? 0.0 : seconds);
        const double t_f32 = time_per_call([&] { f32.run(xf.data(), rows, outf.data()); }, seconds);
        const double int8_rate = ops_per_row * rows / t_int8;
        const double f32_rate = ops_per_row * rows / t_f32;
        const double peak_ratio = vnni_peak > 0 ? int8_rate / vnni_peak : 0;
        const double naive_ratio = t_naive / t_int8;
        std::printf("                             | %5d | %10.1f | %10.2f | %6.1f | %11.1f | %9.2f\n", rows, int8_rate / 1e9,
                    peak_ratio, naive_ratio, f32_rate / 1e9, fma_peak > 0 ? f32_rate / fma_peak : 0);
        if (rows == 1024) {
            peak_ratio_1024 = peak_ratio;
            naive_ratio_1024 = naive_ratio;
        }
    }

    std::printf("\nwhole MoE (64 features, hidden 128, top-2, soft) | experts | batch | rows/s | us per row\n");
    double moe_us_per_txn = 0;
    for (int experts : {8, 32}) {
        nn::SyntheticSpec spec;
        spec.num_features = 64;
        spec.hidden = {128};
        spec.num_experts = experts;
        nn::MoeEngine engine(nn::synthetic_model(spec, 5));
        for (int rows : {1, 1024}) {
            const auto x = nn::synthetic_inputs(rows, spec.num_features, 9);
            const double t = time_per_call([&] { (void)engine.forward(x.data(), rows); }, seconds);
            std::printf("                                                  | %7d | %5d | %6.0f | %10.2f\n", experts, rows,
                        rows / t, t / rows * 1e6);
            if (experts == 8 && rows == 1) moe_us_per_txn = t * 1e6;
        }
    }

    core::Transaction txn;
    txn.chain_id = 4224;
    txn.max_fee_per_gas = txn.max_priority_fee_per_gas = 1'000'000'000;
    txn.gas_limit = 21000;
    txn.to = core::Address{};
    txn.sign(core::PrivateKey::from_seed(core::keccak256(core::as_bytes("bench"))));
    const double t_recover = time_per_call([&] { volatile bool ok = txn.sender().has_value(); (void)ok; }, seconds);
    std::printf("\none transaction: MoE forward (gate + top-2 of 8 experts, batch 1) %.1f us, sender recovery %.1f us, ratio %.2f\n",
                moe_us_per_txn, t_recover * 1e6, moe_us_per_txn / (t_recover * 1e6));
    std::printf("peak_ratio=%.2f naive_ratio=%.1f\n", peak_ratio_1024, naive_ratio_1024);
    return 0;
}

}  // namespace moe::node
