#include "node/node.hpp"

#include <algorithm>
#include <latch>
#include <set>
#include <thread>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "chain/genesis.hpp"
#include "consensus/routing.hpp"
#include "core/keccak.hpp"
#include "core/rlp.hpp"
#include "evm/precompiles.hpp"
#include "evm/transition.hpp"
#include "node/block_pipeline.hpp"
#include "node/chain_files.hpp"
#include "node/log.hpp"
#include "node/stored_chain.hpp"

namespace moe::node {

Node::Node(NodeConfig config, chain::ChainConfig chain, core::PrivateKey validator)
    : config_(std::move(config)), chain_(std::move(chain)), validator_(validator),
      staking_(chain::staking_rules(chain_)),
      mempool_(MempoolLimits{.max_transactions = config_.mempool_max_transactions,
                             .max_per_sender = config_.mempool_max_per_sender}) {
    if (config_.recovery_threads == 0) config_.recovery_threads = std::max(1u, std::thread::hardware_concurrency());
    if (config_.recovery_threads > 1) recovery_pool_ = std::make_unique<boost::asio::thread_pool>(config_.recovery_threads - 1);
}

Node::~Node() {
    if (recovery_pool_) recovery_pool_->join();
}

std::expected<std::unique_ptr<Node>, std::string> Node::open(const HomeLayout& home, NodeConfig config, chain::ChainConfig chain,
                                                             core::PrivateKey validator) {
    std::unique_ptr<Node> node(new Node(std::move(config), std::move(chain), validator));
    const chain::Genesis genesis = chain::build_genesis(node->chain_);
    node->genesis_hash_ = genesis.block.header.hash();
    auto models = load_chain_models(node->chain_, home.root / "models");
    if (!models) return std::unexpected(models.error());
    node->models_ = std::move(*models);
    if (node->chain_.routing && node->models_->screens()) {
        // A routing gate governance sets must have the shape of the protocol model's gate.
        evm::StakingRules rules = chain::staking_rules(node->chain_);
        rules.gate_experts = static_cast<std::uint32_t>(node->models_->fraud_experts());
        rules.gate_features = static_cast<std::uint32_t>(nn::kFraudFeatures);
        node->staking_ = evm::StakingContract(rules);
    }
    auto db = ChainDb::open(home.data(), ChainIdentity{node->chain_.chain_id, node->genesis_hash_});
    if (!db) return std::unexpected(db.error());
    node->db_ = std::move(*db);
    if (!node->db_->head()) {
        auto first = chain::genesis_validator_set(node->chain_);
        if (!first) return std::unexpected("the genesis validator set is invalid: " + first.error());
        BlockWrite w = block_write(genesis.block, {}, genesis.trie_nodes, genesis.code);
        w.extra.push_back({Column::kValidatorSets, {number_key(1), first->encode()}});
        if (auto r = node->db_->commit_block(w); !r) return std::unexpected(r.error().message);
        log::info("node", "wrote genesis block ", node->genesis_hash_.hex());
    }
    node->head_ = *node->db_->head();
    auto header = node->header_by_number(node->head_.number);
    if (!header) return std::unexpected("the database's head block " + std::to_string(node->head_.number) + " is unreadable");
    node->head_header_ = *header;
    auto next = node->validator_set(node->head_.number + 1);
    if (!next) return std::unexpected(next.error());
    node->next_validators_ = std::move(*next);
    node->load_recent_block_transactions();
    node->stats_.head_number = node->head_.number;
    node->stats_.mempool_capacity = node->config_.mempool_max_transactions;
    if (node->models_->screens()) node->stats_.expert_selections.assign(node->models_->fraud_experts(), 0);
    return node;
}

void Node::remember_block_transactions(std::size_t count) {
    recent_block_transactions_[recent_block_next_] = static_cast<std::uint32_t>(count);
    recent_block_next_ = (recent_block_next_ + 1) % recent_block_transactions_.size();
}

void Node::load_recent_block_transactions() {
    const std::uint64_t ring = recent_block_transactions_.size();
    const std::uint64_t first = head_.number >= ring ? head_.number - ring + 1 : 1;
    for (std::uint64_t number = first; number <= head_.number; ++number) {
        const auto hash = db_->hash_by_number(number);
        const auto raw = hash ? db_->body(*hash) : std::nullopt;
        if (!raw) continue;  // unreadable: the ring is only a bound's estimate
        if (const auto body = core::decode_body(*raw)) remember_block_transactions(body->transactions.size());
    }
}

void LatencyHistogram::observe(double seconds) {
    count += 1;
    sum += seconds;
    for (std::size_t i = 0; i < kBounds.size(); ++i) {
        if (seconds <= kBounds[i]) {
            buckets[i] += 1;
            break;
        }
    }
}

std::string_view to_string(Refusal r) noexcept {
    switch (r) {
        case Refusal::kInvalid: return "invalid";
        case Refusal::kKnown: return "known";
        case Refusal::kNonce: return "nonce";
        case Refusal::kFee: return "fee";
        case Refusal::kFunds: return "funds";
        case Refusal::kFull: return "full";
        case Refusal::kScreening: return "screening";
        case Refusal::kOther: return "other";
    }
    return "other";
}

Refusal refusal_of(std::string_view message) noexcept {
    if (message == "txpool is full") return Refusal::kFull;
    if (message.starts_with("transaction rejected by fraud screening")) return Refusal::kScreening;
    if (message == "already known") return Refusal::kKnown;
    if (message == "nonce too low") return Refusal::kNonce;
    if (message == "replacement transaction underpriced" || message == "max fee per gas less than block base fee") {
        return Refusal::kFee;
    }
    if (message.starts_with("insufficient funds")) return Refusal::kFunds;
    if (message.starts_with("fraud screening failed")) return Refusal::kOther;
    return Refusal::kInvalid;  // undecodable, unsigned, another chain, oversized, intrinsic gas, ...
}

Head Node::head() const {
    std::lock_guard lock(mutex_);
    return head_;
}

NodeStats Node::stats() const {
    std::lock_guard lock(mutex_);
    NodeStats s = stats_;
    s.mempool_transactions = mempool_.size();
    s.mempool_bytes = mempool_.bytes();
    s.mempool_client_limit = client_backlog_limit();
    return s;
}

std::size_t Node::client_backlog_limit() const {
    const std::size_t pool = config_.mempool_max_transactions;
    // A devnet's pool takes a developer's script whole: its blocks are as small as the pool is
    // fast, and nobody waits behind another's backlog.
    if (config_.instant_blocks || chain_.is_dev_chain()) return pool - pool / 4;
    std::size_t largest = 0;
    for (const std::uint32_t n : recent_block_transactions_) largest = std::max<std::size_t>(largest, n);
    const std::size_t transfers_per_block = chain_.block_gas_limit / core::kTxGas;
    constexpr std::size_t kBacklogBlocks = 2;
    const std::size_t backlog = std::max(kBacklogBlocks * largest, transfers_per_block);
    return std::min(backlog, pool - pool / 4);
}

std::optional<core::BlockHeader> Node::header_by_number(std::uint64_t number) const {
    if (number > head().number) return std::nullopt;
    auto hash = db_->hash_by_number(number);
    if (!hash) return std::nullopt;
    auto raw = db_->header(*hash);
    if (!raw) return std::nullopt;
    auto h = core::decode_header(*raw);
    if (!h) return std::nullopt;
    return *h;
}

std::optional<core::Block> Node::block_by_hash(const core::Hash& hash) const {
    // A block becomes visible with the head: readers never see it in the index first.
    const std::uint64_t head_number = head().number;
    auto raw_header = db_->header(hash);
    auto raw_body = db_->body(hash);
    if (!raw_header || !raw_body) return std::nullopt;
    auto header = core::decode_header(*raw_header);
    auto body = core::decode_body(*raw_body);
    if (!header || !body) {
        log::error("node", "stored block ", hash.hex(), " does not decode");
        return std::nullopt;
    }
    if (header->number > head_number) return std::nullopt;
    return core::Block{*header, std::move(*body)};
}

std::optional<core::Block> Node::block_by_number(std::uint64_t number) const {
    if (number > head().number) return std::nullopt;
    auto hash = db_->hash_by_number(number);
    if (!hash) return std::nullopt;
    return block_by_hash(*hash);
}

std::optional<std::vector<core::Receipt>> Node::receipts(const core::Hash& block_hash) const {
    auto raw = db_->receipts(block_hash);
    if (!raw) return std::nullopt;
    auto r = core::decode_receipts(*raw);
    if (!r) return std::nullopt;
    return *r;
}

std::optional<IncludedTransaction> Node::transaction(const core::Hash& txn_hash) const {
    auto loc = db_->tx_location(txn_hash);
    if (!loc || loc->block_number > head().number) return std::nullopt;
    auto block = block_by_number(loc->block_number);
    if (!block || loc->index >= block->body.transactions.size()) return std::nullopt;
    auto receipts = this->receipts(block->header.hash());
    if (!receipts || loc->index >= receipts->size()) return std::nullopt;
    IncludedTransaction out;
    out.txn = block->body.transactions[loc->index];
    auto sender = included_sender(out.txn, block->header.hash());
    if (!sender) return std::nullopt;
    out.sender = *sender;
    out.block_hash = block->header.hash();
    out.block_number = loc->block_number;
    out.index = loc->index;
    out.receipt = (*receipts)[loc->index];
    const std::uint64_t before = loc->index == 0 ? 0 : (*receipts)[loc->index - 1].cumulative_gas_used;
    out.gas_used = out.receipt.cumulative_gas_used - before;
    for (std::uint32_t i = 0; i < loc->index; ++i) out.first_log_index += (*receipts)[i].logs.size();
    out.effective_gas_price = out.txn.effective_gas_price(block->header.base_fee_per_gas.value_or(0)).value_or(0);
    if (out.txn.is_create() && out.receipt.success) out.contract_address = evm::create_address(out.sender, out.txn.nonce);
    return out;
}

std::optional<PooledTransaction> Node::pending_transaction(const core::Hash& txn_hash) const {
    std::lock_guard lock(mutex_);
    return mempool_.get(txn_hash);
}

std::vector<core::Bytes> Node::pooled_raw_transactions(std::span<const core::Hash> hashes) const {
    std::vector<core::Bytes> out(hashes.size());
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < hashes.size(); ++i) {
        if (const PooledTransaction* p = mempool_.find(hashes[i])) out[i] = p->txn.encode();
    }
    return out;
}

void Node::wait_until_unpooled(const core::Hash& txn_hash, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    head_moved_.wait_for(lock, timeout, [&] { return !mempool_.contains(txn_hash); });
}

bool Node::wait_for_head(std::uint64_t number, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return head_moved_.wait_for(lock, timeout, [&] { return head_.number >= number; });
}

std::expected<core::Account, std::string> Node::account(const core::Address& address, std::uint64_t number) const {
    auto header = header_by_number(number);
    if (!header) return std::unexpected("header not found");
    DbNodeStore store(*db_);
    evm::State state(&store, nullptr, header->state_root);
    const core::Account a = state.account(address);
    if (auto e = state.error()) return std::unexpected(std::string(evm::to_string(*e)));
    return a;
}

std::expected<core::Bytes, std::string> Node::code(const core::Address& address, std::uint64_t number) const {
    auto a = account(address, number);
    if (!a) return std::unexpected(a.error());
    if (a->code_hash == core::kEmptyCodeHash) return core::Bytes{};
    auto c = db_->code(a->code_hash);
    if (!c) return std::unexpected("code " + a->code_hash.hex() + " missing from the database");
    return *c;
}

std::expected<core::Hash, std::string> Node::storage(const core::Address& address, const core::Hash& slot,
                                                     std::uint64_t number) const {
    auto a = account(address, number);
    if (!a) return std::unexpected(a.error());
    DbNodeStore store(*db_);
    core::Trie trie(&store, a->storage_root);
    auto raw = trie.get(core::keccak256(slot));  // storage tries are secure tries too
    if (!raw) return std::unexpected(std::string(core::to_string(raw.error())));
    if (!*raw) return core::Hash{};
    core::ByteView in = **raw;
    auto value = core::rlp::decode_uint256(in);
    if (!value) return std::unexpected("corrupt storage value");
    return core::uint256_to_bytes32(*value);
}

namespace {

/// A State with the node store it reads through, kept alive together.
struct StoredState {
    StoredState(const ChainDb& db, const core::Hash& root) : store(db), state(&store, nullptr, root) {}
    DbNodeStore store;
    evm::State state;
};

}  // namespace

std::shared_ptr<evm::State> Node::head_state() const {
    // A failed read sticks to its State: the next reader starts on a fresh one.
    if (!head_state_ || head_state_root_ != head_header_.state_root || head_state_->error()) {
        auto stored = std::make_shared<StoredState>(*db_, head_header_.state_root);
        head_state_ = std::shared_ptr<evm::State>(stored, &stored->state);
        head_state_root_ = head_header_.state_root;
    }
    return head_state_;
}

AccountSnapshot Node::head_account(const core::Address& address) const {
    const std::shared_ptr<evm::State> state = head_state();
    const core::Account& a = state->account(address);
    if (state->error()) return {};
    return {a.nonce, a.balance};
}

std::uint64_t Node::pending_nonce(const core::Address& address) const {
    std::lock_guard lock(mutex_);
    return mempool_.pending_nonce(address, head_account(address).nonce);
}

Mempool::Content Node::pool_content() const {
    std::lock_guard lock(mutex_);
    return mempool_.content([this](const core::Address& a) { return head_account(a); });
}

bool Node::has_executable_transactions() const {
    std::lock_guard lock(mutex_);
    if (mempool_.size() == 0) return false;
    return !mempool_.select([this](const core::Address& a) { return head_account(a); },
                            core::next_base_fee(head_header_, chain_.fee_rules), chain_.block_gas_limit, 1)
                .empty();
}

core::uint256 Node::next_base_fee() const {
    std::lock_guard lock(mutex_);
    return core::next_base_fee(head_header_, chain_.fee_rules);
}

std::expected<core::Hash, SubmitError> Node::submit_raw_transaction(core::ByteView raw, Source source) {
    auto result = admit_raw_transaction(raw, source);
    if (!result) count_refusal(result.error());
    return result;
}

void Node::count_refusal(const SubmitError& e) {
    std::lock_guard lock(mutex_);
    stats_.refused[static_cast<std::size_t>(refusal_of(e.message))] += 1;
}

std::size_t Node::submit_peer_transactions(const std::vector<core::Bytes>& raws) {
    // A transaction's hash is the Keccak of its bytes: one pooled already (another peer's copy)
    // costs a hash, not a sender recovery.
    std::vector<std::size_t> fresh;
    fresh.reserve(raws.size());
    {
        std::vector<core::Hash> hashes;
        hashes.reserve(raws.size());
        for (const core::Bytes& raw : raws) hashes.push_back(core::keccak256(raw));
        std::set<core::Hash> seen;
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < raws.size(); ++i) {
            if (!mempool_.contains(hashes[i]) && seen.insert(hashes[i]).second) fresh.push_back(i);
        }
    }
    // Recovery, 33 us a sender (bench_core), on every recovery thread and this one, a slice
    // each; pooling, under the node's lock, in the batch's order.
    std::vector<std::expected<PooledTransaction, SubmitError>> checked(fresh.size());
    auto check_slice = [&](std::size_t slice, std::size_t slices) {
        for (std::size_t k = slice; k < fresh.size(); k += slices) checked[k] = check_raw_transaction(raws[fresh[k]], Source::kPeer);
    };
    constexpr std::size_t kMinPerSlice = 8;  // fewer are not worth waking a thread for
    const std::size_t slices = recovery_pool_ ? std::min<std::size_t>(config_.recovery_threads, fresh.size() / kMinPerSlice) : 1;
    if (slices > 1) {
        std::latch done(static_cast<std::ptrdiff_t>(slices - 1));
        for (std::size_t slice = 1; slice < slices; ++slice) {
            boost::asio::post(*recovery_pool_, [&, slice] {
                check_slice(slice, slices);
                done.count_down();
            });
        }
        check_slice(0, slices);
        done.wait();
    } else {
        check_slice(0, 1);
    }
    std::size_t pooled = 0;
    for (std::size_t k = 0; k < fresh.size(); ++k) {
        if (!checked[k]) {
            count_refusal(checked[k].error());
        } else if (auto result = pool_transaction(std::move(*checked[k]), raws[fresh[k]], Source::kPeer)) {
            ++pooled;
        } else {
            count_refusal(result.error());
        }
    }
    return pooled;
}

std::expected<core::Hash, SubmitError> Node::admit_raw_transaction(core::ByteView raw, Source source) {
    auto checked = check_raw_transaction(raw, source);
    if (!checked) return std::unexpected(checked.error());
    return pool_transaction(std::move(*checked), raw, source);
}

std::expected<PooledTransaction, SubmitError> Node::check_raw_transaction(core::ByteView raw, Source source) const {
    auto fail = [](std::string m) { return std::unexpected(SubmitError{SubmitError::Kind::kRefused, std::move(m)}); };
    if (raw.size() > 128 * 1024) return fail("oversized data");
    auto txn = core::decode_transaction(raw);
    if (!txn) return fail(std::string(core::to_string(txn.error())));
    if (txn->chain_id && *txn->chain_id != chain_.chain_id) return fail("invalid chain id for signer");
    if (!txn->chain_id) return fail("only replay-protected (EIP-155) transactions allowed over RPC");
    if (source == Source::kClient) {
        // Overload is shed here, before the sender is recovered and screened (issue 17; malformed
        // bytes still get their own error): past saturation that work left too little CPU for
        // blocks, and a full pool evicted what it had accepted. Peers' transactions keep the rest
        // of the pool: a pool that refused another node's gossip held different nonces of a
        // sender than the proposer's, and blocks shrank.
        std::lock_guard lock(mutex_);
        if (mempool_.size() >= client_backlog_limit()) return fail("txpool is full");
    }
    auto valid = core::validate_static(*txn, chain_.chain_id);
    if (!valid) {
        const core::TxError e = valid.error();
        if (e == core::TxError::kInvalidSignature || e == core::TxError::kHighS) return fail("invalid sender");
        return fail(std::string(core::to_string(e)));
    }
    return PooledTransaction{*txn, *valid, txn->hash(), raw.size(), steady_ms()};
}

std::expected<core::Hash, SubmitError> Node::submit_impersonated(core::Transaction txn, const core::Address& sender) {
    auto fail = [](std::string m) { return std::unexpected(SubmitError{SubmitError::Kind::kRefused, std::move(m)}); };
    if (!chain_.is_dev_chain()) return fail("impersonated transactions are only for a single-validator devnet");
    txn.chain_id = chain_.chain_id;
    if (auto ok = core::validate_unsigned(txn, chain_.chain_id); !ok) return fail(std::string(core::to_string(ok.error())));
    txn.signature = chain::impersonation_signature(sender);
    const core::Bytes raw = txn.encode();
    if (raw.size() > 128 * 1024) return fail("oversized data");
    PooledTransaction entry{txn, sender, txn.hash(), raw.size(), steady_ms()};
    entry.impersonated = true;
    return pool_transaction(std::move(entry), raw, Source::kClient);
}

std::expected<core::Hash, SubmitError> Node::pool_transaction(PooledTransaction entry, core::ByteView raw, Source source) {
    auto fail = [](std::string m) { return std::unexpected(SubmitError{SubmitError::Kind::kRefused, std::move(m)}); };
    const core::Address sender = entry.sender;
    const core::Hash hash = entry.hash;
    const core::Transaction txn = entry.txn;  // the entry moves into the pool before screening runs
    // The same rules as block building, against the head state, before pooling.
    {
        std::lock_guard lock(mutex_);
        const std::shared_ptr<evm::State> head = head_state();
        evm::State& state = *head;
        // EIP-3607; an impersonated sender may be a contract, as on Anvil (decision 008).
        if (!entry.impersonated && state.code_hash(sender) != core::kEmptyCodeHash) return fail("sender not an eoa");
        // Screening runs last, after every rule of the pool, so that every other error reads
        // as geth's would, and before the pool changes (decision 005). Once per chain, by the
        // node a client sent it to: screening every peer's gossip again was 11% of a loaded
        // localnet's CPU (scripts/profile.sh localnet 2000), under the node's lock, for a verdict
        // every block recomputes on every node before it includes the transaction.
        Mempool::AdmissionCheck screen;
        if (models_->screens() && source != Source::kPeer) {
            screen = [&]() -> std::expected<void, std::string> {
                const DbCodeStore blobs(*db_);
                chain::BlockScreening screening(*models_, blobs, head_header_.timestamp + 1);
                auto verdict = screening.screen(state, txn, sender);
                if (!verdict) return std::unexpected("fraud screening failed: " + verdict.error());
                stats_.screened[static_cast<std::size_t>(verdict->decision)] += 1;  // mutex_ is held
                stats_.abstentions += verdict->abstained ? 1 : 0;
                for (const nn::ExpertWeight& e : verdict->experts) {
                    if (e.expert >= 0 && static_cast<std::size_t>(e.expert) < stats_.expert_selections.size()) {
                        stats_.expert_selections[static_cast<std::size_t>(e.expert)] += 1;
                    }
                }
                // The head's statistics miss what the pool holds before this transaction: a new
                // user spending in the block that funds it, a call to a token whose deployment is
                // pooled, or to a contract a pooled call's factory will create (a call to an
                // address without code yet, while the pool holds calls: which contracts a
                // factory creates is known only once it runs). When the pool may change the
                // picture so, the block that includes the transaction decides, on the statistics
                // after those (a block leaves out a rejected transaction, and the pool drops
                // it); else the refusal is final.
                // Asked of rejects only: the code lookup is a trie read.
                const auto depends_on_pool = [&] {
                    if (mempool_.involves(sender) || (txn.to && mempool_.involves(*txn.to))) return true;
                    return txn.to && !txn.data.empty() && mempool_.holds_calls() &&
                           state.code_hash(*txn.to) == core::kEmptyCodeHash;  // a factory may create it
                };
                if (verdict->decision == chain::Decision::kReject && depends_on_pool()) {
                    stats_.deferred_rejections += 1;
                    return {};
                }
                if (verdict->decision == chain::Decision::kReject) {
                    return std::unexpected("transaction rejected by fraud screening: risk score " + std::to_string(verdict->score) +
                                           " >= reject threshold " + std::to_string(models_->thresholds().reject_score));
                }
                return {};
            };
        }
        entry.pooled_height = head_header_.number;
        auto added = mempool_.add(std::move(entry), [this](const core::Address& a) { return head_account(a); },
                                  core::next_base_fee(head_header_, chain_.fee_rules), chain_.block_gas_limit, screen);
        if (!added) return fail(added.error());
    }
    std::vector<std::function<void(core::ByteView)>> listeners;
    {
        std::lock_guard lock(mutex_);
        listeners = transaction_listeners_;
    }
    for (const auto& l : listeners) l(raw);
    return hash;
}

std::optional<core::Address> Node::included_sender(const core::Transaction& txn, const core::Hash& block_hash) const {
    // An impersonated transaction's sender is named by its block, not by a signature; its
    // signature has s = 1 (chain::impersonation_signature), which no real signature has in practice,
    // so only those look at the block's consensus data.
    if (chain_.is_dev_chain() && txn.signature.s == 1) {
        if (auto data = consensus_data(block_hash)) {
            const core::Hash hash = txn.hash();
            for (const auto& [h, sender] : data->dev.impersonated) {
                if (h == hash) return sender;
            }
        }
    }
    auto sender = txn.sender();
    if (!sender) return std::nullopt;
    return *sender;
}

void Node::on_transaction(std::function<void(core::ByteView)> listener) {
    std::lock_guard lock(mutex_);
    transaction_listeners_.push_back(std::move(listener));
}

void Node::on_block(std::function<void(const core::Block&, const std::vector<core::Receipt>&)> listener) {
    std::lock_guard lock(mutex_);
    listeners_.push_back(std::move(listener));
}

}  // namespace moe::node

namespace moe::node {

bool LogFilter::matches(const core::Log& log) const {
    if (!addresses.empty() && std::find(addresses.begin(), addresses.end(), log.address) == addresses.end()) return false;
    for (std::size_t i = 0; i < topics.size(); ++i) {
        if (topics[i].empty()) continue;
        if (i >= log.topics.size()) return false;
        if (std::find(topics[i].begin(), topics[i].end(), log.topics[i]) == topics[i].end()) return false;
    }
    return true;
}

bool LogFilter::may_match(const core::Bloom& bloom) const {
    auto any_in = [&bloom](const auto& items) {
        return items.empty() || std::any_of(items.begin(), items.end(),
                                            [&bloom](const auto& x) { return core::bloom_may_contain(bloom, x); });
    };
    if (!any_in(addresses)) return false;
    return std::all_of(topics.begin(), topics.end(), any_in);
}

std::expected<CallOutcome, std::string> Node::call(const CallRequest& request, std::uint64_t number, bool next_block,
                                                   evm::Tracer* tracer) const {
    auto header = header_by_number(number);
    if (!header) return std::unexpected("header not found");
    const StoredChain stored(*this);
    evm::BlockEnv env = chain::block_env(chain_, stored, *header);
    if (next_block) {
        env.number += 1;
        env.timestamp += 1;
    }
    DbNodeStore store(*db_);
    DbCodeStore codes(*db_);
    evm::State state(&store, &codes, header->state_root);
    state.begin_transaction();

    const core::Address from = request.from.value_or(core::Address{});
    core::Transaction t;
    t.to = request.to;
    t.data = request.data;
    t.value = request.value;
    t.access_list = request.access_list;
    t.gas_limit = std::min(request.gas.value_or(kRpcGasCap), kRpcGasCap);
    const std::uint64_t intrinsic = core::intrinsic_gas(t);
    if (t.gas_limit < intrinsic) return std::unexpected("intrinsic gas too low");
    if (t.is_create() && t.data.size() > core::kMaxInitCodeSize) return std::unexpected("max initcode size exceeded");
    const core::uint512 cost = core::uint512(request.gas_price) * t.gas_limit + request.value;
    if (cost > core::uint512(state.balance(from))) return std::unexpected("insufficient funds for gas * price + value");
    if (request.gas_price != 0) state.sub_balance(from, request.gas_price * t.gas_limit);

    t.nonce = state.nonce(from);
    const evm::ExecutionContext ctx{env, jumpdests_, &staking_, tracer};
    evm::MessageOutcome run = evm::run_transaction_message(state, ctx, t, from, request.gas_price);
    if (auto e = state.error()) return std::unexpected(std::string(evm::to_string(*e)));

    CallOutcome out;
    out.status = run.result.status;
    out.output = std::move(run.result.output);
    out.gas_before_refund = run.gas_before_refund;
    out.gas_used = run.gas_used;

    // What the call touched, as geth's access list tracer reports it: sender, recipient and
    // precompiles only when storage of theirs was touched.
    std::map<core::Address, std::vector<core::Hash>> touched;
    for (const core::Address& a : state.warm_accounts()) {
        const bool excluded = a == from || (t.to && a == *t.to) || evm::precompile_at(a) || a == env.coinbase;
        if (!excluded) touched[a];
    }
    for (const auto& [a, key] : state.warm_slots()) touched[a].push_back(core::uint256_to_bytes32(key));
    for (auto& [a, keys] : touched) out.access_list.push_back({a, std::move(keys)});
    return out;
}

std::expected<TracedTransaction, std::string> Node::trace_transaction(const core::Hash& txn_hash, evm::Tracer& tracer) const {
    auto loc = db_->tx_location(txn_hash);
    if (!loc || loc->block_number > head().number) return std::unexpected("transaction " + txn_hash.hex() + " not found");
    auto hash = db_->hash_by_number(loc->block_number);
    if (!hash) return std::unexpected("block " + std::to_string(loc->block_number) + " is unreadable");
    auto traced = trace_block(*hash, loc->index, [&](std::size_t i) { return i == loc->index ? &tracer : nullptr; });
    if (!traced) return std::unexpected(traced.error());
    return std::move(traced->back());
}

std::expected<std::vector<TracedTransaction>, std::string> Node::trace_block(
    const core::Hash& block_hash, std::size_t last, const std::function<evm::Tracer*(std::size_t)>& tracer_of) const {
    auto block = block_by_hash(block_hash);
    if (!block) return std::unexpected("block " + block_hash.hex() + " not found");
    const std::uint64_t number = block->header.number;
    auto parent = number == 0 ? std::nullopt : header_by_number(number - 1);
    auto data = consensus_data(block_hash);
    auto receipts = this->receipts(block_hash);
    if (!parent || !data || !receipts || receipts->size() != block->body.transactions.size()) {
        return std::unexpected("block " + std::to_string(number) + " cannot be replayed");
    }
    if (last >= block->body.transactions.size()) return std::unexpected("no transaction " + std::to_string(last) + " in the block");

    DbNodeStore store(*db_);
    DbCodeStore codes(*db_);
    evm::State state(&store, &codes, parent->state_root);
    const StoredChain stored(*this);
    if (auto ok = chain::apply_protocol_operations(chain_, stored, state, block->header, *data, nullptr); !ok) {
        return std::unexpected(ok.error());
    }
    const evm::BlockEnv env = chain::block_env(chain_, stored, block->header);
    std::vector<TracedTransaction> out;
    std::uint64_t gas = 0;
    for (std::size_t i = 0; i <= last; ++i) {
        const core::Transaction& t = block->body.transactions[i];
        const core::Receipt& receipt = (*receipts)[i];
        const core::Hash hash = t.hash();
        const auto named = std::find_if(data->dev.impersonated.begin(), data->dev.impersonated.end(),
                                        [&](const auto& entry) { return entry.first == hash; });
        const bool impersonated = named != data->dev.impersonated.end();
        auto sender = impersonated ? std::optional<core::Address>(named->second) : included_sender(t, block_hash);
        if (!sender) return std::unexpected("transaction " + std::to_string(i) + " of the block has no valid signature");
        evm::ExecutionContext ctx{env, jumpdests_, &staking_, tracer_of(i)};
        ctx.sender_may_have_code = impersonated;
        auto outcome = evm::apply_transaction(state, ctx, t, *sender, gas);
        if (!outcome) return std::unexpected("replaying transaction " + std::to_string(i) + " of the block: " + outcome.error().message);
        if (outcome->receipt.cumulative_gas_used != receipt.cumulative_gas_used || outcome->receipt.success != receipt.success) {
            return std::unexpected("replaying transaction " + std::to_string(i) + " of block " + std::to_string(number) +
                                   " gave another gas or status than its receipt: this node's state disagrees with its block");
        }
        gas = receipt.cumulative_gas_used;
        out.push_back({outcome->status, std::move(outcome->output), outcome->gas_used, t.gas_limit});
    }
    return out;
}

std::expected<CallOutcome, std::string> Node::estimate_gas(const CallRequest& request, std::uint64_t number) const {
    CallRequest probe = request;
    const std::uint64_t cap = std::min(request.gas.value_or(kRpcGasCap), kRpcGasCap);
    probe.gas = cap;
    // At the head, estimated inside the next block, as Anvil and Hardhat do: a transaction
    // sent now runs there, and code that depends on time having passed since the head (a
    // Uniswap v2 pair writes its price accumulators only when the timestamp moved) needs more
    // gas than in the head's own block; estimated there, the second swap in a row ran out of
    // gas.
    const bool next_block = number == head().number;
    auto first = call(probe, number, next_block);
    if (!first || first->status != evm::Status::kSuccess) return first;

    // The least gas that succeeds lies above what the call used before its refund; with
    // the EIP-150 64th kept back at each level, a little more than that usually suffices.
    // Every probe lies above the gas used before the refund, which includes the intrinsic
    // gas, so a probe fails only by how the call runs.
    auto succeeds = [&](std::uint64_t gas) -> std::expected<bool, std::string> {
        probe.gas = gas;
        auto r = call(probe, number, next_block);
        if (!r) return std::unexpected(r.error());
        return r->status == evm::Status::kSuccess;
    };
    std::uint64_t lo = first->gas_before_refund - 1;
    std::uint64_t hi = cap;
    const std::uint64_t optimistic = std::min(cap, (first->gas_before_refund + evm::kCallStipendGas) * 64 / 63);
    if (optimistic < hi) {
        auto ok = succeeds(optimistic);
        if (!ok) return std::unexpected(ok.error());
        if (*ok) hi = optimistic; else lo = optimistic;
    }
    while (lo + 1 < hi) {
        const std::uint64_t mid = lo + (hi - lo) / 2;
        auto ok = succeeds(mid);
        if (!ok) return std::unexpected(ok.error());
        if (*ok) hi = mid; else lo = mid;
    }
    CallOutcome out = *first;
    out.gas_used = hi;
    return out;
}

std::expected<std::vector<LogEntry>, std::string> Node::logs(const LogFilter& filter) const {
    if (filter.to_block < filter.from_block) return std::unexpected("invalid block range params");
    if (filter.to_block - filter.from_block >= kMaxLogBlockRange) {
        return std::unexpected("block range too large: at most " + std::to_string(kMaxLogBlockRange) + " blocks");
    }
    std::vector<LogEntry> out;
    for (std::uint64_t n = filter.from_block; n <= filter.to_block; ++n) {
        auto header = header_by_number(n);
        if (!header) break;  // past the head
        if (!filter.may_match(header->logs_bloom)) continue;
        const core::Hash hash = header->hash();
        auto block = block_by_hash(hash);
        auto block_receipts = receipts(hash);
        if (!block || !block_receipts) return std::unexpected("block " + std::to_string(n) + " is unreadable");
        std::uint64_t log_index = 0;
        for (std::size_t i = 0; i < block_receipts->size(); ++i) {
            const core::Hash txn_hash = block->body.transactions[i].hash();
            for (const core::Log& log : (*block_receipts)[i].logs) {
                if (filter.matches(log)) {
                    if (out.size() == kMaxLogResults) {
                        return std::unexpected("query returned more than " + std::to_string(kMaxLogResults) + " results");
                    }
                    out.push_back({log, hash, n, txn_hash, static_cast<std::uint32_t>(i), log_index});
                }
                ++log_index;
            }
        }
    }
    return out;
}

std::expected<std::vector<evm::StakeRecord>, std::string> Node::stakes(std::uint64_t number) const {
    auto header = header_by_number(number);
    if (!header) return std::unexpected("header not found");
    DbNodeStore store(*db_);
    evm::State state(&store, nullptr, header->state_root);
    auto records = evm::read_stakes(state);
    if (auto e = state.error()) return std::unexpected(std::string(evm::to_string(*e)));
    return records;
}

}  // namespace moe::node

namespace moe::node {

// ---- Screening and contract classes (decision 005) -------------------------------------------

namespace {

/// The (expert, transaction) pairs a validator hosting `mine` answers for `requests`, the pool
/// in the order the next proposer takes it, by expert, at most kMaxVerdictsPerExtension. Each
/// transaction is answered for its experts in the capacity plan of the requests (decision 004,
/// Balance), for its first top_k ranks after failover (the block's plan needs their answers
/// whatever overflowed in this pool; RoutingPlan), and for the ranks its failover skipped (a
/// committee that comes back may still take it back). The plan counts the fair share over the
/// transactions answered for, at most `block_transactions`: never more than the block will
/// (it counts those the whole last commit answered for), so what this plan overflows the
/// block's plan finds room for, or answered.
std::vector<std::pair<std::uint32_t, std::size_t>> routing_duties(const std::vector<consensus::RoutingRequest>& requests,
                                                                  consensus::RoutingRule rule,
                                                                  const std::vector<std::uint32_t>& mine,
                                                                  std::uint64_t block_transactions) {
    std::vector<std::pair<std::uint32_t, std::size_t>> todo;
    rule.planned = std::min<std::uint64_t>(requests.size(), block_transactions);
    for (int pass = 0; pass < 3; ++pass) {  // a smaller count overflows more: stop where it holds
        todo.clear();
        const consensus::RoutingPlan plan = consensus::RoutingPlan::assign(requests, rule);
        std::size_t covered = 0;
        for (std::size_t i = 0; i < requests.size() && todo.size() < consensus::kMaxVerdictsPerExtension; ++i) {
            const consensus::RoutingRequest& q = requests[i];
            const std::size_t first_choices = std::min<std::size_t>(q.ranking.size(), std::size_t{q.failover} + rule.top_k);
            std::vector<std::uint32_t> duties(q.ranking.begin(), q.ranking.begin() + static_cast<std::ptrdiff_t>(first_choices));
            duties.insert(duties.end(), plan.experts[i].begin(), plan.experts[i].end());
            std::sort(duties.begin(), duties.end());
            duties.erase(std::unique(duties.begin(), duties.end()), duties.end());
            for (std::uint32_t e : duties) {
                if (!std::binary_search(mine.begin(), mine.end(), e)) continue;
                if (todo.size() == consensus::kMaxVerdictsPerExtension) break;
                todo.emplace_back(e, i);
            }
            covered = i + 1;
        }
        if (covered >= rule.planned) break;
        rule.planned = covered;
    }
    std::sort(todo.begin(), todo.end());
    return todo;
}

}  // namespace

std::vector<PooledTransaction> Node::pending_by_hash(std::size_t max) const {
    std::vector<PooledTransaction> all;
    {
        std::lock_guard lock(mutex_);
        all = mempool_.all();
    }
    std::sort(all.begin(), all.end(), [](const PooledTransaction& a, const PooledTransaction& b) { return a.hash < b.hash; });
    if (all.size() > max) all.resize(max);
    return all;
}

std::expected<consensus::VerdictExtension, std::string> Node::expert_verdicts(
    const core::Address& me, std::uint64_t height, const std::vector<PooledTransaction>& txns,
    const std::map<core::Hash, std::uint64_t>& first_seen, std::uint64_t timestamp) const {
    consensus::VerdictExtension out;
    if (!chain_.routing || !models_->screens()) return out;
    auto committees = this->committees(height);
    if (!committees) return std::unexpected(committees.error());
    std::vector<std::uint32_t> mine;
    for (std::uint32_t e : committees->experts_of(me)) {
        if (committees->served(e)) mine.push_back(e);
    }
    if (mine.empty()) return out;
    const core::BlockHeader head = head_header();
    DbNodeStore store(*db_);
    evm::State state(&store, nullptr, head.state_root);
    const DbCodeStore blobs(*db_);
    chain::BlockScreening screening(*models_, blobs, timestamp);
    const chain::RoutingConfig& rc = *chain_.routing;
    const std::optional<core::Bytes> gate = evm::read_routing_gate(state);
    std::vector<nn::FraudFeatures> rows;
    std::vector<consensus::RoutingRequest> requests;
    for (const PooledTransaction& p : txns) {
        auto row = screening.features(state, p.txn, p.sender);
        if (!row) return std::unexpected(row.error());
        auto logits = models_->gate_logits(*row, gate);
        if (!logits) return std::unexpected(logits.error());
        const auto seen = first_seen.find(p.hash);
        rows.push_back(*row);
        requests.push_back({consensus::rank_experts(*logits, *committees),
                            consensus::failover_rank(seen == first_seen.end() ? height : seen->second, height, rc.failover_heights)});
    }
    const std::vector<std::pair<std::uint32_t, std::size_t>> todo = routing_duties(
        requests, consensus::RoutingRule{rc.top_k, rc.capacity_percent, static_cast<std::uint32_t>(committees->served_experts().size())},
        mine, chain_.block_gas_limit / core::kTxGas);
    // One batch per expert through its own layers (todo is by expert).
    for (std::size_t a = 0; a < todo.size();) {
        std::size_t b = a;
        std::vector<nn::FraudFeatures> batch;
        while (b < todo.size() && todo[b].first == todo[a].first) batch.push_back(rows[todo[b++].second]);
        auto scores = models_->expert_scores(todo[a].first, batch);
        if (!scores) return std::unexpected(scores.error());
        for (std::size_t j = a; j < b; ++j) {
            const PooledTransaction& p = txns[todo[j].second];
            std::uint8_t cls = 255;
            if (p.txn.to) {
                if (auto c = chain::read_contract_class(state, *p.txn.to)) cls = static_cast<std::uint8_t>(c->contract_class);
            }
            out.verdicts.push_back({p.hash, todo[a].first, (*scores)[j - a], cls});
        }
        a = b;
    }
    if (auto e = state.error()) return std::unexpected(std::string(evm::to_string(*e)));
    out.normalize();
    return out;
}

bool Node::verdict_sampled(const core::Hash& txn, const core::Address& validator) const {
    if (!chain_.routing || chain_.routing->sample_percent == 0) return false;
    core::Bytes preimage = txn.to_bytes();
    const core::Bytes who = validator.to_bytes();
    preimage.insert(preimage.end(), who.begin(), who.end());
    const core::Hash digest = core::keccak256(preimage);
    std::uint64_t tail = 0;
    for (std::size_t i = digest.bytes.size() - 8; i < digest.bytes.size(); ++i) tail = (tail << 8) | digest.bytes[i];
    return tail % 100 < chain_.routing->sample_percent;
}

chain::TransactionLookup Node::transaction_lookup(const chain::ChainReader& stored, bool pool) const {
    return [this, &stored, pool](const core::Hash& hash) -> std::expected<chain::KnownTransaction, std::string> {
        // A pooled transaction's sender was recovered at admission; recovering it again here
        // cost more than admission did (scripts/profile.sh on a loaded localnet).
        if (pool) {
            if (auto p = pending_transaction(hash)) return chain::KnownTransaction{p->txn, p->sender};
        }
        return stored.committed_transaction(hash);
    };
}

std::expected<std::uint32_t, std::string> Node::recompute_verdict(const consensus::Vote& precommit,
                                                                  const consensus::Verdict& claimed, bool pool) const {
    const StoredChain stored(*this);
    return chain::recompute_verdict(stored, *models_, head().number, precommit, claimed, transaction_lookup(stored, pool));
}

std::expected<std::vector<std::expected<std::uint32_t, std::string>>, std::string> Node::recompute_verdicts(
    const consensus::Vote& precommit, std::span<const consensus::Verdict> claimed, bool pool) const {
    const StoredChain stored(*this);
    return chain::recompute_verdicts(stored, *models_, head().number, precommit, claimed, transaction_lookup(stored, pool));
}

std::expected<void, std::string> Node::check_wrong_verdict(const consensus::WrongVerdictEvidence& e, bool pool) const {
    const StoredChain stored(*this);
    return chain::check_wrong_verdict(transition_context(stored), head().number, e, transaction_lookup(stored, pool));
}

std::expected<chain::TransactionVerdict, std::string> Node::screen_on_head(const core::Transaction& txn, const core::Address& sender,
                                                                   chain::Explain explain) const {
    if (!models_->screens()) return std::unexpected("this chain screens no transactions (its genesis names no fraud model)");
    const core::BlockHeader head = head_header();
    DbNodeStore store(*db_);
    evm::State state(&store, nullptr, head.state_root);
    const DbCodeStore blobs(*db_);
    chain::BlockScreening screening(*models_, blobs, head.timestamp + 1);
    auto v = screening.screen(state, txn, sender, explain);
    if (auto e = state.error()) return std::unexpected(std::string(evm::to_string(*e)));
    return v;
}

std::expected<chain::TransactionVerdict, SubmitError> Node::score_transaction(core::ByteView raw) const {
    using Kind = SubmitError::Kind;
    auto fail = [](Kind kind, std::string m) { return std::unexpected(SubmitError{kind, std::move(m)}); };
    auto txn = core::decode_transaction(raw);
    if (!txn) return fail(Kind::kBadInput, std::string(core::to_string(txn.error())));
    auto sender = txn->sender();
    if (!sender) return fail(Kind::kBadInput, "invalid sender");
    auto v = screen_on_head(*txn, *sender, chain::Explain::kAlways);
    if (!v) return fail(Kind::kRefused, v.error());
    return *v;
}

std::optional<chain::TransactionVerdict> Node::verdict(const core::Hash& txn_hash) const {
    auto loc = db_->tx_location(txn_hash);
    if (!loc || loc->block_number > head().number) return std::nullopt;
    auto raw = db_->get(Column::kVerdicts, txn_hash.view());
    if (!raw) return std::nullopt;
    auto v = chain::TransactionVerdict::decode(*raw);
    if (!v) return std::nullopt;
    return *v;
}

std::expected<std::optional<chain::ContractClassReport>, std::string> Node::contract_class(const core::Address& address,
                                                                                     std::uint64_t number) const {
    auto header = header_by_number(number);
    if (!header) return std::unexpected("header not found");
    DbNodeStore store(*db_);
    DbCodeStore codes(*db_);
    evm::State state(&store, &codes, header->state_root);
    auto c = chain::read_contract_class_report(state, address);
    if (auto e = state.error()) return std::unexpected(std::string(evm::to_string(*e)));
    return c;
}

std::expected<nn::AccountStats, std::string> Node::account_stats(const core::Address& address, std::uint64_t number) const {
    auto header = header_by_number(number);
    if (!header) return std::unexpected("header not found");
    DbNodeStore store(*db_);
    evm::State state(&store, nullptr, header->state_root);
    auto s = chain::read_account_stats(state, DbCodeStore(*db_), address);
    if (auto e = state.error()) return std::unexpected(std::string(evm::to_string(*e)));
    return s;
}

}  // namespace moe::node
