#pragma once

#include <cstdint>
#include <vector>

#include "moe/int8_matmul.hpp"
#include "moe/model.hpp"

/// Workloads shared by the benchmarks and `moed moe bench`: the CPU's peak kernels, the naive
/// loop, and an expert of a fixed shape. Pure compute: callers time them.
namespace moe::nn::perf {

/// True when the CPU has AVX-512 VNNI (vpdpbusd) / AVX-512F FMA.
[[nodiscard]] bool has_avx512_vnni() noexcept;
[[nodiscard]] bool has_avx512f() noexcept;

/// `iterations` rounds of 16 independent vpdpbusd on 512-bit registers: 2048 int8 ops
/// (multiply + add) per round. Returns a value derived from the accumulators.
[[nodiscard]] std::int32_t vnni_peak(std::uint64_t iterations);
inline constexpr double kVnniOpsPerIteration = 16 * 64 * 2;

/// `iterations` rounds of 16 independent 512-bit FMAs: 512 f32 flops per round.
[[nodiscard]] float fma_peak(std::uint64_t iterations);
inline constexpr double kFmaFlopsPerIteration = 16 * 16 * 2;

/// The benchmark expert: features -> hidden -> hidden -> outputs, all `width` wide.
struct ExpertShape {
    int width = 256;
    int layers = 3;
};
[[nodiscard]] Expert benchmark_expert(const ExpertShape& shape, std::uint64_t seed);
/// Multiply-add operations of one row through the expert (2 per weight).
[[nodiscard]] double expert_ops_per_row(const ExpertShape& shape);

/// The expert on oneDNN int8 matmuls plus our requantization.
class Int8Expert {
  public:
    Int8Expert(Device& device, const Expert& expert);
    void run(const std::uint8_t* in, int rows, std::int32_t* out);

  private:
    const Expert& expert_;
    std::vector<std::unique_ptr<Int8Matmul>> kernels_;
    std::vector<std::int32_t> acc_;
    std::vector<std::uint8_t> act_;
};

/// The same arithmetic as a straightforward i, j, k triple loop per layer.
void naive_expert(const Expert& expert, const std::uint8_t* in, int rows, std::int32_t* out);

/// The expert in f32 on oneDNN matmuls with ReLU (weights dequantized): the float path.
class F32Expert {
  public:
    F32Expert(Device& device, const Expert& expert);
    void run(const float* in, int rows, float* out);

  private:
    struct Layer;
    Device& device_;
    std::vector<std::shared_ptr<Layer>> layers_;
    std::vector<float> buffer_;
};

}  // namespace moe::nn::perf
