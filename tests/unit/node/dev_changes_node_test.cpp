// A devnet's changes outside transactions through real Nodes (decision 008): a block carrying
// set balance, code, storage and nonce, and a block with an impersonated transaction, are built
// and committed by one node and executed by another from the same genesis to the same roots;
// a chain that is not a devnet of one validator refuses dev changes in its blocks.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "consensus/vote.hpp"
#include "core/keccak.hpp"
#include "node/home.hpp"
#include "node/node.hpp"
#include "sole_validator.hpp"

namespace moe::node {
namespace {

namespace fs = std::filesystem;
using Kind = consensus::AccountChange::Kind;

core::PrivateKey key(std::string_view seed) { return core::PrivateKey::from_seed(core::keccak256(core::as_bytes(seed))); }

class DevChangesNode : public ::testing::Test {
  protected:
    void SetUp() override {
        base_ = fs::temp_directory_path() / ("moe_dev_changes_node_" + std::to_string(::getpid()));
        fs::remove_all(base_);
        devnet_ = open("devnet", "devnet");
        follower_ = open("follower", "devnet");
    }
    void TearDown() override {
        devnet_.reset();
        follower_.reset();
        fs::remove_all(base_);
    }

    std::unique_ptr<Node> open(const std::string& folder, const std::string& name) {
        fs::create_directories(base_ / folder);
        auto doc = preset_genesis("devnet", {ValidatorEntry{validator_.public_key(), 10, {}}});
        EXPECT_TRUE(doc) << doc.error();
        (*doc)["name"] = name;
        auto chain = chain::parse_chain_config(*doc);
        EXPECT_TRUE(chain) << chain.error();
        auto node = Node::open(HomeLayout{base_ / folder}, NodeConfig{}, *chain, validator_);
        EXPECT_TRUE(node) << node.error();
        return std::move(*node);
    }

    consensus::CommitCertificate certify(const ExecutedBlock& b) {
        return testing::sole_validator_certificate(b, validator_, devnet_->chain().chain_id);
    }

    /// Builds a block on `node` carrying `changes`, commits it, and has the follower execute
    /// and commit it too (its roots checked against the header).
    void build_commit_and_follow(std::vector<consensus::AccountChange> changes) {
        consensus::ConsensusData data;
        if (devnet_->head().number > 0) data.last_commit = *devnet_->certificate(devnet_->head().number);
        data.dev.changes = std::move(changes);
        auto b = devnet_->build_block(validator_.address(), data, devnet_->head_header().timestamp + 1);
        ASSERT_TRUE(b) << b.error().message;
        const consensus::CommitCertificate cert = certify(*b);
        ASSERT_TRUE(devnet_->commit_block(*b, cert));
        auto again = follower_->execute_block(b->block, b->consensus_data, 0);
        ASSERT_TRUE(again) << again.error().message;
        EXPECT_EQ(again->block.header.state_root, b->block.header.state_root);
        ASSERT_TRUE(follower_->commit_block(*again, cert));
    }

    fs::path base_;
    core::PrivateKey validator_ = key("dev changes validator");
    std::unique_ptr<Node> devnet_;
    std::unique_ptr<Node> follower_;
};

TEST_F(DevChangesNode, BlocksWithChangesAndImpersonatedSendersReExecuteToTheSameRootsElsewhere) {
    const core::Address rich = key("rich").address();
    const core::Address contract = key("contract").address();
    core::Hash slot;
    slot.bytes[31] = 5;
    // PUSH1 1 PUSH1 0 SSTORE STOP: a call stores 1 in slot 0.
    const core::Bytes code = {0x60, 0x01, 0x60, 0x00, 0x55, 0x00};
    build_commit_and_follow({{Kind::kBalance, rich, {}, core::uint256(1) << 70, {}},
                             {Kind::kCode, contract, {}, 0, code},
                             {Kind::kStorage, contract, slot, 7, {}},
                             {Kind::kNonce, rich, {}, 3, {}}});
    for (Node* n : {devnet_.get(), follower_.get()}) {
        const std::uint64_t head = n->head().number;
        EXPECT_EQ(n->account(rich, head)->balance, core::uint256(1) << 70);
        EXPECT_EQ(n->account(rich, head)->nonce, 3u);
        EXPECT_EQ(*n->code(contract, head), code);
        EXPECT_EQ(*n->storage(contract, slot, head), core::uint256_to_bytes32(7));
    }

    // `rich` has no key here: it sends unsigned, and its block names it.
    core::Transaction t;
    t.nonce = 3;
    t.to = contract;
    t.gas_limit = 100'000;
    t.max_fee_per_gas = 100'000'000'000ull;
    t.max_priority_fee_per_gas = 1;
    auto hash = devnet_->submit_impersonated(t, rich);
    ASSERT_TRUE(hash) << hash.error().message;
    build_commit_and_follow({});
    for (Node* n : {devnet_.get(), follower_.get()}) {
        auto included = n->transaction(*hash);
        ASSERT_TRUE(included);
        EXPECT_EQ(included->sender, rich);
        EXPECT_TRUE(included->receipt.success);
        EXPECT_EQ(*n->storage(contract, core::Hash{}, n->head().number), core::uint256_to_bytes32(1));
    }
    // The list is the only way to an unsigned sender: a third node refuses block 2 with its
    // list naming another hash (the transaction then has no valid signature), and with no list.
    auto third = open("third", "devnet");
    const auto block1 = devnet_->block_by_number(1);
    auto b1 = third->execute_block(*block1, *devnet_->consensus_data(block1->header.hash()), 0);
    ASSERT_TRUE(b1) << b1.error().message;
    ASSERT_TRUE(third->commit_block(*b1, *devnet_->certificate(1)));
    core::Block block2 = *devnet_->block_by_number(2);
    const consensus::ConsensusData data2 = *devnet_->consensus_data(block2.header.hash());
    ASSERT_EQ(data2.dev.impersonated.size(), 1u);
    consensus::ConsensusData renamed = data2;
    renamed.dev.impersonated[0].first = core::keccak256(core::as_bytes("another transaction"));
    consensus::ConsensusData unnamed = data2;
    unnamed.dev.impersonated.clear();
    for (const consensus::ConsensusData& d : {renamed, unnamed}) {
        core::Block tampered = block2;
        tampered.header.extra_data = d.hash().to_bytes();
        auto r = third->execute_block(tampered, d, 0);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().kind, chain::BlockError::Kind::kInvalid) << r.error().message;
    }
    auto honest = third->execute_block(block2, data2, 0);
    EXPECT_TRUE(honest) << honest.error().message;
}

TEST_F(DevChangesNode, AChainThatIsNotASingleValidatorDevnetRefusesDevChanges) {
    auto other = open("other", "devnet-with-another-name");
    ASSERT_FALSE(other->chain().is_dev_chain());
    consensus::ConsensusData data;
    data.dev.changes.push_back({Kind::kBalance, key("anyone").address(), {}, 1, {}});
    auto b = other->build_block(validator_.address(), data, other->head_header().timestamp + 1);
    ASSERT_FALSE(b);
    EXPECT_NE(b.error().message.find("not a single-validator devnet"), std::string::npos) << b.error().message;
    core::Transaction t;
    t.to = key("anyone").address();
    t.gas_limit = 21'000;
    t.max_fee_per_gas = 100'000'000'000ull;
    auto refused = other->submit_impersonated(t, key("anyone").address());
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("only for a single-validator devnet"), std::string::npos);
}

}  // namespace
}  // namespace moe::node
