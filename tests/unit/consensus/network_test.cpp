#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <queue>
#include <set>

#include "consensus/tendermint.hpp"
#include "core/rlp.hpp"
#include "test_keys.hpp"

namespace moe::consensus {
namespace {

using testing::kChainId;

/// A deterministic in-process network: FIFO message delivery to every node (the sender
/// included), virtual-time timeouts fired in order, future-height messages buffered per node
/// as the node's driver would.
class Network {
  public:
    Network(std::size_t validators, std::size_t followers) : ring_(testing::keyring(std::vector<std::uint64_t>(validators, 1))) {
        for (std::size_t i = 0; i < validators + followers; ++i) {
            std::optional<core::Address> self;
            if (i < validators) self = ring_.set.validators()[i].address;
            nodes_.push_back(Node{Tendermint(kChainId, self, TimeoutConfig{}), {}, {}, {}, ring_.set});
        }
    }

    std::set<std::size_t> silent;          ///< crashed from the start: receive and send nothing
    std::optional<std::size_t> double_prevoter;  ///< signs a second prevote for another block

    void run(std::uint64_t until_height, std::uint64_t time_limit_ms) {
        for (std::size_t i = 0; i < nodes_.size(); ++i) enqueue(i, StartHeight{1, ring_.set});
        while (now_ <= time_limit_ms) {
            if (!inbox_.empty()) {
                auto [to, event] = std::move(inbox_.front());
                inbox_.pop_front();
                deliver(to, event);
            } else if (!timers_.empty()) {
                const Timer t = timers_.top();
                timers_.pop();
                now_ = t.at;
                deliver(t.node, t.event);
            } else {
                break;
            }
            bool all = true;
            for (std::size_t i = 0; i < nodes_.size(); ++i)
                if (!silent.contains(i) && !nodes_[i].committed.contains(until_height)) all = false;
            if (all) return;
        }
    }

    struct Node {
        Tendermint machine;
        std::map<std::uint64_t, core::Hash> committed;
        std::map<std::uint64_t, std::vector<Event>> future;
        std::vector<DuplicateVoteEvidence> evidence;
        ValidatorSet set;  // the set of the node's current height
    };
    [[nodiscard]] const Node& node(std::size_t i) const { return nodes_[i]; }
    [[nodiscard]] std::size_t size() const { return nodes_.size(); }
    [[nodiscard]] const ValidatorSet& genesis_set() const { return ring_.set; }
    [[nodiscard]] std::uint64_t now() const { return now_; }

  private:
    struct Timer {
        std::uint64_t at;
        std::uint64_t seq;
        std::size_t node;
        Event event;
        bool operator>(const Timer& o) const { return at != o.at ? at > o.at : seq > o.seq; }
    };

    static std::uint64_t height_of(const Event& e) {
        if (const auto* p = std::get_if<ProposalReceived>(&e)) return p->proposal.height;
        if (const auto* v = std::get_if<VoteReceived>(&e)) return v->vote.height;
        return 0;
    }

    void enqueue(std::size_t to, Event e) {
        if (!silent.contains(to)) inbox_.emplace_back(to, std::move(e));
    }
    void broadcast(Event e) {
        for (std::size_t i = 0; i < nodes_.size(); ++i) enqueue(i, e);
    }

    void deliver(std::size_t i, const Event& e) {
        Node& n = nodes_[i];
        const std::uint64_t h = height_of(e);
        if (h > n.machine.height()) {
            n.future[h].push_back(e);
            return;
        }
        perform(i, n.machine.handle(e));
        if (std::holds_alternative<StartHeight>(e)) {
            auto buffered = std::move(n.future[n.machine.height()]);
            n.future.erase(n.machine.height());
            for (const auto& b : buffered) perform(i, n.machine.handle(b));
        }
    }

    void perform(std::size_t i, const std::vector<Action>& actions) {
        Node& n = nodes_[i];
        for (const auto& action : actions) {
            if (const auto* b = std::get_if<BuildProposal>(&action)) {
                core::Bytes seed;
                core::rlp::encode(seed, b->height);
                core::rlp::encode(seed, std::uint64_t{b->round});
                core::rlp::encode(seed, std::uint64_t{i});
                propose(i, b->height, b->round, core::keccak256(seed), -1);
            } else if (const auto* r = std::get_if<ReProposal>(&action)) {
                propose(i, r->height, r->round, r->block_hash, r->pol_round);
            } else if (const auto* s = std::get_if<SignVote>(&action)) {
                const auto& key = ring_.keys[i];
                core::Bytes extension;
                if (s->type == VoteType::kPrecommit && !s->block_hash.is_zero()) extension = {static_cast<std::uint8_t>(i)};
                broadcast(VoteReceived{testing::signed_vote(key, s->type, s->height, s->round, s->block_hash, extension)});
                if (double_prevoter == i && s->type == VoteType::kPrevote)
                    broadcast(VoteReceived{testing::signed_vote(key, s->type, s->height, s->round, testing::block("evil"))});
            } else if (const auto* t = std::get_if<ScheduleTimeout>(&action)) {
                timers_.push(Timer{now_ + t->delay_ms, seq_++, i, TimeoutFired{t->height, t->round, t->step}});
            } else if (const auto* c = std::get_if<Commit>(&action)) {
                EXPECT_TRUE(c->certificate.verify(n.set, kChainId).has_value());
                EXPECT_EQ(c->certificate.block_hash, c->block_hash);
                n.committed[c->height] = c->block_hash;
                // CometBFT: the next height's round-0 set is this height's advanced once.
                n.set = n.set.advanced(1);
                enqueue(i, StartHeight{c->height + 1, n.set});
            } else if (const auto* e = std::get_if<EvidenceFound>(&action)) {
                n.evidence.push_back(e->evidence);
            }
        }
    }

    void propose(std::size_t i, std::uint64_t height, std::uint32_t round, const core::Hash& hash, std::int32_t pol_round) {
        broadcast(ProposalReceived{testing::signed_proposal(ring_.keys[i], height, round, hash, pol_round), true});
    }

    testing::Keyring ring_;
    std::vector<Node> nodes_;
    std::deque<std::pair<std::size_t, Event>> inbox_;
    std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
    std::uint64_t now_ = 0;
    std::uint64_t seq_ = 0;
};

void expect_agreement(const Network& net, std::uint64_t heights) {
    std::size_t reference = 0;
    while (net.silent.contains(reference)) ++reference;
    for (std::uint64_t h = 1; h <= heights; ++h) {
        ASSERT_TRUE(net.node(reference).committed.contains(h)) << "height " << h;
        for (std::size_t i = 0; i < net.size(); ++i) {
            if (net.silent.contains(i)) continue;
            ASSERT_TRUE(net.node(i).committed.contains(h)) << "node " << i << " height " << h;
            EXPECT_EQ(net.node(i).committed.at(h), net.node(reference).committed.at(h)) << "node " << i << " height " << h;
        }
    }
}

TEST(TendermintNetwork, FourValidatorsAndAFollowerCommitTwentyHeightsAlike) {
    Network net(4, 1);
    net.run(20, 10'000'000);
    expect_agreement(net, 20);
    // Proposers rotate: the blocks were built by more than one validator.
    std::set<core::Hash> distinct;
    for (const auto& [h, hash] : net.node(0).committed) distinct.insert(hash);
    EXPECT_EQ(distinct.size(), net.node(0).committed.size());
}

TEST(TendermintNetwork, CommitsWithOneValidatorSilent) {
    for (std::size_t down = 0; down < 4; ++down) {
        Network net(4, 0);
        net.silent.insert(down);
        net.run(12, 10'000'000);
        expect_agreement(net, 12);
    }
}

TEST(TendermintNetwork, NeverCommitsWithTwoOfFourSilent) {
    Network net(4, 1);
    net.silent = {1, 2};
    net.run(1, 600'000);
    for (std::size_t i = 0; i < net.size(); ++i) EXPECT_TRUE(net.node(i).committed.empty()) << i;
    EXPECT_GT(net.now(), 0u);
}

TEST(TendermintNetwork, DoublePrevoteIsReportedByEveryHonestNode) {
    Network net(4, 0);
    net.double_prevoter = 3;
    net.run(3, 10'000'000);
    expect_agreement(net, 3);
    for (std::size_t i = 0; i < 3; ++i) {
        ASSERT_FALSE(net.node(i).evidence.empty()) << i;
        for (const auto& e : net.node(i).evidence) {
            EXPECT_EQ(e.first.validator, net.genesis_set().validators()[3].address);
            std::set<core::Hash> unique;
            for (const auto& x : net.node(i).evidence) EXPECT_TRUE(unique.insert(x.hash()).second);
        }
    }
}

}  // namespace
}  // namespace moe::consensus
