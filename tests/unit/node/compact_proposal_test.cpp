// Compact proposals (node/compact_proposal.hpp): a full proposal message splits into its compact
// form and its transactions and is put back together byte for byte; transactions that are not
// the block's (another one, a changed one, another order, one missing) are refused against the
// header's transactions root; malformed messages, requests and answers are refused.
#include <gtest/gtest.h>

#include "core/keccak.hpp"
#include "node/block_pipeline.hpp"
#include "node/compact_proposal.hpp"
#include "node/signer.hpp"

namespace moe::node {
namespace {

constexpr std::uint64_t kChainId = 4224;

core::Transaction transfer(std::uint64_t nonce, core::TxType type, std::uint64_t value) {
    core::Transaction t;
    t.type = type;
    t.chain_id = kChainId;
    t.nonce = nonce;
    t.max_priority_fee_per_gas = 1'000'000'000u;
    t.max_fee_per_gas = 2'000'000'000u;
    t.gas_limit = 21'000;
    t.to = core::Address{};
    t.value = value;
    t.sign(core::PrivateKey::from_seed(core::keccak256(core::as_bytes("sender"))));
    return t;
}

struct Proposed {
    core::Block block;
    core::Bytes block_rlp;
    core::Bytes message;  ///< ProposalMessage's bytes
};

/// A block of a legacy, a dynamic-fee and an access-list transaction, and its proposal message.
Proposed proposed() {
    Proposed p;
    p.block.header.number = 9;
    p.block.header.gas_limit = 30'000'000;
    p.block.header.base_fee_per_gas = core::uint256{7};
    p.block.body.transactions = {transfer(0, core::TxType::kLegacy, 1), transfer(1, core::TxType::kDynamicFee, 2),
                                 transfer(2, core::TxType::kAccessList, 3)};
    p.block.header.transactions_root = core::transactions_root(p.block.body.transactions);
    p.block_rlp = encode_block(p.block);
    consensus::Proposal proposal;
    proposal.height = 9;
    proposal.round = 1;
    proposal.pol_round = -1;
    proposal.block_hash = p.block.header.hash();
    p.message = ProposalMessage{proposal, p.block_rlp, consensus::ConsensusData{}}.encode();
    return p;
}

std::vector<core::Bytes> raw_of(const std::vector<core::Transaction>& txns) {
    std::vector<core::Bytes> out;
    for (const core::Transaction& t : txns) out.push_back(t.encode());
    return out;
}

TEST(CompactProposal, AFullMessageSplitsAndIsPutBackTogetherByteForByte) {
    const Proposed p = proposed();
    auto split = split_proposal(p.message);
    ASSERT_TRUE(split) << split.error();
    ASSERT_EQ(split->compact.transaction_hashes.size(), 3u);
    EXPECT_EQ(split->block_rlp, p.block_rlp);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(split->compact.transaction_hashes[i], p.block.body.transactions[i].hash()) << i;
        EXPECT_EQ(split->transactions[i], p.block.body.transactions[i].encode()) << i;
    }
    // What travels: the header and 32 bytes a transaction.
    const core::Bytes wire = split->compact.encode();
    auto compact = CompactProposal::decode(wire);
    ASSERT_TRUE(compact) << compact.error();
    EXPECT_EQ(compact->transaction_hashes, split->compact.transaction_hashes);
    EXPECT_EQ(compact->header, p.block.header);
    EXPECT_EQ(compact->encode(), wire);
    // What the receiver rebuilds from its pool.
    auto block_rlp = assemble_block(*compact, raw_of(p.block.body.transactions));
    ASSERT_TRUE(block_rlp) << block_rlp.error();
    EXPECT_EQ(*block_rlp, p.block_rlp);
    EXPECT_EQ(full_message(*compact, *block_rlp), p.message);
    auto txns = block_transactions(p.block_rlp);
    ASSERT_TRUE(txns) << txns.error();
    EXPECT_EQ(*txns, raw_of(p.block.body.transactions));
}

TEST(CompactProposal, AnEmptyBlockTravelsAsItsHeader) {
    Proposed p = proposed();
    p.block.body.transactions.clear();
    p.block.header.transactions_root = core::kEmptyTrieRoot;
    p.block_rlp = encode_block(p.block);
    auto message = ProposalMessage::decode(p.message);
    ASSERT_TRUE(message);
    message->proposal.block_hash = p.block.header.hash();
    message->block_rlp = p.block_rlp;
    auto split = split_proposal(message->encode());
    ASSERT_TRUE(split) << split.error();
    EXPECT_TRUE(split->compact.transaction_hashes.empty());
    auto block_rlp = assemble_block(split->compact, {});
    ASSERT_TRUE(block_rlp) << block_rlp.error();
    EXPECT_EQ(*block_rlp, p.block_rlp);
}

TEST(CompactProposal, TransactionsThatAreNotTheBlocksAreRefused) {
    const Proposed p = proposed();
    auto split = split_proposal(p.message);
    ASSERT_TRUE(split);
    const std::vector<core::Bytes> right = raw_of(p.block.body.transactions);

    std::vector<core::Bytes> changed = right;
    changed[1] = transfer(1, core::TxType::kDynamicFee, 999).encode();
    EXPECT_FALSE(assemble_block(split->compact, changed)) << "another transaction in the place of one";

    std::vector<core::Bytes> reordered = right;
    std::swap(reordered[0], reordered[2]);
    EXPECT_FALSE(assemble_block(split->compact, reordered)) << "the block's transactions in another order";

    EXPECT_FALSE(assemble_block(split->compact, {right[0], right[1]})) << "one missing";
    EXPECT_FALSE(assemble_block(split->compact, {right[0], right[1], right[2], right[2]})) << "one too many";

    // A relay that names other hashes than the proposer's block has: its list does not hash to
    // the header's root, whatever transactions the receiver finds for it.
    CompactProposal forged = split->compact;
    forged.transaction_hashes[1] = core::keccak256(changed[1]);
    EXPECT_FALSE(assemble_block(forged, changed));
}

TEST(CompactProposal, MalformedMessagesAreRefused) {
    const Proposed p = proposed();
    auto split = split_proposal(p.message);
    ASSERT_TRUE(split);
    EXPECT_FALSE(CompactProposal::decode(core::Bytes{}));
    EXPECT_FALSE(CompactProposal::decode(core::Bytes{0xc0}));
    EXPECT_FALSE(split_proposal(core::Bytes{0xc3, 0x80, 0x80, 0x80}));

    core::Bytes trailing = split->compact.encode();
    trailing.push_back(0x00);
    EXPECT_FALSE(CompactProposal::decode(trailing));

    // Hashes that are not whole: 31 bytes of the list cut off.
    CompactProposal c = split->compact;
    core::Bytes hashes;
    for (const core::Hash& h : c.transaction_hashes) hashes.insert(hashes.end(), h.bytes.begin(), h.bytes.end());
    hashes.resize(hashes.size() - 31);
    core::Bytes payload;
    core::rlp::encode(payload, core::ByteView(c.proposal_rlp));
    core::rlp::encode(payload, core::ByteView(c.header_rlp));
    core::rlp::encode(payload, core::ByteView(hashes));
    core::rlp::encode(payload, core::ByteView(c.data_rlp));
    auto cut = CompactProposal::decode(core::rlp::wrap_list(payload));
    ASSERT_FALSE(cut);
    EXPECT_NE(cut.error().find("whole hashes"), std::string::npos) << cut.error();

    // A header that is not the proposed block's, in either form.
    core::BlockHeader other = p.block.header;
    other.number = 10;
    c.header_rlp = other.encode();
    auto wrong = CompactProposal::decode(c.encode());
    ASSERT_FALSE(wrong);
    EXPECT_NE(wrong.error().find("not the proposed block"), std::string::npos) << wrong.error();
    auto message = ProposalMessage::decode(p.message);
    ASSERT_TRUE(message);
    core::Block another = p.block;
    another.header.number = 10;
    message->block_rlp = encode_block(another);
    EXPECT_FALSE(split_proposal(message->encode()));
}

TEST(CompactProposal, RequestsAndAnswersRoundTripAndMalformedOnesAreRefused) {
    const core::Hash block = core::keccak256(core::as_bytes("block"));
    auto request = decode_transactions_request(transactions_request(block, {0, 3, 7}));
    ASSERT_TRUE(request) << request.error();
    EXPECT_EQ(request->block_hash, block);
    EXPECT_EQ(request->indices, (std::vector<std::uint32_t>{0, 3, 7}));
    EXPECT_FALSE(decode_transactions_request(transactions_request(block, {})));
    EXPECT_FALSE(decode_transactions_request(transactions_request(block, {3, 3})));
    EXPECT_FALSE(decode_transactions_request(transactions_request(block, {4, 2})));
    EXPECT_FALSE(decode_transactions_request(core::Bytes{0xc1, 0x80}));
    {
        // An index no block reaches (past 32 bits).
        core::Bytes list;
        core::rlp::encode(list, std::uint64_t{1} << 32);
        core::Bytes payload;
        core::rlp::encode(payload, block);
        const core::Bytes wrapped = core::rlp::wrap_list(list);
        payload.insert(payload.end(), wrapped.begin(), wrapped.end());
        auto far = decode_transactions_request(core::rlp::wrap_list(payload));
        ASSERT_FALSE(far);
        EXPECT_NE(far.error().find("past any block"), std::string::npos) << far.error();
    }

    const std::vector<core::Bytes> raw = {transfer(0, core::TxType::kLegacy, 1).encode(), transfer(1, core::TxType::kDynamicFee, 1).encode()};
    auto answer = decode_proposal_transactions(proposal_transactions(block, raw));
    ASSERT_TRUE(answer) << answer.error();
    EXPECT_EQ(answer->block_hash, block);
    EXPECT_EQ(answer->raw, raw);
    core::Bytes trailing = proposal_transactions(block, raw);
    trailing.push_back(0x01);
    EXPECT_FALSE(decode_proposal_transactions(trailing));
}

}  // namespace
}  // namespace moe::node
