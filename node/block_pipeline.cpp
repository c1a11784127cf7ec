// The block pipeline of a BFT chain: build (the proposer), execute (every validator, before it
// prevotes, and block sync), commit (once a certificate exists). Decision 003. The transition
// itself is chain/'s; here the node feeds it the head, the pool and its database, and commits.
#include "node/block_pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <set>
#include <tuple>

#include "consensus/codec.hpp"
#include "consensus/routing.hpp"
#include "consensus/staking_rules.hpp"
#include "core/keccak.hpp"
#include "core/rlp.hpp"
#include "evm/transition.hpp"
#include "node/log.hpp"
#include "node/node.hpp"
#include "node/stored_chain.hpp"

namespace moe::node {

namespace {

core::Bytes be64(std::uint64_t v) { return number_key(v); }

/// Where the expert committees of a height are stored: beside its validator set, in the same
/// column under a 9-byte key (the set's 8-byte number and 'c'), decision 004.
core::Bytes committees_key(std::uint64_t height) {
    core::Bytes k = number_key(height);
    k.push_back('c');
    return k;
}

/// Where an included transaction's routing is stored: beside its verdict, under a 33-byte key.
core::Bytes routing_key(const core::Hash& txn) {
    core::Bytes k = txn.to_bytes();
    k.push_back('r');
    return k;
}

}  // namespace

std::uint64_t steady_ms() {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

std::uint64_t unix_seconds() {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(duration_cast<seconds>(system_clock::now().time_since_epoch()).count());
}

BlockWrite block_write(const core::Block& block, const std::vector<core::Receipt>& receipts,
                       std::vector<std::pair<core::Hash, core::Bytes>> nodes,
                       std::vector<std::pair<core::Hash, core::Bytes>> code) {
    BlockWrite w;
    w.hash = block.header.hash();
    w.number = block.header.number;
    w.header_rlp = block.header.encode();
    w.body_rlp = block.body.encode();
    w.receipts_rlp = core::encode_receipts(receipts);
    for (const core::Transaction& t : block.body.transactions) w.tx_hashes.push_back(t.hash());
    w.trie_nodes = std::move(nodes);
    w.code = std::move(code);
    return w;
}

core::Bytes encode_block(const core::Block& block) {
    core::Bytes payload = block.header.encode();
    const core::Bytes body = block.body.encode();
    payload.insert(payload.end(), body.begin(), body.end());
    return core::rlp::wrap_list(payload);
}

std::expected<core::Block, std::string> decode_block(core::ByteView encoded) {
    core::ByteView in = encoded;
    auto list = core::rlp::decode_list(in);
    if (!list) return std::unexpected("block: " + std::string(core::rlp::to_string(list.error())));
    if (!in.empty()) return std::unexpected("block: trailing bytes");
    core::ByteView items = *list;
    auto header_raw = consensus::codec::take_item(items, "block header");
    if (!header_raw) return std::unexpected(header_raw.error());
    auto body_raw = consensus::codec::take_item(items, "block body");
    if (!body_raw) return std::unexpected(body_raw.error());
    if (!items.empty()) return std::unexpected("block: extra items");
    auto header = core::decode_header(*header_raw);
    if (!header) return std::unexpected("block header: " + std::string(core::rlp::to_string(header.error())));
    auto body = core::decode_body(*body_raw);
    if (!body) return std::unexpected("block body: " + std::string(core::to_string(body.error())));
    return core::Block{*header, std::move(*body)};
}

// ---- Node: the three steps of a block ---------------------------------------------------

namespace {

/// What a block's transition asked the operator to hear, in the node's log.
void log_notes(const std::vector<chain::TransitionNote>& notes) {
    for (const chain::TransitionNote& n : notes) {
        log::at(n.level == chain::TransitionNote::Level::kWarn ? log::Level::kWarn : log::Level::kDebug, n.component, n.text);
    }
}

}  // namespace

ExecutedBlock Node::executed_block(chain::AppliedBlock applied) const {
    log_notes(applied.notes);
    ExecutedBlock out;
    const core::BlockHeader& h = applied.block.header;
    BlockWrite& w = out.write;
    w = block_write(applied.block, applied.receipts, std::move(applied.trie_nodes), std::move(applied.code));
    for (const auto& [hash, v] : applied.verdicts) w.extra.push_back({Column::kVerdicts, {hash.to_bytes(), v.encode()}});
    w.extra.push_back({Column::kConsensusData, {h.hash().to_bytes(), applied.consensus_data.encode()}});
    w.extra.push_back({Column::kValidatorSets, {be64(h.number + 1), applied.next_validators->encode()}});
    if (applied.next_committees) {
        w.extra.push_back({Column::kValidatorSets, {committees_key(h.number + 1), applied.next_committees->encode()}});
    }
    for (const auto& [hash, record] : applied.routing) w.extra.push_back({Column::kVerdicts, {routing_key(hash), record.encode()}});
    for (const consensus::DuplicateVoteEvidence& e : applied.consensus_data.evidence) {
        w.extra.push_back({Column::kEvidence, {e.hash().to_bytes(), be64(h.number)}});
    }
    for (const consensus::WrongVerdictEvidence& e : applied.consensus_data.wrong_verdicts) {
        w.extra.push_back({Column::kEvidence, {e.hash().to_bytes(), be64(h.number)}});
    }
    out.block = std::move(applied.block);
    out.consensus_data = std::move(applied.consensus_data);
    out.receipts = std::move(applied.receipts);
    out.dropped = std::move(applied.dropped);
    out.next_validators = std::move(applied.next_validators);
    out.activity = std::move(applied.activity);
    return out;
}

chain::TransitionContext Node::transition_context(const chain::ChainReader& reader) const {
    return chain::TransitionContext{chain_, reader, *models_, jumpdests_, staking_};
}

std::expected<ExecutedBlock, chain::BlockError> Node::build_block(const core::Address& proposer, consensus::ConsensusData data,
                                                                   std::uint64_t timestamp, const chain::RoutingInput* routing) {
    std::lock_guard produce(produce_mutex_);
    const core::BlockHeader parent = head_header();
    std::vector<PooledTransaction> pooled;
    std::optional<consensus::ValidatorSet> validators;
    {
        std::lock_guard lock(mutex_);
        pooled = mempool_.select([this](const core::Address& a) { return head_account(a); },
                                 core::next_base_fee(parent, chain_.fee_rules), chain_.block_gas_limit, 10'000);
        validators = next_validators_;
    }
    std::vector<chain::PoolCandidate> candidates;
    candidates.reserve(pooled.size());
    for (const PooledTransaction& p : pooled) candidates.push_back({&p.txn, p.sender, p.hash, p.impersonated});
    const StoredChain stored(*this);
    auto built = chain::build_block(transition_context(stored), parent, *validators, proposer, std::move(data), timestamp,
                                    candidates, routing);
    if (!built) return std::unexpected(built.error());
    return executed_block(std::move(*built));
}

std::expected<ExecutedBlock, chain::BlockError> Node::execute_block(const core::Block& block, consensus::ConsensusData data,
                                                                     std::uint64_t now) {
    std::lock_guard produce(produce_mutex_);
    const core::BlockHeader parent = head_header();
    std::optional<consensus::ValidatorSet> validators;
    {
        std::lock_guard lock(mutex_);
        validators = next_validators_;
    }
    const chain::KnownSender pooled_sender = [this](std::span<const core::Hash> hashes) {
        std::vector<std::optional<core::Address>> senders;
        senders.reserve(hashes.size());
        std::lock_guard lock(mutex_);
        for (const core::Hash& h : hashes) senders.push_back(mempool_.signed_sender(h));
        return senders;
    };
    const StoredChain stored(*this);
    auto applied = chain::apply_block(transition_context(stored), parent, *validators, block, std::move(data), now, pooled_sender);
    if (!applied) return std::unexpected(applied.error());
    return executed_block(std::move(*applied));
}

std::expected<void, CommitError> Node::commit_block(const ExecutedBlock& executed, const consensus::CommitCertificate& certificate) {
    std::lock_guard produce(produce_mutex_);
    const core::BlockHeader& h = executed.block.header;
    if (certificate.height != h.number || certificate.block_hash != h.hash()) {
        return std::unexpected(CommitError{CommitError::Kind::kRejected, "the certificate is not this block's"});
    }
    if (h.parent_hash != head_header().hash()) {
        return std::unexpected(CommitError{CommitError::Kind::kRejected, "the block no longer follows the head"});
    }
    BlockWrite w = executed.write;
    w.certificate = certificate.encode();
    if (auto r = db_->commit_block(w); !r) return std::unexpected(r.error());

    // The block's transaction hashes, as the write indexed them (hashing them again here was
    // 0.8% of a loaded localnet's CPU, scripts/profile.sh).
    const std::vector<core::Hash>& included = w.tx_hashes;
    std::vector<std::function<void(const core::Block&, const std::vector<core::Receipt>&)>> listeners;
    {
        std::lock_guard lock(mutex_);
        head_ = Head{h.number, w.hash};
        head_header_ = h;
        next_validators_ = executed.next_validators;
        for (const auto& [e, a] : executed.activity) activity_[e].add(a);
        // How long each expert's verdict took, for the transactions this node had pooled.
        const std::uint64_t now = steady_ms();
        for (const consensus::AggregatedVerdict& v : executed.consensus_data.routed.verdicts) {
            if (auto arrival = mempool_.arrival_ms(v.txn_hash); arrival && *arrival != 0 && now >= *arrival) {
                chain::ExpertActivity& a = activity_[v.expert];
                a.latency_count += 1;
                a.latency_ms_sum += now - *arrival;
                a.latency_ms_max = std::max(a.latency_ms_max, now - *arrival);
            }
        }
        // Finality as a sender sees it: from pooling here to this commit (local clock).
        for (const core::Hash& t : included) {
            if (auto arrival = mempool_.arrival_ms(t); arrival && *arrival != 0 && now >= *arrival) {
                stats_.finality.observe(static_cast<double>(now - *arrival) / 1000.0);
            }
        }
        for (const auto& d : executed.dropped) mempool_.remove(d);
        mempool_.prune([this](const core::Address& a) { return head_account(a); });
        stats_.head_number = h.number;
        stats_.blocks_produced += 1;
        stats_.transactions_committed += executed.block.body.transactions.size();
        remember_block_transactions(executed.block.body.transactions.size());
        listeners = listeners_;
        head_moved_.notify_all();
    }
    log::at(executed.block.body.transactions.empty() ? log::Level::kDebug : log::Level::kInfo, "consensus", "committed block ",
            h.number, " ", w.hash.hex(), " txs=", executed.block.body.transactions.size(), " gas=", h.gas_used,
            " round=", certificate.round);
    for (const auto& l : listeners) l(executed.block, executed.receipts);
    return {};
}

std::expected<void, CommitError> Node::rewind_to(std::uint64_t number, const std::vector<PooledTransaction>& pool) {
    auto reject = [](std::string m) { return std::unexpected(CommitError{CommitError::Kind::kRejected, std::move(m)}); };
    {
        std::lock_guard produce(produce_mutex_);
        const Head old_head = head();
        const core::BlockHeader old_header = head_header();
        if (number > old_head.number) return reject("block " + std::to_string(number) + " is above the head");
        auto target = db_->hash_by_number(number);
        auto header = header_by_number(number);
        if (!target || !header) return reject("block " + std::to_string(number) + " is unreadable");
        auto next = validator_set(number + 1);
        if (!next) return reject(next.error());
        // Everything each removed block wrote beside itself (run_block's extra keys).
        std::vector<BlockRemoval> removals;
        for (std::uint64_t n = old_head.number; n > number; --n) {
            auto hash = db_->hash_by_number(n);
            auto block = hash ? block_by_hash(*hash) : std::nullopt;
            auto data = hash ? consensus_data(*hash) : std::nullopt;
            if (!block || !data) return reject("block " + std::to_string(n) + " is unreadable");
            BlockRemoval r{*hash, n, {}, {}};
            for (const core::Transaction& t : block->body.transactions) {
                const core::Hash th = t.hash();
                r.tx_hashes.push_back(th);
                r.extra.push_back({Column::kVerdicts, th.to_bytes()});
                r.extra.push_back({Column::kVerdicts, routing_key(th)});
            }
            r.extra.push_back({Column::kConsensusData, hash->to_bytes()});
            r.extra.push_back({Column::kValidatorSets, be64(n + 1)});
            r.extra.push_back({Column::kValidatorSets, committees_key(n + 1)});
            for (const auto& e : data->evidence) r.extra.push_back({Column::kEvidence, e.hash().to_bytes()});
            for (const auto& e : data->wrong_verdicts) r.extra.push_back({Column::kEvidence, e.hash().to_bytes()});
            removals.push_back(std::move(r));
        }
        // Readers stop seeing the removed blocks before they leave the database.
        {
            std::lock_guard lock(mutex_);
            head_ = Head{number, *target};
            head_header_ = *header;
            next_validators_ = std::move(*next);
            stats_.head_number = number;
            mempool_ = Mempool(MempoolLimits{.max_transactions = config_.mempool_max_transactions,
                                             .max_per_sender = config_.mempool_max_per_sender});
        }
        if (auto r = db_->rewind(Head{number, *target}, removals); !r) {
            std::lock_guard lock(mutex_);
            head_ = old_head;
            head_header_ = old_header;
            stats_.head_number = old_head.number;
            next_validators_ = validator_set(old_head.number + 1).value();
            return std::unexpected(r.error());
        }
        log::info("node", "rewound the head from block ", old_head.number, " to ", number, " (", removals.size(),
                  " block(s) removed)");
    }
    std::size_t refused = 0;
    for (const PooledTransaction& p : pool) {
        const bool pooled = p.impersonated ? submit_impersonated(p.txn, p.sender).has_value()
                                           : admit_raw_transaction(p.txn.encode(), Source::kRestored).has_value();
        refused += pooled ? 0 : 1;
    }
    if (refused > 0) log::info("node", refused, " transaction(s) of the restored pool no longer fit the head and were dropped");
    std::lock_guard lock(mutex_);
    head_moved_.notify_all();
    return {};
}

// ---- Node: what consensus stored ---------------------------------------------------------

std::expected<consensus::ValidatorSet, std::string> Node::validator_set(std::uint64_t height) const {
    if (height == 0) return std::unexpected("height 0 (genesis) has no validators");
    auto raw = db_->get(Column::kValidatorSets, be64(height));
    if (!raw) return std::unexpected("no validator set stored for height " + std::to_string(height));
    auto set = consensus::ValidatorSet::decode(*raw);
    if (!set) return std::unexpected("the stored validator set of height " + std::to_string(height) + " is corrupt");
    return set;
}

std::optional<consensus::CommitCertificate> Node::certificate(std::uint64_t number) const {
    if (number > head().number) return std::nullopt;
    auto raw = db_->certificate(number);
    if (!raw) return std::nullopt;
    auto c = consensus::CommitCertificate::decode(*raw);
    if (!c) return std::nullopt;
    return *c;
}

std::optional<consensus::ConsensusData> Node::consensus_data(const core::Hash& block_hash) const {
    auto raw = db_->get(Column::kConsensusData, block_hash.view());
    if (!raw) return std::nullopt;
    auto d = consensus::ConsensusData::decode(*raw);
    if (!d) return std::nullopt;
    return *d;
}

std::optional<std::uint64_t> Node::evidence_block(const core::Hash& evidence_hash) const {
    auto raw = db_->get(Column::kEvidence, evidence_hash.view());
    if (!raw || raw->size() != 8) return std::nullopt;
    std::uint64_t n = 0;
    for (std::uint8_t b : *raw) n = (n << 8) | b;
    return n;
}

std::vector<CommittedEvidence> Node::committed_evidence(std::uint64_t from, std::uint64_t to) const {
    std::vector<CommittedEvidence> out;
    for (std::uint64_t n = from; n <= to; ++n) {
        auto header = header_by_number(n);
        if (!header) break;
        auto data = consensus_data(header->hash());
        if (!data) continue;
        for (auto& e : data->evidence) out.push_back({std::move(e), n});
        for (auto& e : data->wrong_verdicts) out.push_back({std::move(e), n});
    }
    return out;
}

std::expected<consensus::ExpertCommittees, std::string> Node::committees(std::uint64_t height) const {
    const std::uint32_t min = chain_.routing ? chain_.routing->min_committee_size : 1;
    auto raw = db_->get(Column::kValidatorSets, committees_key(height));
    if (!raw) {
        // Height 1: the experts the genesis gives its validators (the staking contract holds
        // the same from genesis on); or a chain without routing, where none counts.
        auto set = validator_set(height);
        if (!set) return std::unexpected(set.error());
        std::vector<consensus::ExpertHost> hosts;
        if (height == 1 && chain_.routing) {
            for (const chain::GenesisValidator& v : chain_.validators) {
                if (!v.experts.empty()) hosts.push_back({v.address, 0, v.experts});
            }
        }
        return consensus::ExpertCommittees::build(*set, hosts, min);
    }
    auto c = consensus::ExpertCommittees::decode(*raw);
    if (!c) return std::unexpected("the stored expert committees of height " + std::to_string(height) + " are corrupt: " + c.error());
    return std::move(*c);
}

std::optional<TransactionRouting> Node::routing_of(const core::Hash& txn_hash) const {
    auto loc = db_->tx_location(txn_hash);
    if (!loc || loc->block_number > head().number) return std::nullopt;
    auto raw = db_->get(Column::kVerdicts, routing_key(txn_hash));
    if (!raw) return std::nullopt;
    auto record = chain::RoutingRecord::decode(*raw);
    if (!record) return std::nullopt;
    TransactionRouting out;
    out.block_number = loc->block_number;
    out.ranking = std::move(record->ranking);
    out.failover = record->failover;
    if (auto header = header_by_number(loc->block_number)) {
        if (auto data = consensus_data(header->hash())) {
            for (const consensus::AggregatedVerdict& v : data->routed.verdicts) {
                if (v.txn_hash == txn_hash) out.verdicts.push_back(v);
            }
        }
    }
    if (loc->block_number > 1) {
        if (auto c = committees(loc->block_number - 1)) out.committees = std::move(*c);
    }
    return out;
}

std::map<std::uint32_t, chain::ExpertActivity> Node::expert_activity() const {
    std::lock_guard lock(mutex_);
    return activity_;
}

core::BlockHeader Node::head_header() const {
    std::lock_guard lock(mutex_);
    return head_header_;
}

}  // namespace moe::node
