// Expert routing through a real Node (decision 004, the node): a one-validator chain whose
// validator hosts every expert. Its precommit's extension answers a pooled transfer, the next
// block carries the aggregated verdicts, and a block whose routing is tampered with is refused.
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

const core::Address kStaking = *core::Address::from_hex("0x0000000000000000000000000000000000001000");

core::Bytes register_experts_call(const std::vector<std::uint32_t>& ids) {
    // registerExperts(uint32[]): selector, offset 32, length, the ids (ABI).
    core::Bytes data = {0, 0, 0, 0};
    const core::Hash sel = core::keccak256(core::as_bytes("registerExperts(uint32[])"));
    std::copy(sel.bytes.begin(), sel.bytes.begin() + 4, data.begin());
    auto word = [&](std::uint64_t v) {
        core::Bytes w(32, 0);
        for (int i = 0; i < 8; ++i) w[31 - i] = static_cast<std::uint8_t>(v >> (8 * i));
        data.insert(data.end(), w.begin(), w.end());
    };
    word(32);
    word(ids.size());
    for (std::uint32_t id : ids) word(id);
    return data;
}

class NodeRouting : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("moe_routing_node_" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        auto doc = preset_genesis("localnet", {ValidatorEntry{validator_.public_key(), 10, {}}});
        ASSERT_TRUE(doc) << doc.error();
        (*doc)["epoch_length"] = 1;  // committees follow every block
        (*doc)["routing"] = {{"top_k", 2}};
        (*doc)["alloc"][validator_.address().hex()] = "1000000000000000000000";
        (*doc)["alloc"][user_.address().hex()] = "1000000000000000000000";
        auto chain = chain::parse_chain_config(*doc);
        ASSERT_TRUE(chain) << chain.error();
        auto node = Node::open(HomeLayout{dir_}, NodeConfig{}, *chain, validator_);
        ASSERT_TRUE(node) << node.error();
        node_ = std::move(*node);
    }
    void TearDown() override {
        node_.reset();
        fs::remove_all(dir_);
    }

    core::Bytes signed_txn(const core::PrivateKey& key, std::uint64_t nonce, std::optional<core::Address> to, core::Bytes data,
                           std::uint64_t value) {
        core::Transaction t;
        t.chain_id = node_->chain().chain_id;
        t.nonce = nonce;
        t.max_priority_fee_per_gas = 1'000'000'000u;
        t.max_fee_per_gas = 100'000'000'000ull;
        t.gas_limit = 300'000;
        t.to = to;
        t.value = value;
        t.data = std::move(data);
        t.sign(key);
        return t.encode();
    }

    /// The certificate of an executed block: this validator's precommit with `extension`.
    consensus::CommitCertificate certify(const ExecutedBlock& b, core::Bytes extension) {
        return testing::sole_validator_certificate(b, validator_, node_->chain().chain_id, std::move(extension));
    }

    ExecutedBlock build_and_commit(core::Bytes extension = {}) {
        auto b = testing::build_and_commit(*node_, validator_, std::move(extension));
        EXPECT_TRUE(b) << b.error();
        return b ? std::move(*b) : ExecutedBlock{};
    }

    /// Block 1 makes this validator host every expert (committees from height 2 on); block 2 is
    /// built, not committed, so that a transaction submitted now waits in the pool while it is
    /// precommitted.
    ExecutedBlock host_every_expert_and_build_block2() {
        EXPECT_TRUE(node_->submit_raw_transaction(signed_txn(validator_, 0, kStaking, register_experts_call(kAllExperts), 0)));
        build_and_commit();
        consensus::ConsensusData d2;
        d2.last_commit = *node_->certificate(1);
        auto b2 = node_->build_block(validator_.address(), d2, node_->head_header().timestamp + 1);
        EXPECT_TRUE(b2) << b2.error().message;
        return *b2;
    }

    const std::vector<std::uint32_t> kAllExperts = {0, 1, 2, 3, 4, 5, 6, 7};
    const core::Address recipient_ = core::PrivateKey::from_seed(core::keccak256(core::as_bytes("recipient"))).address();
    fs::path dir_;
    core::PrivateKey validator_ = core::PrivateKey::from_seed(core::keccak256(core::as_bytes("routing validator")));
    core::PrivateKey user_ = core::PrivateKey::from_seed(core::keccak256(core::as_bytes("routing user")));
    std::unique_ptr<Node> node_;
};

TEST_F(NodeRouting, VerdictsFromThePrecommitRouteTheTransactionAndTamperingIsRefused) {
    // Block 1: the validator hosts every expert; committees of height 2 on. Block 2 (routing
    // still off: the committees of height 1 are empty); while it is precommitted, a transfer
    // waits in the pool and the extension answers it.
    const std::optional<ExecutedBlock> b2 = host_every_expert_and_build_block2();
    ASSERT_EQ(node_->block_by_number(1)->body.transactions.size(), 1u);
    auto committees = node_->committees(2);
    ASSERT_TRUE(committees) << committees.error();
    EXPECT_EQ(committees->served_experts(), kAllExperts);
    EXPECT_TRUE(node_->committees(1)->served_experts().empty());
    EXPECT_TRUE(b2->consensus_data.routed.empty());
    const core::Address recipient = recipient_;
    auto txn = node_->submit_raw_transaction(signed_txn(user_, 0, recipient, {}, 12345));
    ASSERT_TRUE(txn);
    auto ext = node_->expert_verdicts(validator_.address(), 2, node_->pending_by_hash(512), {}, b2->block.header.timestamp + 1);
    ASSERT_TRUE(ext) << ext.error();
    ASSERT_EQ(ext->verdicts.size(), 2u);  // top-k = 2 of the experts it hosts
    for (const consensus::Verdict& v : ext->verdicts) {
        EXPECT_EQ(v.txn_hash, *txn);
        EXPECT_EQ(v.contract_class, 255);  // a transfer to an account
    }
    ASSERT_TRUE(node_->commit_block(*b2, certify(*b2, ext->encode())));

    // Block 3 carries the aggregated verdicts of the planned experts.
    consensus::ConsensusData d3;
    d3.last_commit = *node_->certificate(2);
    chain::RoutingInput input;
    for (auto& v : consensus::aggregate_certificate(*d3.last_commit, *committees, 6667)) input.verdicts.emplace(std::pair{v.txn_hash, v.expert}, v);
    auto b3 = node_->build_block(validator_.address(), d3, node_->head_header().timestamp + 1, &input);
    ASSERT_TRUE(b3) << b3.error().message;
    ASSERT_EQ(b3->block.body.transactions.size(), 1u);
    const consensus::RoutedVerdicts routed = b3->consensus_data.routed;
    ASSERT_EQ(routed.verdicts.size(), 2u);
    EXPECT_TRUE(routed.failovers.empty());
    EXPECT_EQ(routed.verdicts[0].answered, std::vector<core::Address>{validator_.address()});

    // The block as built is valid; every tampering of its routing is not.
    auto check = [&](consensus::ConsensusData data) {
        core::Block block = b3->block;
        block.header.extra_data = data.hash().to_bytes();
        return node_->execute_block(block, std::move(data), 0);
    };
    EXPECT_TRUE(check(b3->consensus_data));
    {
        consensus::ConsensusData bad = b3->consensus_data;
        bad.routed.verdicts[0].score = (bad.routed.verdicts[0].score + 1) % 10001;
        auto r = check(bad);
        ASSERT_FALSE(r);
        EXPECT_NE(r.error().message.find("routed verdicts"), std::string::npos) << r.error().message;
        EXPECT_EQ(r.error().kind, chain::BlockError::Kind::kInvalid) << "the block breaks a rule; this node did not fail";
    }
    {
        consensus::ConsensusData bad = b3->consensus_data;
        bad.routed.verdicts.pop_back();
        auto r = check(bad);
        ASSERT_FALSE(r);
        EXPECT_NE(r.error().message.find("routing"), std::string::npos) << r.error().message;
        EXPECT_EQ(r.error().kind, chain::BlockError::Kind::kInvalid) << "the block breaks a rule; this node did not fail";
    }
    {
        consensus::ConsensusData bad = b3->consensus_data;
        bad.routed = {};
        EXPECT_FALSE(check(bad)) << "a routed transaction without verdicts";
    }
    {
        consensus::ConsensusData bad = b3->consensus_data;
        bad.routed.failovers.push_back({*txn, 1});  // a failover no committee's answers support
        EXPECT_FALSE(check(bad));
    }

    ASSERT_TRUE(node_->commit_block(*b3, certify(*b3, {})));
    auto routing = node_->routing_of(*txn);
    ASSERT_TRUE(routing);
    EXPECT_EQ(routing->block_number, 3u);
    EXPECT_EQ(routing->ranking.size(), 8u);
    EXPECT_EQ(routing->failover, 0u);
    EXPECT_EQ(routing->verdicts, routed.verdicts);
    std::vector<std::uint32_t> planned = {routing->ranking[0], routing->ranking[1]};
    std::sort(planned.begin(), planned.end());
    EXPECT_EQ(planned, (std::vector<std::uint32_t>{routed.verdicts[0].expert, routed.verdicts[1].expert}));
    const auto activity = node_->expert_activity();
    std::uint64_t verdicts = 0;
    for (const auto& [e, a] : activity) {
        verdicts += a.verdicts;
        EXPECT_EQ(a.agreeing, a.answers);
        EXPECT_TRUE(a.missed.empty());
    }
    EXPECT_EQ(verdicts, 2u);
}

TEST_F(NodeRouting, AWrongVerdictIsRecomputedCheckedAndSlashesItsSigner) {
    // Committees from height 2; block 2 is precommitted with verdicts on a pooled transfer,
    // block 3 includes the transfer.
    const std::optional<ExecutedBlock> b2 = host_every_expert_and_build_block2();
    const core::Address recipient = recipient_;
    auto txn = node_->submit_raw_transaction(signed_txn(user_, 0, recipient, {}, 12345));
    ASSERT_TRUE(txn);
    auto ext = node_->expert_verdicts(validator_.address(), 2, node_->pending_by_hash(512), {}, b2->block.header.timestamp + 1);
    ASSERT_TRUE(ext) << ext.error();
    ASSERT_FALSE(ext->verdicts.empty());
    ASSERT_TRUE(node_->commit_block(*b2, certify(*b2, ext->encode())));
    const consensus::Vote honest = [&] {
        const consensus::CommitCertificate c = *node_->certificate(2);
        consensus::Vote v;
        v.type = consensus::VoteType::kPrecommit;
        v.height = 2;
        v.block_hash = c.block_hash;
        v.validator = c.signatures[0].validator;
        v.signature = c.signatures[0].signature;
        v.extension = c.signatures[0].extension;
        v.extension_signature = c.signatures[0].extension_signature;
        return v;
    }();
    const consensus::Verdict right = ext->verdicts[0];

    // The honest verdict recomputes bit for bit, from the pool while the transfer waits there.
    EXPECT_FALSE(node_->recompute_verdict(honest, right, false)) << "not committed yet";
    auto again = node_->recompute_verdict(honest, right, true);
    ASSERT_TRUE(again) << again.error();
    EXPECT_EQ(*again, right.score);
    // All of the precommit's verdicts at once, on one state, with one of a transaction nobody
    // holds among them: each honest one recomputes to its score, the unknown one alone fails.
    std::vector<consensus::Verdict> several = ext->verdicts;
    consensus::Verdict unknown = right;
    unknown.txn_hash = core::keccak256(core::as_bytes("no such transaction"));
    several.insert(several.begin() + 1, unknown);
    auto all = node_->recompute_verdicts(honest, several, true);
    ASSERT_TRUE(all) << all.error();
    ASSERT_EQ(all->size(), several.size());
    for (std::size_t i = 0; i < several.size(); ++i) {
        if (i == 1) {
            EXPECT_FALSE((*all)[i]) << "a transaction nobody holds";
            continue;
        }
        ASSERT_TRUE((*all)[i]) << i << ": " << (*all)[i].error();
        EXPECT_EQ(*(*all)[i], several[i].score) << "expert " << several[i].expert;
        EXPECT_EQ(*(*all)[i], *node_->recompute_verdict(honest, several[i], true)) << "expert " << several[i].expert;
    }

    consensus::ConsensusData d3;
    d3.last_commit = *node_->certificate(2);
    chain::RoutingInput input;
    for (auto& v : consensus::aggregate_certificate(*d3.last_commit, *node_->committees(2), 6667)) input.verdicts.emplace(std::pair{v.txn_hash, v.expert}, v);
    auto b3 = node_->build_block(validator_.address(), d3, node_->head_header().timestamp + 1, &input);
    ASSERT_TRUE(b3) << b3.error().message;
    ASSERT_EQ(b3->block.body.transactions.size(), 1u);
    ASSERT_TRUE(node_->commit_block(*b3, certify(*b3, {})));
    again = node_->recompute_verdict(honest, right, false);
    ASSERT_TRUE(again) << again.error();
    EXPECT_EQ(*again, right.score);

    // A second precommit of the same block whose extension signs a score 5000 off.
    consensus::Vote wrong_vote = honest;
    consensus::VerdictExtension wrong_ext = *ext;
    wrong_ext.verdicts[0].score = right.score < 5000 ? right.score + 5000 : right.score - 5000;
    wrong_vote.extension = wrong_ext.encode();
    wrong_vote.extension_signature = validator_.sign(wrong_vote.extension_digest(node_->chain().chain_id));
    const consensus::WrongVerdictEvidence evidence{wrong_vote, wrong_ext.verdicts[0], right.score};
    EXPECT_TRUE(node_->check_wrong_verdict(evidence, false));
    consensus::WrongVerdictEvidence lying = evidence;  // claims the model gives something else
    lying.recomputed_score = (right.score + 1) % 10001;
    if (lying.recomputed_score == lying.claimed.score) lying.recomputed_score = (lying.recomputed_score + 1) % 10001;
    auto refused = node_->check_wrong_verdict(lying, false);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("the model gives"), std::string::npos) << refused.error();
    // The sample (10 percent by default): keccak(txn || validator)'s last 8 bytes mod 100 < 10.
    core::Bytes preimage = right.txn_hash.to_bytes();
    const core::Bytes who = validator_.address().to_bytes();
    preimage.insert(preimage.end(), who.begin(), who.end());
    const core::Hash digest = core::keccak256(preimage);
    std::uint64_t tail = 0;
    for (std::size_t i = 24; i < 32; ++i) tail = (tail << 8) | digest.bytes[i];
    EXPECT_EQ(node_->verdict_sampled(right.txn_hash, validator_.address()), tail % 100 < 10);

    // A block carrying the lying evidence is invalid; one with the true evidence slashes and jails.
    consensus::ConsensusData d4;
    d4.last_commit = *node_->certificate(3);
    d4.wrong_verdicts = {lying};
    auto bad = node_->build_block(validator_.address(), d4, node_->head_header().timestamp + 1);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("wrong-verdict evidence"), std::string::npos) << bad.error().message;
    EXPECT_EQ(bad.error().kind, chain::BlockError::Kind::kInvalid) << "the block breaks a rule; this node did not fail";
    d4.wrong_verdicts = {evidence};
    const auto stake_before = (*node_->stakes(3))[0].stake;
    auto b4 = node_->build_block(validator_.address(), d4, node_->head_header().timestamp + 1);
    ASSERT_TRUE(b4) << b4.error().message;
    ASSERT_TRUE(node_->commit_block(*b4, certify(*b4, {})));
    const auto stakes = node_->stakes(4);
    ASSERT_TRUE(stakes) << stakes.error();
    EXPECT_TRUE((*stakes)[0].jailed);
    EXPECT_LT((*stakes)[0].stake, stake_before);
    EXPECT_EQ(node_->evidence_block(evidence.hash()), std::optional<std::uint64_t>{4});
    const auto committed = node_->committed_evidence(1, 4);
    ASSERT_EQ(committed.size(), 1u);
    ASSERT_TRUE(std::holds_alternative<consensus::WrongVerdictEvidence>(committed[0].evidence));
    EXPECT_EQ(std::get<consensus::WrongVerdictEvidence>(committed[0].evidence).hash(), evidence.hash());

    // Included once: never again.
    consensus::ConsensusData d5;
    d5.last_commit = *node_->certificate(4);
    d5.wrong_verdicts = {evidence};
    auto repeat = node_->build_block(validator_.address(), d5, node_->head_header().timestamp + 1);
    ASSERT_FALSE(repeat);
    EXPECT_NE(repeat.error().message.find("already included"), std::string::npos) << repeat.error().message;
    EXPECT_EQ(repeat.error().kind, chain::BlockError::Kind::kInvalid) << "the block breaks a rule; this node did not fail";
}

TEST_F(NodeRouting, ASilentCommitteeThatFailsOverCostsItsMembersUptime) {
    const std::optional<ExecutedBlock> b2 = host_every_expert_and_build_block2();
    const core::Address recipient = recipient_;
    const core::Bytes raw = signed_txn(user_, 0, recipient, {}, 12345);
    auto scored = node_->score_transaction(raw);
    ASSERT_TRUE(scored);
    const auto top = static_cast<std::uint32_t>(scored->experts.at(0).expert);  // the gate's first rank
    auto txn = node_->submit_raw_transaction(raw);
    ASSERT_TRUE(txn);
    // The precommit answers for every expert but the first-ranked one: its committee is silent.
    consensus::VerdictExtension ext;
    for (std::uint32_t e = 0; e < 8; ++e) {
        if (e != top) ext.verdicts.push_back({*txn, e, 1000, 255});
    }
    ext.normalize();
    ASSERT_TRUE(node_->commit_block(*b2, certify(*b2, ext.encode())));

    consensus::ConsensusData d3;
    d3.last_commit = *node_->certificate(2);
    chain::RoutingInput input;
    for (auto& v : consensus::aggregate_certificate(*d3.last_commit, *node_->committees(2), 6667)) input.verdicts.emplace(std::pair{v.txn_hash, v.expert}, v);
    auto b3 = node_->build_block(validator_.address(), d3, node_->head_header().timestamp + 1, &input);
    ASSERT_TRUE(b3) << b3.error().message;
    ASSERT_EQ(b3->block.body.transactions.size(), 1u);
    ASSERT_EQ(b3->consensus_data.routed.failovers, (std::vector<consensus::Failover>{{*txn, 1}}));
    ASSERT_TRUE(node_->commit_block(*b3, certify(*b3, {})));

    // It signed every commit, so its one missed count is the silent duty, in the staking
    // contract's downtime counter as in moe_getExperts' missed duties.
    const auto stakes = node_->stakes(3);
    ASSERT_TRUE(stakes) << stakes.error();
    EXPECT_EQ((*stakes)[0].missed, 1u);
    EXPECT_EQ(node_->expert_activity().at(top).missed.at(validator_.address()), 1u);
}

TEST_F(NodeRouting, ExpertsTheGenesisSeatsRouteFromTheFirstBlockWithoutRegistration) {
    // Issue 13: `moed testnet` seats experts in the genesis. Here the one validator hosts all.
    node_.reset();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto doc = preset_genesis("localnet", {ValidatorEntry{validator_.public_key(), 10, kAllExperts}});
    ASSERT_TRUE(doc) << doc.error();
    (*doc)["epoch_length"] = 1;  // block 1 rebuilds the committees from the staking contract
    auto chain = chain::parse_chain_config(*doc);
    ASSERT_TRUE(chain) << chain.error();
    auto node = Node::open(HomeLayout{dir_}, NodeConfig{}, *chain, validator_);
    ASSERT_TRUE(node) << node.error();
    node_ = std::move(*node);
    auto first = node_->committees(1);
    ASSERT_TRUE(first) << first.error();
    EXPECT_EQ(first->served_experts(), kAllExperts);
    ASSERT_EQ(first->committee(6).size(), 1u);
    EXPECT_EQ(first->committee(6)[0].validator, validator_.address());
    // The genesis state holds them too: the epoch boundary at block 1 keeps every expert served.
    build_and_commit();
    auto second = node_->committees(2);
    ASSERT_TRUE(second) << second.error();
    EXPECT_EQ(second->served_experts(), kAllExperts);

    // Malformed expert lists are refused with a clear error.
    for (const char* bad : {"[]", "[3, 3]", "[2, 1]", "[-1]", "[\"1\"]", "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]"}) {
        nlohmann::json d = *doc;
        d["validators"][0]["experts"] = nlohmann::json::parse(bad);
        auto c = chain::parse_chain_config(d);
        EXPECT_FALSE(c) << bad;
        if (!c) {
            EXPECT_NE(c.error().find("experts"), std::string::npos) << c.error();
        }
    }
}

}  // namespace
}  // namespace moe::node
