#pragma once

#include <array>
#include <cstdint>
#include <expected>

#include "core/bytes.hpp"

/// The BLAKE2b compression function F (RFC 7693 section 3.2) with a caller-chosen round count,
/// which EIP-152 exposes as the precompile at 0x09 so that contracts can verify Zcash headers.
namespace moe::evm {

/// The chaining state of BLAKE2b: eight 64-bit words.
using Blake2State = std::array<std::uint64_t, 8>;
/// One 128-byte message block as sixteen little-endian 64-bit words.
using Blake2Block = std::array<std::uint64_t, 16>;

/// Runs F over `state` in place: `rounds` rounds (the message schedule cycles every ten),
/// offset counter t = (t0, t1) and the final-block flag, exactly as EIP-152 specifies.
void blake2b_compress(std::uint32_t rounds, Blake2State& state, const Blake2Block& block, std::uint64_t t0,
                      std::uint64_t t1, bool final_block) noexcept;

/// Why an EIP-152 input is refused.
enum class Blake2Error {
    kBadLength,  ///< the input is not exactly 213 bytes
    kBadFlag     ///< the final-block byte is neither 0 nor 1
};

/// The EIP-152 input size: rounds (4) || h (64) || m (128) || t (16) || f (1).
inline constexpr std::size_t kBlake2FInputSize = 213;

/// Parses an EIP-152 input, runs F and returns the new state as 64 little-endian bytes.
[[nodiscard]] std::expected<core::Bytes, Blake2Error> blake2f(core::ByteView input);

}  // namespace moe::evm
