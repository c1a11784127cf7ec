#include <gtest/gtest.h>

#include "core/account.hpp"
#include "core/block.hpp"
#include "core/keccak.hpp"
#include "core/receipt.hpp"

using namespace moe::core;

namespace {
Hash h(std::string_view s) { return Hash::from_hex(s).value(); }

Transaction signed_transfer(std::uint64_t nonce, TxType type) {
    Transaction t;
    t.type = type;
    t.chain_id = 4224;
    t.nonce = nonce;
    t.max_fee_per_gas = 2'000'000'000;
    t.max_priority_fee_per_gas = type == TxType::kDynamicFee ? uint256{1'000'000'000} : t.max_fee_per_gas;
    t.gas_limit = 21000;
    t.to = Address::from_hex("0x70997970c51812dc3a010c7d01b50e0d17dc79c8").value();
    t.value = 1;
    t.sign(PrivateKey::from_seed(keccak256(as_bytes("k"))));
    return t;
}
}  // namespace

// Ethereum mainnet's genesis header, field by field; its hash is well known.
TEST(BlockHeader, MainnetGenesisHash) {
    BlockHeader g;
    g.state_root = h("0xd7f8974fb5ac78d9ac099b9ad5018bedc2ce0a72dad1827a1709da30580f0544");
    g.difficulty = uint256{17179869184ull};
    g.gas_limit = 5000;
    g.extra_data = from_hex("0x11bbe8db4e347b4e8c937c1c8370e4b5ed33adb3db69cbdb7a38e1e50b1b82fa").value();
    g.nonce = {0, 0, 0, 0, 0, 0, 0, 0x42};
    EXPECT_EQ(g.hash().hex(), "0xd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3");
    EXPECT_EQ(decode_header(g.encode()).value(), g);
}

TEST(BlockHeader, CancunFieldsRoundTripAndEveryTruncationFails) {
    BlockHeader hd;
    hd.number = 12;
    hd.gas_limit = 30'000'000;
    hd.timestamp = 1'700'000'000;
    hd.base_fee_per_gas = uint256{1'000'000'000};
    hd.withdrawals_root = kEmptyTrieRoot;
    hd.blob_gas_used = 0;
    hd.excess_blob_gas = 0;
    hd.parent_beacon_block_root = Hash{};
    const Bytes enc = hd.encode();
    EXPECT_EQ(decode_header(enc).value(), hd);
    for (std::size_t n = 0; n < enc.size(); ++n) EXPECT_FALSE(decode_header(ByteView(enc).subspan(0, n)).has_value()) << n;
    Bytes longer = enc;
    longer.push_back(0x80);
    EXPECT_FALSE(decode_header(longer).has_value());
    EXPECT_FALSE(decode_header(Bytes{0x83, 1, 2, 3}).has_value());  // a string, not a list
}

TEST(BlockBody, RoundTripsTransactionsOfEveryType) {
    BlockBody body;
    body.transactions = {signed_transfer(0, TxType::kLegacy), signed_transfer(1, TxType::kAccessList),
                         signed_transfer(2, TxType::kDynamicFee)};
    const Bytes enc = body.encode();
    auto back = decode_body(enc);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->transactions.size(), 3u);
    EXPECT_EQ(back->encode(), enc);
    EXPECT_EQ(transactions_root(back->transactions), transactions_root(body.transactions));
    for (std::size_t n = 0; n < enc.size(); ++n) EXPECT_FALSE(decode_body(ByteView(enc).subspan(0, n)).has_value()) << n;
    EXPECT_EQ(decode_body(from_hex("0xc4c0c180c0").value()).error(), BodyError::kUnexpectedOmmers);
}

TEST(BaseFee, FollowsEip1559) {
    BlockHeader parent;
    parent.gas_limit = 30'000'000;
    parent.base_fee_per_gas = uint256{1'000'000'000};
    parent.gas_used = 15'000'000;
    EXPECT_EQ(next_base_fee(parent), 1'000'000'000);
    parent.gas_used = 30'000'000;
    EXPECT_EQ(next_base_fee(parent), 1'125'000'000);
    parent.gas_used = 0;
    EXPECT_EQ(next_base_fee(parent), 875'000'000);
    parent.base_fee_per_gas = uint256{7};
    parent.gas_used = 15'000'001;
    EXPECT_EQ(next_base_fee(parent), 8) << "the increase is at least 1 wei";
}

TEST(Account, RoundTripAndMalformed) {
    Account a;
    a.nonce = 3;
    a.balance = uint256{10} * uint256{1'000'000'000'000'000'000ull};
    const Bytes enc = a.encode();
    EXPECT_EQ(decode_account(enc).value(), a);
    EXPECT_TRUE(Account{}.is_empty());
    EXPECT_FALSE(a.is_empty());
    for (std::size_t n = 0; n < enc.size(); ++n) EXPECT_FALSE(decode_account(ByteView(enc).subspan(0, n)).has_value());
    Bytes extra = enc;
    extra.push_back(0);
    EXPECT_FALSE(decode_account(extra).has_value());
}

TEST(Receipt, BloomAndEncodingRoundTrip) {
    Log log{Address::from_hex("0x00000000000000000000000000000000000000aa").value(), {keccak256(as_bytes("Transfer"))},
            from_hex("0x01").value()};
    Receipt r;
    r.type = TxType::kDynamicFee;
    r.cumulative_gas_used = 52000;
    r.logs = {log};
    r.bloom = logs_bloom(r.logs);
    EXPECT_TRUE(bloom_may_contain(r.bloom, log.address));
    EXPECT_TRUE(bloom_may_contain(r.bloom, log.topics[0]));
    EXPECT_FALSE(bloom_may_contain(r.bloom, keccak256(as_bytes("Approval"))));
    int bits = 0;
    for (auto byte : r.bloom.bytes) bits += __builtin_popcount(byte);
    EXPECT_LE(bits, 6);
    EXPECT_GE(bits, 2);

    const Bytes enc = r.encode();
    EXPECT_EQ(enc[0], 2);
    EXPECT_EQ(decode_receipt(enc).value(), r);
    for (std::size_t n = 0; n < enc.size(); ++n) EXPECT_FALSE(decode_receipt(ByteView(enc).subspan(0, n)).has_value());

    Receipt legacy = r;
    legacy.type = TxType::kLegacy;
    legacy.success = false;
    const Bytes all = encode_receipts({legacy, r});
    auto back = decode_receipts(all);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->size(), 2u);
    EXPECT_EQ((*back)[0], legacy);
    EXPECT_EQ((*back)[1], r);
    EXPECT_NE(receipts_root({legacy, r}), receipts_root({r, legacy}));
    // keccak(rlp([])) for no logs.
    EXPECT_EQ(logs_hash({}), kEmptyListHash);
}
