#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

namespace moe::nn {

/// The oneDNN CPU engine and stream shared by every kernel of one model.
struct Device {
    dnnl::engine engine{dnnl::engine::kind::cpu, 0};
    dnnl::stream stream{engine};
};

/// dst[M, N] (s32) = src[M, K] (u8) x weights[K, N] (s8), on a oneDNN matmul primitive.
/// Weights are pre-packed once (format_tag::any). One primitive per power-of-two bucket of M,
/// created on first use and reused: a run-time M falls back to slower kernels (DESIGN.md).
/// Rows beyond M inside a bucket are zero padding. Integer sums do not depend on order, so
/// the result is the same on every ISA.
class Int8Matmul {
  public:
    /// `weights` is row-major [K][N].
    Int8Matmul(Device& device, int k, int n, std::span<const std::int8_t> weights);

    /// Computes `rows` rows; src holds rows * K bytes, dst receives rows * N values.
    void run(const std::uint8_t* src, int rows, std::int32_t* dst);

    [[nodiscard]] int k() const noexcept { return k_; }
    [[nodiscard]] int n() const noexcept { return n_; }

  private:
    struct Bucket {
        dnnl::matmul primitive;
        dnnl::memory src;
        dnnl::memory weights;
        dnnl::memory dst;
        std::vector<std::uint8_t> own_src;  // zero-padded staging for row counts below the bucket
        std::vector<std::int32_t> own_dst;
    };
    Bucket& bucket_for(int rows);

    Device& device_;
    int k_;
    int n_;
    std::vector<std::int8_t> weights_;  // row-major source, reordered per bucket layout
    std::map<int, Bucket> buckets_;
};

/// The same arithmetic as a plain triple loop: the reference the tests compare against and
/// the naive baseline of the benchmarks.
void reference_matmul(const std::uint8_t* src, int rows, int k, int n, const std::int8_t* weights, std::int32_t* dst);

}  // namespace moe::nn
