// The block transition on its own: a chain in memory (the devnet preset's genesis, its shipped
// models read as bytes), no database, no thread, no clock. A block built by one validator is
// applied by another to the same root; a block that breaks a rule is kInvalid; one that could not
// be checked because a read failed is kFault, never kInvalid.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>

#include "chain/block_transition.hpp"
#include "chain/genesis.hpp"
#include "core/keccak.hpp"

namespace moe::chain {
namespace {

core::PrivateKey key(std::string_view seed) { return core::PrivateKey::from_seed(core::keccak256(core::as_bytes(seed))); }

std::string read_source(const std::string& relative) {
    std::ifstream in(std::string(MOE_SOURCE_DIR) + "/" + relative, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

/// The committed chain in memory. `fail_reads` makes every trie read fail the way a broken
/// disk does under the node's reader: answered as absent, and recorded as the fault.
class MemoryChain final : public ChainReader {
  public:
    MemoryChain(const ChainConfig& chain, const Genesis& genesis) : chain_(chain), nodes_(*this) {
        for (const auto& [hash, rlp] : genesis.trie_nodes) nodes_.committed.put_node(hash, rlp);
        for (const auto& [hash, code] : genesis.code) code_.put_code(hash, code);
        headers_.emplace(0, genesis.block.header);
        sets_.emplace(1, *genesis_validator_set(chain));
    }

    /// Commits an applied block as the node would: its nodes, code, header and next set.
    void commit(const AppliedBlock& b) {
        for (const auto& [hash, rlp] : b.trie_nodes) nodes_.committed.put_node(hash, rlp);
        for (const auto& [hash, code] : b.code) code_.put_code(hash, code);
        headers_[b.block.header.number] = b.block.header;
        sets_.emplace(b.block.header.number + 1, *b.next_validators);
    }

    bool fail_reads = false;

    const core::NodeStore& trie_nodes() const override { return nodes_; }
    const evm::CodeStore& code() const override { return code_; }
    std::optional<core::BlockHeader> header(std::uint64_t number) const override {
        auto it = headers_.find(number);
        return it == headers_.end() ? std::nullopt : std::optional(it->second);
    }
    std::optional<core::Hash> block_hash(std::uint64_t number) const override {
        auto h = header(number);
        return h ? std::optional(h->hash()) : std::nullopt;
    }
    std::expected<consensus::ValidatorSet, std::string> validator_set(std::uint64_t height) const override {
        auto it = sets_.find(height);
        if (it == sets_.end()) return std::unexpected("no validator set for height " + std::to_string(height));
        return it->second;
    }
    std::expected<consensus::ExpertCommittees, std::string> committees(std::uint64_t height) const override {
        auto set = validator_set(height);
        if (!set) return std::unexpected(set.error());
        return consensus::ExpertCommittees::build(*set, {}, 1);
    }
    std::optional<std::uint64_t> evidence_block(const core::Hash&) const override { return std::nullopt; }
    std::expected<KnownTransaction, std::string> committed_transaction(const core::Hash& txn_hash) const override {
        return std::unexpected("transaction " + txn_hash.hex() + " is not known");
    }
    std::optional<std::string> fault() const override { return fault_; }

  private:
    struct Nodes final : core::NodeStore {
        explicit Nodes(const MemoryChain& chain) : owner(chain) {}
        std::optional<core::Bytes> get_node(const core::Hash& hash) const override {
            if (owner.fail_reads) {
                owner.fault_ = "trie node " + hash.hex() + ": I/O error";
                return std::nullopt;
            }
            return committed.get_node(hash);
        }
        void put_node(const core::Hash& hash, core::ByteView rlp) override { committed.put_node(hash, rlp); }
        const MemoryChain& owner;
        core::MemoryNodeStore committed;
    };

    const ChainConfig& chain_;
    Nodes nodes_;
    evm::MemoryCodeStore code_;
    std::map<std::uint64_t, core::BlockHeader> headers_;
    std::map<std::uint64_t, consensus::ValidatorSet> sets_;
    mutable std::optional<std::string> fault_;
};

class BlockTransition : public ::testing::Test {
  protected:
    void SetUp() override {
        nlohmann::json doc = nlohmann::json::parse(read_source("chain-config/devnet.json"));
        doc["validators"] = nlohmann::json::array({{{"public_key", proposer_.public_key().hex()}, {"power", 1}}});
        auto c = parse_chain_config(doc);
        ASSERT_TRUE(c) << c.error();
        config_ = std::move(*c);
        auto m = ChainModels::load(config_, [](std::string_view name) -> std::expected<ChainModels::File, std::string> {
            const std::string path = "chain-config/models/" + std::string(name) + ".moe";
            const std::string bytes = read_source(path);
            return ChainModels::File{core::Bytes(bytes.begin(), bytes.end()), path};
        });
        ASSERT_TRUE(m) << m.error();
        models_ = std::move(*m);
        genesis_ = build_genesis(config_);
        proposer_chain_ = std::make_unique<MemoryChain>(config_, genesis_);
        follower_chain_ = std::make_unique<MemoryChain>(config_, genesis_);
    }

    TransitionContext context(const MemoryChain& reader) {
        return TransitionContext{config_, reader, *models_, jumpdests_, staking_};
    }

    core::Transaction transfer(std::uint64_t nonce, std::uint64_t wei) const {
        core::Transaction t;
        t.chain_id = config_.chain_id;
        t.nonce = nonce;
        t.max_priority_fee_per_gas = core::uint256(1'000'000'000);
        t.max_fee_per_gas = core::uint256(10'000'000'000ull);
        t.gas_limit = 21'000;
        t.to = recipient_;
        t.value = core::uint256(wei);
        t.sign(config_.mnemonic_keys.at(0));
        return t;
    }

    /// Block 1 built by the proposer from two transfers.
    AppliedBlock build_block1() {
        txns_ = {transfer(0, 1000), transfer(1, 2000)};
        std::vector<PoolCandidate> candidates;
        for (const core::Transaction& t : txns_) candidates.push_back({&t, config_.mnemonic_keys[0].address(), t.hash(), false});
        auto built = build_block(context(*proposer_chain_), genesis_.block.header, *genesis_validator_set(config_),
                                 proposer_.address(), consensus::ConsensusData{}, config_.genesis_timestamp + 1, candidates,
                                 nullptr);
        EXPECT_TRUE(built) << built.error().message;
        return std::move(*built);
    }

    std::expected<AppliedBlock, BlockError> apply(const core::Block& block, const consensus::ConsensusData& data) {
        return apply_block(context(*follower_chain_), genesis_.block.header, *genesis_validator_set(config_), block, data, 0,
                           nullptr);
    }

    const core::PrivateKey proposer_ = key("proposer");
    const core::Address recipient_ = key("recipient").address();
    ChainConfig config_;
    std::unique_ptr<ChainModels> models_;
    Genesis genesis_;
    std::unique_ptr<MemoryChain> proposer_chain_, follower_chain_;
    evm::JumpdestCache jumpdests_;
    evm::StakingContract staking_{staking_rules(config_)};
    std::vector<core::Transaction> txns_;
};

TEST_F(BlockTransition, AnotherValidatorAppliesTheBuiltBlockToTheSameRoots) {
    const AppliedBlock built = build_block1();
    ASSERT_EQ(built.block.body.transactions.size(), 2u);
    ASSERT_EQ(built.receipts.size(), 2u);
    EXPECT_TRUE(built.receipts[0].success && built.receipts[1].success);
    EXPECT_EQ(built.verdicts.size(), 2u) << "the preset screens every transaction";

    auto applied = apply(built.block, built.consensus_data);
    ASSERT_TRUE(applied) << applied.error().message;
    EXPECT_EQ(applied->block.header.hash(), built.block.header.hash());
    EXPECT_EQ(applied->trie_nodes, built.trie_nodes);
    EXPECT_EQ(applied->code, built.code);
    ASSERT_EQ(applied->verdicts.size(), built.verdicts.size());
    for (std::size_t i = 0; i < built.verdicts.size(); ++i) {
        EXPECT_EQ(applied->verdicts[i].second.encode(), built.verdicts[i].second.encode());
    }
    EXPECT_EQ(*applied->next_validators, *built.next_validators);

    // The recipient holds what was sent, on the state the block's own nodes make.
    follower_chain_->commit(*applied);
    evm::State state(&follower_chain_->trie_nodes(), &follower_chain_->code(), applied->block.header.state_root);
    EXPECT_EQ(state.balance(recipient_), core::uint256(3000));
    EXPECT_EQ(state.nonce(config_.mnemonic_keys[0].address()), 2u);
}

TEST_F(BlockTransition, ABlockThatBreaksARuleIsInvalid) {
    const AppliedBlock built = build_block1();
    auto expect_invalid = [&](const core::Block& block, const consensus::ConsensusData& data, std::string_view why) {
        auto r = apply(block, data);
        ASSERT_FALSE(r) << why;
        EXPECT_EQ(r.error().kind, BlockError::Kind::kInvalid) << why << ": " << r.error().message;
        EXPECT_NE(r.error().message.find(why), std::string::npos) << r.error().message;
    };
    core::Block wrong_root = built.block;
    wrong_root.header.state_root.bytes[0] ^= 1;
    expect_invalid(wrong_root, built.consensus_data, "state root mismatch");

    core::Block stranger = built.block;
    stranger.header.beneficiary = key("stranger").address();
    expect_invalid(stranger, built.consensus_data, "not a validator");

    core::Block forged = built.block;
    forged.body.transactions[1].signature.s = forged.body.transactions[1].signature.s + 1;
    forged.header.transactions_root = core::transactions_root(forged.body.transactions);
    auto r = apply(forged, built.consensus_data);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, BlockError::Kind::kInvalid) << r.error().message;

    core::Block orphan = built.block;
    orphan.header.parent_hash.bytes[0] ^= 1;
    expect_invalid(orphan, built.consensus_data, "parent hash");

    core::Block replayed = built.block;
    replayed.body.transactions.push_back(replayed.body.transactions[0]);
    replayed.header.transactions_root = core::transactions_root(replayed.body.transactions);
    r = apply(replayed, built.consensus_data);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, BlockError::Kind::kInvalid) << r.error().message;
}

TEST_F(BlockTransition, AFailedReadIsAFaultNotAnInvalidBlock) {
    const AppliedBlock built = build_block1();
    // The disk fails under the follower: its state reads come back absent, so the block's
    // transactions look unfunded and its roots wrong, which would be a nil prevote against an
    // honest proposer. The reader recorded the fault, so the answer is kFault: the node halts.
    follower_chain_->fail_reads = true;
    auto r = apply(built.block, built.consensus_data);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, BlockError::Kind::kFault) << r.error().message;
    EXPECT_NE(r.error().message.find("I/O error"), std::string::npos) << r.error().message;

    // Building on a failing disk is a fault too, never a block (of which the candidates that
    // looked unfunded would have been dropped from the pool).
    proposer_chain_->fail_reads = true;
    std::vector<PoolCandidate> candidates;
    for (const core::Transaction& t : txns_) candidates.push_back({&t, config_.mnemonic_keys[0].address(), t.hash(), false});
    auto b = build_block(context(*proposer_chain_), genesis_.block.header, *genesis_validator_set(config_), proposer_.address(),
                         consensus::ConsensusData{}, config_.genesis_timestamp + 1, candidates, nullptr);
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error().kind, BlockError::Kind::kFault) << b.error().message;
}

TEST_F(BlockTransition, TheProposerLeavesOutWhatFailsAndSaysSo) {
    // A transfer with a nonce gap and one the sender cannot pay for are dropped from the block,
    // not a reason to refuse it; the notes say why for the node's log.
    txns_ = {transfer(0, 1000), transfer(5, 1000)};
    core::Transaction broke = transfer(1, 0);
    broke.value = core::uint256(1) << 200;
    broke.sign(config_.mnemonic_keys[0]);
    txns_.push_back(broke);
    std::vector<PoolCandidate> candidates;
    for (const core::Transaction& t : txns_) candidates.push_back({&t, config_.mnemonic_keys[0].address(), t.hash(), false});
    auto built = build_block(context(*proposer_chain_), genesis_.block.header, *genesis_validator_set(config_), proposer_.address(),
                             consensus::ConsensusData{}, config_.genesis_timestamp + 1, candidates, nullptr);
    ASSERT_TRUE(built) << built.error().message;
    EXPECT_EQ(built->block.body.transactions.size(), 1u);
    EXPECT_EQ(built->dropped, (std::vector<core::Hash>{txns_[1].hash(), txns_[2].hash()}));
    ASSERT_EQ(built->notes.size(), 2u);
    EXPECT_NE(built->notes[0].text.find("dropping " + txns_[1].hash().hex()), std::string::npos) << built->notes[0].text;

    auto applied = apply(built->block, built->consensus_data);
    ASSERT_TRUE(applied) << applied.error().message;
    EXPECT_EQ(applied->block.header.state_root, built->block.header.state_root);
}

TEST_F(BlockTransition, OnlyASubSecondChainPutsTwoBlocksInOneSecond) {
    // Timestamps are whole seconds: on a chain of 1 s blocks a block's must be after its
    // parent's; on one of 500 ms blocks it may be the parent's, never before it.
    core::Block block = build_block1().block;
    block.header.timestamp = genesis_.block.header.timestamp;
    auto same_second = apply(block, consensus::ConsensusData{});
    ASSERT_FALSE(same_second);
    EXPECT_EQ(same_second.error().message, "timestamp not after the parent's");

    config_.block_interval_ms = 500;
    genesis_ = build_genesis(config_);
    proposer_chain_ = std::make_unique<MemoryChain>(config_, genesis_);
    follower_chain_ = std::make_unique<MemoryChain>(config_, genesis_);
    auto built = build_block(context(*proposer_chain_), genesis_.block.header, *genesis_validator_set(config_), proposer_.address(),
                             consensus::ConsensusData{}, genesis_.block.header.timestamp, {}, nullptr);
    ASSERT_TRUE(built) << built.error().message;
    EXPECT_EQ(built->block.header.timestamp, genesis_.block.header.timestamp);
    auto applied = apply(built->block, built->consensus_data);
    ASSERT_TRUE(applied) << applied.error().message;

    core::Block earlier = built->block;
    earlier.header.timestamp = genesis_.block.header.timestamp - 1;
    auto refused = apply(earlier, built->consensus_data);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message, "timestamp before the parent's");
}

TEST_F(BlockTransition, ABlockIsBoundedByBytesAtAnyGasLimit) {
    // At 300M gas, thirty transfers of 120 KB of calldata fit the gas but not one P2P frame: the
    // proposer stops at kMaxBlockTransactionBytes (the sender's later nonces wait, nothing is
    // dropped) and a block past it is invalid before anything in it runs.
    config_.block_gas_limit = 300'000'000;
    genesis_ = build_genesis(config_);
    proposer_chain_ = std::make_unique<MemoryChain>(config_, genesis_);
    follower_chain_ = std::make_unique<MemoryChain>(config_, genesis_);
    constexpr std::size_t kCalldata = 120'000;
    for (std::uint64_t nonce = 0; nonce < 30; ++nonce) {
        core::Transaction t = transfer(nonce, 1);
        t.data.assign(kCalldata, 0x01);
        t.gas_limit = 21'000 + 16 * kCalldata + 100'000;
        t.sign(config_.mnemonic_keys[0]);
        txns_.push_back(std::move(t));
    }
    std::vector<PoolCandidate> candidates;
    for (const core::Transaction& t : txns_) candidates.push_back({&t, config_.mnemonic_keys[0].address(), t.hash(), false});
    auto built = build_block(context(*proposer_chain_), genesis_.block.header, *genesis_validator_set(config_), proposer_.address(),
                             consensus::ConsensusData{}, config_.genesis_timestamp + 1, candidates, nullptr);
    ASSERT_TRUE(built) << built.error().message;
    const std::size_t fits = kMaxBlockTransactionBytes / txns_[0].encode().size();
    ASSERT_LT(fits, txns_.size());
    EXPECT_EQ(built->block.body.transactions.size(), fits);
    EXPECT_TRUE(built->dropped.empty());
    auto applied = apply(built->block, built->consensus_data);
    ASSERT_TRUE(applied) << applied.error().message;

    core::Block over = built->block;
    over.body.transactions.push_back(txns_[fits]);
    auto refused = apply(over, built->consensus_data);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind, BlockError::Kind::kInvalid);
    EXPECT_NE(refused.error().message.find("bytes, over the block's"), std::string::npos) << refused.error().message;
}

}  // namespace
}  // namespace moe::chain
