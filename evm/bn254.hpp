#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string_view>

#include "core/bytes.hpp"

/// The alt_bn128 (BN254) curve y^2 = x^3 + 3 over the 254-bit prime field of EIP-196/197: point
/// addition and scalar multiplication on G1 and the optimal ate pairing check over G1 x G2, the
/// arithmetic behind the precompiles 0x06..0x08. Debian ships no library for this curve.
namespace moe::evm::bn254 {

/// Why an encoded point or pairing input is refused (the precompile then fails).
enum class CurveError {
    kCoordinateOutOfRange,  ///< a coordinate is not below the field modulus p
    kNotOnCurve,            ///< the point does not satisfy its curve equation
    kNotInSubgroup,         ///< a G2 point lies on the twist but outside the order-r subgroup
    kBadLength              ///< a pairing input that is not a whole number of 192-byte pairs
};
[[nodiscard]] std::string_view to_string(CurveError e) noexcept;

/// A G1 point: x || y, 32 big-endian bytes each; (0, 0) stands for the point at infinity.
inline constexpr std::size_t kG1Size = 64;
/// A scalar: 32 big-endian bytes, used in full (not reduced modulo the group order).
inline constexpr std::size_t kScalarSize = 32;
/// A G2 point: x_im || x_re || y_im || y_re, each an Fp element of 32 big-endian bytes.
inline constexpr std::size_t kG2Size = 128;
/// One pairing-check pair: a G1 point followed by a G2 point.
inline constexpr std::size_t kPairSize = kG1Size + kG2Size;

/// An encoded G1 point as the precompiles return it.
using G1Bytes = std::array<std::uint8_t, kG1Size>;

/// EIP-196 addition: the sum of the two G1 points encoded in `input`.
[[nodiscard]] std::expected<G1Bytes, CurveError> g1_add(std::span<const std::uint8_t, 2 * kG1Size> input);

/// EIP-196 scalar multiplication: the G1 point in the first 64 bytes times the 256-bit scalar after it.
[[nodiscard]] std::expected<G1Bytes, CurveError> g1_mul(std::span<const std::uint8_t, kG1Size + kScalarSize> input);

/// EIP-197: whether the product of the pairings e(P_i, Q_i) over the 192-byte pairs of `input` is
/// one (true for an empty input); pairs where either point is at infinity contribute one.
[[nodiscard]] std::expected<bool, CurveError> pairing_check(core::ByteView input);

}  // namespace moe::evm::bn254
