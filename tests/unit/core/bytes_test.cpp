#include <gtest/gtest.h>

#include <algorithm>
#include <compare>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"

using namespace moe::core;

TEST(Hex, RoundTripsWithPrefix) {
    const Bytes b{0x00, 0x01, 0xab, 0xff};
    EXPECT_EQ(to_hex(b), "0x0001abff");
    EXPECT_EQ(to_hex(b, false), "0001abff");
    EXPECT_EQ(from_hex("0x0001ABff").value(), b);
    EXPECT_EQ(from_hex("0x").value(), Bytes{});
}

TEST(Hex, StrictParsingRejectsMalformedText) {
    EXPECT_EQ(from_hex("0001").error(), HexError::kMissingPrefix);
    EXPECT_EQ(from_hex("0x123").error(), HexError::kOddLength);
    EXPECT_EQ(from_hex("0x12zz").error(), HexError::kBadDigit);
    EXPECT_EQ(from_hex("0x 1").error(), HexError::kBadDigit);
    EXPECT_EQ(from_hex("0001", {.require_prefix = false}).value(), (Bytes{0x00, 0x01}));
    EXPECT_EQ(from_hex("0x123", {.allow_odd = true}).value(), (Bytes{0x01, 0x23}));
}

TEST(FixedBytes, ParsesOnlyItsOwnLength) {
    EXPECT_TRUE(Hash::from_hex("0x" + std::string(64, 'a')).has_value());
    EXPECT_EQ(Hash::from_hex("0x" + std::string(62, 'a')).error(), HexError::kWrongLength);
    EXPECT_EQ(Address::right_aligned(Hash::from_hex("0x" + std::string(24, '0') + std::string(40, 'b'))->view()).hex(),
              "0x" + std::string(40, 'b'));
}

// Test vectors from EIP-55.
namespace {

/// The order the bytes spell: what the comparison must agree with everywhere.
template <std::size_t N>
std::strong_ordering byte_order(const FixedBytes<N>& a, const FixedBytes<N>& b) {
    return std::lexicographical_compare_three_way(a.bytes.begin(), a.bytes.end(), b.bytes.begin(), b.bytes.end());
}

template <std::size_t N>
void expect_byte_order(std::uint64_t seed) {
    // A pair differing first at each position (with every bit of that byte, and with the
    // later bytes opposite), then random pairs; x86 loads words little-endian.
    std::uint64_t state = seed;
    auto next = [&] {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<std::uint8_t>(state >> 56);
    };
    for (std::size_t pos = 0; pos < N; ++pos) {
        for (int bit = 0; bit < 8; ++bit) {
            FixedBytes<N> a, b;
            for (std::size_t i = 0; i < N; ++i) a.bytes[i] = b.bytes[i] = next();
            a.bytes[pos] &= static_cast<std::uint8_t>(~(1u << bit));
            b.bytes[pos] |= static_cast<std::uint8_t>(1u << bit);
            for (std::size_t i = pos + 1; i < N; ++i) {
                a.bytes[i] = 0xff;
                b.bytes[i] = 0x00;
            }
            ASSERT_EQ(a <=> b, byte_order(a, b)) << "N " << N << " position " << pos << " bit " << bit;
            ASSERT_EQ(b <=> a, byte_order(b, a)) << "N " << N << " position " << pos << " bit " << bit;
            ASSERT_TRUE(a < b);
        }
    }
    for (int k = 0; k < 100'000; ++k) {
        FixedBytes<N> a, b;
        for (std::size_t i = 0; i < N; ++i) a.bytes[i] = next();
        b = a;
        if (k % 2 == 0) b.bytes[next() % N] = next();  // often a single byte apart
        else
            for (std::size_t i = 0; i < N; ++i) b.bytes[i] = next();
        ASSERT_EQ(a <=> b, byte_order(a, b)) << a.hex() << " " << b.hex();
        ASSERT_EQ(a == b, byte_order(a, b) == 0);
    }
    static_assert(FixedBytes<N>{} <=> FixedBytes<N>{} == 0, "usable in constant expressions");
}

}  // namespace

TEST(FixedBytes, ComparesInTheOrderTheBytesSpell) {
    expect_byte_order<20>(1);   // addresses: two words and four bytes
    expect_byte_order<32>(2);   // hashes
    expect_byte_order<8>(3);
    expect_byte_order<4>(4);    // no whole word
    expect_byte_order<256>(5);  // blooms
}

TEST(Eip55, ChecksumsMatchTheSpecification) {
    for (std::string_view s : {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                               "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"}) {
        const auto a = parse_address(s);
        ASSERT_TRUE(a.has_value()) << s;
        EXPECT_EQ(to_checksum(*a), s);
    }
}

TEST(Eip55, MixedCaseWithWrongChecksumIsRefused) {
    EXPECT_EQ(parse_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD").error(), AddressError::kBadChecksum);
    EXPECT_TRUE(parse_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").has_value());
    EXPECT_TRUE(parse_address("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED").has_value());
    EXPECT_EQ(parse_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea").error(), AddressError::kWrongLength);
    EXPECT_EQ(parse_address("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").error(), AddressError::kBadHex);
}
