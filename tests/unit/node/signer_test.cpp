// The signer across crashes: a validator that crashes after any signature of a height, reopens
// its WAL and is asked again for anything (the same votes, conflicting ones, its proposal or
// another block's) signs nothing that conflicts with what it signed before the crash.
#include <gtest/gtest.h>

#include <filesystem>
#include <variant>

#include "core/keccak.hpp"
#include "node/consensus_wal.hpp"
#include "node/signer.hpp"

namespace moe::node {
namespace {

namespace fs = std::filesystem;
constexpr std::uint64_t kChainId = 4224;
constexpr std::uint64_t kHeight = 7;

core::Hash block(std::string_view name) { return core::keccak256(core::as_bytes(name)); }

/// One thing the consensus machine may ask of the signer.
using Request = std::variant<consensus::SignVote, consensus::Proposal>;

consensus::SignVote vote(consensus::VoteType type, std::uint32_t round, const core::Hash& hash) {
    return consensus::SignVote{type, kHeight, round, hash};
}

consensus::Proposal proposal(std::uint32_t round, const core::Hash& hash) {
    consensus::Proposal p;
    p.height = kHeight;
    p.round = round;
    p.pol_round = -1;
    p.block_hash = hash;
    return p;
}

/// A height as a validator lives it: votes for A in round 0, nil in round 1, its own proposal
/// of B in round 2 and votes for it.
const std::vector<Request> kHeightScript = {
    vote(consensus::VoteType::kPrevote, 0, block("A")),    vote(consensus::VoteType::kPrecommit, 0, block("A")),
    vote(consensus::VoteType::kPrevote, 1, core::Hash{}),  vote(consensus::VoteType::kPrecommit, 1, core::Hash{}),
    proposal(2, block("B")),                               vote(consensus::VoteType::kPrevote, 2, block("B")),
    vote(consensus::VoteType::kPrecommit, 2, block("B")),
};

/// What the signer handed out for a request: the vote's or the proposal message's bytes.
std::expected<core::Bytes, Signer::Refusal> ask(Signer& signer, const Request& r, std::string_view extension) {
    if (const auto* v = std::get_if<consensus::SignVote>(&r)) {
        auto signed_vote = signer.sign_vote(*v, [&] { return core::Bytes(extension.begin(), extension.end()); });
        if (!signed_vote) return std::unexpected(signed_vote.error());
        return signed_vote->encode();
    }
    const auto& p = std::get<consensus::Proposal>(r);
    return signer.sign_proposal(ProposalMessage{p, core::Bytes{0xc0}, consensus::ConsensusData{}});
}

/// The request for the same round and type (round for a proposal) but another block.
Request conflicting(const Request& r) {
    if (const auto* v = std::get_if<consensus::SignVote>(&r)) {
        consensus::SignVote other = *v;
        other.block_hash = v->block_hash == core::Hash{} ? block("C") : core::Hash{};
        return other;
    }
    consensus::Proposal other = std::get<consensus::Proposal>(r);
    other.block_hash = block("C");
    return other;
}

class SignerAcrossCrashes : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("moe-signer-" + std::to_string(::getpid()));
        fs::remove_all(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    /// A fresh WAL of kHeight, as start_height writes it.
    fs::path fresh_wal(std::size_t case_number) {
        const fs::path file = dir_ / ("wal-" + std::to_string(case_number));
        auto wal = ConsensusWal::open(file);
        EXPECT_TRUE(wal) << wal.error();
        EXPECT_TRUE((*wal)->rewrite({{WalRecordType::kHeight, {0x07}}}));
        return file;
    }

    const core::PrivateKey key_ = core::PrivateKey::from_seed(core::keccak256(core::as_bytes("validator")));
    fs::path dir_;
};

TEST_F(SignerAcrossCrashes, NothingConflictingIsSignedAfterACrashAtAnyStep) {
    for (std::size_t crash_after = 0; crash_after <= kHeightScript.size(); ++crash_after) {
        SCOPED_TRACE("crash after " + std::to_string(crash_after) + " signatures");
        const fs::path file = fresh_wal(crash_after);
        std::vector<core::Bytes> before;
        {
            auto wal = ConsensusWal::open(file);
            ASSERT_TRUE(wal) << wal.error();
            Signer signer(key_, kChainId, **wal);
            for (std::size_t i = 0; i < crash_after; ++i) {
                auto out = ask(signer, kHeightScript[i], "verdicts before");
                ASSERT_TRUE(out) << out.error().message;
                before.push_back(*out);
            }
        }  // the process dies here: only the WAL survives

        auto wal = ConsensusWal::open(file);
        ASSERT_TRUE(wal) << wal.error();
        Signer signer(key_, kChainId, **wal);
        signer.restore((*wal)->records());
        for (std::size_t i = 0; i < kHeightScript.size(); ++i) {
            const Request& r = kHeightScript[i];
            if (i < crash_after) {
                // Asked again, it hands out exactly what it signed (the extension included,
                // though the verdicts it would compute now differ), and refuses another block.
                // A proposal is never signed twice: the driver sends the one it holds.
                if (const auto* p = std::get_if<consensus::Proposal>(&r)) {
                    EXPECT_EQ(signer.proposal(p->round), std::optional(before[i]));
                    EXPECT_FALSE(ask(signer, r, "verdicts after")) << "a second signature of the same proposal";
                } else {
                    auto again = ask(signer, r, "verdicts after");
                    ASSERT_TRUE(again) << again.error().message;
                    EXPECT_EQ(*again, before[i]) << "request " << i;
                }
                auto other = ask(signer, conflicting(r), "verdicts after");
                ASSERT_FALSE(other) << "request " << i << ": signed a conflicting one after the crash";
                EXPECT_EQ(other.error().kind, Signer::Refusal::Kind::kConflict);
            } else {
                auto fresh = ask(signer, r, "verdicts after");
                ASSERT_TRUE(fresh) << "request " << i << ": " << fresh.error().message;
                auto other = ask(signer, conflicting(r), "verdicts after");
                EXPECT_FALSE(other) << "request " << i << ": signed two different ones";
            }
        }
    }
}

TEST_F(SignerAcrossCrashes, WhatItSignsVerifiesAndANewHeightStartsClean) {
    const fs::path file = fresh_wal(0);
    auto wal = ConsensusWal::open(file);
    ASSERT_TRUE(wal) << wal.error();
    Signer signer(key_, kChainId, **wal);
    auto set = consensus::ValidatorSet::make({{key_.address(), core::compress_public_key(key_.public_key()), 1, 0}});
    ASSERT_TRUE(set) << set.error();
    auto v = signer.sign_vote(vote(consensus::VoteType::kPrecommit, 0, block("A")), [] { return core::Bytes{1, 2, 3}; });
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_EQ(v->validator, key_.address());
    EXPECT_EQ(v->extension, (core::Bytes{1, 2, 3}));
    EXPECT_TRUE(consensus::verify_vote(*v, *set, kChainId));

    auto message = signer.sign_proposal(ProposalMessage{proposal(0, block("A")), core::Bytes{0xc0}, consensus::ConsensusData{}});
    ASSERT_TRUE(message) << message.error().message;
    auto decoded = ProposalMessage::decode(*message);
    ASSERT_TRUE(decoded) << decoded.error();
    EXPECT_EQ(decoded->proposal.proposer, key_.address());
    EXPECT_TRUE(consensus::verify_proposal(decoded->proposal, *set, kChainId));

    // The next height: the signer forgets this one's signatures (its votes are of another height).
    signer.start_height();
    EXPECT_TRUE(signer.votes().empty());
    EXPECT_FALSE(signer.proposal(0));
}

TEST(ProposalMessage, DecodeRefusesWhatIsNotOneMessage) {
    EXPECT_FALSE(ProposalMessage::decode(core::Bytes{}));
    EXPECT_FALSE(ProposalMessage::decode(core::Bytes{0xc0}));
    EXPECT_FALSE(ProposalMessage::decode(core::Bytes{0xc3, 0x80, 0x80, 0x80})) << "three empty items are no proposal";
    const core::Bytes good = ProposalMessage{proposal(0, block("A")), core::Bytes{0xc0}, consensus::ConsensusData{}}.encode();
    core::Bytes trailing = good;
    trailing.push_back(0x80);
    EXPECT_FALSE(ProposalMessage::decode(trailing));
}

}  // namespace
}  // namespace moe::node
