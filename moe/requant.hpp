#pragma once

#include <cstdint>

/// Integer-only requantization (Jacob et al., "Quantization and Training of Neural Networks
/// for Efficient Integer-Arithmetic-Only Inference", 2018): a real scale is a 31-bit
/// fixed-point multiplier and a right shift, so every CPU computes the same bits.
namespace moe::nn {

/// Activations are 7-bit ([0, 127]): with s8 weights no pair of u8 x s8 products can
/// saturate the int16 intermediate of CPUs without VNNI (2 * 127 * 128 < 32767).
inline constexpr std::int32_t kActivationMax = 127;

/// The largest |bias| a model may hold: with inputs at most 65536 wide, accumulator plus
/// bias then fits 32 bits.
inline constexpr std::int32_t kMaxBias = 1 << 30;

/// A real multiplier m in (0, 1) written as multiplier * 2^-(31 + shift), multiplier in
/// [2^30, 2^31).
struct FixedPointScale {
    std::int32_t multiplier = 1 << 30;
    std::int32_t shift = 0;  ///< extra right shift, 0..31
};

/// (x * multiplier) >> (31 + shift), rounding half away from zero, in 64-bit arithmetic.
[[nodiscard]] constexpr std::int64_t apply_scale(std::int64_t x, const FixedPointScale& s) noexcept {
    const std::int64_t product = x * static_cast<std::int64_t>(s.multiplier);  // |x| < 2^32 keeps this in range
    const int total = 31 + s.shift;
    const std::int64_t half = std::int64_t{1} << (total - 1);
    return product >= 0 ? (product + half) >> total : -((-product + half) >> total);
}

/// Requantizes an s32 accumulator plus bias to a 7-bit activation with ReLU: clamp to [0, 127].
[[nodiscard]] constexpr std::uint8_t requantize_relu(std::int32_t acc, std::int32_t bias, const FixedPointScale& s) noexcept {
    const std::int64_t v = apply_scale(static_cast<std::int64_t>(acc) + bias, s);
    return static_cast<std::uint8_t>(v < 0 ? 0 : (v > kActivationMax ? kActivationMax : v));
}

/// Requantizes a block of rows: out[r][j] = requantize_relu(acc[r][j], bias[j], scales[j]).
/// The same integers as the scalar function; AVX-512 where the CPU has it. Needs
/// |acc + bias| < 2^31, which every parsed model guarantees.
void requantize_rows(const std::int32_t* acc, const std::int32_t* bias, const FixedPointScale* scales, int rows, int cols,
                     std::uint8_t* out) noexcept;

/// The fixed-point form of a real scale in (0, 1); used offline by quantization only (never
/// in inference, which sees the integers).
[[nodiscard]] FixedPointScale scale_from_real(double real);

}  // namespace moe::nn
