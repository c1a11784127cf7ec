// Four consensus drivers over an in-memory network with a virtual clock: real Nodes (RocksDB in
// temporary homes), real WALs, the real driver; only the sockets and the clocks are the test's,
// and every message is delivered in one deterministic order. A validator that crashes at any
// step (its driver and database closed, then reopened from the WAL and the disk) rejoins without
// signing anything that conflicts with what it signed before, and every node commits the same
// blocks; a validator that was down for heights syncs them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "core/keccak.hpp"
#include "node/compact_proposal.hpp"
#include "node/consensus_driver.hpp"
#include "node/home.hpp"
#include "node/node.hpp"

namespace moe::node {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kValidators = 4;

/// What a slow link for proposals delays: a proposal in either form, and the transactions a
/// receiver asks for to complete a compact one.
bool is_proposal(p2p::MessageType type) {
    return type == p2p::MessageType::kProposal || type == p2p::MessageType::kCompactProposal ||
           type == p2p::MessageType::kProposalTransactionsRequest || type == p2p::MessageType::kProposalTransactions;
}

/// The peers of the test: FIFO delivery in one queue, gossip deduplicated per endpoint as P2p
/// does, and every vote anyone sends kept for the double-signing check.
class MemoryNetwork {
  public:
    struct Envelope {
        std::size_t to;
        p2p::PeerId from;
        p2p::MessageType type;
        core::Bytes payload;
        Clock::time_point due;  ///< not delivered before
    };

    class Endpoint final : public p2p::Network {
      public:
        Endpoint(MemoryNetwork& hub, std::size_t index, MessageHandler on_message)
            : hub_(hub), index_(index), id_(hub.ids[index]), on_message_(std::move(on_message)) {}
        ~Endpoint() override { stop(); }
        std::expected<void, std::string> start() override {
            hub_.attached[index_] = this;
            return {};
        }
        void stop() override {
            if (hub_.attached[index_] == this) hub_.attached[index_] = nullptr;
        }
        std::uint16_t listen_port() const override { return 0; }
        const p2p::PeerId& id() const noexcept override { return id_; }
        void send(const p2p::PeerId& peer, p2p::MessageType type, core::ByteView payload) override {
            hub_.post(hub_.index_of(peer), id_, type, payload);
        }
        void broadcast(p2p::MessageType type, core::ByteView payload) override {
            for (std::size_t i = 0; i < hub_.ids.size(); ++i) {
                if (i != index_) hub_.post(i, id_, type, payload);
            }
        }
        bool gossip(p2p::MessageType type, core::ByteView payload, std::optional<p2p::PeerId> from) override {
            core::Bytes key{static_cast<std::uint8_t>(type)};
            key.insert(key.end(), payload.begin(), payload.end());
            if (!seen_.insert(core::keccak256(key)).second) return false;
            for (std::size_t i = 0; i < hub_.ids.size(); ++i) {
                if (i != index_ && (!from || hub_.ids[i] != *from)) hub_.post(i, id_, type, payload);
            }
            return true;
        }
        void disconnect(const p2p::PeerId& peer, std::string_view reason) override {
            if (hub_.expect_disconnects) {
                hub_.disconnects.emplace_back(reason);
                return;
            }
            ADD_FAILURE() << "node " << index_ << " dropped " << peer.hex() << ": " << reason;
        }
        std::vector<p2p::PeerInfo> peers() const override {
            std::vector<p2p::PeerInfo> out;
            for (std::size_t i = 0; i < hub_.ids.size(); ++i) {
                if (i != index_ && hub_.attached[i]) out.push_back({hub_.ids[i], "memory", false, 0, 0});
            }
            return out;
        }
        void deliver(const Envelope& e) { on_message_(e.from, e.type, e.payload); }

      private:
        MemoryNetwork& hub_;
        std::size_t index_;
        p2p::PeerId id_;
        MessageHandler on_message_;
        std::set<core::Hash> seen_;
    };

    MemoryNetwork(std::vector<p2p::PeerId> peer_ids, const Clock::time_point& now)
        : ids(std::move(peer_ids)), attached(ids.size(), nullptr), now_(now) {}

    /// Delivers the oldest message that is due; the index it went to (nullopt: none is due).
    /// One for a node that is down is lost, as on a real network.
    std::optional<std::size_t> deliver_one() {
        for (auto it = queue_.begin(); it != queue_.end();) {
            if (it->due > now_) {
                ++it;
                continue;
            }
            Envelope e = std::move(*it);
            it = queue_.erase(it);
            if (!attached[e.to]) continue;
            if (e.type == p2p::MessageType::kProposalTransactions) {
                if (auto answer = decode_proposal_transactions(e.payload)) given_.insert({ids[e.to], answer->block_hash});
            }
            attached[e.to]->deliver(e);
            return e.to;
        }
        return std::nullopt;
    }

    /// A slow link: proposals to node `to` arrive `delay` late.
    void delay_proposals_to(std::size_t to, Clock::duration delay) { proposal_delay_[to] = delay; }
    /// A lossy link: messages of `type` to node `to` are lost.
    void drop_to(std::size_t to, p2p::MessageType type) { dropped_.insert({to, type}); }
    /// Lost too: every message to anyone for which this says so (a test's finer loss).
    std::function<bool(std::size_t to, p2p::MessageType, core::ByteView)> drop_if;

    std::vector<p2p::PeerId> ids;
    std::vector<Endpoint*> attached;
    std::map<p2p::MessageType, std::size_t> posted;  ///< messages sent, by type
    std::map<p2p::MessageType, std::size_t> posted_bytes;  ///< their payload bytes, by type
    /// A test that sends a peer's garbage sets this: the disconnects are then recorded, not failed.
    bool expect_disconnects = false;
    std::vector<std::string> disconnects;  ///< why, in order
    /// (validator, height, round, type) -> every block hash it signed a vote for there.
    std::map<std::tuple<core::Address, std::uint64_t, std::uint32_t, std::uint8_t>, std::set<core::Hash>> votes;
    /// Block hash -> the rounds a compact proposal named it in.
    std::map<core::Hash, std::set<std::uint32_t>> proposed_in_rounds;
    /// Requests for a block's transactions by a validator that had been given them already.
    std::size_t asked_again = 0;

  private:
    std::size_t index_of(const p2p::PeerId& peer) const {
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (ids[i] == peer) return i;
        }
        ADD_FAILURE() << "no peer " << peer.hex();
        return 0;
    }
    void post(std::size_t to, const p2p::PeerId& from, p2p::MessageType type, core::ByteView payload) {
        ++posted[type];
        posted_bytes[type] += payload.size();
        if (dropped_.contains({to, type})) return;
        if (type == p2p::MessageType::kVote) {
            if (auto v = consensus::Vote::decode(payload)) {
                votes[{v->validator, v->height, v->round, static_cast<std::uint8_t>(v->type)}].insert(v->block_hash);
            }
        }
        if (type == p2p::MessageType::kCompactProposal) {
            if (auto c = CompactProposal::decode(payload)) proposed_in_rounds[c->proposal.block_hash].insert(c->proposal.round);
        }
        if (type == p2p::MessageType::kProposalTransactionsRequest) {
            if (auto r = decode_transactions_request(payload)) asked_again += given_.contains({from, r->block_hash}) ? 1 : 0;
        }
        if (drop_if && drop_if(to, type, payload)) return;  // signed and sent, then lost
        Clock::time_point due = now_;
        if (auto d = proposal_delay_.find(to); d != proposal_delay_.end() && is_proposal(type)) due += d->second;
        queue_.push_back({to, from, type, core::Bytes(payload.begin(), payload.end()), due});
    }
    const Clock::time_point& now_;
    std::map<std::size_t, Clock::duration> proposal_delay_;
    std::set<std::pair<std::size_t, p2p::MessageType>> dropped_;
    std::set<std::pair<p2p::PeerId, core::Hash>> given_;  ///< (validator, block) whose transactions reached it
    std::deque<Envelope> queue_;
};

class DriverNetwork : public ::testing::Test {
  protected:
    void SetUp() override {
        // tmpfs when the machine has one: a world here syncs its WAL and database on every
        // message and block, and a crash at every step makes many worlds.
        const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
        dir_ = base / ("moe_driver_network_" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        std::vector<ValidatorEntry> entries;
        std::vector<p2p::PeerId> ids;
        keys_.clear();
        for (std::size_t i = 0; i < kValidators; ++i) {
            keys_.push_back(core::PrivateKey::from_seed(core::keccak256(core::as_bytes("validator " + std::to_string(i)))));
            entries.push_back(ValidatorEntry{keys_.back().public_key(), 1, {}});
            ids.push_back(keys_.back().address());
        }
        auto doc = preset_genesis("localnet", entries);
        ASSERT_TRUE(doc) << doc.error();
        // Consensus alone: no expert committees to wait for, and no models to load at each of
        // the many opens below (screening is chain/'s, tested on its own).
        doc->erase("routing");
        doc->erase("models");
        auto chain = chain::parse_chain_config(*doc);
        ASSERT_TRUE(chain) << chain.error();
        chain_ = std::move(*chain);
        network_ = std::make_unique<MemoryNetwork>(ids, now_);
        drivers_.clear();
        nodes_.clear();
        nodes_.resize(kValidators);
        drivers_.resize(kValidators);
        now_ = Clock::time_point{} + std::chrono::hours(1);
    }
    void TearDown() override {
        for (auto& d : drivers_) d.reset();
        for (auto& n : nodes_) n.reset();
        fs::remove_all(dir_);
    }

    /// Opens (or reopens, after a crash) validator i's node and driver from its home, and starts
    /// the driver without threads: its WAL is replayed.
    void open(std::size_t i) {
        const fs::path home = dir_ / ("node" + std::to_string(i));
        fs::create_directories(home);
        auto node = Node::open(HomeLayout{home}, NodeConfig{}, chain_, keys_[i]);
        ASSERT_TRUE(node) << node.error();
        nodes_[i] = std::move(*node);
        DriverOptions options{.validator_key = keys_[i], .node_key = keys_[i], .wal_file = home / "consensus.wal",
                              .p2p = std::nullopt, .timeouts = chain_.consensus_timeouts, .commit_timeout_ms = 200};
        options.on_fatal = [this, i](const std::string& why) {
            if (halted_ && halted_index_ == i) {
                *halted_ = why;
                return;
            }
            ADD_FAILURE() << "node " << i << " halted: " << why;
        };
        options.network = [this, i](p2p::Network::MessageHandler on_message, p2p::Network::PeerHandler) {
            return std::make_unique<MemoryNetwork::Endpoint>(*network_, i, std::move(on_message));
        };
        options.steady_now = [this] { return now_; };
        options.unix_now = [this] {
            return chain_.genesis_timestamp + static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(now_ - Clock::time_point{}).count());
        };
        auto driver = ConsensusDriver::create(*nodes_[i], std::move(options));
        ASSERT_TRUE(driver) << driver.error();
        drivers_[i] = std::move(*driver);
        ASSERT_TRUE(drivers_[i]->start_stepping());
    }
    /// The process of validator i dies: its driver and database close, queued messages to it are lost.
    void crash(std::size_t i) {
        drivers_[i].reset();
        nodes_[i].reset();
    }

    /// One step of the world: the next message is delivered and its receiver acts; with none
    /// queued, the clock moves 50 ms and every running node acts on what came due. Returns the
    /// node that acted (nullopt: all of them).
    std::optional<std::size_t> tick() {
        if (auto to = network_->deliver_one()) {
            drivers_[*to]->step();
            return to;
        }
        now_ += std::chrono::milliseconds(50);
        for (auto& d : drivers_) {
            if (d) d->step();
        }
        return std::nullopt;
    }
    std::uint64_t lowest_head() const {
        std::uint64_t low = UINT64_MAX;
        for (const auto& n : nodes_) low = std::min(low, n ? n->head().number : 0);
        return low;
    }
    /// Ticks until every node's head reaches `height`; the ticks it took (or the cap). With
    /// `crash_at`, `victim` crashes and restarts just before that tick. `actors` (if given) gets
    /// who acted at each tick.
    std::size_t run_until(std::uint64_t height, std::size_t cap, std::optional<std::size_t> crash_at = std::nullopt,
                          std::size_t victim = 0, std::vector<std::optional<std::size_t>>* actors = nullptr) {
        for (std::size_t t = 1; t <= cap; ++t) {
            if (crash_at && t == *crash_at) {
                crash(victim);
                open(victim);
            }
            const auto actor = tick();
            if (actors) actors->push_back(actor);
            if (lowest_head() >= height) return t;
        }
        return cap;
    }
    /// Every node holds the same blocks, and no validator signed two different votes of one
    /// height, round and type.
    void expect_agreement(std::uint64_t height) {
        for (std::uint64_t h = 1; h <= height; ++h) {
            const auto first = nodes_[0]->block_by_number(h);
            ASSERT_TRUE(first) << "block " << h;
            for (std::size_t i = 1; i < kValidators; ++i) {
                const auto other = nodes_[i]->block_by_number(h);
                ASSERT_TRUE(other) << "node " << i << " block " << h;
                EXPECT_EQ(other->header.hash(), first->header.hash()) << "node " << i << " block " << h;
            }
        }
        for (const auto& [key, hashes] : network_->votes) {
            EXPECT_EQ(hashes.size(), 1u) << std::get<0>(key).hex() << " signed " << hashes.size()
                                         << " different votes at height " << std::get<1>(key) << " round " << std::get<2>(key);
        }
    }

    /// `count` transfers of 1 wei from the first funded account to validator 1, pooled at
    /// validator 0 as a client sends them; their hashes.
    std::vector<core::Hash> pool_transfers_at_validator0(std::uint64_t count) {
        std::vector<core::Hash> hashes;
        for (std::uint64_t nonce = 0; nonce < count; ++nonce) {
            core::Transaction t;
            t.chain_id = chain_.chain_id;
            t.nonce = nonce;
            t.max_priority_fee_per_gas = 1'000'000'000u;
            t.max_fee_per_gas = 100'000'000'000ull;
            t.gas_limit = 21'000;
            t.to = keys_[1].address();
            t.value = 1;
            t.sign(chain_.mnemonic_keys.at(0));
            auto pooled = nodes_[0]->submit_raw_transaction(t.encode());
            if (!pooled) ADD_FAILURE() << "not pooled: " << pooled.error().message;
            else hashes.push_back(*pooled);
        }
        return hashes;
    }
    /// Every validator committed every one of `hashes`.
    void expect_committed_everywhere(const std::vector<core::Hash>& hashes) {
        for (std::size_t i = 0; i < kValidators; ++i) {
            for (const core::Hash& h : hashes) EXPECT_TRUE(nodes_[i]->transaction(h)) << "node " << i << " lacks " << h.hex();
        }
    }

    fs::path dir_;
    chain::ChainConfig chain_;
    std::vector<core::PrivateKey> keys_;
    std::unique_ptr<MemoryNetwork> network_;
    std::vector<std::unique_ptr<Node>> nodes_;
    std::vector<std::unique_ptr<ConsensusDriver>> drivers_;
    Clock::time_point now_ = Clock::time_point{} + std::chrono::hours(1);
    std::string* halted_ = nullptr;  ///< where the expected halt of validator halted_index_ is told
    std::size_t halted_index_ = 0;
};

constexpr std::uint64_t kHeights = 3;
constexpr std::size_t kMaxTicks = 20'000;

TEST_F(DriverNetwork, FourValidatorsCommitTheSameBlocks) {
    for (std::size_t i = 0; i < kValidators; ++i) open(i);
    const std::size_t ticks = run_until(kHeights, kMaxTicks);
    ASSERT_LT(ticks, kMaxTicks) << "heads stuck at " << lowest_head();
    expect_agreement(kHeights);
}

TEST_F(DriverNetwork, AClientsTransactionsReachTheOtherValidatorsInOneFrameEachAndAreCommitted) {
    // Three transfers sent to validator 0: its next step gossips them as one batch, a frame
    // per peer (a frame per transaction and peer cost a loaded localnet more CPU in the kernel
    // than its sender recoveries), and every validator commits them.
    for (std::size_t i = 0; i < kValidators; ++i) open(i);
    const std::vector<core::Hash> hashes = pool_transfers_at_validator0(3);
    ASSERT_EQ(hashes.size(), 3u);
    drivers_[0]->step();
    EXPECT_EQ(network_->posted[p2p::MessageType::kPooledTransactions], kValidators - 1);
    EXPECT_EQ(network_->posted[p2p::MessageType::kTransaction], 0u);
    // What is queued now, delivered without the clock moving: every validator pools them.
    while (auto to = network_->deliver_one()) drivers_[*to]->step();
    for (std::size_t i = 1; i < kValidators; ++i) {
        for (const core::Hash& h : hashes) {
            EXPECT_TRUE(nodes_[i]->pending_transaction(h) || nodes_[i]->transaction(h)) << "node " << i << " lacks " << h.hex();
        }
    }
    ASSERT_LT(run_until(kHeights, kMaxTicks), kMaxTicks) << "heads stuck at " << lowest_head();
    expect_committed_everywhere(hashes);
    expect_agreement(kHeights);
    // The transfers crossed each link once: proposals named them by hash, and every validator
    // took them from its pool (none asked for one).
    EXPECT_EQ(network_->posted[p2p::MessageType::kProposal], 0u);
    EXPECT_GT(network_->posted[p2p::MessageType::kCompactProposal], 0u);
    EXPECT_EQ(network_->posted[p2p::MessageType::kProposalTransactionsRequest], 0u);
}

TEST_F(DriverNetwork, AValidatorWhosePoolLacksABlocksTransactionsAsksForThemAndCommitsIt) {
    // Validator 3 never hears the gossip of validator 0's transfers: the proposals that carry
    // them name transactions its pool does not hold. It asks the peer that passed each proposal
    // on for those, checks them against the header, and commits the same blocks as the others.
    constexpr std::size_t kDeaf = 3;
    network_->drop_to(kDeaf, p2p::MessageType::kPooledTransactions);
    for (std::size_t i = 0; i < kValidators; ++i) open(i);
    const std::vector<core::Hash> hashes = pool_transfers_at_validator0(5);
    ASSERT_EQ(hashes.size(), 5u);
    drivers_[0]->step();
    while (auto to = network_->deliver_one()) drivers_[*to]->step();
    for (const core::Hash& h : hashes) ASSERT_FALSE(nodes_[kDeaf]->pending_transaction(h)) << "the gossip reached it";
    ASSERT_LT(run_until(kHeights, kMaxTicks), kMaxTicks) << "heads stuck at " << lowest_head();
    expect_committed_everywhere(hashes);
    expect_agreement(kHeights);
    EXPECT_GE(network_->posted[p2p::MessageType::kProposalTransactionsRequest], 1u);
    EXPECT_EQ(network_->posted[p2p::MessageType::kProposalTransactions],
              network_->posted[p2p::MessageType::kProposalTransactionsRequest]);
    EXPECT_EQ(network_->posted[p2p::MessageType::kProposal], 0u);
}

TEST_F(DriverNetwork, ABlockProposedAgainInALaterRoundIsTakenFromWhatAValidatorHoldsNotFetchedAgain) {
    // Validator 3 hears no gossip, so its pool lacks the transfers, and its link is slow for
    // proposals. At height 3, whose block carries the transfers, validator 1 misses validator 2's
    // prevote of round 0: the block's polka is seen by some and not all, so the height goes on
    // for rounds, and a proposer that saw the polka proposes that valid block again. Whoever
    // completed the block once (fetching its transactions, or from its pool) takes it from what
    // it holds: no validator asks for a block's transactions once they have reached it. (A
    // request may be repeated while its answer is late: the slow link makes it so.)
    constexpr std::size_t kDeaf = 3;
    constexpr std::uint64_t kHeight = 3;  // the first height whose proposer holds the transfers
    network_->drop_to(kDeaf, p2p::MessageType::kPooledTransactions);
    network_->delay_proposals_to(kDeaf, std::chrono::milliseconds(1500));
    const core::Address second = keys_[2].address();
    network_->drop_if = [second](std::size_t to, p2p::MessageType type, core::ByteView payload) {
        if (type != p2p::MessageType::kVote || to != 1) return false;
        const auto v = consensus::Vote::decode(payload);
        return v && v->type == consensus::VoteType::kPrevote && v->height == kHeight && v->round == 0 && v->validator == second;
    };
    for (std::size_t i = 0; i < kValidators; ++i) open(i);
    const std::vector<core::Hash> hashes = pool_transfers_at_validator0(5);
    ASSERT_EQ(hashes.size(), 5u);
    drivers_[0]->step();
    while (auto to = network_->deliver_one()) drivers_[*to]->step();
    ASSERT_LT(run_until(kHeight, kMaxTicks), kMaxTicks) << "heads stuck at " << lowest_head();
    expect_committed_everywhere(hashes);
    expect_agreement(kHeight);
    const auto block = nodes_[0]->block_by_number(kHeight);
    ASSERT_TRUE(block);
    ASSERT_EQ(block->body.transactions.size(), hashes.size()) << "the transfers went into another height: move kHeight";
    // The committed block was proposed in more than one round, and fetched by someone.
    EXPECT_GE(network_->proposed_in_rounds[block->header.hash()].size(), 2u);
    EXPECT_GE(network_->posted[p2p::MessageType::kProposalTransactionsRequest], 1u);
    EXPECT_EQ(network_->asked_again, 0u);
}

TEST_F(DriverNetwork, ACompactProposalNamingMoreTransactionsThanABlocksGasPaysForIsRefused) {
    // A peer's compact proposal names one hash more than a block of this chain can hold (every
    // transaction pays 21,000 gas): the peer is disconnected before any hash is looked up or
    // asked for, and the validators go on committing.
    for (std::size_t i = 0; i < kValidators; ++i) open(i);
    core::BlockHeader header;
    header.number = 1;
    header.gas_limit = chain_.block_gas_limit;
    CompactProposal compact;
    compact.proposal.height = 1;
    compact.proposal.round = 0;
    compact.proposal.pol_round = -1;
    compact.proposal.block_hash = header.hash();
    compact.proposal_rlp = compact.proposal.encode();
    compact.header = header;
    compact.header_rlp = header.encode();
    compact.data_rlp = consensus::ConsensusData{}.encode();
    compact.transaction_hashes.resize(chain_.block_gas_limit / core::kTxGas + 1);
    for (std::size_t i = 0; i < compact.transaction_hashes.size(); ++i) {
        compact.transaction_hashes[i] = core::keccak256(core::as_bytes("transaction " + std::to_string(i)));
    }
    network_->expect_disconnects = true;
    network_->attached[0]->send(network_->ids[1], p2p::MessageType::kCompactProposal, compact.encode());
    while (auto to = network_->deliver_one()) drivers_[*to]->step();
    ASSERT_EQ(network_->disconnects.size(), 1u);
    EXPECT_NE(network_->disconnects[0].find("more transactions than a block's gas pays for"), std::string::npos)
        << network_->disconnects[0];
    EXPECT_EQ(network_->posted[p2p::MessageType::kProposalTransactionsRequest], 0u);
    network_->expect_disconnects = false;
    ASSERT_LT(run_until(kHeights, kMaxTicks), kMaxTicks) << "heads stuck at " << lowest_head();
    expect_agreement(kHeights);
}

/// The proposer of height 2 crashes (its driver and database closed, reopened from the WAL and
/// the disk) just before each step it takes in heights 1 and 2, each crash in a world of its own:
/// before and after every message it handles and every timer, as a follower and as the proposer.
/// Its link and one other follower's are slow for proposals (1.5 s, beyond the 1 s propose
/// timeout of round 0), so at height 1 both prevote nil before the proposal arrives, round 0
/// fails, and a restart that forgot its nil prevote would prevote the late proposal's block.
TEST_F(DriverNetwork, AValidatorCrashingAtEachOfItsStepsRejoinsWithoutConflictingSignatures) {
    constexpr std::uint64_t kCrashHeights = 2;
    const auto slow = std::chrono::milliseconds(1500);
    std::size_t victim = 0, other = 0;
    {
        for (std::size_t i = 0; i < kValidators; ++i) open(i);
        ASSERT_LT(run_until(kCrashHeights, kMaxTicks), kMaxTicks);
        const auto first = nodes_[0]->block_by_number(1)->header.beneficiary;
        const auto second = nodes_[0]->block_by_number(2)->header.beneficiary;
        while (keys_[victim].address() != second) ++victim;
        while (other == victim || keys_[other].address() == first) ++other;
        TearDown();
    }
    auto slow_links = [&] {
        network_->delay_proposals_to(victim, slow);
        network_->delay_proposals_to(other, slow);
    };
    std::vector<std::optional<std::size_t>> actors;
    {
        SetUp();
        slow_links();
        for (std::size_t i = 0; i < kValidators; ++i) open(i);
        ASSERT_LT(run_until(kCrashHeights, kMaxTicks, std::nullopt, 0, &actors), kMaxTicks);
        TearDown();
    }
    std::size_t worlds = 0;
    for (std::size_t t = 1; t <= actors.size(); ++t) {
        const auto& actor = actors[t - 1];
        if (actor && *actor != victim) continue;  // a step of another validator
        SCOPED_TRACE("validator " + std::to_string(victim) + " crashes before tick " + std::to_string(t));
        SetUp();
        slow_links();
        for (std::size_t i = 0; i < kValidators; ++i) open(i);
        const std::size_t ticks = run_until(kHeights, kMaxTicks, t, victim);
        ASSERT_LT(ticks, kMaxTicks) << "heads stuck at " << lowest_head();
        expect_agreement(kHeights);
        TearDown();
        ++worlds;
    }
    RecordProperty("crash_worlds", static_cast<int>(worlds));
    EXPECT_GT(worlds, 10u);
}

/// A validator whose disk fails under it (its table files cut short after it opened them):
/// what it reads to check a proposal is answered as absent, and instead of a nil prevote against
/// an honest proposer the node halts; the others go on.
TEST_F(DriverNetwork, AFailedDiskReadHaltsTheValidatorInsteadOfANilPrevote) {
    for (std::size_t i = 0; i < kValidators; ++i) open(i);
    ASSERT_LT(run_until(2, kMaxTicks), kMaxTicks);
    // The victim: a validator that does not propose height 3 (it checks the proposal).
    std::size_t victim = 0;
    while (true) {
        const auto set = nodes_[0]->validator_set(3);
        ASSERT_TRUE(set);
        if (keys_[victim].address() != set->proposer().address) break;
        ++victim;
    }
    crash(victim);
    std::string why;
    halted_ = &why;
    halted_index_ = victim;
    open(victim);
    std::size_t cut = 0;
    for (const auto& f : fs::recursive_directory_iterator(dir_ / ("node" + std::to_string(victim)))) {
        if (f.path().extension() != ".sst") continue;
        fs::resize_file(f.path(), fs::file_size(f.path()) / 2);
        ++cut;
    }
    ASSERT_GT(cut, 0u);
    for (std::size_t t = 0; t < kMaxTicks && why.empty(); ++t) tick();
    ASSERT_FALSE(why.empty()) << "the validator never halted";
    EXPECT_NE(why.find("block 3"), std::string::npos) << "halted because: " << why;
    const auto nil_prevote = network_->votes.find({keys_[victim].address(), 3, 0, static_cast<std::uint8_t>(consensus::VoteType::kPrevote)});
    if (nil_prevote != network_->votes.end()) {
        EXPECT_FALSE(nil_prevote->second.contains(core::Hash{})) << "it prevoted nil";
    }
    crash(victim);
    // The three others commit on.
    const Node& other = *nodes_[(victim + 1) % kValidators];
    for (std::size_t t = 0; t < kMaxTicks && other.head().number < 4; ++t) tick();
    EXPECT_GE(other.head().number, 4u);
}

TEST_F(DriverNetwork, AValidatorDownForHeightsSyncsThem) {
    for (std::size_t i = 0; i + 1 < kValidators; ++i) open(i);
    // Three of four (3/4 of the power) commit without the fourth.
    for (std::size_t t = 0; t < kMaxTicks && nodes_[0]->head().number < kHeights; ++t) tick();
    ASSERT_GE(nodes_[0]->head().number, kHeights);
    open(kValidators - 1);
    const std::size_t ticks = run_until(kHeights + 1, kMaxTicks);
    ASSERT_LT(ticks, kMaxTicks) << "the late validator is stuck at " << nodes_[kValidators - 1]->head().number;
    expect_agreement(kHeights + 1);
}

}  // namespace
}  // namespace moe::node
