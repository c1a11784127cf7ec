#include <gtest/gtest.h>

#include <algorithm>

#include "consensus/evidence.hpp"
#include "consensus/verdicts.hpp"
#include "core/keccak.hpp"
#include "core/rlp.hpp"
#include "test_keys.hpp"

namespace moe::consensus {
namespace {

using testing::block;
using testing::kChainId;
using testing::keyring;
using testing::signed_vote;

// The empty string is the (valid) empty extension; every other prefix of a non-empty one must fail.
const auto kDecodeExtension = [](const core::Bytes& b) -> std::expected<VerdictExtension, std::string> {
    if (b.empty()) return std::unexpected("the empty extension");
    return VerdictExtension::decode(b);
};
const auto kEncodeExtension = [](const VerdictExtension& e) { return e.encode(); };
const auto kDecodeRouted = [](const core::Bytes& b) { return RoutedVerdicts::decode(b); };
const auto kEncodeRouted = [](const RoutedVerdicts& r) { return r.encode(); };
const auto kDecodeWrong = [](const core::Bytes& b) { return WrongVerdictEvidence::decode(b); };
const auto kEncodeWrong = [](const WrongVerdictEvidence& w) { return w.encode(); };
const auto kDecodeData = [](const core::Bytes& b) { return ConsensusData::decode(b); };
const auto kEncodeData = [](const ConsensusData& d) { return d.encode(); };

core::Hash txn(std::string_view name) { return core::keccak256(core::as_bytes(name)); }

Verdict verdict(const core::Hash& t, std::uint32_t expert, std::uint32_t score, std::uint8_t cls = 0) {
    return Verdict{.txn_hash = t, .expert = expert, .score = score, .contract_class = cls};
}

// Validators with the given powers, every one hosting expert 0, and the committees of it.
struct Committee {
    testing::Keyring ring;
    ExpertCommittees committees;
    const core::Address& a(std::size_t i) const { return ring.set.validators()[i].address; }
};

Committee committee(const std::vector<std::uint64_t>& powers, std::vector<std::uint32_t> experts = {0}) {
    auto ring = keyring(powers);
    std::vector<ExpertHost> hosts;
    for (const auto& v : ring.set.validators()) hosts.push_back(ExpertHost{.validator = v.address, .power = 0, .experts = experts});
    auto c = ExpertCommittees::build(ring.set, hosts, 1);
    return Committee{std::move(ring), std::move(c)};
}

// The score a committee of `powers` (member i answering scores[i]) aggregates to.
std::optional<std::uint32_t> median(const std::vector<std::uint64_t>& powers, const std::vector<std::uint32_t>& scores) {
    const auto c = committee(powers);
    std::vector<Answer> answers;  // testing::key(i) has powers[i]
    for (std::size_t i = 0; i < scores.size(); ++i)
        answers.emplace_back(testing::key(static_cast<int>(i)).address(), verdict(txn("t"), 0, scores[i]));
    const auto agg = aggregate(txn("t"), 0, c.committees, answers, 0);
    if (!agg) return std::nullopt;
    return agg->score;
}

TEST(VerdictExtension, EmptyIsTheEmptyString) {
    EXPECT_TRUE(VerdictExtension{}.encode().empty());
    EXPECT_TRUE(VerdictExtension::decode({}).value().verdicts.empty());
    // rlp([1, []]) is not canonical: the empty extension has one encoding.
    core::Bytes p;
    core::rlp::encode(p, std::uint64_t{1});
    const auto empty_list = core::rlp::wrap_list({});
    p.insert(p.end(), empty_list.begin(), empty_list.end());
    EXPECT_FALSE(VerdictExtension::decode(core::rlp::wrap_list(p)).has_value());
}

TEST(VerdictExtension, RoundTripsAndRefusesEveryTruncationAndFlip) {
    VerdictExtension ext{{verdict(txn("b"), 0, 10000, 4), verdict(txn("a"), 3, 0, 255), verdict(txn("a"), 1, 77, 1)}};
    ext.normalize();
    ASSERT_EQ(ext.verdicts.size(), 3u);
    const auto decoded = VerdictExtension::decode(ext.encode()).value();
    EXPECT_EQ(decoded.verdicts, ext.verdicts);
    testing::expect_tamper_evident(ext.encode(), kDecodeExtension, kEncodeExtension);
}

TEST(VerdictExtension, DecodeRefusesUnsortedDuplicateAndOutOfRange) {
    const auto lo = std::min(txn("a"), txn("b"));
    const auto hi = std::max(txn("a"), txn("b"));
    EXPECT_TRUE(VerdictExtension::decode(VerdictExtension{{verdict(lo, 1, 5), verdict(lo, 2, 5), verdict(hi, 0, 5)}}.encode()));
    EXPECT_FALSE(VerdictExtension::decode(VerdictExtension{{verdict(hi, 0, 5), verdict(lo, 1, 5)}}.encode()));
    EXPECT_FALSE(VerdictExtension::decode(VerdictExtension{{verdict(lo, 2, 5), verdict(lo, 1, 5)}}.encode()));
    EXPECT_FALSE(VerdictExtension::decode(VerdictExtension{{verdict(lo, 1, 5), verdict(lo, 1, 5)}}.encode()));
    EXPECT_FALSE(VerdictExtension::decode(VerdictExtension{{verdict(lo, 1, 5), verdict(lo, 1, 6)}}.encode()));
    EXPECT_FALSE(VerdictExtension::decode(VerdictExtension{{verdict(lo, 1, kMaxScore + 1)}}.encode()));
    // normalize() is what makes an unsorted, duplicated list encodable.
    VerdictExtension messy{{verdict(hi, 0, 5), verdict(lo, 1, 5), verdict(lo, 1, 9)}};
    messy.normalize();
    EXPECT_EQ(messy.verdicts, (std::vector<Verdict>{verdict(lo, 1, 5), verdict(hi, 0, 5)}));
    // Another layout version is refused.
    core::Bytes p;
    core::rlp::encode(p, std::uint64_t{2});
    const auto inner = VerdictExtension{{verdict(lo, 1, 5)}}.encode();
    core::ByteView view = inner;
    auto body = core::rlp::decode_list(view).value();
    core::rlp::decode_u64(body).value();
    p.insert(p.end(), body.begin(), body.end());
    EXPECT_FALSE(VerdictExtension::decode(core::rlp::wrap_list(p)).has_value());
}

TEST(VerdictExtension, AFullExtensionFitsAVoteAndOneMoreIsRefused) {
    VerdictExtension ext;
    for (std::size_t i = 0; i < kMaxVerdictsPerExtension; ++i) {
        core::Hash h;
        h.bytes.fill(0xff);
        h.bytes[0] = static_cast<std::uint8_t>(0x80 + i / 256);
        h.bytes[1] = static_cast<std::uint8_t>(i % 256);
        ext.verdicts.push_back(verdict(h, 0xffffffffu, kMaxScore, 255));
    }
    const auto bytes = ext.encode();
    EXPECT_LE(bytes.size(), kMaxExtensionSize);
    EXPECT_TRUE(VerdictExtension::decode(bytes).has_value());
    const auto k = testing::key(0);
    EXPECT_TRUE(Vote::decode(signed_vote(k, VoteType::kPrecommit, 1, 0, block("x"), bytes).encode()).has_value());
    core::Hash last;
    last.bytes.fill(0xff);
    ext.verdicts.push_back(verdict(last, 0, 0));
    EXPECT_FALSE(VerdictExtension::decode(ext.encode()).has_value());
}

TEST(Aggregate, StakeWeightedMedianOnOddEvenAndSplitStakes) {
    EXPECT_EQ(median({1, 1, 1}, {30, 10, 20}), 20u);         // odd, equal stakes: the middle
    EXPECT_EQ(median({1, 1}, {10, 20}), 10u);                // even, exact split: the lower
    EXPECT_EQ(median({2, 2}, {20, 10}), 10u);
    EXPECT_EQ(median({1, 1, 1, 1}, {40, 10, 30, 20}), 20u);  // even count: the lower middle
    EXPECT_EQ(median({1, 2, 1}, {10, 20, 30}), 20u);
    EXPECT_EQ(median({5, 1, 1}, {90, 10, 20}), 90u);         // one heavy member outweighs the rest
    EXPECT_EQ(median({3, 1}, {50, 10}), 50u);
    EXPECT_EQ(median({1, 3}, {50, 10}), 10u);
    EXPECT_EQ(median({7}, {4321}), 4321u);
}

TEST(Aggregate, PresentOnlyFromTheQuorumOfTheCommitteesPower) {
    const auto c = committee({1, 2, 3});  // total 6
    const auto p = [&](std::size_t i) { return c.ring.set.validators()[i].power; };
    std::vector<std::size_t> order{0, 1, 2};  // indices by power
    std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return p(x) < p(y); });
    const auto answers_of = [&](std::vector<std::size_t> who) {
        std::vector<Answer> out;
        for (const auto i : who) out.emplace_back(c.a(order[i]), verdict(txn("t"), 0, 100));
        return out;
    };
    // 2/3 of 6 is 4: power 1 + 3 = 4 falls short of 6667 bps, 2 + 3 = 5 reaches it.
    EXPECT_FALSE(aggregate(txn("t"), 0, c.committees, answers_of({0, 2}), 6667).has_value());
    EXPECT_TRUE(aggregate(txn("t"), 0, c.committees, answers_of({1, 2}), 6667).has_value());
    // Exactly at the bar counts: 3 of 6 at 5000 bps.
    EXPECT_TRUE(aggregate(txn("t"), 0, c.committees, answers_of({2}), 5000).has_value());
    EXPECT_FALSE(aggregate(txn("t"), 0, c.committees, answers_of({1}), 5000).has_value());
    // Nobody answering is never a verdict, even at a zero bar; above 10000 reads as everyone.
    EXPECT_FALSE(aggregate(txn("t"), 0, c.committees, {}, 0).has_value());
    EXPECT_FALSE(aggregate(txn("t"), 0, c.committees, answers_of({1, 2}), 20000).has_value());
    EXPECT_TRUE(aggregate(txn("t"), 0, c.committees, answers_of({0, 1, 2}), 20000).has_value());
}

TEST(Aggregate, TheQuorumIsOfTheMembersTheCertificateCarries) {
    const auto c = committee({1, 1});  // a committee of two, as `moed testnet` seats experts
    const std::vector<Answer> one{{c.a(0), verdict(txn("t"), 0, 100)}};
    // Both members signed the certificate: one answer is half the power, short of 6667 bps.
    std::vector<core::Address> both{c.a(0), c.a(1)};
    std::sort(both.begin(), both.end());
    EXPECT_FALSE(aggregate(txn("t"), 0, c.committees, one, 6667, &both).has_value());
    // The other member's precommit is not in the certificate (a commit needs only 2/3 of the
    // set): the one that is there answers for the committee.
    const std::vector<core::Address> first{c.a(0)};
    const auto agg = aggregate(txn("t"), 0, c.committees, one, 6667, &first);
    ASSERT_TRUE(agg.has_value());
    EXPECT_EQ(agg->score, 100u);
    EXPECT_EQ(agg->answered, first);
    // An answer from a member the certificate does not carry is still no answer on its own.
    const std::vector<core::Address> second{c.a(1)};
    EXPECT_FALSE(aggregate(txn("t"), 0, c.committees, {}, 6667, &second).has_value());
}

TEST(Aggregate, OnlyOneAnswerOfEachMemberOfThatCommitteeCounts) {
    auto ring = keyring({1, 1, 1, 1});
    const auto& vs = ring.set.validators();
    // Expert 0: members 0 and 1. Member 2 hosts expert 5 only; member 3 hosts nothing.
    const auto c = ExpertCommittees::build(ring.set,
                                           {ExpertHost{vs[0].address, 0, {0}}, ExpertHost{vs[1].address, 0, {0}},
                                            ExpertHost{vs[2].address, 0, {5}}},
                                           1);
    const auto stranger = testing::key(77).address();
    const std::vector<Answer> answers{
        {vs[0].address, verdict(txn("t"), 0, 10)},
        {vs[2].address, verdict(txn("t"), 0, 9000)},   // not a member of expert 0's committee
        {vs[3].address, verdict(txn("t"), 0, 9000)},   // hosts nothing
        {stranger, verdict(txn("t"), 0, 9000)},        // not a validator
        {vs[0].address, verdict(txn("t"), 0, 9000)},   // a second answer of member 0
        {vs[1].address, verdict(txn("u"), 0, 9000)},   // another transaction
        {vs[1].address, verdict(txn("t"), 5, 9000)},   // another expert
        {vs[1].address, verdict(txn("t"), 0, 20)},
    };
    const auto agg = aggregate(txn("t"), 0, c, answers, 10000).value();
    EXPECT_EQ(agg.score, 10u);
    std::vector<core::Address> both{vs[0].address, vs[1].address};
    EXPECT_EQ(agg.answered, both);
    EXPECT_FALSE(aggregate(txn("t"), 7, c, answers, 0).has_value());  // unserved expert
}

TEST(Aggregate, ClassIsTheStakeWeightedPluralityWithTiesToTheLowerClass) {
    const auto c = committee({1, 1, 2});
    const auto p = [&](std::size_t i) { return c.ring.set.validators()[i].power; };
    std::size_t heavy = 0;
    for (std::size_t i = 1; i < 3; ++i)
        if (p(i) > p(heavy)) heavy = i;
    std::vector<Answer> answers;
    for (std::size_t i = 0; i < 3; ++i)
        answers.emplace_back(c.a(i), verdict(txn("t"), 0, 1, i == heavy ? std::uint8_t{4} : std::uint8_t{2}));
    EXPECT_EQ(aggregate(txn("t"), 0, c.committees, answers, 0)->contract_class, 2u);  // 2 vs 2: the lower
    answers.pop_back();
    answers.clear();
    for (std::size_t i = 0; i < 3; ++i)
        answers.emplace_back(c.a(i), verdict(txn("t"), 0, 1, i == heavy ? std::uint8_t{1} : std::uint8_t{3}));
    EXPECT_EQ(aggregate(txn("t"), 0, c.committees, answers, 0)->contract_class, 1u);  // 2 vs 2: the lower
}

// A commit certificate of all members of `c` for block "b" at height 9, member i's extension `exts[i]`.
CommitCertificate certificate(const Committee& c, const std::vector<VerdictExtension>& exts) {
    CommitCertificate cert{.height = 9, .round = 0, .block_hash = block("b"), .signatures = {}};
    for (std::size_t i = 0; i < c.ring.keys.size(); ++i) {
        const auto v = signed_vote(c.ring.keys[i], VoteType::kPrecommit, 9, 0, block("b"), exts[i].encode());
        cert.signatures.push_back(CommitSignature{.validator = v.validator, .signature = v.signature,
                                                  .extension = v.extension, .extension_signature = v.extension_signature});
    }
    return cert;
}

TEST(VerifyAggregation, RecomputesFromTheCertificateAndCatchesTampering) {
    const auto c = committee({1, 2, 3, 4}, {0, 1});
    std::vector<VerdictExtension> exts(4);
    for (std::size_t i = 0; i < 4; ++i) {
        exts[i].verdicts = {verdict(txn("t"), 0, static_cast<std::uint32_t>(100 * (i + 1)), 2)};
        if (i < 2) exts[i].verdicts.push_back(verdict(txn("t"), 1, 7));  // expert 1: too few answers
        exts[i].normalize();
    }
    const auto cert = certificate(c, exts);
    ASSERT_TRUE(cert.verify(c.ring.set, kChainId).has_value());
    const auto all = aggregate_certificate(cert, c.committees, 6667);
    ASSERT_EQ(all.size(), 1u);
    const auto& claimed = all[0];
    EXPECT_EQ(claimed.expert, 0u);
    EXPECT_EQ(claimed.answered.size(), 4u);
    // What a block's import checks a claim against: the certificate read once.
    auto verifies = [&](const std::vector<AggregatedVerdict>& claims, std::uint64_t quorum) {
        return verify_aggregations(RoutedVerdicts{.verdicts = claims, .failovers = {}}, read_certificate(cert, c.committees, quorum))
            .has_value();
    };
    EXPECT_TRUE(verifies({claimed}, 6667));
    EXPECT_TRUE(verifies(all, 6667));

    auto score = claimed;
    score.score += 1;
    EXPECT_FALSE(verifies({score}, 6667));
    auto cls = claimed;
    cls.contract_class = 3;
    EXPECT_FALSE(verifies({cls}, 6667));
    auto fewer = claimed;
    fewer.answered.pop_back();
    EXPECT_FALSE(verifies({fewer}, 6667));
    auto other = claimed;
    other.txn_hash = txn("nobody answered");
    EXPECT_FALSE(verifies({other}, 6667));
    EXPECT_FALSE(verifies({claimed, score}, 6667)) << "one tampered claim among honest ones";
    // Expert 1's two answers do not reach the quorum; a claim for it is refused.
    AggregatedVerdict expert1{.txn_hash = txn("t"), .expert = 1, .score = 7, .contract_class = 0, .answered = {}};
    expert1.answered = aggregate(txn("t"), 1, c.committees, collect_answers(cert)[{txn("t"), 1}], 0)->answered;
    EXPECT_FALSE(verifies({expert1}, 6667));
    EXPECT_TRUE(verifies({expert1}, 0));

    // The certificate read once holds the answers and, per (transaction, expert), the
    // aggregation of those answers alone.
    for (const std::uint64_t quorum : {std::uint64_t{6667}, std::uint64_t{0}}) {
        const CertificateVerdicts read = read_certificate(cert, c.committees, quorum);
        EXPECT_EQ(read.answers, collect_answers(cert));
        auto signers = cert.signers();
        std::sort(signers.begin(), signers.end());
        std::size_t supported = 0;
        for (const auto& [key, answers] : read.answers) {
            const auto alone = aggregate(key.first, key.second, c.committees, answers, quorum, &signers);
            const auto it = read.aggregated.find(key);
            ASSERT_EQ(alone.has_value(), it != read.aggregated.end()) << "expert " << key.second << ", quorum " << quorum;
            if (alone) EXPECT_EQ(*alone, it->second);
            supported += alone ? 1 : 0;
        }
        EXPECT_EQ(read.aggregated.size(), supported);
    }
}

TEST(VerifyAggregation, AnUndecodableExtensionCountsAsNoAnswer) {
    const auto c = committee({1, 1, 1});
    std::vector<VerdictExtension> exts(3);
    for (std::size_t i = 0; i < 3; ++i) exts[i].verdicts = {verdict(txn("t"), 0, 50)};
    auto cert = certificate(c, exts);
    const auto k = c.ring.keys[2];
    const auto garbage = signed_vote(k, VoteType::kPrecommit, 9, 0, block("b"), core::Bytes{0xc1, 0x01});
    cert.signatures[2].extension = garbage.extension;
    cert.signatures[2].extension_signature = garbage.extension_signature;
    ASSERT_TRUE(cert.verify(c.ring.set, kChainId).has_value());
    const auto all = aggregate_certificate(cert, c.committees, 0);
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].answered.size(), 2u);
}

TEST(RoutedVerdicts, RoundTripsAndRefusesEveryTruncationAndFlip) {
    const auto c = committee({1, 2});
    RoutedVerdicts r;
    const auto lo = std::min(txn("a"), txn("b"));
    const auto hi = std::max(txn("a"), txn("b"));
    std::vector<core::Address> both{c.a(0), c.a(1)};
    r.verdicts = {AggregatedVerdict{lo, 0, 10000, 5, both}, AggregatedVerdict{lo, 3, 0, 0, {c.a(1)}},
                  AggregatedVerdict{hi, 0, 17, 2, {c.a(0)}}};
    r.failovers = {Failover{lo, 1}, Failover{hi, 4}};
    EXPECT_EQ(RoutedVerdicts::decode(r.encode()).value(), r);
    EXPECT_EQ(r.failover_of(hi), 4u);
    EXPECT_EQ(r.failover_of(txn("c")), 0u);
    testing::expect_tamper_evident(r.encode(), kDecodeRouted, kEncodeRouted);

    auto unsorted = r;
    std::swap(unsorted.verdicts[0], unsorted.verdicts[2]);
    EXPECT_FALSE(RoutedVerdicts::decode(unsorted.encode()).has_value());
    auto dup = r;
    dup.verdicts[1].expert = 0;
    EXPECT_FALSE(RoutedVerdicts::decode(dup.encode()).has_value());
    auto nobody = r;
    nobody.verdicts[0].answered.clear();
    EXPECT_FALSE(RoutedVerdicts::decode(nobody.encode()).has_value());
    auto unordered = r;
    std::swap(unordered.verdicts[0].answered[0], unordered.verdicts[0].answered[1]);
    EXPECT_FALSE(RoutedVerdicts::decode(unordered.encode()).has_value());
    auto zero = r;
    zero.failovers[0].ranks = 0;
    EXPECT_FALSE(RoutedVerdicts::decode(zero.encode()).has_value());
    auto twice = r;
    twice.failovers[1].txn_hash = lo;
    EXPECT_FALSE(RoutedVerdicts::decode(twice.encode()).has_value());
}

AggregatedVerdict agg(const core::Hash& t, std::uint32_t expert) {
    return AggregatedVerdict{.txn_hash = t, .expert = expert, .score = 1, .contract_class = 0, .answered = {}};
}

RoutedVerdicts sorted(std::vector<AggregatedVerdict> vs, std::vector<Failover> fs = {}) {
    std::sort(vs.begin(), vs.end(), [](const auto& a, const auto& b) {
        return a.txn_hash != b.txn_hash ? a.txn_hash < b.txn_hash : a.expert < b.expert;
    });
    std::sort(fs.begin(), fs.end(), [](const auto& a, const auto& b) { return a.txn_hash < b.txn_hash; });
    return RoutedVerdicts{std::move(vs), std::move(fs)};
}

TEST(VerifyRouting, TheBlockMustCarryExactlyThePlannedExpertsVerdicts) {
    const std::vector<core::Hash> txns{txn("x"), txn("y"), txn("z")};
    // x and y prefer expert 0, z has no served expert; k = 1 over 3 experts at 100%, so
    // capacity 1 for the first three transactions: y overflows to 1.
    const RoutingRule one{.top_k = 1, .capacity_percent = 100, .served = 3};
    const std::vector<std::vector<std::uint32_t>> rankings{{0, 1, 2}, {0, 1, 2}, {}};
    const std::vector<std::vector<std::uint32_t>> every{{0, 1, 2}, {0, 1, 2}, {}};  // every committee answered
    EXPECT_TRUE(verify_routing(txns, rankings, every, one, sorted({agg(txns[0], 0), agg(txns[1], 1)})));
    EXPECT_FALSE(verify_routing(txns, rankings, every, one, sorted({agg(txns[0], 0), agg(txns[1], 0)})));  // over capacity
    EXPECT_FALSE(verify_routing(txns, rankings, every, one, sorted({agg(txns[0], 0)})));                   // y unscreened
    EXPECT_FALSE(verify_routing(txns, rankings, every, one,
                                sorted({agg(txns[0], 0), agg(txns[1], 1), agg(txns[1], 2)})));  // an extra verdict
    EXPECT_FALSE(verify_routing(txns, rankings, every, one,
                                sorted({agg(txns[0], 0), agg(txns[1], 1), agg(txn("w"), 0)})));  // not in the block
    // A failover of x by one rank moves it to 1, and y keeps its first choice.
    EXPECT_TRUE(verify_routing(txns, rankings, every, one, sorted({agg(txns[0], 1), agg(txns[1], 0)}, {{txns[0], 1}})));
    // A failover past the last served expert, or for a transaction not in the block, is refused.
    EXPECT_FALSE(verify_routing(txns, rankings, every, one, sorted({agg(txns[1], 0)}, {{txns[0], 3}})));
    EXPECT_FALSE(verify_routing(txns, rankings, every, one,
                                sorted({agg(txns[0], 0), agg(txns[1], 1)}, {{txn("w"), 1}})));
    // A transaction that finds every expert of its ranking full cannot be in the block.
    const std::vector<core::Hash> two{txn("x"), txn("y")};
    EXPECT_FALSE(verify_routing(two, {{0}, {0}}, {{0}, {0}}, one, sorted({agg(two[0], 0)})));
    EXPECT_FALSE(verify_routing(two, {{0}}, {{0}}, one, sorted({agg(two[0], 0)})));  // a ranking missing
}

TEST(VerifyRouting, AnUnansweredOverflowChoiceIsPassedOverAndASilentFirstChoiceIsNot) {
    // As above (k = 1, capacity 1 for the first three): y overflows past the full expert 0.
    const std::vector<core::Hash> txns{txn("x"), txn("y")};
    const RoutingRule one{.top_k = 1, .capacity_percent = 100, .served = 3};
    const std::vector<std::vector<std::uint32_t>> rankings{{0, 1, 2}, {0, 1, 2}};
    // Nobody answered for y's expert 1 (the pools the committees planned from overflowed y
    // elsewhere): the block gives y to 2, the next-ranked expert that answered.
    const std::vector<std::vector<std::uint32_t>> no_one{{0}, {0, 2}};
    EXPECT_TRUE(verify_routing(txns, rankings, no_one, one, sorted({agg(txns[0], 0), agg(txns[1], 2)})));
    EXPECT_FALSE(verify_routing(txns, rankings, no_one, one, sorted({agg(txns[0], 0), agg(txns[1], 1)})));
    // Nobody answered for y at all past the full expert: y cannot be in the block.
    EXPECT_FALSE(verify_routing(txns, rankings, {{0}, {0}}, one, sorted({agg(txns[0], 0)})));
    // x's first choice (0, with room) was silent: x is not in the block unless it fails over,
    // whatever else answered; failed over by one rank it goes to 1.
    const std::vector<std::vector<std::uint32_t>> silent{{1, 2}, {0, 1, 2}};
    EXPECT_FALSE(verify_routing(txns, rankings, silent, one, sorted({agg(txns[0], 1), agg(txns[1], 0)})));
    EXPECT_FALSE(verify_routing(txns, rankings, silent, one, sorted({agg(txns[1], 0)})));
    EXPECT_TRUE(verify_routing(txns, rankings, silent, one, sorted({agg(txns[0], 1), agg(txns[1], 0)}, {{txns[0], 1}})));
    // The answered experts are one list per transaction.
    EXPECT_FALSE(verify_routing(txns, rankings, {{0}}, one, sorted({agg(txns[0], 0), agg(txns[1], 1)})));
}

WrongVerdictEvidence wrong_verdict(const core::PrivateKey& k, const Verdict& claimed, std::uint32_t recomputed) {
    VerdictExtension ext{{verdict(txn("other"), 0, 1), claimed}};
    ext.normalize();
    return WrongVerdictEvidence{.precommit_with_extension =
                                    signed_vote(k, VoteType::kPrecommit, 12, 1, block("b"), ext.encode()),
                                .claimed = claimed,
                                .recomputed_score = recomputed};
}

TEST(WrongVerdictEvidence, SignedVerdictThatDiffersIsEvidence) {
    const auto ring = keyring({1, 1, 1});
    const auto claimed = verdict(txn("t"), 2, 9000, 1);
    const auto ev = wrong_verdict(ring.keys[0], claimed, 12);
    EXPECT_TRUE(ev.verify(ring.set, kChainId).has_value());
    EXPECT_FALSE(ev.verify(ring.set, kChainId + 1).has_value());
    const auto decoded = WrongVerdictEvidence::decode(ev.encode()).value();
    EXPECT_EQ(decoded.hash(), ev.hash());
    EXPECT_TRUE(decoded.verify(ring.set, kChainId).has_value());
    testing::expect_tamper_evident(ev.encode(), kDecodeWrong, kEncodeWrong);

    // The same score is no evidence.
    EXPECT_FALSE(wrong_verdict(ring.keys[0], claimed, 9000).verify(ring.set, kChainId).has_value());
    EXPECT_FALSE(WrongVerdictEvidence::decode(wrong_verdict(ring.keys[0], claimed, 9000).encode()).has_value());
    // A verdict the extension does not hold is no evidence.
    auto not_signed = ev;
    not_signed.claimed.score = 8999;
    EXPECT_FALSE(not_signed.verify(ring.set, kChainId).has_value());
    EXPECT_FALSE(WrongVerdictEvidence::decode(not_signed.encode()).has_value());
    // An extension changed after signing fails its signature.
    auto forged = ev;
    VerdictExtension ext{{claimed}};
    forged.precommit_with_extension.extension = ext.encode();
    EXPECT_TRUE(forged.check_contents().has_value());
    EXPECT_FALSE(forged.verify(ring.set, kChainId).has_value());
    // A signer outside the set is no evidence against the set.
    EXPECT_FALSE(wrong_verdict(testing::key(40), claimed, 12).verify(ring.set, kChainId).has_value());
}

TEST(ConsensusDataRouting, WithoutRoutingTheEncodingIsUnchanged) {
    ConsensusData d;
    core::Bytes p;
    const auto empty = core::rlp::wrap_list({});
    p.insert(p.end(), empty.begin(), empty.end());
    p.insert(p.end(), empty.begin(), empty.end());
    EXPECT_EQ(d.encode(), core::rlp::wrap_list(p));
    EXPECT_TRUE(ConsensusData::decode(d.encode()).value().routed.empty());
    // An empty routed item, or an empty wrong-verdict list, is not canonical.
    core::Bytes with_empty = p;
    const auto r = RoutedVerdicts{}.encode();
    with_empty.insert(with_empty.end(), r.begin(), r.end());
    EXPECT_FALSE(ConsensusData::decode(core::rlp::wrap_list(with_empty)).has_value());
    with_empty.insert(with_empty.end(), empty.begin(), empty.end());
    EXPECT_FALSE(ConsensusData::decode(core::rlp::wrap_list(with_empty)).has_value());
}

TEST(ConsensusDataRouting, RoundTripsRoutedVerdictsAndWrongVerdicts) {
    const auto ring = keyring({1, 1});
    ConsensusData d;
    d.routed.verdicts = {AggregatedVerdict{txn("t"), 0, 40, 1, {ring.set.validators()[0].address}}};
    const auto only_routed = ConsensusData::decode(d.encode()).value();
    EXPECT_EQ(only_routed.routed, d.routed);
    EXPECT_EQ(only_routed.encode(), d.encode());
    testing::expect_tamper_evident(d.encode(), kDecodeData, kEncodeData);

    ConsensusData w;
    w.wrong_verdicts = {wrong_verdict(ring.keys[1], verdict(txn("t"), 0, 40), 41)};
    const auto only_wrong = ConsensusData::decode(w.encode()).value();
    EXPECT_TRUE(only_wrong.routed.empty());
    ASSERT_EQ(only_wrong.wrong_verdicts.size(), 1u);
    EXPECT_EQ(only_wrong.wrong_verdicts[0].hash(), w.wrong_verdicts[0].hash());
    EXPECT_EQ(only_wrong.encode(), w.encode());
    EXPECT_NE(w.hash(), ConsensusData{}.hash());
}

}  // namespace
}  // namespace moe::consensus
