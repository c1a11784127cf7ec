#include "moe/offline/perf_kernels.hpp"

// GCC 12's own _mm512_set1_* trip -Wuninitialized inside avx512fintrin.h.
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <immintrin.h>

#include <cstring>
#include <map>

#include "moe/requant.hpp"
#include "moe/offline/synthetic.hpp"

namespace moe::nn::perf {

bool has_avx512_vnni() noexcept { return __builtin_cpu_supports("avx512vnni"); }
bool has_avx512f() noexcept { return __builtin_cpu_supports("avx512f"); }

// Explicit register variables (not arrays, which GCC keeps in memory at -O2) and more
// independent chains than latency x ports, so the loop is bound by throughput alone.
#define MOE_TIMES_16(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)

__attribute__((target("avx512f,avx512vnni"))) std::int32_t vnni_peak(std::uint64_t iterations) {
#define MOE_DECL(i) __m512i acc##i = _mm512_set1_epi32(i);
    MOE_TIMES_16(MOE_DECL)
#undef MOE_DECL
    const __m512i a = _mm512_set1_epi8(3);
    const __m512i b = _mm512_set1_epi8(-2);
    for (std::uint64_t it = 0; it < iterations; ++it) {
#define MOE_STEP(i) acc##i = _mm512_dpbusd_epi32(acc##i, a, b);
        MOE_TIMES_16(MOE_STEP)
#undef MOE_STEP
        __asm__ volatile("" ::: "memory");
    }
    __m512i sum = _mm512_setzero_si512();
#define MOE_SUM(i) sum = _mm512_add_epi32(sum, acc##i);
    MOE_TIMES_16(MOE_SUM)
#undef MOE_SUM
    return _mm512_reduce_add_epi32(sum);
}

__attribute__((target("avx512f"))) float fma_peak(std::uint64_t iterations) {
#define MOE_DECL(i) __m512 acc##i = _mm512_set1_ps(static_cast<float>(i));
    MOE_TIMES_16(MOE_DECL)
#undef MOE_DECL
    const __m512 a = _mm512_set1_ps(0.999f);
    const __m512 b = _mm512_set1_ps(0.001f);
    for (std::uint64_t it = 0; it < iterations; ++it) {
#define MOE_STEP(i) acc##i = _mm512_fmadd_ps(acc##i, a, b);
        MOE_TIMES_16(MOE_STEP)
#undef MOE_STEP
        __asm__ volatile("" ::: "memory");
    }
    __m512 sum = _mm512_setzero_ps();
#define MOE_SUM(i) sum = _mm512_add_ps(sum, acc##i);
    MOE_TIMES_16(MOE_SUM)
#undef MOE_SUM
    return _mm512_reduce_add_ps(sum);
}
#undef MOE_TIMES_16

Expert benchmark_expert(const ExpertShape& shape, std::uint64_t seed) {
    SyntheticSpec spec;
    spec.num_features = shape.width;
    spec.hidden.assign(static_cast<std::size_t>(shape.layers - 1), shape.width);
    spec.output_dim = shape.width;
    spec.num_experts = 1;
    spec.top_k = 1;
    return synthetic_model(spec, seed).experts[0];
}

double expert_ops_per_row(const ExpertShape& shape) {
    return 2.0 * shape.layers * static_cast<double>(shape.width) * shape.width;
}

Int8Expert::Int8Expert(Device& device, const Expert& expert) : expert_(expert) {
    for (const auto& l : expert.layers) kernels_.push_back(std::make_unique<Int8Matmul>(device, l.in, l.out, l.weights));
}

void Int8Expert::run(const std::uint8_t* in, int rows, std::int32_t* out) {
    const std::uint8_t* x = in;
    for (std::size_t li = 0; li < expert_.layers.size(); ++li) {
        const QuantLinear& l = expert_.layers[li];
        const bool last = li + 1 == expert_.layers.size();
        const std::size_t n = static_cast<std::size_t>(rows) * static_cast<std::size_t>(l.out);
        if (acc_.size() < n) acc_.resize(n);
        if (act_.size() < 2 * n) act_.resize(2 * n);
        std::int32_t* acc = last ? out : acc_.data();
        kernels_[li]->run(x, rows, acc);
        if (last) break;
        std::uint8_t* next = act_.data() + (li % 2) * n;
        requantize_rows(acc, l.bias.data(), l.scales.data(), rows, l.out, next);
        x = next;
    }
}

void naive_expert(const Expert& expert, const std::uint8_t* in, int rows, std::int32_t* out) {
    std::vector<std::uint8_t> x(in, in + static_cast<std::ptrdiff_t>(rows) * expert.layers[0].in);
    std::vector<std::int32_t> acc;
    for (std::size_t li = 0; li < expert.layers.size(); ++li) {
        const QuantLinear& l = expert.layers[li];
        acc.assign(static_cast<std::size_t>(rows) * static_cast<std::size_t>(l.out), 0);
        reference_matmul(x.data(), rows, l.in, l.out, l.weights.data(), acc.data());
        if (li + 1 == expert.layers.size()) {
            std::memcpy(out, acc.data(), acc.size() * sizeof(std::int32_t));
            return;
        }
        x.resize(acc.size());
        for (int r = 0; r < rows; ++r) {
            for (int j = 0; j < l.out; ++j) {
                x[static_cast<std::size_t>(r * l.out + j)] = requantize_relu(acc[static_cast<std::size_t>(r * l.out + j)], l.bias[static_cast<std::size_t>(j)], l.scales[static_cast<std::size_t>(j)]);
            }
        }
    }
}

struct F32Expert::Layer {
    int in = 0, out = 0;
    bool relu = false;
    std::vector<float> weights;
    std::map<int, std::pair<dnnl::matmul, dnnl::memory>> buckets;  // rows -> primitive, packed weights
};

F32Expert::F32Expert(Device& device, const Expert& expert) : device_(device) {
    for (std::size_t li = 0; li < expert.layers.size(); ++li) {
        const auto& q = expert.layers[li];
        auto l = std::make_shared<Layer>();
        l->in = q.in;
        l->out = q.out;
        l->relu = li + 1 < expert.layers.size();
        l->weights.resize(q.weights.size());
        for (std::size_t i = 0; i < q.weights.size(); ++i) l->weights[i] = static_cast<float>(q.weights[i]) / 127.0f;
        layers_.push_back(std::move(l));
    }
}

void F32Expert::run(const float* in, int rows, float* out) {
    using dnnl::memory;
    const float* x = in;
    for (std::size_t li = 0; li < layers_.size(); ++li) {
        Layer& l = *layers_[li];
        auto it = l.buckets.find(rows);
        if (it == l.buckets.end()) {
            const memory::desc src({rows, l.in}, memory::data_type::f32, memory::format_tag::ab);
            const memory::desc wei({l.in, l.out}, memory::data_type::f32, memory::format_tag::any);
            const memory::desc dst({rows, l.out}, memory::data_type::f32, memory::format_tag::ab);
            dnnl::post_ops ops;
            if (l.relu) ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
            dnnl::primitive_attr attr;
            attr.set_post_ops(ops);
            const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, wei, dst), attr, device_.engine);
            memory packed(pd.weights_desc(), device_.engine);
            memory user({{l.in, l.out}, memory::data_type::f32, memory::format_tag::ab}, device_.engine, l.weights.data());
            dnnl::reorder(user, packed).execute(device_.stream, user, packed);
            it = l.buckets.emplace(rows, std::make_pair(dnnl::matmul(pd), packed)).first;
        }
        const bool last = li + 1 == layers_.size();
        const std::size_t n = static_cast<std::size_t>(rows) * static_cast<std::size_t>(l.out);
        if (buffer_.size() < 2 * n) buffer_.resize(2 * n);
        float* y = last ? out : buffer_.data() + (li % 2) * n;
        memory src({{rows, l.in}, memory::data_type::f32, memory::format_tag::ab}, device_.engine, const_cast<float*>(x));
        memory dst({{rows, l.out}, memory::data_type::f32, memory::format_tag::ab}, device_.engine, y);
        it->second.first.execute(device_.stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, it->second.second}, {DNNL_ARG_DST, dst}});
        device_.stream.wait();
        x = y;
    }
}

}  // namespace moe::nn::perf
