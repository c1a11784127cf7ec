#include <gtest/gtest.h>

#include "core/rlp.hpp"

using namespace moe::core;
namespace rlp = moe::core::rlp;

namespace {
Bytes hex(std::string_view s) { return from_hex(s).value(); }

Bytes encoded_string(std::string_view s) {
    Bytes out;
    rlp::encode(out, as_bytes(s));
    return out;
}
}  // namespace

// Vectors from the Ethereum wiki's RLP page and the Yellow Paper.
TEST(Rlp, EncodesKnownVectors) {
    EXPECT_EQ(encoded_string("dog"), hex("0x83646f67"));
    EXPECT_EQ(encoded_string(""), hex("0x80"));
    Bytes zero;
    rlp::encode(zero, std::uint64_t{0});
    EXPECT_EQ(zero, hex("0x80"));
    Bytes fifteen;
    rlp::encode(fifteen, std::uint64_t{15});
    EXPECT_EQ(fifteen, hex("0x0f"));
    Bytes k1024;
    rlp::encode(k1024, std::uint64_t{1024});
    EXPECT_EQ(k1024, hex("0x820400"));
    const std::string lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
    EXPECT_EQ(encoded_string(lorem)[0], 0xb8);
    EXPECT_EQ(encoded_string(lorem)[1], 56);

    Bytes payload = encoded_string("cat");
    rlp::encode(payload, as_bytes("dog"));
    EXPECT_EQ(rlp::wrap_list(payload), hex("0xc88363617483646f67"));
    EXPECT_EQ(rlp::wrap_list({}), hex("0xc0"));
}

TEST(Rlp, LengthOfMatchesEncoding) {
    for (std::uint64_t v : {0ull, 1ull, 0x7full, 0x80ull, 0xffffull, ~0ull}) {
        Bytes out;
        rlp::encode(out, v);
        EXPECT_EQ(rlp::length_of(v), out.size()) << v;
        Bytes out256;
        rlp::encode(out256, uint256{v});
        EXPECT_EQ(rlp::length_of(uint256{v}), out256.size()) << v;
        EXPECT_EQ(out, out256);
    }
}

TEST(Rlp, DecodesIntegersCanonically) {
    ByteView in{};
    Bytes b = hex("0x820400");
    in = b;
    EXPECT_EQ(rlp::decode_u64(in).value(), 1024u);
    EXPECT_TRUE(in.empty());

    Bytes leading = hex("0x820004");
    in = leading;
    EXPECT_EQ(rlp::decode_u64(in).error(), rlp::DecodeError::kLeadingZero);

    Bytes zero_byte = hex("0x00");  // zero must be 0x80
    in = zero_byte;
    EXPECT_EQ(rlp::decode_u64(in).error(), rlp::DecodeError::kLeadingZero);

    Bytes wide = hex("0x89010000000000000000");
    in = wide;
    EXPECT_EQ(rlp::decode_u64(in).error(), rlp::DecodeError::kOverflow);
}

TEST(Rlp, RejectsNonCanonicalAndTruncatedInput) {
    // A single byte below 0x80 written with a header.
    EXPECT_EQ(rlp::decode_item(hex("0x8105")).error(), rlp::DecodeError::kNonCanonicalSize);
    // Long form for a short string.
    EXPECT_EQ(rlp::decode_item(hex("0xb80161")).error(), rlp::DecodeError::kNonCanonicalSize);
    // Length of length with a leading zero.
    EXPECT_EQ(rlp::decode_item(hex("0xb90038")).error(), rlp::DecodeError::kLeadingZero);
    // Truncated string and list.
    EXPECT_EQ(rlp::decode_item(hex("0x83646f")).error(), rlp::DecodeError::kInputTooShort);
    EXPECT_EQ(rlp::decode_item(hex("0xc88363617483646f")).error(), rlp::DecodeError::kInputTooShort);
    EXPECT_EQ(rlp::decode_item(hex("0xb8")).error(), rlp::DecodeError::kInputTooShort);
    EXPECT_EQ(rlp::decode_item({}).error(), rlp::DecodeError::kInputTooShort);
    // Trailing bytes after a complete item.
    EXPECT_EQ(rlp::decode_item(hex("0x83646f6700")).error(), rlp::DecodeError::kInputTooLong);
    // A list whose children overrun it.
    EXPECT_EQ(rlp::decode_item(hex("0xc283646f67")).error(), rlp::DecodeError::kInputTooShort);
    // An absurd length does not allocate or crash.
    EXPECT_EQ(rlp::decode_item(hex("0xbfffffffffffffffff")).error(), rlp::DecodeError::kInputTooShort);
}

TEST(Rlp, TakeItemHandsOnWholeItemsOneByOne) {
    // [0x05, "dog", ["cat"]] then a trailing 0x80: each item's whole encoding, in order.
    const Bytes input = hex("0x05" "83646f67" "c483636174" "80");
    ByteView in = input;
    for (std::string_view want : {"0x05", "0x83646f67", "0xc483636174", "0x80"}) {
        auto item = rlp::take_item(in);
        ASSERT_TRUE(item) << want;
        EXPECT_EQ(to_hex(*item), want);
    }
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(rlp::take_item(in).error(), rlp::DecodeError::kInputTooShort);
    // A truncated item is an error and consumes nothing.
    const Bytes truncated = hex("0xc88363617483");
    ByteView t = truncated;
    EXPECT_EQ(rlp::take_item(t).error(), rlp::DecodeError::kInputTooShort);
    EXPECT_EQ(t.size(), truncated.size());
}

TEST(Rlp, WrongTypesAreErrors) {
    Bytes list = hex("0xc0");
    ByteView in = list;
    EXPECT_EQ(rlp::decode_string(in).error(), rlp::DecodeError::kUnexpectedList);
    Bytes str = hex("0x83646f67");
    in = str;
    EXPECT_EQ(rlp::decode_list(in).error(), rlp::DecodeError::kUnexpectedString);
    in = str;
    EXPECT_EQ(rlp::decode_fixed<4>(in).error(), rlp::DecodeError::kUnexpectedLength);
}

TEST(Rlp, DeepNestingIsBoundedNotRecursedForever) {
    Bytes deep(2000, 0xc1);
    deep.back() = 0xc0;
    // Each 0xc1 claims one byte of payload, so this is truncated and too deep; either way an error.
    EXPECT_FALSE(rlp::decode_item(deep).has_value());
}

TEST(Rlp, GenericItemsRoundTrip) {
    const Bytes set_theory = hex("0xc7c0c1c0c3c0c1c0");  // [ [], [[]], [ [], [[]] ] ]
    auto item = rlp::decode_item(set_theory);
    ASSERT_TRUE(item.has_value());
    ASSERT_TRUE(item->is_list());
    EXPECT_EQ(item->list().size(), 3u);
    Bytes again;
    rlp::encode(again, *item);
    EXPECT_EQ(again, set_theory);
}
