// Per-account statistics and the fraud feature row: what the node stores and screens with.
#include <gtest/gtest.h>

#include "moe/account_stats.hpp"
#include "moe/offline/contract_dataset.hpp"
#include "moe/offline/csv_reader.hpp"
#include "moe/inference.hpp"
#include "moe/offline/metrics.hpp"

namespace moe::nn {
namespace {

TxFacts transfer(std::uint64_t gwei, std::uint64_t time) {
    TxFacts t;
    t.value_gwei = gwei;
    t.gas_limit = 21000;
    t.timestamp = time;
    return t;
}

TEST(DistinctSketch, CountsExactlyBelowItsSizeAndEstimatesAbove) {
    DistinctSketch s;
    for (std::uint64_t k = 0; k < 10; ++k) {
        s.add(k);
        s.add(k);  // repeats do not count
    }
    EXPECT_EQ(s.estimate(), 10u);
    for (std::uint64_t k = 10; k < 5000; ++k) s.add(k * 7919);
    const auto e = s.estimate();
    EXPECT_GT(e, 2000u);  // KMV with K=16: within a factor ~2.5 with overwhelming probability
    EXPECT_LT(e, 12500u);
}

// seen() never denies a key that was added, and says "never" only where that is certain.
TEST(DistinctSketch, SeenNeverDeniesAnAddedKey) {
    DistinctSketch s;
    for (std::uint64_t k = 1; k <= 5; ++k) s.add(k);
    EXPECT_EQ(s.seen(3), DistinctSketch::Seen::kYes);
    EXPECT_EQ(s.seen(6), DistinctSketch::Seen::kNever);  // not full: exact
    for (std::uint64_t k = 6; k <= 2000; ++k) s.add(k * 104729);
    int unknown = 0, never = 0;
    for (std::uint64_t k = 6; k <= 2000; ++k) EXPECT_NE(s.seen(k * 104729), DistinctSketch::Seen::kNever) << k;
    for (std::uint64_t k = 1; k <= 5; ++k) EXPECT_NE(s.seen(k), DistinctSketch::Seen::kNever) << k;
    for (std::uint64_t k = 1; k <= 2000; ++k) {
        const auto seen = s.seen(k * 104729 + 1);  // never added
        EXPECT_NE(seen, DistinctSketch::Seen::kYes);  // the mix is a bijection: no false "yes"
        unknown += seen == DistinctSketch::Seen::kUnknown ? 1 : 0;
        never += seen == DistinctSketch::Seen::kNever ? 1 : 0;
    }
    EXPECT_GT(unknown, 1900);  // a full sketch keeps 16 of 2000: most keys cannot be told
    EXPECT_GT(never, 0);       // those below its largest kept value can
}

TEST(AccountStats, AppliesSentAndReceivedTransactions) {
    AccountStats a;
    a.apply_sent(transfer(5, 1000), 1, false);
    a.apply_sent(transfer(0, 1060), 2, true);
    a.apply_received(transfer(9, 5000), 3);
    EXPECT_EQ(a.sent, 2u);
    EXPECT_EQ(a.received, 1u);
    EXPECT_EQ(a.failures, 1u);
    EXPECT_EQ(a.sent_zero_value, 1u);
    EXPECT_EQ(a.max_sent_gwei, 5u);
    EXPECT_EQ(a.received_gwei, 9u);
    EXPECT_EQ(a.out_peers.estimate(), 2u);
    EXPECT_EQ(a.first_time, 1000u);
    EXPECT_EQ(a.last_time, 5000u);
    std::uint32_t gaps = 0;
    for (auto g : a.gaps) gaps += g;
    EXPECT_EQ(gaps, 2u);
}

TEST(AccountStats, SumsSaturateInsteadOfWrapping) {
    AccountStats a;
    a.apply_received(transfer(UINT64_MAX - 1, 1), 1);
    a.apply_received(transfer(UINT64_MAX - 1, 2), 1);
    EXPECT_EQ(a.received_gwei, UINT64_MAX);
}

TEST(AccountStats, EncodingRoundTripsAndRejectsDamage) {
    AccountStats a;
    for (std::uint64_t i = 0; i < 40; ++i) {
        TxFacts t = transfer(i * 1000, 100 + i * i * 60);
        t.data_size = 68;
        t.selector = 0xa9059cbb;
        t.type = TxType::kTokenTransfer;
        t.token = i % 3;
        a.apply_sent(t, i, i % 7 == 0);
        a.apply_received(transfer(i, 101 + i * i * 60), i + 100);
    }
    const core::Bytes b = a.encode();
    auto back = AccountStats::decode(b);
    ASSERT_TRUE(back.has_value()) << back.error();
    EXPECT_EQ(*back, a);
    EXPECT_FALSE(AccountStats::decode(core::ByteView(b).first(b.size() - 1)).has_value());
    core::Bytes extra = b;
    extra.push_back(0);
    EXPECT_FALSE(AccountStats::decode(extra).has_value());
    core::Bytes bad_version = b;
    bad_version[0] = 99;
    EXPECT_FALSE(AccountStats::decode(bad_version).has_value());
    EXPECT_FALSE(AccountStats::decode({}).has_value());
}

TEST(FraudFeatures, TypeIsOneHotAndHistoryShowsInTheRow) {
    AccountStats empty, busy;
    for (std::uint64_t i = 0; i < 50; ++i) busy.apply_sent(transfer(1'000'000'000, 1000 + i * 30), i, false);
    TxFacts call = transfer(0, 4000);
    call.type = TxType::kContractCall;
    call.data_size = 36;
    call.selector = 0x095ea7b3;  // approve
    const FraudFeatures fresh = fraud_features(call, empty, empty, kFraudFeatureSchema);
    const FraudFeatures seasoned = fraud_features(call, busy, empty, kFraudFeatureSchema);
    EXPECT_EQ(fresh[0], 0);
    EXPECT_EQ(fresh[1], 127);
    EXPECT_EQ(fresh[2], 0);
    EXPECT_EQ(fresh[3], 0);
    EXPECT_EQ(fresh[9], 127);  // an approval selector
    EXPECT_NE(fresh, seasoned);
    for (std::uint8_t v : seasoned) EXPECT_LE(v, 127);
}

/// Schema 3 refines whole halvings: counts within one (5 and 7 payments) and amounts (1.1 and
/// 1.9 ether) differ, larger stays larger, 0 stays "absent", and schema 2's row is unchanged.
TEST(FraudFeatures, SchemaThreeTellsApartWhatOneHalvingHolds) {
    constexpr int kRecipient = kTxFeatures + kAccountFeatures;
    auto recipient_after = [](int payments, std::uint64_t gwei_each) {
        AccountStats r;
        for (int i = 0; i < payments; ++i) r.apply_received(transfer(gwei_each, 1000 + static_cast<std::uint64_t>(i)), static_cast<std::uint64_t>(100 + i));
        return r;
    };
    const AccountStats empty;
    const TxFacts pay = transfer(0, 2000);
    for (std::uint32_t schema : {kFraudFeatureSchemaWhole, kFraudFeatureSchema}) {
        const FraudFeatures five = fraud_features(pay, empty, recipient_after(5, 1'000'000'000), schema);
        const FraudFeatures seven = fraud_features(pay, empty, recipient_after(7, 1'000'000'000), schema);
        const FraudFeatures eight = fraud_features(pay, empty, recipient_after(8, 1'000'000'000), schema);
        const int received = kRecipient + 2, distinct_senders = kRecipient + 8;
        if (schema == kFraudFeatureSchemaWhole) {
            EXPECT_EQ(five[received], seven[received]);  // bit width 3 either way
            EXPECT_EQ(five[distinct_senders], seven[distinct_senders]);
            EXPECT_EQ(five[kRecipient], 127);  // "active"
        } else {
            EXPECT_LT(five[received], seven[received]);
            EXPECT_LT(seven[received], eight[received]);
            EXPECT_LT(five[distinct_senders], seven[distinct_senders]);
            EXPECT_EQ(five[kRecipient], 127);  // every receipt from another sender
        }
    }
    // Amounts: 1.1 and 1.9 ether share a bit width (schema 2 alike), not a third of it (schema 3).
    const TxFacts small = transfer(1'100'000'000, 2000), large = transfer(1'900'000'000, 2000);
    EXPECT_EQ(fraud_features(small, empty, empty, kFraudFeatureSchemaWhole)[4], fraud_features(large, empty, empty, kFraudFeatureSchemaWhole)[4]);
    EXPECT_LT(fraud_features(small, empty, empty, kFraudFeatureSchema)[4], fraud_features(large, empty, empty, kFraudFeatureSchema)[4]);
    // Monotonic in the value, 0 only for 0, never above 127.
    std::uint8_t last = 0;
    for (std::uint64_t v = 0; v < (std::uint64_t{1} << 62); v += v / 4 + 1) {
        const std::uint8_t code = fraud_features(transfer(v, 2000), empty, empty, kFraudFeatureSchema)[4];
        EXPECT_GE(code, last) << v;
        EXPECT_LE(code, 127);
        EXPECT_EQ(code == 0, v == 0) << v;
        last = code;
    }
    // One party sent to by a single wallet many times: few distinct senders of many receipts.
    AccountStats topped_up;
    for (std::uint64_t i = 0; i < 20; ++i) topped_up.apply_received(transfer(1000, 1000 + i), 7);
    EXPECT_EQ(fraud_features(pay, empty, topped_up, kFraudFeatureSchema)[kRecipient], 127 / 20);
}

/// Schema 4 gives the four slots that repeated other features (5, 8, 32, 56) to what the
/// parties hold and whether they paid each other before; every other feature is schema 3's.
TEST(FraudFeatures, SchemaFourSaysWhatThePartiesHoldAndWhetherTheyPaidEachOther) {
    constexpr std::size_t kSenderPaid = kTxFeatures + 16, kRecipientPaid = kTxFeatures + kAccountFeatures + 16;
    constexpr std::uint64_t kAlice = 0xa11ce, kBob = 0xb0b, kCarol = 0xca401;
    AccountStats alice, bob;
    alice.apply_received(transfer(1000, 100), kCarol);  // alice holds 1000
    auto pay = [](std::uint64_t gwei, std::uint64_t from, std::uint64_t to) {
        TxFacts t = transfer(gwei, 200);
        t.sender_key = from;
        t.recipient_key = to;
        return t;
    };
    // A first payment alice -> bob of all she holds: a sweep to someone never paid.
    FraudFeatures f = fraud_features(pay(1000, kAlice, kBob), alice, bob, kFraudFeatureSchemaPairs);
    EXPECT_EQ(f[5], 127);
    EXPECT_EQ(f[8], 0);                 // bob holds nothing
    EXPECT_EQ(f[kSenderPaid], 0);       // alice never sent, bob never received: nothing to go by
    EXPECT_EQ(f[kRecipientPaid], 1);    // alice's senders are known, and bob is not one
    EXPECT_EQ(fraud_features(pay(250, kAlice, kBob), alice, bob, kFraudFeatureSchemaPairs)[5], 127 / 4);
    EXPECT_EQ(fraud_features(pay(0, kAlice, kBob), alice, bob, kFraudFeatureSchemaPairs)[5], 0);
    // After it, a second payment is to someone paid before, and bob holds what he got.
    alice.apply_sent(pay(600, kAlice, kBob), kBob, false);
    bob.apply_received(pay(600, kAlice, kBob), kAlice);
    f = fraud_features(pay(100, kAlice, kBob), alice, bob, kFraudFeatureSchemaPairs);
    EXPECT_EQ(f[kSenderPaid], 127);
    EXPECT_EQ(f[kRecipientPaid], 1);
    EXPECT_EQ(f[5], 127 / 4);           // 100 of the 400 she still holds
    EXPECT_GT(f[8], 0);
    // bob paying alice back: the recipient (alice) has paid the sender (bob) before.
    f = fraud_features(pay(10, kBob, kAlice), bob, alice, kFraudFeatureSchemaPairs);
    EXPECT_EQ(f[kSenderPaid], 1);
    EXPECT_EQ(f[kRecipientPaid], 127);
    // Two parties without history: absent, as every other feature's 0.
    const AccountStats empty;
    f = fraud_features(pay(10, kAlice, kBob), empty, empty, kFraudFeatureSchemaPairs);
    EXPECT_EQ(f[kSenderPaid], 0);
    EXPECT_EQ(f[kRecipientPaid], 0);
    // Everything else is schema 3's row.
    const FraudFeatures three = fraud_features(pay(100, kAlice, kBob), alice, bob, kFraudFeatureSchema);
    const FraudFeatures four = fraud_features(pay(100, kAlice, kBob), alice, bob, kFraudFeatureSchemaPairs);
    for (std::size_t i = 0; i < kFraudFeatures; ++i) {
        if (i != 5 && i != 8 && i != kSenderPaid && i != kRecipientPaid) {
            EXPECT_EQ(three[i], four[i]) << i;
        }
    }
}

TEST(ContractDataset, SkeletonIgnoresPushOperandsAndMetadata) {
    const core::Bytes a = *core::from_hex("6080604052600436106100415763ffffffff00", {.require_prefix = false});
    const core::Bytes b = *core::from_hex("6080604052600536106100995763aaaaaaaa00", {.require_prefix = false});
    const core::Bytes c = *core::from_hex("6080604052600436106100415763ffffffff01", {.require_prefix = false});
    EXPECT_EQ(code_skeleton(a), code_skeleton(b));
    EXPECT_NE(code_skeleton(a), code_skeleton(c));
    // A CBOR metadata trailer (a1 ... 0009: nine bytes of map) is stripped.
    core::Bytes with_meta = a;
    for (std::uint8_t x : {0xa1, 0x65, 0x62, 0x7a, 0x7a, 0x72, 0x30, 0x58, 0x20, 0x00, 0x09}) with_meta.push_back(x);
    EXPECT_EQ(code_skeleton(with_meta), code_skeleton(a));
}

TEST(ContractDataset, InterfaceNamesTokenStandards) {
    auto dispatcher = [](std::initializer_list<std::string_view> sels) {
        std::string h = "60003560e01c";
        for (auto s : sels) h += std::string("8063") + std::string(s) + "1461010057";
        return *core::from_hex(h + "00", {.require_prefix = false});
    };
    EXPECT_EQ(interface_class(dispatcher({"a9059cbb", "70a08231", "095ea7b3"}), ContractClass::kOther), ContractClass::kErc20);
    EXPECT_EQ(interface_class(dispatcher({"6352211e", "42842e0e", "70a08231"}), ContractClass::kOther), ContractClass::kErc721);
    EXPECT_EQ(interface_class(dispatcher({"12345678"}), ContractClass::kPonzi), ContractClass::kPonzi);
    EXPECT_EQ(interface_class(dispatcher({"4e1273f4", "2eb2c2d6", "00fdd58e"}), ContractClass::kOther), ContractClass::kErc1155);
    EXPECT_EQ(interface_class(dispatcher({"0902f1ac", "022c0d9f", "a9059cbb", "70a08231", "095ea7b3"}), ContractClass::kOther),
              ContractClass::kDex);  // a pair is also its liquidity token, but a pair first
    EXPECT_EQ(interface_class(dispatcher({"c9c65396", "e6a43905"}), ContractClass::kOther), ContractClass::kFactory);
    for (int c = 0; c < kContractClasses; ++c) {
        EXPECT_EQ(contract_class_named(to_string(static_cast<ContractClass>(c))), static_cast<ContractClass>(c));
    }
    EXPECT_EQ(contract_class_named("token"), std::nullopt);
}

TEST(CsvReader, ParsesDecimalsWithSaturationAndDroppedDigits) {
    EXPECT_EQ(*parse_decimal("1000000000", 9), 1u);
    EXPECT_EQ(*parse_decimal("123", 9), 0u);
    EXPECT_EQ(*parse_decimal("99999999999999999999999999999"), UINT64_MAX);
    EXPECT_FALSE(parse_decimal("12a").has_value());
    EXPECT_FALSE(parse_decimal("").has_value());
    EXPECT_FALSE(CsvReader::open("/nonexistent/file.csv").has_value());
}

TEST(Metrics, RocAucAndMacroF1) {
    EXPECT_DOUBLE_EQ(roc_auc({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1}), 0.75);
    const auto r = classification_report({0, 0, 1, 1}, {0, 1, 1, 1}, 2);
    EXPECT_NEAR(r.f1[0], 2.0 / 3.0, 1e-12);
    EXPECT_NEAR(r.f1[1], 0.8, 1e-12);
    EXPECT_EQ(r.confusion[0][1], 1);
}

TEST(Inference, RefusesAModelOfAnotherTask) {
    MoeModel m;  // task 0: not a contract model
    m.num_features = 4;
    m.output_dim = 2;
    m.top_k = 1;
    m.output_kind = OutputKind::kClass;
    m.gate.linear = {4, 1, std::vector<std::int8_t>(4, 1), {0}, {}};
    m.experts.push_back({{QuantLinear{4, 2, std::vector<std::int8_t>(8, 1), {0, 0}, {}}}});
    const core::Bytes code = {0x60, 0x00};
    auto v = classify_contract(m, code);
    ASSERT_FALSE(v.has_value());
    EXPECT_EQ(v.error(), InferenceError::kWrongTask);
    const std::uint8_t row[4] = {1, 2, 3, 4};
    EXPECT_EQ(screen_transaction(m, row).error(), InferenceError::kWrongTask);
}

}  // namespace
}  // namespace moe::nn
