// Overload is shed at the edge (issue 17): a client's transaction is refused before its sender is
// recovered once the pool holds two blocks' worth (at most three quarters of its limit), while a
// peer's still fits, so every pool keeps the nonces other nodes admitted.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <numeric>

#include "consensus/vote.hpp"
#include "core/keccak.hpp"
#include "node/home.hpp"
#include "node/node.hpp"
#include "sole_validator.hpp"

namespace moe::node {
namespace {

namespace fs = std::filesystem;

core::PrivateKey key(std::string_view seed) { return core::PrivateKey::from_seed(core::keccak256(core::as_bytes(seed))); }

class Admission : public ::testing::Test {
  protected:
    void SetUp() override { open(8, 30'000'000); }
    void open(std::uint32_t pool, std::uint64_t gas_limit) {
        node_.reset();
        dir_ = fs::temp_directory_path() / ("moe_admission_" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        reopen(pool, gas_limit);
    }
    /// The node on the same home again, as after a restart.
    void reopen(std::uint32_t pool, std::uint64_t gas_limit) {
        node_.reset();
        auto doc = preset_genesis("localnet", {ValidatorEntry{validator_.public_key(), 10, {}}});
        ASSERT_TRUE(doc) << doc.error();
        for (const core::PrivateKey& k : {alice_, bob_, carol_}) (*doc)["alloc"][k.address().hex()] = "1000000000000000000000";
        (*doc)["block_gas_limit"] = gas_limit;
        if (reject_everything_) {
            (*doc)["models"]["fraud"]["flag_score"] = 0;
            (*doc)["models"]["fraud"]["reject_score"] = 0;  // every score rejects, unless the model abstains
        }
        auto chain = chain::parse_chain_config(*doc);
        ASSERT_TRUE(chain) << chain.error();
        NodeConfig config;
        config.mempool_max_transactions = pool;
        config.mempool_max_per_sender = pool;
        config.recovery_threads = recovery_threads_;
        auto node = Node::open(HomeLayout{dir_}, config, *chain, validator_);
        ASSERT_TRUE(node) << node.error();
        node_ = std::move(*node);
    }
    void TearDown() override {
        node_.reset();
        fs::remove_all(dir_);
    }

    core::Bytes transfer(const core::PrivateKey& from, std::uint64_t nonce) const {
        return call(from, nonce, key("recipient").address(), {});
    }

    /// Builds a block from the pool and commits it with this validator's precommit.
    void build_and_commit() {
        auto b = testing::build_and_commit(*node_, validator_);
        ASSERT_TRUE(b) << b.error();
    }

    /// A call from `from` to `to` of 1 wei (increment(); no calldata: a plain transfer).
    core::Bytes call(const core::PrivateKey& from, std::uint64_t nonce, const core::Address& to,
                     core::Bytes data = {0xd0, 0x9d, 0xe0, 0x8a}) const {
        core::Transaction t;
        t.chain_id = node_->chain().chain_id;
        t.nonce = nonce;
        t.max_priority_fee_per_gas = 1'000'000'000u;
        t.max_fee_per_gas = 100'000'000'000ull;
        t.gas_limit = data.empty() ? 21'000 : 100'000;
        t.to = to;
        t.value = 1;
        t.data = std::move(data);
        t.sign(from);
        return t.encode();
    }

    bool reject_everything_ = false;
    std::uint32_t recovery_threads_ = 0;
    core::PrivateKey validator_ = key("admission validator");
    core::PrivateKey alice_ = key("admission alice");
    core::PrivateKey bob_ = key("admission bob");
    core::PrivateKey carol_ = key("admission carol");
    fs::path dir_;
    std::unique_ptr<Node> node_;
};

TEST_F(Admission, ClientsAreRefusedAtThreeQuartersAndPeersFillTheRest) {
    // A pool of 8 under a 30M-gas block: two blocks of transfers are far more than 6.
    EXPECT_EQ(node_->stats().mempool_client_limit, 6u);
    for (std::uint64_t n = 0; n < 6; ++n) ASSERT_TRUE(node_->submit_raw_transaction(transfer(alice_, n))) << n;
    const auto refused = node_->submit_raw_transaction(transfer(bob_, 0));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message, "txpool is full");
    EXPECT_FALSE(node_->pending_transaction(core::keccak256(transfer(bob_, 0))));
    // A peer's transaction (another node's client) still fits, up to the pool's limit.
    EXPECT_TRUE(node_->submit_raw_transaction(transfer(bob_, 0), Node::Source::kPeer));
    EXPECT_TRUE(node_->submit_raw_transaction(transfer(alice_, 6), Node::Source::kPeer));
    EXPECT_EQ(node_->stats().mempool_transactions, 8u);
    // Bytes that are no transaction still get their own error, full pool or not.
    const auto garbage = node_->submit_raw_transaction(core::Bytes{0x01, 0x02});
    ASSERT_FALSE(garbage);
    EXPECT_NE(garbage.error().message, "txpool is full");
}

TEST_F(Admission, APeersBatchIsPooledInItsOrderWhicheverThreadsRecoverItsSenders) {
    // Four recovery threads on whatever cores this machine has: three senders' nonces in one
    // batch, with bytes that are no transaction, a bad signature and a repeat among them. Every
    // valid one is pooled, each refusal is counted once, and the pool holds what one thread
    // admitting them in order would: every sender's run without a gap, ready for a block.
    recovery_threads_ = 4;
    open(256, 30'000'000);
    std::vector<core::Bytes> batch;
    std::vector<core::Hash> valid;
    for (std::uint64_t n = 0; n < 20; ++n) {
        for (const core::PrivateKey* k : {&alice_, &bob_, &carol_}) {
            batch.push_back(transfer(*k, n));
            valid.push_back(core::keccak256(batch.back()));
        }
    }
    core::Bytes forged = transfer(alice_, 20);
    forged[forged.size() - 2] ^= 0x01;  // inside s: another sender, or none
    batch.insert(batch.begin() + 7, core::Bytes{0x02, 0xc0});
    batch.insert(batch.begin() + 20, batch[3]);
    batch.push_back(forged);
    const auto before = node_->stats().refused;
    EXPECT_EQ(node_->submit_peer_transactions(batch), valid.size());
    for (const core::Hash& h : valid) EXPECT_TRUE(node_->pending_transaction(h)) << h.hex();
    const auto after = node_->stats().refused;
    EXPECT_EQ(after[static_cast<std::size_t>(Refusal::kInvalid)], before[static_cast<std::size_t>(Refusal::kInvalid)] + 1);
    EXPECT_EQ(after[static_cast<std::size_t>(Refusal::kKnown)], before[static_cast<std::size_t>(Refusal::kKnown)])
        << "a repeat within the batch costs a hash, not a refusal";
    const auto total = [](const auto& counts) { return std::accumulate(counts.begin(), counts.end(), std::uint64_t{0}); };
    EXPECT_EQ(total(after), total(before) + 2) << "the garbage and the forged signature, once each";
    EXPECT_FALSE(node_->pending_transaction(core::keccak256(forged)));
    EXPECT_EQ(node_->stats().mempool_transactions, valid.size());
    // The same batch again (another peer's copy): the pooled ones cost a hash each, not a
    // recovery or a refusal; only the two refused before are refused again.
    EXPECT_EQ(node_->submit_peer_transactions(batch), 0u);
    EXPECT_EQ(node_->stats().refused[static_cast<std::size_t>(Refusal::kKnown)], before[static_cast<std::size_t>(Refusal::kKnown)]);
    EXPECT_EQ(total(node_->stats().refused), total(after) + 2);
    build_and_commit();
    for (const core::Hash& h : valid) EXPECT_TRUE(node_->transaction(h)) << "not in the block: " << h.hex();
}

TEST_F(Admission, AClientsTransactionIsScreenedAndAPeersIsNot) {
    // The localnet preset screens. A client's transfer is screened at admission; the same
    // node's copy of another node's client transfer (gossip) is pooled without screening it
    // again: its node screened it, and every block screens what it includes.
    auto screened = [&] {
        const auto s = node_->stats().screened;
        return s[0] + s[1] + s[2];
    };
    ASSERT_EQ(screened(), 0u);
    ASSERT_TRUE(node_->submit_raw_transaction(transfer(alice_, 0)));
    EXPECT_EQ(screened(), 1u);
    ASSERT_TRUE(node_->submit_raw_transaction(transfer(bob_, 0), Node::Source::kPeer));
    EXPECT_EQ(screened(), 1u);
    EXPECT_TRUE(node_->pending_transaction(core::keccak256(transfer(bob_, 0))));
    // The block takes both, screening each as it includes it (chain::BlockRun).
    build_and_commit();
    EXPECT_EQ(node_->stats().mempool_transactions, 0u);
}

TEST_F(Admission, ClientsMayQueueTwoBlocksWorth) {
    // Blocks of at most 3 transfers: an idle chain takes a block's worth from clients, a chain
    // whose blocks carry 3 takes twice that, so nothing waits more than about two blocks.
    open(64, 3 * 21'000);
    EXPECT_EQ(node_->stats().mempool_client_limit, 3u);
    for (std::uint64_t n = 0; n < 3; ++n) ASSERT_TRUE(node_->submit_raw_transaction(transfer(alice_, n))) << n;
    auto refused = node_->submit_raw_transaction(transfer(alice_, 3));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message, "txpool is full");
    ASSERT_TRUE(node_->submit_raw_transaction(transfer(alice_, 3), Node::Source::kPeer));

    build_and_commit();  // takes 3 of the 4
    EXPECT_EQ(node_->stats().mempool_transactions, 1u);
    EXPECT_EQ(node_->stats().mempool_client_limit, 6u);
    for (std::uint64_t n = 0; n < 5; ++n) ASSERT_TRUE(node_->submit_raw_transaction(transfer(bob_, n))) << n;
    refused = node_->submit_raw_transaction(transfer(bob_, 5));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message, "txpool is full");
}

TEST_F(Admission, ARestartedNodeBoundsClientsByTheBlocksItHolds) {
    // The two blocks' worth is counted over the last committed blocks, read back at open: a
    // restart under load does not shrink it to an idle chain's single block.
    open(64, 3 * 21'000);
    for (std::uint64_t n = 0; n < 3; ++n) ASSERT_TRUE(node_->submit_raw_transaction(transfer(alice_, n))) << n;
    build_and_commit();
    build_and_commit();  // an empty one after it: the largest of the last blocks still counts
    ASSERT_EQ(node_->stats().mempool_client_limit, 6u);
    reopen(64, 3 * 21'000);
    EXPECT_EQ(node_->head().number, 2u);
    EXPECT_EQ(node_->stats().mempool_client_limit, 6u);
}

TEST_F(Admission, ACallToAContractAPooledFactoryMayCreateIsLeftToTheBlock) {
    // A script that calls a contract its factory call (pooled, not yet in a block) creates: at
    // the head the contract has no code and no history, and the refusal would be final. While
    // the pool holds a call, a call to an address without code is left to the block, which
    // screens it after the factory ran (and leaves it out if it still rejects).
    reject_everything_ = true;
    open(64, 30'000'000);
    const core::Address not_yet = key("a contract a factory will create").address();
    const auto refused = node_->submit_raw_transaction(call(bob_, 0, not_yet));
    ASSERT_FALSE(refused) << "the screen must reject this call for the test to mean anything";
    EXPECT_TRUE(refused.error().message.starts_with("transaction rejected by fraud screening")) << refused.error().message;
    EXPECT_EQ(node_->stats().deferred_rejections, 0u);

    // The factory call, from another node's client (a peer's gossip is not screened again).
    ASSERT_TRUE(node_->submit_raw_transaction(call(alice_, 0, key("a factory").address()), Node::Source::kPeer));
    ASSERT_TRUE(node_->submit_raw_transaction(call(bob_, 0, not_yet)));
    EXPECT_EQ(node_->stats().deferred_rejections, 1u);
    // A plain transfer to another address without code is no call: still refused.
    const auto transfer_refused = node_->submit_raw_transaction(call(carol_, 0, key("someone new").address(), {}));
    ASSERT_FALSE(transfer_refused);
    EXPECT_TRUE(transfer_refused.error().message.starts_with("transaction rejected by fraud screening"))
        << transfer_refused.error().message;
}

}  // namespace
}  // namespace moe::node
