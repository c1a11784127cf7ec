#include <gtest/gtest.h>

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
