// core::Word against Boost's uint256 over random words: every operation the interpreter does
// on the limbs must give Boost's answer modulo 2^256.
#include <gtest/gtest.h>

#include <random>

#include "core/word.hpp"

using moe::core::Word;
using moe::core::uint256;
using moe::core::to_uint256;

namespace {

/// Words with the shapes that break carries and shifts: zero, one, all ones, single bits,
/// one limb set, small numbers, and random limbs, each limb drawn from those shapes.
Word random_word(std::mt19937_64& rng) {
    auto limb = [&rng]() -> std::uint64_t {
        switch (rng() % 6) {
            case 0: return 0;
            case 1: return ~std::uint64_t{0};
            case 2: return std::uint64_t{1} << (rng() % 64);
            case 3: return rng() % 256;
            default: return rng();
        }
    };
    switch (rng() % 8) {
        case 0: return Word{};
        case 1: return Word{1};
        case 2: return ~Word{};
        case 3: return Word{1} << static_cast<unsigned>(rng() % 256);
        default: return Word{limb(), limb(), limb(), limb()};
    }
}

}  // namespace

TEST(Word, RoundTripsThroughBoostAndBytes) {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 5000; ++i) {
        const Word w = random_word(rng);
        const uint256 b = to_uint256(w);
        ASSERT_EQ(Word(b), w);
        ASSERT_EQ(moe::core::word_to_bytes32(w), moe::core::uint256_to_bytes32(b));
        ASSERT_EQ(moe::core::word_from_big_endian(moe::core::word_to_bytes32(w)), w);
        ASSERT_EQ(w.fits_u64(), b <= std::numeric_limits<std::uint64_t>::max());
        ASSERT_EQ(w.bit_width(), b == 0 ? 0u : static_cast<unsigned>(boost::multiprecision::msb(b)) + 1);
        ASSERT_EQ(w.is_negative(), boost::multiprecision::bit_test(b, 255));
    }
}

TEST(Word, ArithmeticMatchesBoostModulo2To256) {
    std::mt19937_64 rng(20261206);
    for (int i = 0; i < 100000; ++i) {
        const Word a = random_word(rng);
        const Word b = random_word(rng);
        const uint256 x = to_uint256(a);
        const uint256 y = to_uint256(b);
        ASSERT_EQ(to_uint256(a + b), uint256(x + y));
        ASSERT_EQ(to_uint256(a - b), uint256(x - y));
        ASSERT_EQ(to_uint256(a * b), uint256(x * y));
        ASSERT_EQ(to_uint256(-a), uint256(~x + 1));
        ASSERT_EQ(to_uint256(a & b), uint256(x & y));
        ASSERT_EQ(to_uint256(a | b), uint256(x | y));
        ASSERT_EQ(to_uint256(a ^ b), uint256(x ^ y));
        ASSERT_EQ(to_uint256(~a), uint256(~x));
        ASSERT_EQ(a < b, x < y);
        ASSERT_EQ(a > b, x > y);
        ASSERT_EQ(a <= b, x <= y);
        ASSERT_EQ(a == b, x == y);
        const unsigned n = static_cast<unsigned>(rng() % 300);
        ASSERT_EQ(to_uint256(a << n), n >= 256 ? uint256{} : uint256(x << n)) << n;
        ASSERT_EQ(to_uint256(a >> n), n >= 256 ? uint256{} : uint256(x >> n)) << n;
        ASSERT_EQ(a.bit(n % 256), boost::multiprecision::bit_test(x, n % 256));
    }
}
