#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"
#include "core/uint256.hpp"

namespace moe::core {

namespace word_detail {
__extension__ typedef unsigned __int128 uint128;  // GCC and Clang's; __extension__: not ISO C++
}

/// The EVM's 256-bit word as the interpreter computes with it: four 64-bit limbs, least
/// significant first, trivially copyable (32 bytes, no size field), arithmetic modulo 2^256.
/// Addition, subtraction, multiplication, comparisons, bit operations and shifts are done
/// here on the limbs; division and the 512-bit MULMOD/ADDMOD go through Boost
/// (`to_uint256`), which is exact and rarely on a hot path. Boost's fixed-width uint256 cost
/// most of the interpreter's time per opcode (perf of bench_evm's countdown loop).
struct Word {
    std::array<std::uint64_t, 4> limbs{};

    constexpr Word() noexcept = default;
    constexpr Word(std::uint64_t v) noexcept : limbs{v, 0, 0, 0} {}  // NOLINT: a small integer is a word
    constexpr Word(std::uint64_t l0, std::uint64_t l1, std::uint64_t l2, std::uint64_t l3) noexcept
        : limbs{l0, l1, l2, l3} {}
    Word(const uint256& v) noexcept {  // NOLINT: the state's integers are words
        const auto& backend = v.backend();
        for (std::size_t i = 0; i < backend.size() && i < 4; ++i) limbs[i] = backend.limbs()[i];
    }

    [[nodiscard]] constexpr std::uint64_t low64() const noexcept { return limbs[0]; }
    [[nodiscard]] constexpr bool fits_u64() const noexcept { return (limbs[1] | limbs[2] | limbs[3]) == 0; }
    [[nodiscard]] constexpr bool is_zero() const noexcept { return (limbs[0] | limbs[1] | limbs[2] | limbs[3]) == 0; }
    /// The sign bit of the two's complement reading.
    [[nodiscard]] constexpr bool is_negative() const noexcept { return (limbs[3] >> 63) != 0; }
    [[nodiscard]] constexpr bool bit(unsigned n) const noexcept { return ((limbs[n / 64] >> (n % 64)) & 1) != 0; }
    /// The index of the highest set bit plus one (0 for zero).
    [[nodiscard]] constexpr unsigned bit_width() const noexcept {
        for (int i = 3; i >= 0; --i) {
            if (limbs[i] != 0) return static_cast<unsigned>(i) * 64 + static_cast<unsigned>(std::bit_width(limbs[i]));
        }
        return 0;
    }

    friend constexpr bool operator==(const Word&, const Word&) noexcept = default;
    friend constexpr bool operator<(const Word& a, const Word& b) noexcept {
        for (int i = 3; i >= 0; --i) {
            if (a.limbs[i] != b.limbs[i]) return a.limbs[i] < b.limbs[i];
        }
        return false;
    }
    friend constexpr bool operator>(const Word& a, const Word& b) noexcept { return b < a; }
    friend constexpr bool operator<=(const Word& a, const Word& b) noexcept { return !(b < a); }
    friend constexpr bool operator>=(const Word& a, const Word& b) noexcept { return !(a < b); }

    friend constexpr Word operator+(const Word& a, const Word& b) noexcept {
        Word r;
        word_detail::uint128 carry = 0;
        for (int i = 0; i < 4; ++i) {
            carry += static_cast<word_detail::uint128>(a.limbs[i]) + b.limbs[i];
            r.limbs[i] = static_cast<std::uint64_t>(carry);
            carry >>= 64;
        }
        return r;
    }
    friend constexpr Word operator-(const Word& a, const Word& b) noexcept {
        Word r;
        std::uint64_t borrow = 0;
        for (int i = 0; i < 4; ++i) {
            const std::uint64_t d = a.limbs[i] - b.limbs[i];
            const std::uint64_t out = d - borrow;
            borrow = static_cast<std::uint64_t>(a.limbs[i] < b.limbs[i]) | static_cast<std::uint64_t>(d < borrow);
            r.limbs[i] = out;
        }
        return r;
    }
    /// The low 256 bits of the product (schoolbook over 64-bit limbs, the terms that reach them).
    friend constexpr Word operator*(const Word& a, const Word& b) noexcept {
        Word r;
        for (int i = 0; i < 4; ++i) {
            std::uint64_t carry = 0;
            for (int j = 0; i + j < 4; ++j) {
                const word_detail::uint128 t =
                    static_cast<word_detail::uint128>(a.limbs[i]) * b.limbs[j] + r.limbs[i + j] + carry;
                r.limbs[i + j] = static_cast<std::uint64_t>(t);
                carry = static_cast<std::uint64_t>(t >> 64);
            }
        }
        return r;
    }
    friend constexpr Word operator-(const Word& a) noexcept { return Word{} - a; }
    friend constexpr Word operator~(const Word& a) noexcept {
        return {~a.limbs[0], ~a.limbs[1], ~a.limbs[2], ~a.limbs[3]};
    }
    friend constexpr Word operator&(const Word& a, const Word& b) noexcept {
        return {a.limbs[0] & b.limbs[0], a.limbs[1] & b.limbs[1], a.limbs[2] & b.limbs[2], a.limbs[3] & b.limbs[3]};
    }
    friend constexpr Word operator|(const Word& a, const Word& b) noexcept {
        return {a.limbs[0] | b.limbs[0], a.limbs[1] | b.limbs[1], a.limbs[2] | b.limbs[2], a.limbs[3] | b.limbs[3]};
    }
    friend constexpr Word operator^(const Word& a, const Word& b) noexcept {
        return {a.limbs[0] ^ b.limbs[0], a.limbs[1] ^ b.limbs[1], a.limbs[2] ^ b.limbs[2], a.limbs[3] ^ b.limbs[3]};
    }
    /// Shifts by `n` bits; 256 or more gives zero.
    friend constexpr Word operator<<(const Word& a, unsigned n) noexcept {
        if (n >= 256) return {};
        Word r;
        const unsigned whole = n / 64, part = n % 64;
        for (unsigned i = 3 + 1; i-- > whole;) {
            std::uint64_t v = a.limbs[i - whole] << part;
            if (part != 0 && i - whole > 0) v |= a.limbs[i - whole - 1] >> (64 - part);
            r.limbs[i] = v;
        }
        return r;
    }
    friend constexpr Word operator>>(const Word& a, unsigned n) noexcept {
        if (n >= 256) return {};
        Word r;
        const unsigned whole = n / 64, part = n % 64;
        for (unsigned i = 0; i + whole < 4; ++i) {
            std::uint64_t v = a.limbs[i + whole] >> part;
            if (part != 0 && i + whole + 1 < 4) v |= a.limbs[i + whole + 1] << (64 - part);
            r.limbs[i] = v;
        }
        return r;
    }

    constexpr Word& operator+=(const Word& b) noexcept { return *this = *this + b; }
    constexpr Word& operator-=(const Word& b) noexcept { return *this = *this - b; }
    constexpr Word& operator*=(const Word& b) noexcept { return *this = *this * b; }
    constexpr Word& operator&=(const Word& b) noexcept { return *this = *this & b; }
    constexpr Word& operator|=(const Word& b) noexcept { return *this = *this | b; }
    constexpr Word& operator^=(const Word& b) noexcept { return *this = *this ^ b; }
};

static_assert(sizeof(Word) == 32 && std::is_trivially_copyable_v<Word>);

/// The word as Boost's integer (for division and the state's interfaces).
[[nodiscard]] inline uint256 to_uint256(const Word& w) noexcept {
    uint256 out;
    auto& backend = out.backend();
    backend.resize(4, 4);
    for (std::size_t i = 0; i < 4; ++i) backend.limbs()[i] = w.limbs[i];
    backend.normalize();
    return out;
}

/// Reads up to 32 big-endian bytes (more: the last 32), as PUSH and CALLDATALOAD do.
[[nodiscard]] inline Word word_from_big_endian(ByteView bytes) noexcept {
    std::array<std::uint8_t, 32> padded{};
    const std::size_t n = bytes.size() < 32 ? bytes.size() : 32;
    if (n != 0) std::memcpy(padded.data() + (32 - n), bytes.data() + (bytes.size() - n), n);
    Word w;
    for (std::size_t i = 0; i < 4; ++i) {
        std::uint64_t limb;
        std::memcpy(&limb, padded.data() + 24 - 8 * i, 8);
        w.limbs[i] = __builtin_bswap64(limb);
    }
    return w;
}

/// The 32-byte big-endian form.
[[nodiscard]] inline Hash word_to_bytes32(const Word& w) noexcept {
    Hash out;
    for (std::size_t i = 0; i < 4; ++i) {
        const std::uint64_t be = __builtin_bswap64(w.limbs[i]);
        std::memcpy(out.data() + 24 - 8 * i, &be, 8);
    }
    return out;
}

}  // namespace moe::core
