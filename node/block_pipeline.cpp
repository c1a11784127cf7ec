// The block pipeline of a BFT chain: build (the proposer), execute (every validator, before it
// prevotes, and block sync), commit (once a certificate exists). Decision 003.
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

namespace moe::node {

namespace {

constexpr std::uint64_t kMaxClockDriftSeconds = 15;

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

/// rlp([[expert, ...], failover]): an included transaction's ranking and skipped ranks.
core::Bytes encode_routing(const std::vector<std::uint32_t>& ranking, std::uint32_t failover) {
    core::Bytes list;
    for (std::uint32_t e : ranking) core::rlp::encode(list, std::uint64_t{e});
    core::Bytes payload = core::rlp::wrap_list(list);
    core::rlp::encode(payload, std::uint64_t{failover});
    return core::rlp::wrap_list(payload);
}

std::expected<std::pair<std::vector<std::uint32_t>, std::uint32_t>, std::string> decode_routing(core::ByteView in) {
    auto list = core::rlp::decode_list(in);
    if (!list || !in.empty()) return std::unexpected("routing record: not one list");
    core::ByteView items = *list;
    auto ranking = core::rlp::decode_list(items);
    if (!ranking) return std::unexpected("routing record: no ranking");
    std::vector<std::uint32_t> out;
    core::ByteView r = *ranking;
    while (!r.empty()) {
        auto e = core::rlp::decode_u64(r);
        if (!e || *e > UINT32_MAX) return std::unexpected("routing record: bad expert");
        out.push_back(static_cast<std::uint32_t>(*e));
    }
    auto failover = core::rlp::decode_u64(items);
    if (!failover || *failover > UINT32_MAX || !items.empty()) return std::unexpected("routing record: bad failover");
    return std::pair{std::move(out), static_cast<std::uint32_t>(*failover)};
}

consensus::ValidatorSetRules set_rules(const chain::ChainConfig& chain) {
    return consensus::ValidatorSetRules{chain.min_stake_wei, static_cast<std::uint32_t>(chain.max_validators)};
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

std::expected<consensus::ValidatorSet, std::string> genesis_validator_set(const chain::ChainConfig& chain) {
    std::vector<consensus::Validator> validators;
    for (const chain::GenesisValidator& v : chain.validators) {
        validators.push_back(consensus::Validator{v.address, core::compress_public_key(v.public_key), v.power, 0});
    }
    auto set = consensus::ValidatorSet::make(std::move(validators));
    if (!set) return std::unexpected(set.error());
    set->advance(1);
    return set;
}

std::vector<consensus::Candidate> validator_candidates(const std::vector<evm::StakeRecord>& stakes) {
    std::vector<consensus::Candidate> out;
    for (const evm::StakeRecord& r : stakes) {
        auto key = core::decompress_public_key(r.pubkey);
        if (!key || core::address_of(*key) != r.validator) continue;
        out.push_back(consensus::Candidate{r.validator, r.pubkey, r.stake, r.jailed});
    }
    return out;
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

void ExpertActivity::add(const ExpertActivity& other) {
    verdicts += other.verdicts;
    answers += other.answers;
    agreeing += other.agreeing;
    failed_over += other.failed_over;
    for (const auto& [a, n] : other.missed) missed[a] += n;
    latency_count += other.latency_count;
    latency_ms_sum += other.latency_ms_sum;
    latency_ms_max = std::max(latency_ms_max, other.latency_ms_max);
}

std::expected<ExecutedBlock, BlockError> Node::build_block(const core::Address& proposer, consensus::ConsensusData data,
                                                            std::uint64_t timestamp, const RoutingInput* routing) {
    std::lock_guard produce(produce_mutex_);
    core::BlockHeader parent = head_header();
    std::vector<PooledTransaction> candidates;
    core::Block block;
    {
        std::lock_guard lock(mutex_);
        const core::uint256 base_fee = core::next_base_fee(parent, chain_.fee_rules);
        candidates = mempool_.select([this](const core::Address& a) { return head_account(a); }, base_fee,
                                     chain_.block_gas_limit, 10'000);
        block.header.base_fee_per_gas = base_fee;
    }
    core::BlockHeader& h = block.header;
    h.parent_hash = parent.hash();
    h.number = parent.number + 1;
    h.beneficiary = proposer;
    h.timestamp = std::max(timestamp, parent.timestamp + 1);
    h.gas_limit = chain_.block_gas_limit;
    h.mix_hash = core::keccak256(parent.hash());  // prev_randao: deterministic (decision 003)
    h.extra_data = data.hash().to_bytes();
    h.withdrawals_root = core::kEmptyTrieRoot;
    h.blob_gas_used = 0;
    h.excess_blob_gas = 0;
    h.parent_beacon_block_root = core::Hash{};
    return run_block(std::move(block), std::move(data), &candidates, routing);
}

std::expected<ExecutedBlock, BlockError> Node::execute_block(const core::Block& block, consensus::ConsensusData data,
                                                              std::uint64_t now) {
    std::lock_guard produce(produce_mutex_);
    auto invalid = [this](std::string m) { return block_error(BlockError::Kind::kInvalid, std::move(m)); };
    const core::BlockHeader parent = head_header();
    const core::BlockHeader& h = block.header;
    if (h.number != parent.number + 1) {
        return invalid("block " + std::to_string(h.number) + " does not follow the head " + std::to_string(parent.number));
    }
    if (h.parent_hash != parent.hash()) return invalid("parent hash is not the head's");
    if (h.timestamp <= parent.timestamp) return invalid("timestamp not after the parent's");
    if (now != 0 && h.timestamp > now + kMaxClockDriftSeconds) return invalid("timestamp too far in the future");
    if (h.gas_limit != chain_.block_gas_limit) return invalid("gas limit differs from the chain's");
    if (h.base_fee_per_gas != core::next_base_fee(parent, chain_.fee_rules)) return invalid("wrong base fee");
    if (h.mix_hash != core::keccak256(parent.hash())) return invalid("wrong prev_randao");
    if (h.extra_data != data.hash().to_bytes()) return invalid("extra data is not the consensus data's hash");
    if (h.ommers_hash != core::kEmptyListHash || h.difficulty != 0 || h.nonce != std::array<std::uint8_t, 8>{}) {
        return invalid("proof-of-work fields set");
    }
    if (h.withdrawals_root != core::kEmptyTrieRoot || h.blob_gas_used != 0 || h.excess_blob_gas != 0 ||
        h.parent_beacon_block_root != core::Hash{}) {
        return invalid("withdrawal, blob or beacon fields set");
    }
    return run_block(block, std::move(data), nullptr, nullptr);
}

std::expected<void, std::string> Node::check_consensus_data(const core::BlockHeader& header,
                                                            const consensus::ConsensusData& data) const {
    if (header.number == 1) {
        if (data.last_commit) return std::unexpected("block 1 carries a certificate");
    } else {
        if (!data.last_commit) return std::unexpected("the parent's certificate is missing");
        const consensus::CommitCertificate& c = *data.last_commit;
        if (c.height != header.number - 1 || c.block_hash != header.parent_hash) {
            return std::unexpected("the certificate is not the parent's");
        }
        auto set = validator_set(header.number - 1);
        if (!set) return std::unexpected(set.error());
        if (auto v = c.verify(*set, chain_.chain_id); !v) return std::unexpected("parent certificate: " + v.error());
    }
    if (data.evidence.size() > kMaxEvidencePerBlock) return std::unexpected("too much evidence");
    std::vector<core::Hash> seen;
    for (const consensus::DuplicateVoteEvidence& e : data.evidence) {
        const core::Hash id = e.hash();
        if (std::find(seen.begin(), seen.end(), id) != seen.end()) return std::unexpected("evidence repeated");
        seen.push_back(id);
        const std::uint64_t at = e.first.height;
        if (at == 0 || at > header.number || header.number - at > kMaxEvidenceAge) return std::unexpected("evidence too old");
        if (evidence_block(id)) return std::unexpected("evidence already included");
        auto set = validator_set(at);
        if (!set) return std::unexpected(set.error());
        if (auto v = e.verify(*set, chain_.chain_id); !v) return std::unexpected("evidence: " + v.error());
    }
    // Dev changes and impersonated senders (decision 008) belong to a single-validator devnet only.
    if (!data.dev.empty() && !chain_.is_dev_chain()) {
        return std::unexpected("dev changes in a block of a chain that is not a single-validator devnet");
    }
    // Wrong verdicts (decision 004): each is checked as its maker did, the model's score
    // recomputed here on the committed transaction, so a proposer cannot slash an honest signer.
    if (data.wrong_verdicts.size() > kMaxEvidencePerBlock) return std::unexpected("too many wrong verdicts");
    for (const consensus::WrongVerdictEvidence& e : data.wrong_verdicts) {
        const core::Hash id = e.hash();
        if (std::find(seen.begin(), seen.end(), id) != seen.end()) return std::unexpected("evidence repeated");
        seen.push_back(id);
        if (evidence_block(id)) return std::unexpected("evidence already included");
        if (auto v = check_wrong_verdict(e, false); !v) return std::unexpected("wrong-verdict evidence: " + v.error());
    }
    return {};
}

std::expected<void, std::string> Node::apply_protocol_operations(evm::State& state, const core::BlockHeader& h,
                                                                const consensus::ConsensusData& data, bool quiet) const {
    // A devnet's changes outside transactions (decision 008) come first, in their order, each
    // a step of its own (an account they empty is removed as EIP-161 would).
    using Kind = consensus::AccountChange::Kind;
    for (const consensus::AccountChange& c : data.dev.changes) {
        state.begin_transaction();
        switch (c.kind) {
            case Kind::kBalance: state.set_balance(c.address, c.value); break;
            case Kind::kNonce: state.set_nonce(c.address, static_cast<std::uint64_t>(c.value)); break;
            case Kind::kCode: state.set_code(c.address, c.code); break;
            case Kind::kStorage: state.set_storage(c.address, core::uint256_from_big_endian(c.slot.view()), c.value); break;
        }
        state.finalize_transaction();
    }
    state.begin_transaction();
    for (const consensus::DuplicateVoteEvidence& e : data.evidence) {
        const core::uint256 burned = evm::slash_and_jail(state, e.first.validator, chain_.slash_fraction_bps,
                                                         h.number + chain_.jail_blocks);
        if (quiet) continue;
        log::warn("consensus", "block ", h.number, " slashes ", e.first.validator.hex(), " by ", burned.str(),
                  " wei for double signing at height ", e.first.height);
    }
    for (const consensus::WrongVerdictEvidence& e : data.wrong_verdicts) {
        // Slashes and jails exactly like a double sign (DESIGN.md, Tasks, 3).
        const consensus::Vote& v = e.precommit_with_extension;
        const core::uint256 burned = evm::slash_and_jail(state, v.validator, chain_.slash_fraction_bps,
                                                         h.number + chain_.jail_blocks);
        if (quiet) continue;
        log::warn("consensus", "block ", h.number, " slashes ", v.validator.hex(), " by ", burned.str(),
                  " wei for a wrong verdict at height ", v.height, " (expert ", e.claimed.expert, " on ",
                  e.claimed.txn_hash.hex(), ": signed ", e.claimed.score, ", the model gives ", e.recomputed_score, ")");
    }
    if (data.last_commit) {
        // The parent's certificate counts who signed (downtime).
        auto signers_set = validator_set(h.number - 1);
        if (!signers_set) return std::unexpected(signers_set.error());
        std::vector<core::Address> members;
        for (const consensus::Validator& v : signers_set->validators()) members.push_back(v.address);
        evm::record_commit(state, h.number, members, data.last_commit->signers(), chain::downtime_rules(chain_));
    }
    state.finalize_transaction();
    return {};
}

/// One block's transition on the head's state: the steps of Node::run_block, in order. The
/// proposer builds (transactions from the pool, the header's roots filled in); every other
/// validator, and block sync, executes (the body given, the header's roots checked). Each step
/// answers kInvalid for a broken rule and kFault for what this node could not read.
class Node::BlockRun {
  public:
    BlockRun(Node& node, core::Block block, consensus::ConsensusData data, const std::vector<PooledTransaction>* candidates,
             const RoutingInput* routing)
        : node_(node),
          chain_(node.chain_),
          building_(candidates != nullptr),
          candidates_(candidates),
          routing_(routing),
          block_(std::move(block)),
          data_(std::move(data)),
          parent_(node.head_header()),
          current_([&node] {
              std::lock_guard lock(node.mutex_);
              return *node.next_validators_;
          }()),
          store_(*node.db_),
          codes_(*node.db_),
          state_(&store_, &codes_, parent_.state_root),
          routed_store_(*node.db_),
          env_(node.block_env(block_.header)),
          ctx_{env_, node.jumpdests_, &node.staking_},
          next_(current_) {}

    std::expected<void, BlockError> check_and_apply_protocol_operations();
    std::expected<void, BlockError> prepare_routing();
    std::expected<void, BlockError> include_from_pool();
    std::expected<void, BlockError> run_body();
    std::expected<void, BlockError> settle_routing();
    std::expected<void, BlockError> choose_next_validators();
    /// The statistics the block's transactions moved, written to the state (decision 005).
    void finish_statistics();
    std::expected<ExecutedBlock, BlockError> seal();

  private:
    std::unexpected<BlockError> invalid(std::string m) const { return node_.block_error(BlockError::Kind::kInvalid, std::move(m)); }
    std::unexpected<BlockError> fault(std::string m) const { return node_.block_error(BlockError::Kind::kFault, std::move(m)); }
    /// Runs one transaction; false: it was left out (building only).
    std::expected<bool, BlockError> run_transaction(const core::Transaction& t, const core::Address& sender,
                                                    const core::Hash& hash, std::size_t index, bool impersonated);
    /// Its ranking by the fraud gate on the row its committees answered for; building, also
    /// the fewest skipped ranks whose planned experts all answered (none: false, it waits).
    std::expected<bool, BlockError> route(consensus::RoutingRequest& request, const core::Transaction& t,
                                          const core::Address& sender, const core::Hash& hash);
    /// Whether `candidate`, appended to the block so far, gets a verdict of each expert it is
    /// planned to (a transaction's experts depend only on those before it).
    bool answered(const consensus::RoutingRequest& candidate, const core::Hash& hash) const;
    /// What each committee did (moe_getExperts), and the members whose silence made a
    /// transaction fail over.
    void count_expert_activity();

    Node& node_;
    const chain::ChainConfig& chain_;
    const bool building_;
    const std::vector<PooledTransaction>* candidates_;
    const RoutingInput* routing_;
    core::Block block_;
    consensus::ConsensusData data_;
    const core::BlockHeader parent_;
    const consensus::ValidatorSet current_;  // the set of this height

    DbNodeStore store_;
    DbCodeStore codes_;
    evm::State state_;

    // Expert routing (decision 004): the committees of the parent's height, the state and
    // statistics the transactions are ranked on, and what the block's transactions asked for.
    std::optional<consensus::ExpertCommittees> committees_;
    consensus::RoutingRule rule_;
    DbNodeStore routed_store_;
    std::optional<evm::State> routed_state_;
    std::optional<chain::BlockScreening> routed_rows_;
    std::optional<core::Bytes> gate_;
    std::set<core::Hash> with_verdicts_;            // transactions some committee answered
    std::optional<consensus::RoutingPlan> plan_;    // building: the plan of the block so far
    std::vector<core::Hash> routed_txns_;           // block order
    std::vector<consensus::RoutingRequest> requests_;  // their rankings and failovers
    std::set<core::Address> waiting_;               // senders with a transaction left to wait
    std::vector<core::Address> silent_;             // a member per duty a failover skipped

    const evm::BlockEnv env_;
    const evm::ExecutionContext ctx_;
    std::optional<chain::BlockScreening> screening_;
    std::vector<std::pair<core::Hash, chain::TransactionVerdict>> verdicts_;
    std::vector<std::pair<core::Hash, core::Bytes>> stats_blobs_;  // by hash, stored beside the code
    std::uint64_t gas_ = 0;
    ExecutedBlock out_;

    consensus::ValidatorSet next_;  // the set of the next height
    std::optional<consensus::ExpertCommittees> next_committees_;
};

std::expected<void, BlockError> Node::BlockRun::check_and_apply_protocol_operations() {
    const core::BlockHeader& h = block_.header;
    if (!current_.index_of(h.beneficiary)) return invalid("the proposer is not a validator of this height");
    if (auto ok = node_.check_consensus_data(h, data_); !ok) return invalid(ok.error());
    // Protocol operations come before the transactions. Decision 003.
    if (auto ok = node_.apply_protocol_operations(state_, h, data_, false); !ok) return invalid(ok.error());
    // Screening and classification (decision 005): each transaction against its parties'
    // statistics before it; a rejected one never enters a block, a flagged one is included
    // and its verdict record says so (moe_getTransactionVerdict); receipts stay Ethereum's.
    if (node_.models_->screens() || node_.models_->classifies()) screening_.emplace(*node_.models_, codes_, h.timestamp);
    // Code a devnet change set is classified as a created contract's would be (decision 008).
    for (const consensus::AccountChange& c : data_.dev.changes) {
        if (c.kind != consensus::AccountChange::Kind::kCode || !screening_) continue;
        if (auto r = screening_->record_code_change(state_, c.address); !r) return fault(r.error());
    }
    return {};
}

std::expected<void, BlockError> Node::BlockRun::prepare_routing() {
    // At block H, the committees of H - 1 (whose precommits carry the verdicts) and each
    // transaction's ranking by the fraud gate on its row before it. Off without a routing
    // config, at block 1 and while no expert is served.
    if (chain_.routing && node_.models_->screens() && data_.last_commit) {
        auto c = node_.committees(block_.header.number - 1);
        if (!c) return fault(c.error());
        if (!c->served_experts().empty()) committees_ = std::move(*c);
    }
    if (!committees_ && !data_.routed.empty()) return invalid("routed verdicts in a block without routing");
    rule_ = consensus::RoutingRule{chain_.routing ? chain_.routing->top_k : 0, chain_.routing ? chain_.routing->capacity_percent : 0,
                                   committees_ ? static_cast<std::uint32_t>(committees_->served_experts().size()) : 0};
    plan_.emplace(rule_);
    if (routing_) {
        for (const auto& [key, v] : routing_->verdicts) with_verdicts_.insert(key.first);
    }
    // A transaction is ranked on the row its committees answered for: their precommits on the
    // parent were made with the grandparent's state as head and the parent's time + 1
    // (Node::expert_verdicts, recompute_verdict). Ranking it on its row inside this block
    // instead (after the parent's and this block's earlier transactions moved its parties'
    // statistics) sent a busy sender's transactions to experts nobody had answered for, and
    // they waited for failovers: 2.8 committed transfers/s at 4 validators under 30/s offered.
    std::optional<core::BlockHeader> routed_on;
    if (committees_) {
        routed_on = node_.header_by_number(parent_.number - 1);
        if (!routed_on) return fault("no header at " + std::to_string(parent_.number - 1));
    }
    routed_state_.emplace(&routed_store_, nullptr, routed_on ? routed_on->state_root : parent_.state_root);
    if (committees_) routed_rows_.emplace(*node_.models_, codes_, parent_.timestamp + 1);
    // The gate as that state holds it (governance may replace it; decision 004), as the
    // precommits read it on their head.
    if (committees_) gate_ = evm::read_routing_gate(*routed_state_);
    return {};
}

bool Node::BlockRun::answered(const consensus::RoutingRequest& candidate, const core::Hash& hash) const {
    const std::vector<std::uint32_t> experts = plan_->preview(candidate);
    if (experts.empty()) return false;
    return std::all_of(experts.begin(), experts.end(), [&](std::uint32_t e) { return routing_->verdicts.contains({hash, e}); });
}

std::expected<bool, BlockError> Node::BlockRun::route(consensus::RoutingRequest& request, const core::Transaction& t,
                                                      const core::Address& sender, const core::Hash& hash) {
    auto row = routed_rows_->features(*routed_state_, t, sender);
    if (!row) return fault(row.error());
    if (auto e = routed_state_->error()) return fault(std::string(evm::to_string(*e)));
    auto logits = node_.models_->gate_logits(*row, gate_);
    if (!logits) return fault(logits.error());
    request.ranking = consensus::rank_experts(*logits, *committees_);
    if (!building_ || request.ranking.empty()) return true;
    // The fewest skipped ranks whose planned experts all have verdicts; none: the transaction
    // waits in the pool for its committees to answer.
    if (with_verdicts_.contains(hash)) {
        for (std::uint32_t f = 0; f < request.ranking.size(); ++f) {
            request.failover = f;
            if (answered(request, hash)) return true;
        }
    }
    log::debug("producer", "leaving out ", hash.hex(), ": no verdict of its experts yet");
    waiting_.insert(sender);
    return false;
}

std::expected<bool, BlockError> Node::BlockRun::run_transaction(const core::Transaction& t, const core::Address& sender,
                                                                const core::Hash& hash, std::size_t index, bool impersonated) {
    const std::string which = "transaction " + std::to_string(index) + " (" + hash.hex() + ")";
    std::optional<chain::TransactionVerdict> verdict;
    if (screening_ && node_.models_->screens()) {
        auto v = screening_->screen(state_, t, sender);
        if (!v) return fault(v.error());
        if (v->decision == chain::Decision::kReject) {
            if (!building_) return invalid(which + " is rejected by fraud screening (score " + std::to_string(v->score) + ")");
            log::warn("producer", "leaving out ", hash.hex(), ": fraud screening score ", v->score);
            return false;
        }
        verdict = std::move(*v);
    }
    std::optional<consensus::RoutingRequest> request;
    if (committees_) {
        request.emplace();
        auto routed = route(*request, t, sender, hash);
        if (!routed || !*routed) return routed;
    }
    evm::ExecutionContext txn_ctx = ctx_;
    txn_ctx.sender_may_have_code = impersonated;  // decision 008
    auto outcome = evm::apply_transaction(state_, txn_ctx, t, sender, gas_);
    if (!outcome && (building_ && outcome.error().invalid)) {
        log::warn("producer", "dropping ", hash.hex(), ": ", outcome.error().message);
        return false;
    }
    if (!outcome) {
        if (outcome.error().invalid) return invalid(which + ": " + outcome.error().message);
        return fault(which + ": " + outcome.error().message);
    }
    core::Receipt receipt = std::move(outcome->receipt);
    if (screening_) {
        const std::optional<core::Address> created =
            t.is_create() ? std::optional<core::Address>(evm::create_address(sender, t.nonce)) : std::nullopt;
        if (auto r = screening_->record(state_, t, sender, receipt.success, created, outcome->created_contracts); !r) {
            return fault(r.error());
        }
    }
    if (verdict) verdicts_.emplace_back(hash, std::move(*verdict));
    if (request) {
        if (building_) plan_->add(*request);
        routed_txns_.push_back(hash);
        requests_.push_back(std::move(*request));
    }
    gas_ = receipt.cumulative_gas_used;
    out_.receipts.push_back(std::move(receipt));
    return true;
}

std::expected<void, BlockError> Node::BlockRun::include_from_pool() {
    for (const PooledTransaction& p : *candidates_) {
        // A sender's later nonces wait with its earlier one (they would fail, and be dropped).
        if (waiting_.contains(p.sender)) continue;
        auto included = run_transaction(p.txn, p.sender, p.hash, block_.body.transactions.size(), p.impersonated);
        if (!included) return std::unexpected(included.error());
        if (!*included) {
            if (!waiting_.contains(p.sender)) out_.dropped.push_back(p.hash);
            continue;
        }
        block_.body.transactions.push_back(p.txn);
        if (p.impersonated) data_.dev.impersonated.emplace_back(p.hash, p.sender);
    }
    if (!data_.dev.impersonated.empty()) {
        // The block names the senders no signature names (decision 008).
        std::sort(data_.dev.impersonated.begin(), data_.dev.impersonated.end());
        block_.header.extra_data = data_.hash().to_bytes();
    }
    return {};
}

std::expected<void, BlockError> Node::BlockRun::run_body() {
    const auto& named = data_.dev.impersonated;  // strictly increasing by hash
    const std::vector<core::Transaction>& txns = block_.body.transactions;
    std::vector<core::Hash> hashes;
    for (const core::Transaction& t : txns) hashes.push_back(t.hash());
    // A transaction this node pooled had its signature checked and its sender recovered at
    // admission, from the same bytes (the hash covers the signature): recovering it again was
    // half of a loaded localnet's recoveries (scripts/profile.sh).
    std::vector<std::optional<core::Address>> pooled(txns.size());
    {
        std::lock_guard lock(node_.mutex_);
        for (std::size_t i = 0; i < txns.size(); ++i) pooled[i] = node_.mempool_.signed_sender(hashes[i]);
    }
    std::size_t found = 0;
    for (std::size_t i = 0; i < txns.size(); ++i) {
        const core::Transaction& t = txns[i];
        const core::Hash& hash = hashes[i];
        const auto it = std::lower_bound(named.begin(), named.end(), hash,
                                         [](const auto& entry, const core::Hash& x) { return entry.first < x; });
        std::expected<core::Address, core::TxError> sender = std::unexpected(core::TxError::kInvalidSignature);
        const bool impersonated = it != named.end() && it->first == hash;
        if (impersonated) {
            const core::Signature expected = impersonation_signature(it->second);
            if (t.signature.r != expected.r || t.signature.s != expected.s || t.signature.y_parity != expected.y_parity) {
                return invalid("transaction " + std::to_string(i) + ": an impersonated transaction without the impersonation signature");
            }
            if (auto ok = core::validate_unsigned(t, chain_.chain_id); !ok) {
                return invalid("transaction " + std::to_string(i) + ": " + std::string(core::to_string(ok.error())));
            }
            sender = it->second;
            ++found;
        } else if (pooled[i]) {
            sender = *pooled[i];
        } else {
            sender = core::validate_static(t, chain_.chain_id);  // recovers the sender once
        }
        if (!sender) return invalid("transaction " + std::to_string(i) + ": " + std::string(core::to_string(sender.error())));
        auto included = run_transaction(t, *sender, hash, i, impersonated);
        if (!included) return std::unexpected(included.error());
    }
    if (found != named.size()) return invalid("an impersonated sender names a transaction that is not in the block");
    return {};
}

std::expected<void, BlockError> Node::BlockRun::settle_routing() {
    if (!committees_) return {};
    if (building_) {
        // The block carries the verdicts of exactly the planned experts, and the failovers.
        consensus::RoutedVerdicts routed;
        for (std::size_t i = 0; i < requests_.size(); ++i) {
            for (std::uint32_t e : plan_->experts[i]) routed.verdicts.push_back(routing_->verdicts.at({routed_txns_[i], e}));
            if (requests_[i].failover > 0) routed.failovers.push_back({routed_txns_[i], requests_[i].failover});
        }
        auto by_pair = [](const auto& a, const auto& b) { return std::tie(a.txn_hash, a.expert) < std::tie(b.txn_hash, b.expert); };
        std::sort(routed.verdicts.begin(), routed.verdicts.end(), by_pair);
        std::sort(routed.failovers.begin(), routed.failovers.end(), [](const auto& a, const auto& b) { return a.txn_hash < b.txn_hash; });
        data_.routed = std::move(routed);
        block_.header.extra_data = data_.hash().to_bytes();
    } else {
        for (std::size_t i = 0; i < requests_.size(); ++i) requests_[i].failover = data_.routed.failover_of(routed_txns_[i]);
    }
    std::vector<std::vector<std::uint32_t>> rankings;
    for (const consensus::RoutingRequest& r : requests_) rankings.push_back(r.ranking);
    if (auto v = consensus::verify_routing(routed_txns_, rankings, rule_, data_.routed); !v) return invalid("routing: " + v.error());
    if (auto v = consensus::verify_aggregations(data_.routed, *data_.last_commit, *committees_, chain_.routing->quorum_bps); !v) {
        return invalid("routed verdicts: " + v.error());
    }
    count_expert_activity();
    if (!silent_.empty()) {
        // The silence that made a transaction fail over counts against the silent members'
        // uptime, in the staking contract's downtime window (decision 004): derived from the
        // block's failovers, rankings and certificate alone, so every validator counts alike.
        state_.begin_transaction();
        evm::record_missed_duties(state_, silent_);
        state_.finalize_transaction();
    }
    return {};
}

void Node::BlockRun::count_expert_activity() {
    const auto answers = data_.routed.empty() ? decltype(consensus::collect_answers(*data_.last_commit)){}
                                              : consensus::collect_answers(*data_.last_commit);
    for (const consensus::AggregatedVerdict& v : data_.routed.verdicts) {
        ExpertActivity& a = out_.activity[v.expert];
        a.verdicts += 1;
        a.answers += v.answered.size();
        for (const consensus::CommitteeMember& m : committees_->committee(v.expert)) {
            if (!std::binary_search(v.answered.begin(), v.answered.end(), m.validator)) a.missed[m.validator] += 1;
        }
        if (const auto it = answers.find({v.txn_hash, v.expert}); it != answers.end()) {
            for (const auto& [who, answer] : it->second) {
                const bool counted = std::binary_search(v.answered.begin(), v.answered.end(), who);
                if (counted && answer.score == v.score) a.agreeing += 1;
            }
        }
    }
    if (data_.routed.failovers.empty()) return;
    for (std::size_t i = 0; i < requests_.size(); ++i) {
        for (std::uint32_t r = 0; r < requests_[i].failover && r < requests_[i].ranking.size(); ++r) {
            const std::uint32_t e = requests_[i].ranking[r];
            ExpertActivity& a = out_.activity[e];
            a.failed_over += 1;
            const auto it = answers.find({routed_txns_[i], e});
            for (const consensus::CommitteeMember& m : committees_->committee(e)) {
                const bool spoke = it != answers.end() &&
                                   std::any_of(it->second.begin(), it->second.end(), [&](const auto& x) { return x.first == m.validator; });
                if (!spoke) {
                    a.missed[m.validator] += 1;
                    silent_.push_back(m.validator);
                }
            }
        }
    }
}

std::expected<void, BlockError> Node::BlockRun::choose_next_validators() {
    // The set of the next height: at an epoch's last block, from the staking contract.
    const std::uint64_t number = block_.header.number;
    if (number % chain_.epoch_length == 0) {
        const std::vector<evm::StakeRecord> stakes = evm::read_stakes(state_);
        auto fresh = consensus::next_validator_set(&current_, validator_candidates(stakes), set_rules(chain_));
        if (fresh) {
            next_ = std::move(*fresh);  // priorities of those who stay carry over
        } else {
            log::warn("consensus", "epoch at block ", number, " keeps the old validator set: ", fresh.error());
        }
        if (chain_.routing) {
            // The committees of the next epoch, from the experts its validators registered.
            std::vector<consensus::ExpertHost> hosts;
            for (const evm::StakeRecord& r : stakes) {
                if (!r.experts.empty()) hosts.push_back({r.validator, 0, r.experts});
            }
            next_committees_ = consensus::ExpertCommittees::build(next_, hosts, chain_.routing->min_committee_size);
        }
    }
    if (chain_.routing && !next_committees_) {
        auto same = node_.committees(number);
        if (!same) return fault(same.error());
        next_committees_ = std::move(*same);
    }
    next_.advance(1);
    return {};
}

void Node::BlockRun::finish_statistics() {
    if (screening_) stats_blobs_ = screening_->finish(state_);
}

std::expected<ExecutedBlock, BlockError> Node::BlockRun::seal() {
    core::BlockHeader& h = block_.header;
    auto root = state_.commit(store_);
    if (!root) return fault("state commit failed: " + std::string(evm::to_string(root.error())));
    core::Bloom bloom{};
    for (const core::Receipt& r : out_.receipts) {
        for (std::size_t i = 0; i < bloom.size(); ++i) bloom[i] |= r.bloom[i];
    }
    const core::Hash tx_root = core::transactions_root(block_.body.transactions);
    const core::Hash receipts_root = core::receipts_root(out_.receipts);
    if (building_) {
        h.state_root = *root;
        h.transactions_root = tx_root;
        h.receipts_root = receipts_root;
        h.logs_bloom = bloom;
        h.gas_used = gas_;
    } else {
        if (h.transactions_root != tx_root) return invalid("transactions root mismatch");
        if (h.gas_used != gas_) return invalid("gas used mismatch");
        if (h.receipts_root != receipts_root) return invalid("receipts root mismatch");
        if (h.logs_bloom != bloom) return invalid("logs bloom mismatch");
        if (h.state_root != *root) return invalid("state root mismatch");
    }

    std::vector<std::pair<core::Hash, core::Bytes>> new_code;
    for (const auto& [hash, code] : state_.new_code()) new_code.emplace_back(hash, *code);
    // Account statistics are stored by hash beside the code: the registry's storage holds the hash.
    for (auto& blob : stats_blobs_) new_code.push_back(std::move(blob));
    BlockWrite& w = out_.write;
    w = block_write(block_, out_.receipts, store_.take_pending(), std::move(new_code));
    for (const auto& [hash, v] : verdicts_) w.extra.push_back({Column::kVerdicts, {hash.to_bytes(), v.encode()}});
    w.extra.push_back({Column::kConsensusData, {h.hash().to_bytes(), data_.encode()}});
    w.extra.push_back({Column::kValidatorSets, {be64(h.number + 1), next_.encode()}});
    if (next_committees_) w.extra.push_back({Column::kValidatorSets, {committees_key(h.number + 1), next_committees_->encode()}});
    for (std::size_t i = 0; i < requests_.size(); ++i) {
        w.extra.push_back({Column::kVerdicts, {routing_key(routed_txns_[i]), encode_routing(requests_[i].ranking, requests_[i].failover)}});
    }
    for (const consensus::DuplicateVoteEvidence& e : data_.evidence) w.extra.push_back({Column::kEvidence, {e.hash().to_bytes(), be64(h.number)}});
    for (const consensus::WrongVerdictEvidence& e : data_.wrong_verdicts) {
        w.extra.push_back({Column::kEvidence, {e.hash().to_bytes(), be64(h.number)}});
    }
    // A read that failed was answered as absent: nothing computed since can be trusted.
    if (auto f = node_.db_->fault()) return fault("block " + std::to_string(h.number) + " was executed on a failed read: " + *f);
    out_.block = std::move(block_);
    out_.consensus_data = std::move(data_);
    out_.next_validators = std::move(next_);
    return std::move(out_);
}

std::expected<ExecutedBlock, BlockError> Node::run_block(core::Block block, consensus::ConsensusData data,
                                                          const std::vector<PooledTransaction>* candidates,
                                                          const RoutingInput* routing) {
    BlockRun run(*this, std::move(block), std::move(data), candidates, routing);
    if (auto ok = run.check_and_apply_protocol_operations(); !ok) return std::unexpected(ok.error());
    if (auto ok = run.prepare_routing(); !ok) return std::unexpected(ok.error());
    if (auto ok = candidates ? run.include_from_pool() : run.run_body(); !ok) return std::unexpected(ok.error());
    run.finish_statistics();
    if (auto ok = run.settle_routing(); !ok) return std::unexpected(ok.error());
    if (auto ok = run.choose_next_validators(); !ok) return std::unexpected(ok.error());
    return run.seal();
}

std::unexpected<BlockError> Node::block_error(BlockError::Kind kind, std::string message) const {
    if (auto f = db_->fault(); f && kind != BlockError::Kind::kFault) {
        return std::unexpected(BlockError{BlockError::Kind::kFault, message + " (after a failed read: " + *f + ")"});
    }
    return std::unexpected(BlockError{kind, std::move(message)});
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

    // Hashed before taking the lock that RPC reads wait on.
    std::vector<core::Hash> included;
    included.reserve(executed.block.body.transactions.size());
    for (const core::Transaction& t : executed.block.body.transactions) included.push_back(t.hash());
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
            if (auto p = mempool_.get(v.txn_hash); p && p->arrival_ms != 0 && now >= p->arrival_ms) {
                ExpertActivity& a = activity_[v.expert];
                a.latency_count += 1;
                a.latency_ms_sum += now - p->arrival_ms;
                a.latency_ms_max = std::max(a.latency_ms_max, now - p->arrival_ms);
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
                                           : admit_raw_transaction(p.txn.encode()).has_value();
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
    auto record = decode_routing(*raw);
    if (!record) return std::nullopt;
    TransactionRouting out;
    out.block_number = loc->block_number;
    out.ranking = std::move(record->first);
    out.failover = record->second;
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

std::map<std::uint32_t, ExpertActivity> Node::expert_activity() const {
    std::lock_guard lock(mutex_);
    return activity_;
}

core::BlockHeader Node::head_header() const {
    std::lock_guard lock(mutex_);
    return head_header_;
}

}  // namespace moe::node
