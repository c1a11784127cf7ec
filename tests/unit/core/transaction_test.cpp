#include <gtest/gtest.h>

#include "core/transaction.hpp"

using namespace moe::core;

namespace {
Bytes hex(std::string_view s) { return from_hex(s).value(); }
PrivateKey key_of(std::string_view h) { return PrivateKey::from_bytes(hex(h)).value(); }

Transaction sample(TxType type) {
    Transaction t;
    t.type = type;
    t.chain_id = 4224;
    t.nonce = 7;
    t.max_priority_fee_per_gas = 2'000'000'000;
    t.max_fee_per_gas = type == TxType::kDynamicFee ? uint256{30'000'000'000ull} : uint256{2'000'000'000};
    t.gas_limit = 100'000;
    t.to = Address::from_hex("0x70997970c51812dc3a010c7d01b50e0d17dc79c8").value();
    t.value = uint256{1} << 70;
    t.data = hex("0xa9059cbb00");
    if (type != TxType::kLegacy) {
        t.access_list = {{*t.to, {Hash{}, uint256_to_bytes32(5)}}};
    }
    t.sign(key_of("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"));
    return t;
}
}  // namespace

// The example of EIP-155 itself.
TEST(Transaction, Eip155ExampleSigningHashAndEncoding) {
    Transaction t;
    t.type = TxType::kLegacy;
    t.chain_id = 1;
    t.nonce = 9;
    t.max_fee_per_gas = t.max_priority_fee_per_gas = 20'000'000'000ull;
    t.gas_limit = 21000;
    t.to = Address::from_hex("0x3535353535353535353535353535353535353535").value();
    t.value = uint256{1'000'000'000'000'000'000ull};
    EXPECT_EQ(t.signing_hash().hex(), "0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
    t.sign(key_of("0x4646464646464646464646464646464646464646464646464646464646464646"));
    EXPECT_EQ(to_hex(t.encode()),
              "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939"
              "bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297f"
              "b1966a3b6d83");
    EXPECT_EQ(to_checksum(t.sender().value()), "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F");
}

TEST(Transaction, EveryTypeRoundTripsAndRecoversItsSender) {
    for (TxType type : {TxType::kLegacy, TxType::kAccessList, TxType::kDynamicFee}) {
        const Transaction t = sample(type);
        const Bytes encoded = t.encode();
        auto decoded = decode_transaction(encoded);
        ASSERT_TRUE(decoded.has_value()) << static_cast<int>(type);
        EXPECT_EQ(decoded->encode(), encoded);
        EXPECT_EQ(decoded->hash(), t.hash());
        EXPECT_EQ(to_checksum(decoded->sender().value()), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        EXPECT_TRUE(validate_static(*decoded, 4224).has_value());
        EXPECT_EQ(validate_static(*decoded, 1).error(), TxError::kWrongChainId);

        Bytes in_list;
        encode_in_list(in_list, t);
        ByteView view = in_list;
        auto from_list = decode_from_list(view);
        ASSERT_TRUE(from_list.has_value());
        EXPECT_TRUE(view.empty());
        EXPECT_EQ(from_list->hash(), t.hash());
    }
}

TEST(Transaction, EveryTruncationAndTrailingByteIsRefused) {
    for (TxType type : {TxType::kLegacy, TxType::kAccessList, TxType::kDynamicFee}) {
        const Bytes encoded = sample(type).encode();
        for (std::size_t n = 0; n < encoded.size(); ++n) {
            EXPECT_FALSE(decode_transaction(ByteView(encoded).subspan(0, n)).has_value()) << n;
        }
        Bytes longer = encoded;
        longer.push_back(0);
        EXPECT_FALSE(decode_transaction(longer).has_value());
    }
}

TEST(Transaction, MalformedFieldsAreRefused) {
    EXPECT_EQ(decode_transaction(hex("0x03c0")).error(), TxError::kUnsupportedType);
    EXPECT_EQ(decode_transaction(hex("0x80")).error(), TxError::kMalformedRlp);
    EXPECT_EQ(decode_transaction({}).error(), TxError::kMalformedRlp);
    EXPECT_EQ(decode_transaction(hex("0xc0")).error(), TxError::kMalformedRlp);
    // A nonce with a leading zero byte inside an otherwise well-formed legacy transaction.
    EXPECT_EQ(decode_transaction(hex("0xcc820007018252089400000000")).error(), TxError::kMalformedRlp);
    // Every single-byte corruption either fails to decode or changes what is signed.
    const Transaction t = sample(TxType::kDynamicFee);
    const Bytes encoded = t.encode();
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        Bytes bad = encoded;
        bad[i] ^= 0x01;
        auto d = decode_transaction(bad);
        if (d) {
            auto s = d->sender();
            EXPECT_TRUE(!s || *s != t.sender().value() || d->hash() != t.hash()) << i;
        }
    }
}

TEST(Transaction, IntrinsicGasFollowsCancun) {
    Transaction t = sample(TxType::kDynamicFee);
    t.data = hex("0x0001");
    t.access_list = {{Address{}, {Hash{}, Hash{}}}};
    EXPECT_EQ(intrinsic_gas(t), 21000u + 4 + 16 + 2400 + 2 * 1900);
    t.to.reset();
    t.access_list.clear();
    t.data = Bytes(33, 1);
    EXPECT_EQ(intrinsic_gas(t), 53000u + 33 * 16 + 2 * 2);  // EIP-3860: two words
}

TEST(Transaction, StaticRules) {
    Transaction t = sample(TxType::kDynamicFee);
    t.max_priority_fee_per_gas = t.max_fee_per_gas + 1;
    EXPECT_EQ(validate_static(t).error(), TxError::kTipAboveFeeCap);
    t = sample(TxType::kDynamicFee);
    t.gas_limit = 21000;
    EXPECT_EQ(validate_static(t).error(), TxError::kIntrinsicGasTooLow);
    t = sample(TxType::kDynamicFee);
    t.nonce = ~0ull;
    EXPECT_EQ(validate_static(t).error(), TxError::kNonceMax);
    t = sample(TxType::kDynamicFee);
    t.to.reset();
    t.gas_limit = 10'000'000;
    t.data = Bytes(kMaxInitCodeSize + 1, 0);
    EXPECT_EQ(validate_static(t).error(), TxError::kInitCodeTooLarge);
}

TEST(Transaction, EffectiveGasPrice) {
    const Transaction t = sample(TxType::kDynamicFee);  // tip 2 gwei, cap 30 gwei
    EXPECT_EQ(t.effective_gas_price(10'000'000'000ull).value(), 12'000'000'000ull);
    EXPECT_EQ(t.effective_gas_price(29'000'000'000ull).value(), 30'000'000'000ull);
    EXPECT_FALSE(t.effective_gas_price(31'000'000'000ull).has_value());
}
