// The block transition of a BFT chain (decision 003): build (the proposer) and apply (every
// validator before it prevotes, and block sync), the same steps for both.
#include "chain/block_transition.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "consensus/staking_rules.hpp"
#include "core/keccak.hpp"
#include "core/rlp.hpp"
#include "evm/transition.hpp"

namespace moe::chain {

namespace {

/// The most a proposal's timestamp may run ahead of the validator's clock.
constexpr std::uint64_t kMaxClockDriftSeconds = 15;

/// The trie nodes a block writes, over the committed ones: reads see the new nodes first, and
/// take_pending() hands them to the node to commit with the block.
class PendingNodeStore final : public core::NodeStore {
  public:
    explicit PendingNodeStore(const core::NodeStore& committed) : committed_(committed) {}
    [[nodiscard]] std::optional<core::Bytes> get_node(const core::Hash& hash) const override {
        if (auto it = pending_.find(hash); it != pending_.end()) return it->second;
        return committed_.get_node(hash);
    }
    void put_node(const core::Hash& hash, core::ByteView rlp) override { pending_[hash] = core::Bytes(rlp.begin(), rlp.end()); }
    /// The block's own nodes were hashed as the trie wrote them; the committed ones are checked
    /// as the committed store checks them.
    [[nodiscard]] bool checks_hashes() const noexcept override { return committed_.checks_hashes(); }
    [[nodiscard]] std::vector<std::pair<core::Hash, core::Bytes>> take_pending() {
        std::vector<std::pair<core::Hash, core::Bytes>> out(std::make_move_iterator(pending_.begin()),
                                                            std::make_move_iterator(pending_.end()));
        pending_.clear();
        return out;
    }

  private:
    const core::NodeStore& committed_;
    std::map<core::Hash, core::Bytes> pending_;
};

/// A block error of `kind`, or a fault whatever `kind` says once the reader has seen a failed
/// read (what looked like a broken rule may be a value read as absent).
std::unexpected<BlockError> block_error(const ChainReader& reader, BlockError::Kind kind, std::string message) {
    if (auto f = reader.fault(); f && kind != BlockError::Kind::kFault) {
        return std::unexpected(BlockError{BlockError::Kind::kFault, message + " (after a failed read: " + *f + ")"});
    }
    return std::unexpected(BlockError{kind, std::move(message)});
}

consensus::ValidatorSetRules set_rules(const ChainConfig& chain) {
    return consensus::ValidatorSetRules{chain.min_stake_wei, static_cast<std::uint32_t>(chain.max_validators)};
}

/// The validator candidates of the staking contract's records: a record counts only when its
/// key is the staking account's own (votes are checked by recovering the signer's address).
std::vector<consensus::Candidate> validator_candidates(const std::vector<evm::StakeRecord>& stakes) {
    std::vector<consensus::Candidate> out;
    for (const evm::StakeRecord& r : stakes) {
        auto key = core::decompress_public_key(r.pubkey);
        if (!key || core::address_of(*key) != r.validator) continue;
        out.push_back(consensus::Candidate{r.validator, r.pubkey, r.stake, r.jailed});
    }
    return out;
}

/// The earliest timestamp a block on `parent` may carry. Timestamps are whole seconds, as
/// Ethereum's; a chain of sub-second blocks (its genesis's block_interval_ms under 1000) may put
/// several blocks in one second, as BSC and Arbitrum do, since timestamps that had to increase
/// ran ahead of the clock until the drift bound refused every proposal (decision 003).
std::uint64_t earliest_timestamp(const ChainConfig& chain, const core::BlockHeader& parent) {
    return parent.timestamp + (chain.blocks_may_share_a_second() ? 0 : 1);
}

/// What a header must hold whoever built it: it follows the parent, and its fixed fields are
/// this chain's.
std::expected<void, std::string> check_header(const ChainConfig& chain, const core::BlockHeader& parent, const core::BlockHeader& h,
                                              const consensus::ConsensusData& data, std::uint64_t now) {
    auto invalid = [](std::string m) { return std::unexpected(std::move(m)); };
    if (h.number != parent.number + 1) {
        return invalid("block " + std::to_string(h.number) + " does not follow the head " + std::to_string(parent.number));
    }
    if (h.parent_hash != parent.hash()) return invalid("parent hash is not the head's");
    if (h.timestamp < earliest_timestamp(chain, parent)) {
        return invalid(chain.blocks_may_share_a_second() ? "timestamp before the parent's" : "timestamp not after the parent's");
    }
    if (now != 0 && h.timestamp > now + kMaxClockDriftSeconds) return invalid("timestamp too far in the future");
    if (h.gas_limit != chain.block_gas_limit) return invalid("gas limit differs from the chain's");
    if (h.base_fee_per_gas != core::next_base_fee(parent, chain.fee_rules)) return invalid("wrong base fee");
    if (h.mix_hash != core::keccak256(parent.hash())) return invalid("wrong prev_randao");
    if (h.extra_data != data.hash().to_bytes()) return invalid("extra data is not the consensus data's hash");
    if (h.ommers_hash != core::kEmptyListHash || h.difficulty != 0 || h.nonce != std::array<std::uint8_t, 8>{}) {
        return invalid("proof-of-work fields set");
    }
    if (h.withdrawals_root != core::kEmptyTrieRoot || h.blob_gas_used != 0 || h.excess_blob_gas != 0 ||
        h.parent_beacon_block_root != core::Hash{}) {
        return invalid("withdrawal, blob or beacon fields set");
    }
    return {};
}

}  // namespace

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

core::Bytes RoutingRecord::encode() const {
    core::Bytes list;
    for (std::uint32_t e : ranking) core::rlp::encode(list, std::uint64_t{e});
    core::Bytes payload = core::rlp::wrap_list(list);
    core::rlp::encode(payload, std::uint64_t{failover});
    return core::rlp::wrap_list(payload);
}

std::expected<RoutingRecord, std::string> RoutingRecord::decode(core::ByteView in) {
    auto list = core::rlp::decode_list(in);
    if (!list || !in.empty()) return std::unexpected("routing record: not one list");
    core::ByteView items = *list;
    auto ranking = core::rlp::decode_list(items);
    if (!ranking) return std::unexpected("routing record: no ranking");
    RoutingRecord out;
    core::ByteView r = *ranking;
    while (!r.empty()) {
        auto e = core::rlp::decode_u64(r);
        if (!e || *e > UINT32_MAX) return std::unexpected("routing record: bad expert");
        out.ranking.push_back(static_cast<std::uint32_t>(*e));
    }
    auto failover = core::rlp::decode_u64(items);
    if (!failover || *failover > UINT32_MAX || !items.empty()) return std::unexpected("routing record: bad failover");
    out.failover = static_cast<std::uint32_t>(*failover);
    return out;
}

evm::BlockEnv block_env(const ChainConfig& chain, const ChainReader& reader, const core::BlockHeader& header) {
    evm::BlockEnv env;
    env.number = header.number;
    env.timestamp = header.timestamp;
    env.gas_limit = header.gas_limit;
    env.coinbase = header.beneficiary;
    env.base_fee = header.base_fee_per_gas.value_or(0);
    env.prev_randao = header.mix_hash;
    env.chain_id = chain.chain_id;
    env.blob_base_fee = 1;  // no blobs on this chain: the EIP-4844 minimum
    env.block_hash = [&reader](std::uint64_t n) { return reader.block_hash(n).value_or(core::Hash{}); };
    return env;
}

core::Signature impersonation_signature(const core::Address& sender) {
    return core::Signature{core::uint256_from_big_endian(sender.view()), 1, 0};
}

std::expected<void, std::string> check_consensus_data(const TransitionContext& ctx, const core::BlockHeader& header,
                                                      const consensus::ConsensusData& data) {
    const ChainConfig& chain = ctx.chain;
    const ChainReader& reader = ctx.reader;
    if (header.number == 1) {
        if (data.last_commit) return std::unexpected("block 1 carries a certificate");
    } else {
        if (!data.last_commit) return std::unexpected("the parent's certificate is missing");
        const consensus::CommitCertificate& c = *data.last_commit;
        if (c.height != header.number - 1 || c.block_hash != header.parent_hash) {
            return std::unexpected("the certificate is not the parent's");
        }
        auto set = reader.validator_set(header.number - 1);
        if (!set) return std::unexpected(set.error());
        if (auto v = c.verify(*set, chain.chain_id); !v) return std::unexpected("parent certificate: " + v.error());
    }
    if (data.evidence.size() > kMaxEvidencePerBlock) return std::unexpected("too much evidence");
    std::vector<core::Hash> seen;
    for (const consensus::DuplicateVoteEvidence& e : data.evidence) {
        const core::Hash id = e.hash();
        if (std::find(seen.begin(), seen.end(), id) != seen.end()) return std::unexpected("evidence repeated");
        seen.push_back(id);
        const std::uint64_t at = e.first.height;
        if (at == 0 || at > header.number || header.number - at > kMaxEvidenceAge) return std::unexpected("evidence too old");
        if (reader.evidence_block(id)) return std::unexpected("evidence already included");
        auto set = reader.validator_set(at);
        if (!set) return std::unexpected(set.error());
        if (auto v = e.verify(*set, chain.chain_id); !v) return std::unexpected("evidence: " + v.error());
    }
    // Dev changes and impersonated senders (decision 008) belong to a single-validator devnet only.
    if (!data.dev.empty() && !chain.is_dev_chain()) {
        return std::unexpected("dev changes in a block of a chain that is not a single-validator devnet");
    }
    // Wrong verdicts (decision 004): each is checked as its maker did, the model's score
    // recomputed here on the committed transaction, so a proposer cannot slash an honest signer.
    if (data.wrong_verdicts.size() > kMaxEvidencePerBlock) return std::unexpected("too many wrong verdicts");
    for (const consensus::WrongVerdictEvidence& e : data.wrong_verdicts) {
        const core::Hash id = e.hash();
        if (std::find(seen.begin(), seen.end(), id) != seen.end()) return std::unexpected("evidence repeated");
        seen.push_back(id);
        if (reader.evidence_block(id)) return std::unexpected("evidence already included");
        const TransactionLookup committed = [&reader](const core::Hash& t) { return reader.committed_transaction(t); };
        if (auto v = check_wrong_verdict(ctx, header.number - 1, e, committed); !v) {
            return std::unexpected("wrong-verdict evidence: " + v.error());
        }
    }
    return {};
}

std::expected<std::uint32_t, std::string> recompute_verdict(const ChainReader& reader, ChainModels& models, std::uint64_t head,
                                                            const consensus::Vote& precommit, const consensus::Verdict& claimed,
                                                            const TransactionLookup& find) {
    auto scores = recompute_verdicts(reader, models, head, precommit, std::span(&claimed, 1), find);
    if (!scores) return std::unexpected(scores.error());
    return std::move(scores->front());
}

std::expected<std::vector<std::expected<std::uint32_t, std::string>>, std::string> recompute_verdicts(
    const ChainReader& reader, ChainModels& models, std::uint64_t head, const consensus::Vote& precommit,
    std::span<const consensus::Verdict> claimed, const TransactionLookup& find) {
    if (!models.screens()) return std::unexpected("this chain has no fraud model");
    const std::uint64_t h = precommit.height;
    if (h < 2 || h > head) return std::unexpected("the precommit's height is not committed");
    const auto block = reader.header(h);
    const auto parent = reader.header(h - 1);
    if (!block || !parent) return std::unexpected("no header at the precommit's height");
    if (block->hash() != precommit.block_hash) return std::unexpected("the precommit is not for the committed block");
    // Rows only read the state and the statistics (BlockScreening::features records nothing),
    // so each verdict's row is the one a state and screening of its own would give.
    evm::State state(&reader.trie_nodes(), nullptr, parent->state_root);
    BlockScreening screening(models, reader.code(), block->timestamp + 1);
    std::vector<std::expected<std::uint32_t, std::string>> scores;
    scores.reserve(claimed.size());
    for (const consensus::Verdict& v : claimed) {
        auto txn = find(v.txn_hash);
        if (!txn) {
            scores.push_back(std::unexpected(txn.error()));
            continue;
        }
        auto row = screening.features(state, txn->txn, txn->sender);
        if (!row) {
            scores.push_back(std::unexpected(row.error()));
            continue;
        }
        if (auto e = state.error()) return std::unexpected(std::string(evm::to_string(*e)));
        scores.push_back(models.expert_score(v.expert, *row));
    }
    return scores;
}

std::expected<void, std::string> check_wrong_verdict(const TransitionContext& ctx, std::uint64_t head,
                                                     const consensus::WrongVerdictEvidence& e, const TransactionLookup& find) {
    const std::uint64_t at = e.precommit_with_extension.height;
    const std::uint64_t next = head + 1;
    if (at == 0 || at > next || next - at > kMaxEvidenceAge) return std::unexpected("evidence too old");
    auto set = ctx.reader.validator_set(at);
    if (!set) return std::unexpected(set.error());
    if (auto v = e.verify(*set, ctx.chain.chain_id); !v) return std::unexpected(v.error());
    auto committees = ctx.reader.committees(at);
    if (!committees) return std::unexpected(committees.error());
    const auto& members = committees->committee(e.claimed.expert);
    const core::Address& signer = e.precommit_with_extension.validator;
    if (std::none_of(members.begin(), members.end(), [&](const consensus::CommitteeMember& m) { return m.validator == signer; })) {
        return std::unexpected("the signer is not in the committee of expert " + std::to_string(e.claimed.expert));
    }
    auto score = recompute_verdict(ctx.reader, ctx.models, head, e.precommit_with_extension, e.claimed, find);
    if (!score) return std::unexpected("cannot recompute the verdict: " + score.error());
    if (*score != e.recomputed_score) {
        return std::unexpected("the model gives " + std::to_string(*score) + ", not the evidence's " +
                               std::to_string(e.recomputed_score));
    }
    return {};
}

std::expected<void, std::string> apply_protocol_operations(const ChainConfig& chain, const ChainReader& reader, evm::State& state,
                                                           const core::BlockHeader& h, const consensus::ConsensusData& data,
                                                           std::vector<TransitionNote>* notes) {
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
        const core::uint256 burned = evm::slash_and_jail(state, e.first.validator, chain.slash_fraction_bps,
                                                         h.number + chain.jail_blocks);
        if (!notes) continue;
        notes->push_back({TransitionNote::Level::kWarn, "consensus",
                          "block " + std::to_string(h.number) + " slashes " + e.first.validator.hex() + " by " + burned.str() +
                              " wei for double signing at height " + std::to_string(e.first.height)});
    }
    for (const consensus::WrongVerdictEvidence& e : data.wrong_verdicts) {
        // Slashes and jails exactly like a double sign (DESIGN.md, Tasks, 3).
        const consensus::Vote& v = e.precommit_with_extension;
        const core::uint256 burned = evm::slash_and_jail(state, v.validator, chain.slash_fraction_bps,
                                                         h.number + chain.jail_blocks);
        if (!notes) continue;
        notes->push_back({TransitionNote::Level::kWarn, "consensus",
                          "block " + std::to_string(h.number) + " slashes " + v.validator.hex() + " by " + burned.str() +
                              " wei for a wrong verdict at height " + std::to_string(v.height) + " (expert " +
                              std::to_string(e.claimed.expert) + " on " + e.claimed.txn_hash.hex() + ": signed " +
                              std::to_string(e.claimed.score) + ", the model gives " + std::to_string(e.recomputed_score) + ")"});
    }
    if (data.last_commit) {
        // The parent's certificate counts who signed (downtime).
        auto signers_set = reader.validator_set(h.number - 1);
        if (!signers_set) return std::unexpected(signers_set.error());
        std::vector<core::Address> members;
        for (const consensus::Validator& v : signers_set->validators()) members.push_back(v.address);
        evm::record_commit(state, h.number, members, data.last_commit->signers(), downtime_rules(chain));
    }
    state.finalize_transaction();
    return {};
}

namespace {

/// One block's transition on its parent's state: the steps of build_block and apply_block, in
/// order. The proposer builds (transactions from the pool, the header's roots filled in); every
/// other validator, and block sync, applies (the body given, the header's roots checked). Each
/// step answers kInvalid for a broken rule and kFault for what could not be read.
class BlockRun {
  public:
    BlockRun(const TransitionContext& ctx, const core::BlockHeader& parent, const consensus::ValidatorSet& validators,
             core::Block block, consensus::ConsensusData data, std::span<const PoolCandidate> candidates, bool building,
             const RoutingInput* routing)
        : ctx_(ctx),
          chain_(ctx.chain),
          building_(building),
          candidates_(candidates),
          routing_(routing),
          block_(std::move(block)),
          data_(std::move(data)),
          parent_(parent),
          current_(validators),
          store_(ctx.reader.trie_nodes()),
          state_(&store_, &ctx.reader.code(), parent_.state_root),
          env_(block_env(ctx.chain, ctx.reader, block_.header)),
          evm_ctx_{env_, ctx.jumpdests, &ctx.staking},
          next_(current_) {}

    std::expected<void, BlockError> check_and_apply_protocol_operations();
    std::expected<void, BlockError> prepare_routing();
    std::expected<void, BlockError> include_from_pool();
    std::expected<void, BlockError> run_body(const KnownSender& known_sender);
    std::expected<void, BlockError> settle_routing();
    std::expected<void, BlockError> choose_next_validators();
    /// The statistics the block's transactions moved, written to the state (decision 005).
    void finish_statistics();
    std::expected<AppliedBlock, BlockError> seal();

  private:
    std::unexpected<BlockError> invalid(std::string m) const { return block_error(ctx_.reader, BlockError::Kind::kInvalid, std::move(m)); }
    std::unexpected<BlockError> fault(std::string m) const { return block_error(ctx_.reader, BlockError::Kind::kFault, std::move(m)); }
    void note(TransitionNote::Level level, const char* component, std::string text) {
        out_.notes.push_back({level, component, std::move(text)});
    }
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
    /// The last commit's answers and aggregations, read once for the block (routing on).
    const consensus::CertificateVerdicts& last_commit_verdicts();

    const TransitionContext& ctx_;
    const ChainConfig& chain_;
    const bool building_;
    std::span<const PoolCandidate> candidates_;
    const RoutingInput* routing_;
    core::Block block_;
    consensus::ConsensusData data_;
    const core::BlockHeader parent_;
    const consensus::ValidatorSet current_;  // the set of this height

    PendingNodeStore store_;  // the state's new trie nodes, over the committed ones
    evm::State state_;

    // Expert routing (decision 004): the committees of the parent's height, the state and
    // statistics the transactions are ranked on, and what the block's transactions asked for.
    std::optional<consensus::ExpertCommittees> committees_;
    consensus::RoutingRule rule_;
    std::optional<evm::State> routed_state_;
    std::optional<BlockScreening> routed_rows_;
    std::optional<core::Bytes> gate_;
    std::map<core::Hash, std::vector<std::uint32_t>> answered_;  // per transaction, the experts with a verdict in the last commit
    std::optional<consensus::CertificateVerdicts> last_commit_verdicts_;
    std::optional<consensus::RoutingPlan> plan_;    // building: the plan of the block so far
    std::vector<core::Hash> routed_txns_;           // block order
    std::vector<consensus::RoutingRequest> requests_;  // their rankings and failovers
    std::set<core::Address> waiting_;               // senders with a transaction left to wait
    std::size_t unanswered_ = 0;                    // transactions left out for want of their experts' verdicts
    std::size_t transaction_bytes_ = 0;             // building: the block's transactions, encoded
    std::size_t over_bytes_ = 0;                    // building: senders left out at kMaxBlockTransactionBytes
    std::vector<core::Address> silent_;             // a member per duty a failover skipped

    const evm::BlockEnv env_;
    const evm::ExecutionContext evm_ctx_;
    std::optional<BlockScreening> screening_;
    std::vector<std::pair<core::Hash, core::Bytes>> stats_blobs_;  // by hash, stored beside the code
    std::uint64_t gas_ = 0;
    AppliedBlock out_;

    consensus::ValidatorSet next_;  // the set of the next height
    std::optional<consensus::ExpertCommittees> next_committees_;
};

std::expected<void, BlockError> BlockRun::check_and_apply_protocol_operations() {
    const core::BlockHeader& h = block_.header;
    if (!current_.index_of(h.beneficiary)) return invalid("the proposer is not a validator of this height");
    if (auto ok = check_consensus_data(ctx_, h, data_); !ok) return invalid(ok.error());
    // Protocol operations come before the transactions. Decision 003.
    if (auto ok = apply_protocol_operations(chain_, ctx_.reader, state_, h, data_, &out_.notes); !ok) return invalid(ok.error());
    // Screening and classification (decision 005): each transaction against its parties'
    // statistics before it; a rejected one never enters a block, a flagged one is included
    // and its verdict record says so (moe_getTransactionVerdict); receipts stay Ethereum's.
    if (ctx_.models.screens() || ctx_.models.classifies()) screening_.emplace(ctx_.models, ctx_.reader.code(), h.timestamp);
    // Code a devnet change set is classified as a created contract's would be (decision 008).
    for (const consensus::AccountChange& c : data_.dev.changes) {
        if (c.kind != consensus::AccountChange::Kind::kCode || !screening_) continue;
        if (auto r = screening_->record_code_change(state_, c.address); !r) return fault(r.error());
    }
    return {};
}

std::expected<void, BlockError> BlockRun::prepare_routing() {
    // At block H, the committees of H - 1 (whose precommits carry the verdicts) and each
    // transaction's ranking by the fraud gate on its row before it. Off without a routing
    // config, at block 1 and while no expert is served.
    if (chain_.routing && ctx_.models.screens() && data_.last_commit) {
        auto c = ctx_.reader.committees(block_.header.number - 1);
        if (!c) return fault(c.error());
        if (!c->served_experts().empty()) committees_ = std::move(*c);
    }
    if (!committees_ && !data_.routed.empty()) return invalid("routed verdicts in a block without routing");
    // Which experts answered for which transaction in the last commit: the proposer's routing
    // input holds them; a follower aggregates the certificate the block carries alike.
    if (routing_) {
        for (const auto& [key, v] : routing_->verdicts) answered_[key.first].push_back(key.second);
    } else if (committees_) {
        for (const auto& [key, v] : last_commit_verdicts().aggregated) answered_[key.first].push_back(key.second);
    }
    for (auto& [hash, experts] : answered_) std::sort(experts.begin(), experts.end());
    // The fair share is counted over the transactions answered for, at most a block's worth,
    // as the precommits planned it (Node::expert_verdicts).
    rule_ = consensus::RoutingRule{chain_.routing ? chain_.routing->top_k : 0, chain_.routing ? chain_.routing->capacity_percent : 0,
                                   committees_ ? static_cast<std::uint32_t>(committees_->served_experts().size()) : 0,
                                   std::min<std::uint64_t>(answered_.size(), chain_.block_gas_limit / core::kTxGas)};
    plan_.emplace(rule_);
    // A transaction is ranked on the row its committees answered for: their precommits on the
    // parent were made with the grandparent's state as head and the parent's time + 1
    // (Node::expert_verdicts, recompute_verdict). Ranking it on its row inside this block
    // instead (after the parent's and this block's earlier transactions moved its parties'
    // statistics) sent a busy sender's transactions to experts nobody had answered for, and
    // they waited for failovers: 2.8 committed transfers/s at 4 validators under 30/s offered.
    std::optional<core::BlockHeader> routed_on;
    if (committees_) {
        routed_on = ctx_.reader.header(parent_.number - 1);
        if (!routed_on) return fault("no header at " + std::to_string(parent_.number - 1));
    }
    routed_state_.emplace(&ctx_.reader.trie_nodes(), nullptr, routed_on ? routed_on->state_root : parent_.state_root);
    if (committees_) routed_rows_.emplace(ctx_.models, ctx_.reader.code(), parent_.timestamp + 1);
    // The gate as that state holds it (governance may replace it; decision 004), as the
    // precommits read it on their head.
    if (committees_) gate_ = evm::read_routing_gate(*routed_state_);
    return {};
}

bool BlockRun::answered(const consensus::RoutingRequest& candidate, const core::Hash& hash) const {
    const std::vector<std::uint32_t> experts = plan_->preview(candidate);
    if (experts.empty()) return false;
    return std::all_of(experts.begin(), experts.end(), [&](std::uint32_t e) { return routing_->verdicts.contains({hash, e}); });
}

std::expected<bool, BlockError> BlockRun::route(consensus::RoutingRequest& request, const core::Transaction& t,
                                                      const core::Address& sender, const core::Hash& hash) {
    auto row = routed_rows_->features(*routed_state_, t, sender);
    if (!row) return fault(row.error());
    if (auto e = routed_state_->error()) return fault(std::string(evm::to_string(*e)));
    auto logits = ctx_.models.gate_logits(*row, gate_);
    if (!logits) return fault(logits.error());
    request.ranking = consensus::rank_experts(*logits, *committees_);
    if (!building_ || request.ranking.empty()) return true;
    // The fewest skipped ranks whose planned experts all have verdicts; none: the transaction
    // waits in the pool for its committees to answer.
    if (const auto it = answered_.find(hash); it != answered_.end()) {
        request.answered = it->second;
        for (std::uint32_t f = 0; f < request.ranking.size(); ++f) {
            request.failover = f;
            if (answered(request, hash)) return true;
        }
    }
    ++unanswered_;  // one note for the block: a busy proposer leaves out thousands
    waiting_.insert(sender);
    return false;
}

std::expected<bool, BlockError> BlockRun::run_transaction(const core::Transaction& t, const core::Address& sender,
                                                                const core::Hash& hash, std::size_t index, bool impersonated) {
    const std::string which = "transaction " + std::to_string(index) + " (" + hash.hex() + ")";
    std::optional<TransactionVerdict> verdict;
    if (screening_ && ctx_.models.screens()) {
        auto v = screening_->screen(state_, t, sender);
        if (!v) return fault(v.error());
        if (v->decision == Decision::kReject) {
            if (!building_) return invalid(which + " is rejected by fraud screening (score " + std::to_string(v->score) + ")");
            note(TransitionNote::Level::kWarn, "producer", "leaving out " + hash.hex() + ": fraud screening score " + std::to_string(v->score));
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
    evm::ExecutionContext txn_ctx = evm_ctx_;
    txn_ctx.sender_may_have_code = impersonated;  // decision 008
    auto outcome = evm::apply_transaction(state_, txn_ctx, t, sender, gas_);
    if (!outcome && (building_ && outcome.error().invalid)) {
        note(TransitionNote::Level::kWarn, "producer", "dropping " + hash.hex() + ": " + outcome.error().message);
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
    if (verdict) out_.verdicts.emplace_back(hash, std::move(*verdict));
    if (request) {
        if (building_) plan_->add(*request);
        routed_txns_.push_back(hash);
        requests_.push_back(std::move(*request));
    }
    gas_ = receipt.cumulative_gas_used;
    out_.receipts.push_back(std::move(receipt));
    return true;
}

std::expected<void, BlockError> BlockRun::include_from_pool() {
    for (const PoolCandidate& p : candidates_) {
        // A sender's later nonces wait with its earlier one (they would fail, and be dropped).
        if (waiting_.contains(p.sender)) continue;
        const std::size_t size = p.txn->encode().size();
        if (transaction_bytes_ + size > kMaxBlockTransactionBytes) {
            waiting_.insert(p.sender);  // it and its later nonces wait for the next block
            ++over_bytes_;
            continue;
        }
        auto included = run_transaction(*p.txn, p.sender, p.hash, block_.body.transactions.size(), p.impersonated);
        if (!included) return std::unexpected(included.error());
        if (!*included) {
            if (!waiting_.contains(p.sender)) out_.dropped.push_back(p.hash);
            continue;
        }
        transaction_bytes_ += size;
        block_.body.transactions.push_back(*p.txn);
        if (p.impersonated) data_.dev.impersonated.emplace_back(p.hash, p.sender);
    }
    if (unanswered_ > 0) {
        note(TransitionNote::Level::kDebug, "producer",
             "left out " + std::to_string(unanswered_) + " transaction(s) with no verdict of their experts yet");
    }
    if (over_bytes_ > 0) {
        note(TransitionNote::Level::kDebug, "producer",
             "left out " + std::to_string(over_bytes_) + " sender(s) past the block's " +
                 std::to_string(kMaxBlockTransactionBytes) + " bytes of transactions");
    }
    if (!data_.dev.impersonated.empty()) {
        // The block names the senders no signature names (decision 008).
        std::sort(data_.dev.impersonated.begin(), data_.dev.impersonated.end());
        block_.header.extra_data = data_.hash().to_bytes();
    }
    return {};
}

std::expected<void, BlockError> BlockRun::run_body(const KnownSender& known_sender) {
    const auto& named = data_.dev.impersonated;  // strictly increasing by hash
    const std::vector<core::Transaction>& txns = block_.body.transactions;
    std::vector<core::Hash> hashes;
    std::size_t bytes = 0;
    for (const core::Transaction& t : txns) {
        const core::Bytes raw = t.encode();
        bytes += raw.size();
        hashes.push_back(core::keccak256(raw));
    }
    if (bytes > kMaxBlockTransactionBytes) {
        return invalid("the transactions take " + std::to_string(bytes) + " bytes, over the block's " +
                       std::to_string(kMaxBlockTransactionBytes));
    }
    // A transaction the node pooled had its signature checked and its sender recovered at
    // admission, from the same bytes (the hash covers the signature): recovering it again was
    // half of a loaded localnet's recoveries (scripts/profile.sh).
    std::vector<std::optional<core::Address>> known = known_sender ? known_sender(hashes) : std::vector<std::optional<core::Address>>{};
    if (!known.empty() && known.size() != txns.size()) return fault("the known senders do not match the block's transactions");
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
        } else if (!known.empty() && known[i]) {
            sender = *known[i];
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

std::expected<void, BlockError> BlockRun::settle_routing() {
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
    std::vector<std::vector<std::uint32_t>> answered;
    for (std::size_t i = 0; i < requests_.size(); ++i) {
        rankings.push_back(requests_[i].ranking);
        const auto it = answered_.find(routed_txns_[i]);
        answered.push_back(it == answered_.end() ? std::vector<std::uint32_t>{} : it->second);
    }
    if (auto v = consensus::verify_routing(routed_txns_, rankings, answered, rule_, data_.routed); !v) {
        return invalid("routing: " + v.error());
    }
    if (auto v = consensus::verify_aggregations(data_.routed, last_commit_verdicts()); !v) {
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

const consensus::CertificateVerdicts& BlockRun::last_commit_verdicts() {
    if (!last_commit_verdicts_) {
        last_commit_verdicts_ = consensus::read_certificate(*data_.last_commit, *committees_, chain_.routing->quorum_bps);
    }
    return *last_commit_verdicts_;
}

void BlockRun::count_expert_activity() {
    static const std::map<std::pair<core::Hash, std::uint32_t>, std::vector<consensus::Answer>> kNone;
    const auto& answers = data_.routed.empty() ? kNone : last_commit_verdicts().answers;
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

std::expected<void, BlockError> BlockRun::choose_next_validators() {
    // The set of the next height: at an epoch's last block, from the staking contract.
    const std::uint64_t number = block_.header.number;
    if (number % chain_.epoch_length == 0) {
        const std::vector<evm::StakeRecord> stakes = evm::read_stakes(state_);
        auto fresh = consensus::next_validator_set(&current_, validator_candidates(stakes), set_rules(chain_));
        if (fresh) {
            next_ = std::move(*fresh);  // priorities of those who stay carry over
        } else {
            note(TransitionNote::Level::kWarn, "consensus", "epoch at block " + std::to_string(number) + " keeps the old validator set: " + fresh.error());
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
        auto same = ctx_.reader.committees(number);
        if (!same) return fault(same.error());
        next_committees_ = std::move(*same);
    }
    next_.advance(1);
    return {};
}

void BlockRun::finish_statistics() {
    if (screening_) stats_blobs_ = screening_->finish(state_);
}

std::expected<AppliedBlock, BlockError> BlockRun::seal() {
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

    for (const auto& [hash, code] : state_.new_code()) out_.code.emplace_back(hash, *code);
    // Account statistics are stored by hash beside the code: the registry's storage holds the hash.
    for (auto& blob : stats_blobs_) out_.code.push_back(std::move(blob));
    out_.trie_nodes = store_.take_pending();
    for (std::size_t i = 0; i < requests_.size(); ++i) {
        out_.routing.emplace_back(routed_txns_[i], RoutingRecord{requests_[i].ranking, requests_[i].failover});
    }
    // A read that failed was answered as absent: nothing computed since can be trusted.
    if (auto f = ctx_.reader.fault()) return fault("block " + std::to_string(h.number) + " was executed on a failed read: " + *f);
    out_.block = std::move(block_);
    out_.consensus_data = std::move(data_);
    out_.next_validators = std::move(next_);
    out_.next_committees = std::move(next_committees_);
    return std::move(out_);
}

std::expected<AppliedBlock, BlockError> run_block(BlockRun& run, bool building, const KnownSender& known_sender) {
    if (auto ok = run.check_and_apply_protocol_operations(); !ok) return std::unexpected(ok.error());
    if (auto ok = run.prepare_routing(); !ok) return std::unexpected(ok.error());
    if (auto ok = building ? run.include_from_pool() : run.run_body(known_sender); !ok) return std::unexpected(ok.error());
    run.finish_statistics();
    if (auto ok = run.settle_routing(); !ok) return std::unexpected(ok.error());
    if (auto ok = run.choose_next_validators(); !ok) return std::unexpected(ok.error());
    return run.seal();
}

}  // namespace

std::expected<AppliedBlock, BlockError> build_block(const TransitionContext& ctx, const core::BlockHeader& parent,
                                                    const consensus::ValidatorSet& validators, const core::Address& proposer,
                                                    consensus::ConsensusData data, std::uint64_t timestamp,
                                                    std::span<const PoolCandidate> candidates, const RoutingInput* routing) {
    core::Block block;
    core::BlockHeader& h = block.header;
    h.parent_hash = parent.hash();
    h.number = parent.number + 1;
    h.beneficiary = proposer;
    h.timestamp = std::max(timestamp, earliest_timestamp(ctx.chain, parent));
    h.gas_limit = ctx.chain.block_gas_limit;
    h.base_fee_per_gas = core::next_base_fee(parent, ctx.chain.fee_rules);
    h.mix_hash = core::keccak256(parent.hash());  // prev_randao: deterministic (decision 003)
    h.extra_data = data.hash().to_bytes();
    h.withdrawals_root = core::kEmptyTrieRoot;
    h.blob_gas_used = 0;
    h.excess_blob_gas = 0;
    h.parent_beacon_block_root = core::Hash{};
    BlockRun run(ctx, parent, validators, std::move(block), std::move(data), candidates, true, routing);
    return run_block(run, true, nullptr);
}

std::expected<AppliedBlock, BlockError> apply_block(const TransitionContext& ctx, const core::BlockHeader& parent,
                                                    const consensus::ValidatorSet& validators, const core::Block& block,
                                                    consensus::ConsensusData data, std::uint64_t now,
                                                    const KnownSender& known_sender) {
    if (auto ok = check_header(ctx.chain, parent, block.header, data, now); !ok) {
        return block_error(ctx.reader, BlockError::Kind::kInvalid, ok.error());
    }
    BlockRun run(ctx, parent, validators, block, std::move(data), {}, false, nullptr);
    return run_block(run, false, known_sender);
}

}  // namespace moe::chain
