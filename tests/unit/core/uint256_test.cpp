#include <gtest/gtest.h>

#include "core/uint256.hpp"

#include <random>

#include "core/bytes.hpp"

using namespace moe::core;

TEST(Uint256, BigEndianRoundTrip) {
    const uint256 v = (uint256{1} << 255) + 0x1234;
    const Hash be = uint256_to_bytes32(v);
    EXPECT_EQ(be[0], 0x80);
    EXPECT_EQ(be[30], 0x12);
    EXPECT_EQ(be[31], 0x34);
    EXPECT_EQ(uint256_from_big_endian(be), v);
    EXPECT_EQ(uint256_to_big_endian_compact(0x1234), (Bytes{0x12, 0x34}));
    EXPECT_TRUE(uint256_to_big_endian_compact(0).empty());
}

// Against the definition (each byte shifted in, most significant first) over random lengths
// 0..40 (beyond 32 only the last 32 bytes count) and contents, zero runs included.
TEST(Uint256, FromBigEndianMatchesBytewiseShifting) {
    std::mt19937_64 rng(20261206);
    for (int round = 0; round < 20000; ++round) {
        Bytes bytes(rng() % 41);
        for (auto& b : bytes) b = (rng() % 4 == 0) ? 0 : static_cast<std::uint8_t>(rng());
        uint256 expected = 0;
        const std::size_t start = bytes.size() > 32 ? bytes.size() - 32 : 0;
        for (std::size_t i = start; i < bytes.size(); ++i) expected = (expected << 8) | bytes[i];
        ASSERT_EQ(uint256_from_big_endian(bytes), expected) << to_hex(bytes);
    }
    EXPECT_EQ(uint256_from_big_endian(Bytes{}), 0);
    EXPECT_EQ(uint256_from_big_endian(Bytes(32, 0xff)), std::numeric_limits<uint256>::max());
}

TEST(Uint256, Quantities) {
    EXPECT_EQ(to_hex_quantity(uint256{0}), "0x0");
    EXPECT_EQ(to_hex_quantity(std::uint64_t{0x400}), "0x400");
    EXPECT_EQ(parse_quantity("0x400").value(), 0x400);
    EXPECT_EQ(parse_quantity("0x0").value(), 0);
    EXPECT_EQ(parse_quantity("0x0400").error(), QuantityError::kLeadingZero);
    EXPECT_EQ(parse_quantity("0x").error(), QuantityError::kEmpty);
    EXPECT_EQ(parse_quantity("400").error(), QuantityError::kMissingPrefix);
    EXPECT_EQ(parse_quantity("0xg").error(), QuantityError::kBadDigit);
    EXPECT_EQ(parse_quantity("0x1" + std::string(64, '0')).error(), QuantityError::kOverflow);
    EXPECT_EQ(parse_quantity("0x" + std::string(64, 'f')).value(), std::numeric_limits<uint256>::max());
}

TEST(Uint256, LenientParsingForConfigsAndVectors) {
    EXPECT_EQ(parse_uint256_lenient("1000").value(), 1000);
    EXPECT_EQ(parse_uint256_lenient("0x00ff").value(), 255);
    EXPECT_EQ(parse_uint256_lenient("0x").value(), 0);
    EXPECT_FALSE(parse_uint256_lenient("12a").has_value());
    EXPECT_FALSE(parse_uint256_lenient(std::string(80, '9')).has_value());
}
