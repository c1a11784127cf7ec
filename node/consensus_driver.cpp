#include "node/consensus_driver.hpp"

#include <algorithm>
#include <future>
#include <utility>

#include "consensus/verdicts.hpp"
#include "core/keccak.hpp"
#include "core/rlp.hpp"
#include "node/block_pipeline.hpp"
#include "node/consensus_messages.hpp"
#include "node/log.hpp"

namespace moe::node {

namespace {

using Clock = std::chrono::steady_clock;
using p2p::MessageType;
namespace rlp = core::rlp;
using namespace messages;

constexpr std::size_t kMaxInbox = 20'000;           // peer messages waiting; beyond, transactions are dropped
constexpr std::size_t kMaxAdmittedAtOnce = 1'024;   // peer transactions the transaction thread takes at a time
// Gossip of pooled transactions waits this long, or until this many bytes, to go as one frame
// per peer: at 2,000 transfers/s a frame each cost the localnet more CPU in the kernel (send,
// receive, wakeups) than all its sender recoveries. Against 1 s blocks the wait is small.
constexpr auto kGossipBatchDelay = std::chrono::milliseconds(20);
constexpr std::size_t kGossipBatchBytes = 64 * 1024;
constexpr auto kStatusInterval = std::chrono::milliseconds(1000);
constexpr auto kStallBeforeRebroadcast = std::chrono::milliseconds(2000);
constexpr std::size_t kMaxRoutedPending = 4096;      // pooled transactions a precommit gives verdicts on
constexpr std::size_t kMaxPendingScanned = 65'536;  // of which it orders at most this many

std::string_view step_name(consensus::Step s) {
    switch (s) {
        case consensus::Step::kPropose: return "propose";
        case consensus::Step::kPrevote: return "prevote";
        case consensus::Step::kPrecommit: return "precommit";
        case consensus::Step::kCommit: return "commit";
    }
    return "unknown";
}

}  // namespace

ConsensusDriver::ConsensusDriver(Node& node, DriverOptions options)
    : node_(node),
      options_(std::move(options)),
      self_(options_.validator_key.address()),
      machine_(node.chain().chain_id, self_, options_.timeouts) {}

ConsensusDriver::~ConsensusDriver() { stop(); }

std::expected<std::unique_ptr<ConsensusDriver>, std::string> ConsensusDriver::create(Node& node, DriverOptions options) {
#if !MOE_TEST_BEHAVIOURS
    if (options.byzantine_wrong_verdicts) return std::unexpected("this moed is built without the test behaviours (MOE_TEST_BEHAVIOURS)");
#endif
    std::unique_ptr<ConsensusDriver> d(new ConsensusDriver(node, std::move(options)));
    auto wal = ConsensusWal::open(d->options_.wal_file);
    if (!wal) return std::unexpected("consensus WAL: " + wal.error());
    d->wal_ = std::move(*wal);
    d->signer_.emplace(d->options_.validator_key, node.chain().chain_id, *d->wal_);
    if (d->options_.p2p || d->options_.network) {
        ConsensusDriver* self = d.get();
        p2p::Network::MessageHandler on_message = [self](const p2p::PeerId& peer, MessageType type, core::Bytes payload) {
                std::lock_guard lock(self->inbox_mutex_);
                if (type == MessageType::kTransaction) {
                    // Past the bound a flood of transactions is dropped, like a full pool.
                    if (self->transactions_.size() >= kMaxInbox) return;
                    self->transactions_.push_back({peer, type, std::move(payload)});
                    self->transactions_cv_.notify_one();
                    return;
                }
                if (type == MessageType::kPooledTransactions) {
                    auto raw = pooled_transactions_of(payload);
                    if (!raw) {
                        self->p2p_->disconnect(peer, "bad pooled transactions: " + raw.error());
                        return;
                    }
                    for (core::ByteView t : *raw) {
                        if (self->transactions_.size() >= kMaxInbox) break;
                        self->transactions_.push_back({peer, MessageType::kTransaction, core::Bytes(t.begin(), t.end())});
                    }
                    self->transactions_cv_.notify_one();
                    return;
                }
                self->inbox_.push_back({peer, type, std::move(payload)});
                self->inbox_cv_.notify_one();
            };
        p2p::Network::PeerHandler on_peer = [self](const p2p::PeerId& peer, bool connected) {
                // A peer that was down missed the gossip of what we pooled meanwhile, and every
                // later nonce of those senders waits behind it in its pool: send it ours.
                if (!connected) return;
                std::lock_guard lock(self->inbox_mutex_);
                self->pool_sync_.push_back(peer);
                self->transactions_cv_.notify_one();
            };
        if (d->options_.network) {
            d->p2p_ = d->options_.network(std::move(on_message), std::move(on_peer));
        } else {
            d->p2p_ = std::make_unique<p2p::P2p>(*d->options_.p2p, std::move(on_message), std::move(on_peer));
        }
    }
    node.on_transaction([self = d.get()](core::ByteView raw) {
        std::lock_guard lock(self->inbox_mutex_);
        if (self->p2p_) {
            // The transaction thread sends the batch: woken when it starts (to time it) and
            // when it is full.
            if (self->gossip_batch_.empty()) self->gossip_batch_started_ = Clock::now();
            self->gossip_batch_.emplace_back(raw.begin(), raw.end());
            self->gossip_batch_bytes_ += raw.size();
            if (self->gossip_batch_.size() == 1 || self->gossip_batch_bytes_ >= kGossipBatchBytes)
                self->transactions_cv_.notify_one();
        }
        if (self->options_.instant_blocks) {
            self->pooled_since_start_ = true;
            self->inbox_cv_.notify_one();
        }
    });
    return d;
}

std::expected<void, std::string> ConsensusDriver::start() {
    if (thread_.joinable()) return {};
    if (auto r = start_stepping(); !r) return r;
    thread_ = std::thread([this] { run(); });
    transaction_thread_ = std::thread([this] { admit_transactions(); });
    return {};
}

std::expected<void, std::string> ConsensusDriver::start_stepping() {
    last_progress_ = now();
    last_status_ = now() - kStatusInterval;
    replay_wal();
    if (p2p_) {
        if (auto r = p2p_->start(); !r) return std::unexpected(r.error());  // already says "p2p: ..."
        if (options_.p2p) log::info("p2p", "listening on ", options_.p2p->host, ":", p2p_->listen_port(), " as ", p2p_->id().hex());
    }
    if (!waiting_for_start_ && machine_.height() <= node_.head().number) start_height();
    return {};
}

std::chrono::steady_clock::time_point ConsensusDriver::now() const {
    return options_.steady_now ? options_.steady_now() : Clock::now();
}

std::uint64_t ConsensusDriver::unix_now() const { return options_.unix_now ? options_.unix_now() : unix_seconds(); }

void ConsensusDriver::stop() {
    {
        std::lock_guard lock(inbox_mutex_);
        stopping_ = true;
    }
    inbox_cv_.notify_all();
    transactions_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (transaction_thread_.joinable()) transaction_thread_.join();
    if (p2p_) p2p_->stop();
}

std::uint16_t ConsensusDriver::p2p_port() const { return p2p_ ? p2p_->listen_port() : 0; }

ConsensusStatus ConsensusDriver::status() const {
    std::lock_guard lock(status_mutex_);
    ConsensusStatus s = status_;
    if (p2p_) {
        s.peers = p2p_->peers();
        s.traffic = p2p_->traffic();
    }
    return s;
}

// ---- The threads ----------------------------------------------------------------------------

void ConsensusDriver::admit_transactions() {
    std::unique_lock lock(inbox_mutex_);
    while (!stopping_) {
        // The gossip batch is sent by time, so this clock is the machine's, never a test's.
        if (transactions_.empty() && pool_sync_.empty() && !gossip_due(Clock::now())) {
            // Woken by new work, by a batch that starts (to wait for its time) or fills up.
            if (gossip_batch_.empty())
                transactions_cv_.wait(lock);
            else
                transactions_cv_.wait_until(lock, gossip_batch_started_ + kGossipBatchDelay);
            continue;
        }
        TransactionWork work = take_transaction_work(false);
        lock.unlock();
        do_transaction_work(std::move(work));
        lock.lock();
    }
}

bool ConsensusDriver::gossip_due(Clock::time_point now) const {
    return !gossip_batch_.empty() &&
           (gossip_batch_bytes_ >= kGossipBatchBytes || now >= gossip_batch_started_ + kGossipBatchDelay);
}

ConsensusDriver::TransactionWork ConsensusDriver::take_transaction_work(bool flush_gossip) {
    TransactionWork work;
    work.pool_sync.swap(pool_sync_);
    const std::size_t n = std::min(transactions_.size(), kMaxAdmittedAtOnce);
    work.received.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        work.received.push_back(std::move(transactions_.front()));
        transactions_.pop_front();
    }
    if (flush_gossip || gossip_due(Clock::now())) {
        work.gossip.swap(gossip_batch_);
        gossip_batch_bytes_ = 0;
    }
    return work;
}

void ConsensusDriver::do_transaction_work(TransactionWork work) {
    if (!work.gossip.empty() && p2p_) p2p_->gossip(MessageType::kPooledTransactions, pooled_transactions(work.gossip), std::nullopt);
    for (const p2p::PeerId& peer : work.pool_sync) send_pool(peer);
    // Rejected ones (known, underpriced, ...) are simply not passed on; the node's own
    // listener gossips what it pooled.
    std::vector<core::Bytes> raws;
    raws.reserve(work.received.size());
    for (PeerMessage& m : work.received) raws.push_back(std::move(m.payload));
    if (!raws.empty()) (void)node_.submit_peer_transactions(raws);
}

void ConsensusDriver::run() {
    for (;;) {
        {
            std::unique_lock lock(inbox_mutex_);
            const auto next_due = timers_.empty() ? now() + std::chrono::milliseconds(200) : timers_.top().due;
            const auto wake = std::min(next_due, now() + std::chrono::milliseconds(200));
            inbox_cv_.wait_until(lock, wake, [this] {
                return stopping_ || !inbox_.empty() || !tasks_.empty() ||
                       (waiting_for_start_ && (pooled_since_start_ || mine_requested_));
            });
            if (stopping_) break;
        }
        step();
    }
}

void ConsensusDriver::step() {
    std::deque<PeerMessage> batch;
    std::deque<std::function<void()>> tasks;
    {
        std::lock_guard lock(inbox_mutex_);
        batch.swap(inbox_);
        tasks.swap(tasks_);
    }
    if (!transaction_thread_.joinable()) {
        for (;;) {
            TransactionWork work;
            {
                std::lock_guard lock(inbox_mutex_);
                work = take_transaction_work(true);
            }
            if (work.empty()) break;
            do_transaction_work(std::move(work));
        }
    }
    for (const auto& task : tasks) task();
    for (const PeerMessage& m : batch) {
        try {
            handle_message(m);
        } catch (const std::exception& e) {
            log::error("consensus", "message from ", m.peer.hex(), " failed: ", e.what());
        }
    }
    while (!timers_.empty() && timers_.top().due <= now()) {
        const Timer t = timers_.top();
        timers_.pop();
        if (t.start_height) {
            if (t.timeout.height == node_.head().number + 1 && waiting_for_start_) start_height();
            continue;
        }
        if (t.timeout.height != machine_.height()) continue;
        core::Bytes body = numbers({t.timeout.height, t.timeout.round, static_cast<std::uint64_t>(t.timeout.step)});
        if (!log_wal(WalRecordType::kTimeout, std::move(body))) break;
        feed(t.timeout);
    }
    if (waiting_for_start_ && start_early()) start_height();
    if (now() - last_status_ >= kStatusInterval) {
        last_status_ = now();
        send_status();
        maybe_request_blocks();
        if (now() - last_progress_ >= kStallBeforeRebroadcast) rebroadcast();
    }
    publish_status();
}

void ConsensusDriver::send(MessageType type, core::ByteView payload, std::optional<p2p::PeerId> from) {
    if (p2p_) p2p_->gossip(type, payload, from);
}

bool ConsensusDriver::log_wal(WalRecordType type, core::Bytes body) {
    if (halted_) return false;
    // A replay does not log again what the WAL holds. (This validator's own signatures, made
    // anew during a replay too, are the Signer's to log.)
    if (replaying_) return true;
    if (auto r = wal_->append({type, std::move(body)}); !r) {
        halt("cannot write the WAL: " + r.error());
        return false;
    }
    return true;
}

void ConsensusDriver::halt(const std::string& why) {
    // Acting on a message the WAL does not hold could make a restart sign differently: a node
    // that cannot log stops acting at once and asks the process to shut down cleanly (the
    // main thread takes SIGTERM, stops RPC and this driver, and closes the database).
    if (halted_) return;
    halted_ = true;
    publish_status();  // /health/ready answers "halted" until the process is down
    log::error("consensus", why, "; consensus stops and the node shuts down");
    if (options_.on_fatal) options_.on_fatal(why);
}

// ---- Heights --------------------------------------------------------------------------------

void ConsensusDriver::start_height() {
    const std::uint64_t height = node_.head().number + 1;
    auto set = node_.validator_set(height);
    if (!set) {
        log::error("consensus", "cannot start height ", height, ": ", set.error());
        return;
    }
    waiting_for_start_ = false;
    {
        std::lock_guard lock(inbox_mutex_);
        pooled_since_start_ = false;
        mine_requested_ = false;
        started_height_ = height;  // its block is built after this: an evm_mine asked so far is served by it
    }
    blocks_.clear();
    signer_->start_height();
    proposal_messages_.clear();
    awaited_proposals_.clear();
    if (!replaying_) {
        if (auto r = wal_->rewrite({{WalRecordType::kHeight, numbers({height})}}); !r) {
            halt("cannot write the WAL: " + r.error());
            return;
        }
    }
    last_progress_ = now();
    height_started_ = last_progress_;
    feed(consensus::StartHeight{height, std::move(*set)});
    // Messages of this height that arrived early.
    std::deque<PeerMessage> early;
    early.swap(future_);
    for (const PeerMessage& m : early) handle_message(m);
}

bool ConsensusDriver::start_early() {
    bool arrived = false;
    {
        std::lock_guard lock(inbox_mutex_);
        if (mine_requested_) return true;
        // Taken here, so that an arrival the next block cannot include yet (a nonce gap) does
        // not wake this thread again and again; the next arrival sets it anew.
        arrived = std::exchange(pooled_since_start_, false);
    }
    if (!options_.instant_blocks) return false;
    // After an empty block only a new arrival starts a height early: a pooled transaction that
    // no block takes (one a proposer left out) cannot spin the chain through empty blocks.
    if (!arrived && !last_block_had_transactions_) return false;
    return node_.has_executable_transactions();
}

void ConsensusDriver::replay_wal() {
    const auto& records = wal_->records();
    const std::uint64_t next = node_.head().number + 1;
    if (records.empty() || records.front().type != WalRecordType::kHeight) return;
    auto h = numbers_of(records.front().body, 1);
    if (!h || (*h)[0] != next) return;  // the WAL's height is committed already

    // What this validator signed at this height is known before anything is replayed, so a
    // vote asked for again is the same vote, never a new one.
    signer_->restore(records);
    log::info("consensus", "replaying ", records.size(), " WAL records of height ", next, " (", signer_->votes().size(),
              " own votes)");
    replaying_ = true;
    auto set = node_.validator_set(next);
    if (!set) {
        replaying_ = false;
        return;
    }
    feed(consensus::StartHeight{next, std::move(*set)});
    for (std::size_t i = 1; i < records.size(); ++i) {
        const WalRecord& r = records[i];
        switch (r.type) {
            case WalRecordType::kProposal:
            case WalRecordType::kOwnProposal: {
                core::ByteView body = r.body;
                bool recorded_valid = true;
                if (r.type == WalRecordType::kProposal) {
                    auto parts = strings_of(r.body, 2);
                    if (!parts || (*parts)[1].size() != 1) break;
                    body = (*parts)[0];
                    recorded_valid = (*parts)[1][0] == 1;
                }
                auto m = split_proposal(body);
                if (!m) break;
                const consensus::Proposal& proposal = m->compact.proposal;
                proposal_messages_[proposal.round] = m->compact.encode();
                const bool valid = execute_proposed(proposal.block_hash, m->block_rlp, m->compact.data) && recorded_valid;
                feed(consensus::ProposalReceived{proposal, valid});
                break;
            }
            case WalRecordType::kVote:
            case WalRecordType::kOwnVote:
                if (auto v = consensus::Vote::decode(r.body)) feed(consensus::VoteReceived{*v});
                break;
            case WalRecordType::kTimeout:
                if (auto t = numbers_of(r.body, 3)) {
                    feed(consensus::TimeoutFired{(*t)[0], static_cast<std::uint32_t>((*t)[1]),
                                                 static_cast<consensus::Step>((*t)[2])});
                }
                break;
            case WalRecordType::kHeight: break;
        }
    }
    replaying_ = false;
}

// ---- The machine ------------------------------------------------------------------------------

void ConsensusDriver::feed(consensus::Event event) {
    if (halted_) return;
    std::deque<consensus::Event> pending;
    pending.push_back(std::move(event));
    while (!pending.empty()) {
        consensus::Event e = std::move(pending.front());
        pending.pop_front();
        for (const consensus::Action& a : machine_.handle(e)) {
            // The node's own votes and proposals come back as events, after the actions of
            // the event that asked for them.
            if (const auto* s = std::get_if<consensus::SignVote>(&a)) {
                if (auto v = sign_vote(*s)) pending.push_back(consensus::VoteReceived{*v});
                continue;
            }
            carry_out(a);
        }
    }
}

std::optional<consensus::Vote> ConsensusDriver::sign_vote(const consensus::SignVote& s) {
    if (halted_) return std::nullopt;  // nothing is signed after a failed write
    auto v = signer_->sign_vote(s, [&] { return routing_extension(s.height, s.block_hash); });
    if (!v) {
        if (v.error().kind == Signer::Refusal::Kind::kWal) {
            halt(v.error().message);
        } else {
            log::error("consensus", v.error().message);
        }
        return std::nullopt;
    }
    send(MessageType::kVote, v->encode(), std::nullopt);
    return *v;
}

void ConsensusDriver::carry_out(const consensus::Action& action) {
    if (const auto* b = std::get_if<consensus::BuildProposal>(&action)) {
        propose(b->height, b->round, std::nullopt, -1);
    } else if (const auto* p = std::get_if<consensus::ReProposal>(&action)) {
        propose(p->height, p->round, p->block_hash, p->pol_round);
    } else if (const auto* t = std::get_if<consensus::ScheduleTimeout>(&action)) {
        timers_.push(Timer{now() + std::chrono::milliseconds(t->delay_ms), {t->height, t->round, t->step}, false});
    } else if (const auto* c = std::get_if<consensus::Commit>(&action)) {
        commit(*c);
    } else if (const auto* e = std::get_if<consensus::EvidenceFound>(&action)) {
        log::warn("consensus", "validator ", e->evidence.first.validator.hex(), " signed two votes at height ",
                  e->evidence.first.height, " round ", e->evidence.first.round);
        add_evidence(e->evidence, std::nullopt);
    }
}

core::Bytes ConsensusDriver::routing_extension(std::uint64_t height, const core::Hash& block) {
    if (!node_.chain().routing) return {};
    std::vector<core::Hash> in_block;
    core::BlockHeader precommitted = node_.head_header();
    if (auto it = blocks_.find(block); it != blocks_.end() && it->second.executed) {
        for (const core::Transaction& t : it->second.executed->block.body.transactions) in_block.push_back(t.hash());
        std::sort(in_block.begin(), in_block.end());
        precommitted = it->second.executed->block.header;
    }
    const std::uint64_t timestamp = precommitted.timestamp + 1;  // about the next block's
    // The pool in the order the next proposer takes it (Mempool::pick: tip, then sender, each
    // sender's nonces in turn), and the first kMaxRoutedPending of that answered: the capacity
    // plan of its block depends only on the transactions before each, so the plan answered
    // here is the block's wherever the pools agree. (Taking the pool by first-seen height and
    // hash instead answered random nonces of each sender: a sender whose next nonce was not
    // among them could send nothing, and the plans of the rest no longer matched the block.)
    std::vector<PooledTransaction> txns;
    std::map<core::Hash, std::uint64_t> seen;
    for (PooledTransaction& p : node_.pending_by_hash(kMaxPendingScanned)) {
        if (std::binary_search(in_block.begin(), in_block.end(), p.hash)) continue;  // committed with this block
        const auto it = first_seen_.find(p.hash);
        seen[p.hash] = it == first_seen_.end() ? height : it->second;
        txns.push_back(std::move(p));
    }
    first_seen_ = std::move(seen);  // forgets what left the pool
    txns = block_order(txns, core::next_base_fee(precommitted, node_.chain().fee_rules), node_.chain().block_gas_limit);
    if (txns.size() > kMaxRoutedPending) txns.resize(kMaxRoutedPending);
    auto ext = node_.expert_verdicts(self_, height, txns, first_seen_, timestamp);
    if (!ext) {
        log::warn("routing", "no verdicts at height ", height, ": ", ext.error());
        return {};
    }
#if MOE_TEST_BEHAVIOURS
    if (options_.byzantine_wrong_verdicts) {
        for (consensus::Verdict& v : ext->verdicts) v.score = v.score < 5000 ? v.score + 5000 : v.score - 5000;
    }
#endif
    if (!ext->verdicts.empty()) log::debug("routing", "height ", height, ": ", ext->verdicts.size(), " verdicts");
    return ext->encode();
}

std::optional<chain::RoutingInput> ConsensusDriver::routing_input(std::uint64_t height, const consensus::ConsensusData& data) const {
    if (!node_.chain().routing || !data.last_commit) return std::nullopt;
    auto committees = node_.committees(height - 1);
    if (!committees || committees->served_experts().empty()) return std::nullopt;
    chain::RoutingInput in;
    for (consensus::AggregatedVerdict& v :
         consensus::aggregate_certificate(*data.last_commit, *committees, node_.chain().routing->quorum_bps)) {
        const std::pair<core::Hash, std::uint32_t> key{v.txn_hash, v.expert};
        in.verdicts.emplace(key, std::move(v));
    }
    return in;
}

void ConsensusDriver::propose(std::uint64_t height, std::uint32_t round, std::optional<core::Hash> valid_block,
                              std::int32_t pol_round) {
    if (auto signed_before = signer_->proposal(round)) {
        // Proposed before a restart: the same proposal again, never a second block.
        auto m = split_proposal(*signed_before);
        if (!m) return;
        proposal_messages_[round] = m->compact.encode();
        send(MessageType::kCompactProposal, proposal_messages_[round], std::nullopt);
        const bool valid = execute_proposed(m->compact.proposal.block_hash, m->block_rlp, m->compact.data);
        feed(consensus::ProposalReceived{m->compact.proposal, valid});
        return;
    }
    core::Bytes block_rlp;
    consensus::ConsensusData data;
    core::Hash hash;
    if (valid_block) {
        auto it = blocks_.find(*valid_block);
        if (it == blocks_.end() || !it->second.executed) {
            log::error("consensus", "the valid block ", valid_block->hex(), " to propose again is not held");
            return;
        }
        block_rlp = it->second.block_rlp;
        data = it->second.data;
        hash = *valid_block;
    } else {
        if (height > 1) {
            auto last = node_.certificate(height - 1);
            if (!last) {
                log::error("consensus", "no certificate of block ", height - 1, " to build on");
                return;
            }
            data.last_commit = std::move(*last);
        }
        for (const auto& [id, e] : evidence_pool_) {
            if (data.evidence.size() == chain::kMaxEvidencePerBlock) break;
            if (!node_.evidence_block(id) && e.first.height + chain::kMaxEvidenceAge >= height) data.evidence.push_back(e);
        }
        // A wrong verdict waits until its transaction is committed: block validity recomputes
        // it on the chain alone.
        for (const auto& [id, e] : wrong_verdict_pool_) {
            if (data.wrong_verdicts.size() == chain::kMaxEvidencePerBlock) break;
            if (!node_.evidence_block(id) && node_.check_wrong_verdict(e, false)) data.wrong_verdicts.push_back(e);
        }
        {
            std::lock_guard lock(inbox_mutex_);
            data.dev.changes = std::exchange(dev_changes_, {});
        }
        const std::optional<chain::RoutingInput> routing = routing_input(height, data);
        auto built = node_.build_block(self_, data, proposal_timestamp(), routing ? &*routing : nullptr);
        if (!built && !data.dev.changes.empty()) {
            // Kept for the next block: they were never in a block.
            std::lock_guard lock(inbox_mutex_);
            dev_changes_.insert(dev_changes_.begin(), data.dev.changes.begin(), data.dev.changes.end());
        }
        if (!built) {
            if (built.error().kind == chain::BlockError::Kind::kFault) return halt("cannot build block " + std::to_string(height) + ": " + built.error().message);
            log::error("consensus", "cannot build block ", height, ": ", built.error().message);
            return;
        }
        data = built->consensus_data;  // with the routed verdicts the block carries
        hash = built->block.header.hash();
        block_rlp = encode_block(built->block);
        blocks_[hash] = ProposedBlock{block_rlp, data, std::move(*built)};
    }
    consensus::Proposal proposal;
    proposal.height = height;
    proposal.round = round;
    proposal.pol_round = pol_round;
    proposal.block_hash = hash;
    if (halted_) return;
    auto message = signer_->sign_proposal(ProposalMessage{proposal, std::move(block_rlp), std::move(data)});
    if (!message) {
        if (message.error().kind == Signer::Refusal::Kind::kWal) return halt(message.error().message);
        log::error("consensus", message.error().message);
        return;
    }
    // Peers get the block's header and transaction hashes: they hold the transactions already,
    // from gossip, or ask for the few they lack (node/compact_proposal.hpp).
    auto signed_proposal = split_proposal(*message);
    if (!signed_proposal) return halt("cannot split our own proposal: " + signed_proposal.error());
    proposal_messages_[round] = signed_proposal->compact.encode();
    send(MessageType::kCompactProposal, proposal_messages_[round], std::nullopt);
    log::debug("consensus", "proposed block ", height, " round ", round, " ", hash.hex());
    feed(consensus::ProposalReceived{signed_proposal->compact.proposal, true});
}

std::uint64_t ConsensusDriver::proposal_timestamp() {
    const auto now = static_cast<std::int64_t>(unix_now());
    std::lock_guard lock(clock_mutex_);
    if (next_timestamp_) {
        // Hardhat's evm_setNextBlockTimestamp: this block gets it, later ones go on from it.
        time_offset_s_ = static_cast<std::int64_t>(*next_timestamp_) - now;
        next_timestamp_.reset();
        min_next_timestamp_.reset();
    }
    auto timestamp = static_cast<std::uint64_t>(std::max<std::int64_t>(now + time_offset_s_, 0));
    // Instant blocks can run ahead of the clock: a jump counts from the head's time.
    if (min_next_timestamp_) timestamp = std::max(timestamp, *min_next_timestamp_);
    min_next_timestamp_.reset();
    return timestamp;
}

std::uint64_t ConsensusDriver::mine_now() {
    const std::uint64_t head = node_.head().number;
    std::lock_guard lock(inbox_mutex_);
    mine_requested_ = true;
    inbox_cv_.notify_one();
    // A height started already may hold a block built before this call: the one after it
    // serves the request.
    return std::max(head, started_height_) + 1;
}

std::int64_t ConsensusDriver::increase_time(std::uint64_t seconds) {
    const std::uint64_t head = node_.head_header().timestamp;
    std::lock_guard lock(clock_mutex_);
    time_offset_s_ += static_cast<std::int64_t>(seconds);
    min_next_timestamp_ = std::max(min_next_timestamp_.value_or(0), head) + seconds;
    return time_offset_s_;
}

std::expected<void, std::string> ConsensusDriver::set_next_timestamp(std::uint64_t timestamp) {
    const std::uint64_t head = node_.head_header().timestamp;
    if (timestamp <= head) {
        return std::unexpected("timestamp " + std::to_string(timestamp) + " is lower than or equal to the head block's " +
                               std::to_string(head));
    }
    std::lock_guard lock(clock_mutex_);
    next_timestamp_ = timestamp;
    return {};
}

// ---- Snapshots of a devnet (decision 008) ----------------------------------------------------

std::expected<void, std::string> ConsensusDriver::on_consensus_thread(std::function<void()> task) {
    auto done = std::make_shared<std::promise<void>>();
    std::future<void> finished = done->get_future();
    {
        std::lock_guard lock(inbox_mutex_);
        if (stopping_ || !thread_.joinable()) return std::unexpected("the consensus thread is not running");
        tasks_.push_back([task = std::move(task), done] {
            task();
            done->set_value();
        });
    }
    inbox_cv_.notify_one();
    if (finished.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
        return std::unexpected("the consensus thread did not answer within 10 s");
    }
    return {};
}

std::expected<void, std::string> ConsensusDriver::check_single_validator() const {
    constexpr std::string_view kOnly = ": the dev state methods are only for a single-validator devnet";
    if (!node_.chain().is_dev_chain()) return std::unexpected("this chain is not a devnet of one validator" + std::string(kOnly));
    if (p2p_) return std::unexpected("this node has a network" + std::string(kOnly));
    const std::uint64_t head = node_.head().number;
    auto set = node_.validator_set(head + 1);
    if (!set) return std::unexpected(set.error());
    if (set->validators().size() != 1 || !set->index_of(self_)) {
        return std::unexpected("the chain has " + std::to_string(set->validators().size()) + " validators" + std::string(kOnly));
    }
    return {};
}

std::expected<std::uint64_t, std::string> ConsensusDriver::queue_dev_changes(std::vector<consensus::AccountChange> changes) {
    if (auto ok = check_single_validator(); !ok) return std::unexpected(ok.error());
    const std::uint64_t head = node_.head().number;
    std::lock_guard lock(inbox_mutex_);
    if (dev_changes_.size() + changes.size() > consensus::kMaxDevChanges) {
        return std::unexpected("more than " + std::to_string(consensus::kMaxDevChanges) + " changes wait for the next block");
    }
    dev_changes_.insert(dev_changes_.end(), std::make_move_iterator(changes.begin()), std::make_move_iterator(changes.end()));
    mine_requested_ = true;
    inbox_cv_.notify_one();
    // As mine_now: a height started already may have built its block before this call.
    return std::max(head, started_height_) + 1;
}

std::expected<std::uint64_t, std::string> ConsensusDriver::snapshot() {
    std::expected<std::uint64_t, std::string> out = std::unexpected("not taken");
    auto ran = on_consensus_thread([this, &out] {
        if (auto ok = check_single_validator(); !ok) {
            out = std::unexpected(ok.error());
            return;
        }
        DevSnapshot s;
        s.head = node_.head();
        const Mempool::Content content = node_.pool_content();
        for (const auto* list : {&content.pending, &content.queued}) {
            s.pool.insert(s.pool.end(), list->begin(), list->end());
        }
        {
            std::lock_guard lock(clock_mutex_);
            s.time_offset_s = time_offset_s_;
            s.next_timestamp = next_timestamp_;
            s.min_next_timestamp = min_next_timestamp_;
        }
        const std::uint64_t id = next_snapshot_id_++;
        log::info("consensus", "snapshot ", id, " at block ", s.head.number, " with ", s.pool.size(), " pooled transaction(s)");
        snapshots_[id] = std::move(s);
        out = id;
    });
    if (!ran) return std::unexpected(ran.error());
    return out;
}

std::expected<bool, std::string> ConsensusDriver::revert(std::uint64_t id) {
    std::expected<bool, std::string> out = false;
    auto ran = on_consensus_thread([this, id, &out] { out = revert_here(id); });
    if (!ran) return std::unexpected(ran.error());
    return out;
}

std::expected<bool, std::string> ConsensusDriver::revert_here(std::uint64_t id) {
    const auto it = snapshots_.find(id);
    if (it == snapshots_.end()) return false;
    if (auto ok = check_single_validator(); !ok) return std::unexpected(ok.error());
    const DevSnapshot s = it->second;
    const Head head = node_.head();
    auto kept = node_.header_by_number(s.head.number);
    if (!kept || kept->hash() != s.head.hash) {
        return std::unexpected("block " + std::to_string(s.head.number) + " of snapshot " + std::to_string(id) +
                               " is no longer in the chain");
    }
    // The WAL first: it says "height snapshot + 1, nothing signed" before the database moves
    // back. A crash before the rewind leaves the old chain with a WAL of no height of its own
    // (ignored at start); a crash after it, the rewound chain whose next height has signed
    // nothing. Either way no signature of a removed block is replayed.
    if (auto r = wal_->rewrite({{WalRecordType::kHeight, numbers({s.head.number + 1})}}); !r) {
        halt("cannot write the WAL: " + r.error());
        return std::unexpected("cannot write the WAL: " + r.error());
    }
    if (auto r = node_.rewind_to(s.head.number, s.pool); !r) {
        if (r.error().kind == CommitError::Kind::kStorage) {
            halt(r.error().message);
            return std::unexpected(r.error().message);
        }
        // Nothing moved: the WAL is made to say the head's next height again.
        if (auto w = wal_->rewrite({{WalRecordType::kHeight, numbers({head.number + 1})}}); !w) {
            halt("cannot write the WAL: " + w.error());
            return std::unexpected("cannot write the WAL: " + w.error());
        }
        restart_at_head();
        return std::unexpected("cannot revert: " + r.error().message);
    }
    restart_at_head();
    {
        std::lock_guard lock(clock_mutex_);
        time_offset_s_ = s.time_offset_s;
        next_timestamp_ = s.next_timestamp;
        min_next_timestamp_ = s.min_next_timestamp;
    }
    snapshots_.erase(it, snapshots_.end());  // this one and every later one
    log::info("consensus", "reverted to snapshot ", id, ": block ", s.head.number, " (was ", head.number, ")");
    return true;
}

void ConsensusDriver::restart_at_head() {
    const std::uint64_t next = node_.head().number + 1;
    // A new state machine, as at process start: the old one's height is above the new head and
    // would ignore the start of a lower height. The votes it signed for the removed blocks are
    // forgotten on purpose; they were this chain's only signatures (decision 008).
    machine_ = consensus::Tendermint(node_.chain().chain_id, self_, options_.timeouts);
    blocks_.clear();
    signer_->start_height();
    proposal_messages_.clear();
    awaited_proposals_.clear();
    future_.clear();
    timers_ = {};
    evidence_pool_.clear();
    wrong_verdict_pool_.clear();
    unchecked_precommits_.clear();
    checked_precommits_.clear();
    first_seen_.clear();
    waiting_for_start_ = true;
    last_block_had_transactions_ = false;
    const bool pooled = node_.has_executable_transactions();
    {
        std::lock_guard lock(inbox_mutex_);
        started_height_ = next - 1;
        pooled_since_start_ = pooled;
    }
    timers_.push(Timer{now() + std::chrono::milliseconds(options_.commit_timeout_ms), {next, 0, {}}, true});
    publish_status();
}

bool ConsensusDriver::execute_proposed(const core::Hash& hash, core::ByteView block_rlp, const consensus::ConsensusData& data) {
    if (auto it = blocks_.find(hash); it != blocks_.end()) return it->second.executed.has_value();
    ProposedBlock entry{core::Bytes(block_rlp.begin(), block_rlp.end()), data, std::nullopt};
    auto block = decode_block(block_rlp);
    if (!block) {
        log::warn("consensus", "proposed block does not decode: ", block.error());
    } else if (block->header.hash() != hash) {
        log::warn("consensus", "proposed block's hash differs from the proposal's");
    } else {
        auto executed = node_.execute_block(*block, data, replaying_ ? 0 : unix_now());
        if (executed) {
            entry.executed = std::move(*executed);
        } else if (executed.error().kind == chain::BlockError::Kind::kFault) {
            // Not the proposer's doing: a nil prevote would count a valid block as invalid.
            // Nothing is signed after a halt (log_wal refuses), so the caller's vote never goes out.
            halt("cannot execute proposed block " + std::to_string(block->header.number) + ": " + executed.error().message);
            return false;
        } else {
            log::warn("consensus", "proposed block ", block->header.number, " is invalid: ", executed.error().message);
        }
    }
    const bool valid = entry.executed.has_value();
    blocks_[hash] = std::move(entry);
    return valid;
}

void ConsensusDriver::commit(const consensus::Commit& c) {
    if (c.height <= node_.head().number) {
        waiting_for_start_ = true;  // committed already (sync, or before a restart)
    } else {
        auto it = blocks_.find(c.block_hash);
        if (it == blocks_.end() || !it->second.executed) {
            log::error("consensus", "decided block ", c.block_hash.hex(), " of height ", c.height, " is not held");
            return;
        }
        if (auto r = node_.commit_block(*it->second.executed, c.certificate); !r) {
            // A decided block this node cannot store: going on would vote on heights it does not hold.
            if (r.error().kind == CommitError::Kind::kStorage) return halt(r.error().message);
            log::error("consensus", "cannot commit block ", c.height, ": ", r.error().message);
            return;
        }
        waiting_for_start_ = true;
        if (!replaying_) height_latency_.observe(std::chrono::duration<double>(now() - height_started_).count());
        last_block_had_transactions_ = !it->second.executed->block.body.transactions.empty();
        for (auto e = evidence_pool_.begin(); e != evidence_pool_.end();) {
            e = node_.evidence_block(e->first) ? evidence_pool_.erase(e) : std::next(e);
        }
        for (auto e = wrong_verdict_pool_.begin(); e != wrong_verdict_pool_.end();) {
            const bool stale = e->second.precommit_with_extension.height + chain::kMaxEvidenceAge < c.height + 1;
            e = stale || node_.evidence_block(e->first) ? wrong_verdict_pool_.erase(e) : std::next(e);
        }
        std::vector<consensus::Vote> due;
        due.swap(unchecked_precommits_);
        for (const consensus::Vote& v : due) {
            if (v.height == c.height) check_precommit(v);
        }
    }
    last_progress_ = now();
    // A block every interval: the next height starts one interval after this one started, and
    // at least a quarter of one after the commit, so that the late precommits (and the verdicts
    // they carry) still reach the next proposer. Counted from the commit alone, the interval
    // came on top of the height's own work: blocks every 1.3-1.7 s at 1 s under load (issue 17).
    const std::chrono::milliseconds interval(options_.commit_timeout_ms);
    const auto next_start = std::max(height_started_ + interval, now() + interval / 4);
    timers_.push(Timer{next_start, {c.height + 1, 0, {}}, true});
    send_status();
}

void ConsensusDriver::add_wrong_verdict(const consensus::WrongVerdictEvidence& e, std::optional<p2p::PeerId> from) {
    const core::Hash id = e.hash();
    if (wrong_verdict_pool_.contains(id) || node_.evidence_block(id)) return;
    if (wrong_verdict_pool_.size() >= 1024) return;
    wrong_verdict_pool_[id] = e;
    send(MessageType::kEvidence, e.encode(), from);
}

void ConsensusDriver::queue_precommit_check(const consensus::Vote& vote) {
    const auto& routing = node_.chain().routing;
    if (!routing || routing->sample_percent == 0 || replaying_) return;
    if (vote.type != consensus::VoteType::kPrecommit || vote.is_nil() || vote.extension.empty()) return;
    if (vote.validator == self_) return;
    const std::uint64_t head = node_.head().number;
    if (vote.height < head || vote.height > head + 1) return;
    const core::Hash id = core::keccak256(vote.encode());
    if (checked_precommits_.contains(id)) return;
    auto set = node_.validator_set(vote.height);
    if (!set || !consensus::verify_vote(vote, *set, node_.chain().chain_id)) return;
    if (checked_precommits_.size() >= 65'536) checked_precommits_.clear();
    checked_precommits_.insert(id);
    if (vote.height <= head) {
        check_precommit(vote);
    } else if (unchecked_precommits_.size() < kMaxFutureMessages) {
        unchecked_precommits_.push_back(vote);
    }
}

void ConsensusDriver::check_precommit(const consensus::Vote& vote) {
    auto ext = consensus::VerdictExtension::decode(vote.extension);
    if (!ext) return;  // counts as no answer (decision 004)
    std::vector<consensus::Verdict> sampled;
    for (const consensus::Verdict& claimed : ext->verdicts) {
        if (node_.verdict_sampled(claimed.txn_hash, vote.validator)) sampled.push_back(claimed);
    }
    if (sampled.empty()) return;
    // All on one state: one per verdict read the same account statistics from the trie again
    // and again (6.4% of a loaded localnet's CPU, scripts/profile.sh).
    auto scores = node_.recompute_verdicts(vote, sampled, true);
    if (!scores) {
        log::debug("routing", "cannot recompute ", vote.validator.hex(), "'s verdicts: ", scores.error());
        return;
    }
    for (std::size_t i = 0; i < sampled.size(); ++i) {
        const consensus::Verdict& claimed = sampled[i];
        const auto& score = (*scores)[i];
        if (!score) {
            log::debug("routing", "cannot recompute ", vote.validator.hex(), "'s verdict on ", claimed.txn_hash.hex(), ": ",
                       score.error());
            continue;
        }
        if (*score == claimed.score) continue;
        log::warn("routing", "validator ", vote.validator.hex(), " signed score ", claimed.score, " for expert ",
                  claimed.expert, " on ", claimed.txn_hash.hex(), " at height ", vote.height, "; the model gives ", *score);
        // One evidence per precommit: every honest validator picks the same first one.
        add_wrong_verdict(consensus::WrongVerdictEvidence{vote, claimed, *score}, std::nullopt);
        return;
    }
}

void ConsensusDriver::add_evidence(const consensus::DuplicateVoteEvidence& e, std::optional<p2p::PeerId> from) {
    const core::Hash id = e.hash();
    if (evidence_pool_.contains(id) || node_.evidence_block(id)) return;
    if (evidence_pool_.size() >= 1024) return;
    evidence_pool_[id] = e;
    send(MessageType::kEvidence, e.encode(), from);
}

// ---- Messages --------------------------------------------------------------------------------

void ConsensusDriver::publish_status() {
    ConsensusStatus s;
    s.height = machine_.height();
    s.round = machine_.round();
    s.step = std::string(step_name(machine_.step()));
    s.proposer = machine_.proposer();
    const consensus::ValidatorSet* set = machine_.validators();
    s.is_validator = set && set->index_of(self_).has_value();
    s.votes = machine_.vote_counts();
    s.peer_heights = peer_heights_;
    s.started = true;
    s.halted = halted_;
    s.persistent_peers = options_.p2p ? options_.p2p->persistent_peers.size() : 0;
    s.height_latency = height_latency_;
    for (const auto& [id, e] : evidence_pool_) s.pending_evidence.push_back(e);
    for (const auto& [id, e] : wrong_verdict_pool_) s.pending_wrong_verdicts.push_back(e);
    const std::uint64_t head = node_.head().number;
    for (const auto& [peer, h] : peer_heights_) s.syncing = s.syncing || h > head + 1;
    std::lock_guard lock(status_mutex_);
    // The last commit changes with the head only: read it from the database then, not on
    // every turn of the loop.
    if (status_.last_commit && status_.last_commit->height == head) {
        s.last_commit = std::move(status_.last_commit);
    } else if (head > 0) {
        s.last_commit = node_.certificate(head);
    }
    status_ = std::move(s);
}

}  // namespace moe::node
