#include <gtest/gtest.h>

#include "consensus/certificate.hpp"
#include "consensus/evidence.hpp"
#include "consensus/vote.hpp"
#include "consensus/vote_set.hpp"
#include "core/keccak.hpp"
#include "core/rlp.hpp"
#include "test_keys.hpp"

namespace moe::consensus {
namespace {

using testing::block;
using testing::kChainId;
using testing::keyring;
using testing::signed_proposal;
using testing::signed_vote;

const auto kDecodeVote = [](const core::Bytes& b) { return Vote::decode(b); };
const auto kEncodeVote = [](const Vote& v) { return v.encode(); };

TEST(Vote, DigestIsTheDecisionsRlpList) {
    const auto v = signed_vote(testing::key(0), VoteType::kPrecommit, 7, 2, block("a"));
    core::Bytes p;
    core::rlp::encode(p, core::as_bytes("moechain/vote"));
    core::rlp::encode(p, kChainId);
    core::rlp::encode(p, std::uint64_t{2});
    core::rlp::encode(p, std::uint64_t{7});
    core::rlp::encode(p, std::uint64_t{2});
    core::rlp::encode(p, block("a"));
    EXPECT_EQ(v.signing_digest(kChainId), core::keccak256(core::rlp::wrap_list(p)));
    EXPECT_NE(v.signing_digest(kChainId), v.signing_digest(kChainId + 1));
    EXPECT_NE(v.signing_digest(kChainId), v.extension_digest(kChainId));
}

TEST(Vote, RoundTripsAndRefusesEveryTruncationAndFlip) {
    const auto k = testing::key(1);
    for (const auto& v : {signed_vote(k, VoteType::kPrevote, 1, 0, block("x")),
                          signed_vote(k, VoteType::kPrevote, 1, 0, core::Hash{}),
                          signed_vote(k, VoteType::kPrecommit, 900, 3, core::Hash{}),
                          signed_vote(k, VoteType::kPrecommit, 5, 1, block("y"), core::Bytes{1, 2, 3})}) {
        const auto decoded = Vote::decode(v.encode()).value();
        EXPECT_TRUE(decoded.same_as(v));
        testing::expect_tamper_evident(v.encode(), kDecodeVote, kEncodeVote);
    }
}

TEST(Vote, DecodeRefusesExtensionsWhereNotAllowedAndOversized) {
    const auto k = testing::key(1);
    auto prevote = signed_vote(k, VoteType::kPrevote, 1, 0, block("x"));
    prevote.extension = {1};
    EXPECT_FALSE(Vote::decode(prevote.encode()).has_value());
    auto nil = signed_vote(k, VoteType::kPrecommit, 1, 0, core::Hash{});
    nil.extension_signature = nil.signature;
    EXPECT_FALSE(Vote::decode(nil.encode()).has_value());
    auto unsigned_ext = signed_vote(k, VoteType::kPrecommit, 1, 0, block("x"), core::Bytes{9});
    unsigned_ext.extension_signature.reset();
    EXPECT_FALSE(Vote::decode(unsigned_ext.encode()).has_value());
    const auto big = signed_vote(k, VoteType::kPrecommit, 1, 0, block("x"), core::Bytes(kMaxExtensionSize + 1, 7));
    EXPECT_FALSE(Vote::decode(big.encode()).has_value());
    const auto max = signed_vote(k, VoteType::kPrecommit, 1, 0, block("x"), core::Bytes(kMaxExtensionSize, 7));
    EXPECT_TRUE(Vote::decode(max.encode()).has_value());
    auto bad_type = signed_vote(k, VoteType::kPrevote, 1, 0, block("x"));
    bad_type.type = static_cast<VoteType>(3);
    EXPECT_FALSE(Vote::decode(bad_type.encode()).has_value());
}

TEST(Vote, VerifyRecoversTheSignerAndChecksMembership) {
    const auto ring = keyring({1, 1, 1});
    const auto v = signed_vote(ring.keys[0], VoteType::kPrecommit, 3, 0, block("b"), core::Bytes{4, 5});
    EXPECT_TRUE(verify_vote(v, ring.set, kChainId).has_value());
    EXPECT_EQ(verify_vote(v, ring.set, kChainId + 1).error(), VoteError::kBadSignature);
    auto forged = v;
    forged.validator = ring.set.validators()[1].address;
    EXPECT_EQ(verify_vote(forged, ring.set, kChainId).error(), VoteError::kBadSignature);
    auto ext = v;
    ext.extension = {4, 6};
    EXPECT_EQ(verify_vote(ext, ring.set, kChainId).error(), VoteError::kBadExtensionSignature);
    const auto stranger = signed_vote(testing::key(50), VoteType::kPrevote, 3, 0, block("b"));
    EXPECT_EQ(verify_vote(stranger, ring.set, kChainId).error(), VoteError::kUnknownValidator);
    auto high_s = v;
    high_s.signature.s = core::kSecp256k1N - v.signature.s;
    high_s.signature.y_parity ^= 1;
    EXPECT_EQ(verify_vote(high_s, ring.set, kChainId).error(), VoteError::kBadSignature);
}

TEST(Proposal, RoundTripsVerifiesAndRefusesTampering) {
    const auto ring = keyring({1, 1, 1, 1});
    const auto at_round = ring.set.advanced(3);
    const auto p = signed_proposal(ring.key_of(at_round.proposer().address), 10, 3, block("p"), 1);
    EXPECT_TRUE(verify_proposal(p, at_round, kChainId).has_value());
    const auto other = ring.set.advanced(4).proposer().address;
    ASSERT_NE(other, p.proposer);
    const auto wrong = signed_proposal(ring.key_of(other), 10, 3, block("p"), 1);
    EXPECT_EQ(verify_proposal(wrong, at_round, kChainId).error(), VoteError::kWrongProposer);
    auto changed = p;
    changed.pol_round = 2;
    EXPECT_EQ(verify_proposal(changed, at_round, kChainId).error(), VoteError::kBadSignature);

    const auto decoded = Proposal::decode(p.encode()).value();
    EXPECT_EQ(decoded.encode(), p.encode());
    EXPECT_EQ(decoded.pol_round, 1);
    testing::expect_tamper_evident(
        p.encode(), [](const core::Bytes& b) { return Proposal::decode(b); }, [](const Proposal& x) { return x.encode(); });
    auto future_pol = p;
    future_pol.pol_round = 3;
    EXPECT_FALSE(Proposal::decode(future_pol.encode()).has_value());
    auto nil = p;
    nil.block_hash = {};
    EXPECT_FALSE(Proposal::decode(nil.encode()).has_value());
}

CommitCertificate certificate_of(const testing::Keyring& ring, std::size_t signers, std::uint64_t height = 4) {
    VoteSet precommits(kChainId, height, 1, VoteType::kPrecommit, ring.set);
    for (std::size_t i = 0; i < signers; ++i)
        EXPECT_TRUE(precommits.add(signed_vote(ring.keys[i], VoteType::kPrecommit, height, 1, block("c"), core::Bytes{static_cast<std::uint8_t>(i)}))->added);
    return CommitCertificate::from_precommits(precommits).value();
}

TEST(CommitCertificate, BuiltFromPrecommitsVerifiesAndRoundTrips) {
    const auto ring = keyring({1, 1, 1, 1});
    const auto cert = certificate_of(ring, 3);
    EXPECT_EQ(cert.signatures.size(), 3u);
    EXPECT_TRUE(cert.verify(ring.set, kChainId).has_value());
    EXPECT_EQ(cert.signers().size(), 3u);
    const auto decoded = CommitCertificate::decode(cert.encode()).value();
    EXPECT_EQ(decoded.encode(), cert.encode());
    EXPECT_TRUE(decoded.verify(ring.set, kChainId).has_value());
    testing::expect_tamper_evident(
        cert.encode(), [](const core::Bytes& b) { return CommitCertificate::decode(b); },
        [](const CommitCertificate& c) { return c.encode(); });
}

TEST(CommitCertificate, VerifyRefusesTooLittlePowerDuplicatesDisorderAndForgery) {
    const auto ring = keyring({1, 1, 1, 1});
    auto cert = certificate_of(ring, 4);
    EXPECT_TRUE(cert.verify(ring.set, kChainId).has_value());
    auto few = cert;
    few.signatures.resize(2);
    EXPECT_FALSE(few.verify(ring.set, kChainId).has_value());
    auto twice = cert;
    twice.signatures[1] = twice.signatures[0];
    EXPECT_FALSE(twice.verify(ring.set, kChainId).has_value());
    auto disorder = cert;
    std::swap(disorder.signatures[0], disorder.signatures[1]);
    EXPECT_FALSE(disorder.verify(ring.set, kChainId).has_value());
    auto other_block = cert;
    other_block.block_hash = block("d");
    EXPECT_FALSE(other_block.verify(ring.set, kChainId).has_value());
    auto bad_ext = cert;
    bad_ext.signatures[2].extension = {0xee};
    EXPECT_FALSE(bad_ext.verify(ring.set, kChainId).has_value());
    // Four of six is exactly 2/3: no quorum.
    EXPECT_FALSE(cert.verify(keyring({1, 1, 1, 1, 1, 1}).set, kChainId).has_value());
    EXPECT_FALSE(cert.verify(ring.set, kChainId + 1).has_value());
}

TEST(CommitCertificate, NeedsANonNilMajority) {
    const auto ring = keyring({1, 1, 1, 1});
    VoteSet precommits(kChainId, 4, 0, VoteType::kPrecommit, ring.set);
    for (std::size_t i = 0; i < 4; ++i) (void)precommits.add(signed_vote(ring.keys[i], VoteType::kPrecommit, 4, 0, core::Hash{}));
    EXPECT_FALSE(CommitCertificate::from_precommits(precommits).has_value());
    VoteSet split(kChainId, 4, 0, VoteType::kPrecommit, ring.set);
    for (std::size_t i = 0; i < 4; ++i)
        (void)split.add(signed_vote(ring.keys[i], VoteType::kPrecommit, 4, 0, i % 2 ? block("a") : block("b")));
    EXPECT_FALSE(CommitCertificate::from_precommits(split).has_value());
}

TEST(DuplicateVoteEvidence, CanonicalVerifiedAndTamperEvident) {
    const auto ring = keyring({1, 1, 1, 1});
    const auto a = signed_vote(ring.keys[2], VoteType::kPrevote, 9, 1, block("a"));
    const auto b = signed_vote(ring.keys[2], VoteType::kPrevote, 9, 1, block("b"));
    const auto e = DuplicateVoteEvidence::make(a, b);
    EXPECT_EQ(e.hash(), DuplicateVoteEvidence::make(b, a).hash());
    EXPECT_LT(e.first.block_hash, e.second.block_hash);
    EXPECT_TRUE(e.verify(ring.set, kChainId).has_value());
    testing::expect_tamper_evident(
        e.encode(), [](const core::Bytes& bytes) { return DuplicateVoteEvidence::decode(bytes); },
        [](const DuplicateVoteEvidence& x) { return x.encode(); });
    EXPECT_EQ(DuplicateVoteEvidence::decode(e.encode())->hash(), e.hash());

    const auto swapped = DuplicateVoteEvidence{e.second, e.first};
    EXPECT_FALSE(DuplicateVoteEvidence::decode(swapped.encode()).has_value());
    EXPECT_FALSE(swapped.verify(ring.set, kChainId).has_value());
    EXPECT_FALSE(DuplicateVoteEvidence::make(a, a).verify(ring.set, kChainId).has_value());
    const auto other = signed_vote(ring.keys[1], VoteType::kPrevote, 9, 1, block("b"));
    EXPECT_FALSE(DuplicateVoteEvidence::make(a, other).verify(ring.set, kChainId).has_value());
    const auto later = signed_vote(ring.keys[2], VoteType::kPrevote, 9, 2, block("b"));
    EXPECT_FALSE(DuplicateVoteEvidence::make(a, later).verify(ring.set, kChainId).has_value());
    const auto precommit = signed_vote(ring.keys[2], VoteType::kPrecommit, 9, 1, block("b"));
    EXPECT_FALSE(DuplicateVoteEvidence::make(a, precommit).verify(ring.set, kChainId).has_value());
    auto forged = DuplicateVoteEvidence::make(a, b);
    forged.second.signature = forged.first.signature;
    EXPECT_FALSE(forged.verify(ring.set, kChainId).has_value());
}

TEST(ConsensusData, RoundTripsWithAndWithoutCommitAndHashesItsEncoding) {
    const auto ring = keyring({1, 1, 1, 1});
    const ConsensusData empty;
    EXPECT_EQ(ConsensusData::decode(empty.encode())->encode(), empty.encode());
    ConsensusData full;
    full.last_commit = certificate_of(ring, 3);
    full.evidence.push_back(DuplicateVoteEvidence::make(signed_vote(ring.keys[0], VoteType::kPrecommit, 4, 0, block("a")),
                                                        signed_vote(ring.keys[0], VoteType::kPrecommit, 4, 0, core::Hash{})));
    const auto decoded = ConsensusData::decode(full.encode()).value();
    ASSERT_TRUE(decoded.last_commit.has_value());
    EXPECT_EQ(decoded.evidence.size(), 1u);
    EXPECT_EQ(decoded.hash(), full.hash());
    EXPECT_EQ(full.hash(), core::keccak256(full.encode()));
    EXPECT_NE(full.hash(), empty.hash());
    testing::expect_tamper_evident(
        full.encode(), [](const core::Bytes& b) { return ConsensusData::decode(b); },
        [](const ConsensusData& d) { return d.encode(); });
}

TEST(ConsensusData, CarriesDevChangesAsAFifthItemAndLeavesOtherDataEncodedAsBefore) {
    const auto ring = keyring({1, 1, 1, 1});
    ConsensusData plain;
    plain.last_commit = certificate_of(ring, 3);
    const core::Bytes before = plain.encode();
    ConsensusData dev = plain;
    core::Address who;
    who.bytes[19] = 7;
    dev.dev.changes.push_back({AccountChange::Kind::kBalance, who, {}, 1000, {}});
    dev.dev.changes.push_back({AccountChange::Kind::kStorage, who, block("slot"), 42, {}});
    dev.dev.changes.push_back({AccountChange::Kind::kCode, who, {}, 0, {0x60, 0x00}});
    dev.dev.changes.push_back({AccountChange::Kind::kNonce, who, {}, 9, {}});
    dev.dev.impersonated.push_back({block("txn"), who});
    const auto decoded = ConsensusData::decode(dev.encode()).value();
    EXPECT_EQ(decoded.dev, dev.dev);
    EXPECT_TRUE(decoded.routed.empty());
    EXPECT_TRUE(decoded.wrong_verdicts.empty());
    EXPECT_NE(dev.hash(), plain.hash());
    EXPECT_EQ(plain.encode(), before);
    testing::expect_tamper_evident(
        dev.encode(), [](const core::Bytes& b) { return ConsensusData::decode(b); },
        [](const ConsensusData& d) { return d.encode(); });
}

TEST(DevChanges, RefusesWhatEncodeWouldNeverWrite) {
    core::Address who;
    DevChanges ok;
    ok.changes.push_back({AccountChange::Kind::kNonce, who, {}, 1, {}});
    EXPECT_TRUE(DevChanges::decode(ok.encode()).has_value());
    auto refused = [](const DevChanges& d) { return !DevChanges::decode(d.encode()).has_value(); };
    EXPECT_TRUE(refused(DevChanges{}));  // empty: the item is left out
    DevChanges big_nonce;
    big_nonce.changes.push_back({AccountChange::Kind::kNonce, who, {}, core::uint256(1) << 64, {}});
    EXPECT_TRUE(refused(big_nonce));
    DevChanges code_on_balance;
    code_on_balance.changes.push_back({AccountChange::Kind::kBalance, who, {}, 1, {0x00}});
    EXPECT_TRUE(refused(code_on_balance));
    DevChanges value_on_code;
    value_on_code.changes.push_back({AccountChange::Kind::kCode, who, {}, 1, {0x00}});
    EXPECT_TRUE(refused(value_on_code));
    DevChanges unordered;
    unordered.impersonated = {{block("b"), who}, {block("a"), who}};
    if (unordered.impersonated[0].first < unordered.impersonated[1].first) std::swap(unordered.impersonated[0], unordered.impersonated[1]);
    EXPECT_TRUE(refused(unordered));
    DevChanges huge;
    huge.changes.push_back({AccountChange::Kind::kCode, who, {}, 0, core::Bytes(kMaxDevCodeSize + 1, 0x5b)});
    EXPECT_TRUE(refused(huge));
}

}  // namespace
}  // namespace moe::consensus
