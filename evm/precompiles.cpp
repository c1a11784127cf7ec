#include "evm/precompiles.hpp"

#include <cryptopp/ripemd.h>

#include <algorithm>
#include <array>
#include <boost/multiprecision/cpp_int.hpp>
#include <iterator>
#include <limits>

#include "core/keccak.hpp"
#include "core/secp256k1.hpp"
#include "core/uint256.hpp"
#include "evm/blake2f.hpp"
#include "evm/bn254.hpp"

namespace moe::evm {

namespace {

using boost::multiprecision::cpp_int;
using core::Bytes;
using core::ByteView;

constexpr std::uint64_t kMaxGas = std::numeric_limits<std::uint64_t>::max();

/// a + b, or UINT64_MAX when it overflows.
[[nodiscard]] constexpr std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) noexcept {
    return a > kMaxGas - b ? kMaxGas : a + b;
}

/// a * b, or UINT64_MAX when it overflows.
[[nodiscard]] constexpr std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) noexcept {
    return (b != 0 && a > kMaxGas / b) ? kMaxGas : a * b;
}

/// base + per_word * ceil(len / 32), the price shape of the hash and copy precompiles.
[[nodiscard]] constexpr std::uint64_t word_gas(std::uint64_t base, std::uint64_t per_word, std::size_t len) noexcept {
    const std::uint64_t words = len / 32 + (len % 32 != 0 ? 1 : 0);
    return saturating_add(base, saturating_mul(per_word, words));
}

/// The first N bytes of the input, right-padded with zeros (longer input is cut).
template <std::size_t N>
[[nodiscard]] std::array<std::uint8_t, N> padded(ByteView input) noexcept {
    std::array<std::uint8_t, N> out{};
    std::copy_n(input.begin(), std::min(N, input.size()), out.begin());
    return out;
}

// ---------------------------------------------------------------------------------------------
// 0x01..0x04
// ---------------------------------------------------------------------------------------------

/// ecrecover: hash || v || r || s (128 bytes, zero-padded). v must be the word 27 or 28 and r, s in
/// [1, n-1]; s above n/2 is accepted here. Any failure gives an empty output, not an error.
Bytes ecrecover(ByteView input) {
    const auto in = padded<128>(input);
    const bool v_high_zero = std::all_of(in.begin() + 32, in.begin() + 63, [](std::uint8_t b) { return b == 0; });
    if (!v_high_zero || (in[63] != 27 && in[63] != 28)) return {};
    core::Hash digest;
    std::copy_n(in.begin(), 32, digest.bytes.begin());
    const core::Signature sig{core::uint256_from_big_endian(ByteView(in).subspan(64, 32)),
                              core::uint256_from_big_endian(ByteView(in).subspan(96, 32)),
                              static_cast<std::uint8_t>(in[63] - 27)};
    const auto address = core::recover_address(digest, sig, /*allow_high_s=*/true);
    if (!address) return {};
    Bytes out(12, 0);
    out.insert(out.end(), address->bytes.begin(), address->bytes.end());
    return out;
}

/// SHA-256 of the input.
Bytes sha256(ByteView input) { return core::sha256(input).to_bytes(); }

/// RIPEMD-160 of the input, left-padded with zeros to a 32-byte word.
Bytes ripemd160(ByteView input) {
    Bytes out(32, 0);
    CryptoPP::RIPEMD160 hash;
    hash.CalculateDigest(out.data() + 12, input.data(), input.size());
    return out;
}

// ---------------------------------------------------------------------------------------------
// 0x05 modexp (EIP-198, priced by EIP-2565)
// ---------------------------------------------------------------------------------------------

/// Moduli longer than this are refused: their multiplication complexity alone prices the call
/// above 5e9 gas, which no block can hold, so only a caller that skipped the gas check could get
/// here, and it must not make the node allocate the output. The base and the exponent need no such
/// bound: a nonzero modulus starts inside the input, so they lie wholly inside it.
constexpr std::uint64_t kMaxModExpModulusLength = std::uint64_t{1} << 20;

/// The three length words that open a modexp input; they may be as large as 2^256 - 1.
struct ModExpLengths {
    cpp_int base, exponent, modulus;
};

/// A big-endian byte string as an integer (empty is zero).
[[nodiscard]] cpp_int to_integer(ByteView bytes) {
    cpp_int v;
    if (!bytes.empty()) boost::multiprecision::import_bits(v, bytes.begin(), bytes.end(), 8, true);
    return v;
}

/// The integer in [offset, offset + length) of the input read as if zero-padded without end; the
/// offset may be huge, the length must fit in memory.
[[nodiscard]] cpp_int read_padded(ByteView input, const cpp_int& offset, const cpp_int& length) {
    if (offset >= input.size()) return 0;
    const auto off = offset.convert_to<std::size_t>();
    const auto len = length.convert_to<std::size_t>();
    const std::size_t take = std::min(len, input.size() - off);
    return to_integer(input.subspan(off, take)) << (8 * (len - take));
}

/// The three lengths from the first 96 bytes of the zero-padded input.
[[nodiscard]] ModExpLengths modexp_lengths(ByteView input) {
    const auto header = padded<96>(input);
    const ByteView h(header);
    return {to_integer(h.subspan(0, 32)), to_integer(h.subspan(32, 32)), to_integer(h.subspan(64, 32))};
}

/// EIP-2565 iteration count: from the exponent's first (at most) 32 bytes, plus 8 per byte after them.
[[nodiscard]] cpp_int modexp_iterations(ByteView input, const ModExpLengths& len) {
    const cpp_int head_length = len.exponent < 32 ? len.exponent : cpp_int(32);
    const cpp_int head = read_padded(input, 96 + len.base, head_length);
    cpp_int count = head == 0 ? cpp_int(0) : cpp_int(boost::multiprecision::msb(head));
    if (len.exponent > 32) count += 8 * (len.exponent - 32);
    return count < 1 ? cpp_int(1) : count;
}

/// EIP-2565: max(200, ceil(max(base, modulus) / 8)^2 * iterations / 3), saturated to 64 bits.
[[nodiscard]] std::uint64_t modexp_gas(ByteView input) {
    const ModExpLengths len = modexp_lengths(input);
    const cpp_int words = ((len.base > len.modulus ? len.base : len.modulus) + 7) / 8;
    const cpp_int gas = words * words * modexp_iterations(input, len) / 3;
    if (gas < 200) return 200;
    return gas > kMaxGas ? kMaxGas : gas.convert_to<std::uint64_t>();
}

/// base^exponent mod modulus, as many bytes as the modulus length; a zero modulus gives zeros.
std::expected<Bytes, PrecompileError> modexp(ByteView input) {
    const ModExpLengths len = modexp_lengths(input);
    if (len.modulus == 0) return Bytes{};
    if (len.modulus > kMaxModExpModulusLength) return std::unexpected(PrecompileError::kInvalidInput);
    Bytes out(len.modulus.convert_to<std::size_t>(), 0);
    const cpp_int modulus = read_padded(input, 96 + len.base + len.exponent, len.modulus);
    if (modulus == 0) return out;
    // The modulus has a byte inside the input, so the base and the exponent end before it.
    const cpp_int base = to_integer(input.subspan(96, len.base.convert_to<std::size_t>()));
    const cpp_int exponent =
        to_integer(input.subspan(96 + len.base.convert_to<std::size_t>(), len.exponent.convert_to<std::size_t>()));
    const cpp_int result = exponent == 0 ? cpp_int(1) % modulus : boost::multiprecision::powm(base, exponent, modulus);
    Bytes digits;
    boost::multiprecision::export_bits(result, std::back_inserter(digits), 8, true);
    if (result != 0) std::copy(digits.begin(), digits.end(), out.end() - static_cast<std::ptrdiff_t>(digits.size()));
    return out;
}

// ---------------------------------------------------------------------------------------------
// 0x06..0x09
// ---------------------------------------------------------------------------------------------

/// An encoded G1 point as an output byte string.
Bytes to_bytes(const bn254::G1Bytes& point) { return Bytes(point.begin(), point.end()); }

/// EIP-196 addition over the input right-padded (or cut) to 128 bytes.
std::expected<Bytes, PrecompileError> bn256_add(ByteView input) {
    const auto in = padded<2 * bn254::kG1Size>(input);
    const auto sum = bn254::g1_add(in);
    if (!sum) return std::unexpected(PrecompileError::kInvalidInput);
    return to_bytes(*sum);
}

/// EIP-196 scalar multiplication over the input right-padded (or cut) to 96 bytes.
std::expected<Bytes, PrecompileError> bn256_mul(ByteView input) {
    const auto in = padded<bn254::kG1Size + bn254::kScalarSize>(input);
    const auto product = bn254::g1_mul(in);
    if (!product) return std::unexpected(PrecompileError::kInvalidInput);
    return to_bytes(*product);
}

/// EIP-197 pairing check: the 32-byte word 1 when the product of the pairings is one, else 0.
std::expected<Bytes, PrecompileError> bn256_pairing(ByteView input) {
    const auto holds = bn254::pairing_check(input);
    if (!holds) return std::unexpected(PrecompileError::kInvalidInput);
    Bytes out(32, 0);
    out[31] = *holds ? 1 : 0;
    return out;
}

/// EIP-152 with its errors mapped to an invalid input.
std::expected<Bytes, PrecompileError> blake2f_call(ByteView input) {
    auto out = blake2f(input);
    if (!out) return std::unexpected(PrecompileError::kInvalidInput);
    return std::move(*out);
}

/// The round count of a well-formed EIP-152 input; a malformed one costs nothing and then fails.
[[nodiscard]] std::uint64_t blake2f_gas(ByteView input) noexcept {
    if (input.size() != kBlake2FInputSize) return 0;
    return (std::uint64_t{input[0]} << 24) | (std::uint64_t{input[1]} << 16) | (std::uint64_t{input[2]} << 8) |
           std::uint64_t{input[3]};
}

}  // namespace

std::optional<Precompile> precompile_at(const core::Address& address) noexcept {
    const bool high_zero =
        std::all_of(address.bytes.begin(), address.bytes.end() - 1, [](std::uint8_t b) { return b == 0; });
    const std::uint8_t last = address.bytes.back();
    if (!high_zero || last == 0 || last > kLastPrecompile) return std::nullopt;
    return static_cast<Precompile>(last);
}

std::string_view to_string(PrecompileError e) noexcept {
    switch (e) {
        case PrecompileError::kInvalidInput: return "invalid precompile input";
        case PrecompileError::kNotImplemented: return "precompile not implemented";
    }
    return "unknown precompile error";
}

std::uint64_t precompile_gas(Precompile p, ByteView input) noexcept {
    switch (p) {
        case Precompile::kEcRecover: return 3000;
        case Precompile::kSha256: return word_gas(60, 12, input.size());
        case Precompile::kRipemd160: return word_gas(600, 120, input.size());
        case Precompile::kIdentity: return word_gas(15, 3, input.size());
        case Precompile::kModExp: return modexp_gas(input);
        case Precompile::kBn256Add: return 150;
        case Precompile::kBn256Mul: return 6000;
        case Precompile::kBn256Pairing:
            return saturating_add(45000, saturating_mul(34000, input.size() / bn254::kPairSize));
        case Precompile::kBlake2F: return blake2f_gas(input);
        case Precompile::kPointEvaluation: return 50000;
    }
    return kMaxGas;
}

std::expected<Bytes, PrecompileError> run_precompile(Precompile p, ByteView input) {
    switch (p) {
        case Precompile::kEcRecover: return ecrecover(input);
        case Precompile::kSha256: return sha256(input);
        case Precompile::kRipemd160: return ripemd160(input);
        case Precompile::kIdentity: return Bytes(input.begin(), input.end());
        case Precompile::kModExp: return modexp(input);
        case Precompile::kBn256Add: return bn256_add(input);
        case Precompile::kBn256Mul: return bn256_mul(input);
        case Precompile::kBn256Pairing: return bn256_pairing(input);
        case Precompile::kBlake2F: return blake2f_call(input);
        case Precompile::kPointEvaluation: return std::unexpected(PrecompileError::kNotImplemented);
    }
    return std::unexpected(PrecompileError::kNotImplemented);
}

}  // namespace moe::evm
