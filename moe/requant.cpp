#include "moe/requant.hpp"

#include <immintrin.h>

#include <cmath>

namespace moe::nn {

namespace {

void requantize_rows_scalar(const std::int32_t* acc, const std::int32_t* bias, const FixedPointScale* scales, int rows,
                            int cols, std::uint8_t* out) noexcept {
    for (int r = 0; r < rows; ++r) {
        for (int j = 0; j < cols; ++j) {
            out[static_cast<std::ptrdiff_t>(r) * cols + j] =
                requantize_relu(acc[static_cast<std::ptrdiff_t>(r) * cols + j], bias[j], scales[j]);
        }
    }
}

// Eight channels at a time in 64-bit lanes. Exact because a model's accumulator plus bias
// always fits 32 bits (inputs <= 65536 wide, |bias| <= 2^30: parse_model checks both), which is
// what vpmuldq needs; everything after the multiply is the scalar arithmetic lane by lane.
__attribute__((target("avx512f"))) void requantize_rows_avx512(const std::int32_t* acc, const std::int32_t* bias,
                                                               const FixedPointScale* scales, int rows, int cols,
                                                               std::uint8_t* out) noexcept {
    static_assert(sizeof(FixedPointScale) == 8);
    const __m512i one = _mm512_set1_epi64(1);
    const __m512i thirty_one = _mm512_set1_epi64(31);
    const __m512i zero = _mm512_setzero_si512();
    const __m512i top = _mm512_set1_epi64(kActivationMax);
    const int vector_cols = cols - cols % 8;
    for (int r = 0; r < rows; ++r) {
        const std::int32_t* a = acc + static_cast<std::ptrdiff_t>(r) * cols;
        std::uint8_t* o = out + static_cast<std::ptrdiff_t>(r) * cols;
        for (int j = 0; j < vector_cols; j += 8) {
            const __m512i x = _mm512_add_epi64(
                _mm512_cvtepi32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + j))),
                _mm512_cvtepi32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + j))));
            const __m512i scale = _mm512_loadu_si512(scales + j);  // lanes: multiplier | shift << 32
            const __m512i product = _mm512_mul_epi32(x, scale);
            const __m512i total = _mm512_add_epi64(_mm512_srai_epi64(scale, 32), thirty_one);
            const __m512i sign = _mm512_srai_epi64(product, 63);
            const __m512i magnitude = _mm512_sub_epi64(_mm512_xor_si512(product, sign), sign);
            const __m512i half = _mm512_sllv_epi64(one, _mm512_sub_epi64(total, one));
            __m512i q = _mm512_srlv_epi64(_mm512_add_epi64(magnitude, half), total);
            q = _mm512_sub_epi64(_mm512_xor_si512(q, sign), sign);
            q = _mm512_min_epi64(_mm512_max_epi64(q, zero), top);
            _mm_storel_epi64(reinterpret_cast<__m128i*>(o + j), _mm512_cvtepi64_epi8(q));
        }
        for (int j = vector_cols; j < cols; ++j) o[j] = requantize_relu(a[j], bias[j], scales[j]);
    }
}

}  // namespace

void requantize_rows(const std::int32_t* acc, const std::int32_t* bias, const FixedPointScale* scales, int rows, int cols,
                     std::uint8_t* out) noexcept {
    static const bool avx512 = __builtin_cpu_supports("avx512f");
    if (avx512) {
        requantize_rows_avx512(acc, bias, scales, rows, cols, out);
    } else {
        requantize_rows_scalar(acc, bias, scales, rows, cols, out);
    }
}

FixedPointScale scale_from_real(double real) {
    FixedPointScale s;
    if (!(real > 0)) return FixedPointScale{0, 0};
    int exponent = 0;
    const double mantissa = std::frexp(real, &exponent);  // real = mantissa * 2^exponent, mantissa in [0.5, 1)
    auto q = static_cast<std::int64_t>(std::llround(mantissa * static_cast<double>(1ll << 31)));
    if (q == (1ll << 31)) {
        q /= 2;
        ++exponent;
    }
    s.multiplier = static_cast<std::int32_t>(q);
    s.shift = -exponent;
    if (s.shift < 0) s.shift = 0;  // scales >= 1 are clamped: activations never need them
    if (s.shift > 31) s = FixedPointScale{0, 0};
    return s;
}

}  // namespace moe::nn
