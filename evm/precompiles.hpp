#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string_view>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"

/// The precompiled contracts of the Cancun fork at addresses 0x01..0x0a.
namespace moe::evm {

enum class Precompile : std::uint8_t {
    kEcRecover = 1,
    kSha256 = 2,
    kRipemd160 = 3,
    kIdentity = 4,
    kModExp = 5,          ///< EIP-198 with the EIP-2565 prices
    kBn256Add = 6,        ///< EIP-196 with the EIP-1108 prices
    kBn256Mul = 7,        ///< EIP-196 with the EIP-1108 prices
    kBn256Pairing = 8,    ///< EIP-197 with the EIP-1108 prices
    kBlake2F = 9,         ///< EIP-152
    kPointEvaluation = 10,  ///< EIP-4844 (blobs are not part of this chain)
};

inline constexpr std::uint8_t kLastPrecompile = 10;

/// The precompile at an address, if any.
[[nodiscard]] std::optional<Precompile> precompile_at(const core::Address& address) noexcept;

enum class PrecompileError {
    kInvalidInput,   ///< the call fails and consumes all gas it was given
    kNotImplemented  ///< this node cannot run it: never treated as a success
};
[[nodiscard]] std::string_view to_string(PrecompileError e) noexcept;

/// The gas a call with this input costs (saturating at UINT64_MAX).
[[nodiscard]] std::uint64_t precompile_gas(Precompile p, core::ByteView input) noexcept;

/// Runs a precompile over its input; the caller has already charged precompile_gas().
[[nodiscard]] std::expected<core::Bytes, PrecompileError> run_precompile(Precompile p, core::ByteView input);

}  // namespace moe::evm
