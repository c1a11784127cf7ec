#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/account.hpp"
#include "core/block.hpp"
#include "core/receipt.hpp"
#include "core/secp256k1.hpp"
#include "consensus/certificate.hpp"
#include "consensus/evidence.hpp"
#include "consensus/expert_committees.hpp"
#include "consensus/validator_set.hpp"
#include "consensus/verdicts.hpp"
#include "evm/evm.hpp"
#include "evm/staking.hpp"
#include "chain/block_transition.hpp"
#include "chain/chain_config.hpp"
#include "node/mempool.hpp"
#include "node/node_config.hpp"
#include "chain/screening.hpp"
#include "node/storage/chain_db.hpp"

namespace boost::asio {
class thread_pool;
}

namespace moe::node {

/// A transaction found in a committed block, with what RPC reports about it.
struct IncludedTransaction {
    core::Transaction txn;
    core::Address sender;
    core::Hash block_hash;
    std::uint64_t block_number = 0;
    std::uint32_t index = 0;
    core::Receipt receipt;
    std::uint64_t gas_used = 0;           ///< of this transaction alone
    std::uint64_t first_log_index = 0;    ///< index in the block of its first log
    core::uint256 effective_gas_price;
    std::optional<core::Address> contract_address;
};

/// A message run against a block's state without a transaction (eth_call, eth_estimateGas,
/// eth_createAccessList).
struct CallRequest {
    std::optional<core::Address> from;  ///< the zero address when absent, as geth
    std::optional<core::Address> to;    ///< absent: a creation
    std::optional<std::uint64_t> gas;   ///< absent: the RPC gas cap
    core::uint256 gas_price;            ///< zero: no gas is bought (geth's eth_call)
    core::uint256 value;
    core::Bytes data;
    core::AccessList access_list;
};

/// What a call gave.
struct CallOutcome {
    evm::Status status = evm::Status::kSuccess;
    core::Bytes output;                  ///< return data, or the revert data
    std::uint64_t gas_used = 0;          ///< after the refund (what a receipt would say)
    std::uint64_t gas_before_refund = 0;
    core::AccessList access_list;        ///< what it touched, beside sender, recipient and precompiles
};

/// What re-running an included transaction gave (debug_traceTransaction).
struct TracedTransaction {
    evm::Status status = evm::Status::kSuccess;
    core::Bytes output;          ///< return data, or the revert data
    std::uint64_t gas_used = 0;  ///< equal to its receipt's
    std::uint64_t gas_limit = 0;
};

/// A filter of eth_getLogs and of logs subscriptions. An empty address list matches any
/// address; topic position i matches any of topics[i] (empty: anything).
struct LogFilter {
    std::uint64_t from_block = 0;
    std::uint64_t to_block = 0;
    std::vector<core::Address> addresses;
    std::vector<std::vector<core::Hash>> topics;

    [[nodiscard]] bool matches(const core::Log& log) const;
    [[nodiscard]] bool may_match(const core::Bloom& bloom) const;
};

/// A log with where it was emitted.
struct LogEntry {
    core::Log log;
    core::Hash block_hash;
    std::uint64_t block_number = 0;
    core::Hash txn_hash;
    std::uint32_t txn_index = 0;
    std::uint64_t log_index = 0;  ///< in its block
};

/// The most blocks and results one eth_getLogs may span, and the gas cap of calls.
inline constexpr std::uint64_t kMaxLogBlockRange = 10'000;
inline constexpr std::size_t kMaxLogResults = 10'000;
inline constexpr std::uint64_t kRpcGasCap = 50'000'000;


/// A rejected submission: why, and geth's message. The RPC layer maps the kind to its error
/// code (rpc/params.hpp); node/ knows no JSON-RPC.
struct SubmitError {
    enum class Kind {
        kRefused,   ///< a rule of the pool, the chain or screening says no (geth: -32000)
        kBadInput,  ///< the bytes are not a transaction at all (-32602)
    };
    Kind kind = Kind::kRefused;
    std::string message;
};

/// A Prometheus-style histogram of durations in seconds, with fixed bucket bounds so that
/// every series exists (at zero) from start-up.
struct LatencyHistogram {
    static constexpr std::array<double, 12> kBounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    std::array<std::uint64_t, kBounds.size()> buckets{};  ///< per bound, not cumulative
    std::uint64_t count = 0;
    double sum = 0;

    void observe(double seconds);
};

/// Why the pool refused a submitted transaction (moe_mempool_refused_total{reason}).
enum class Refusal : std::uint8_t { kInvalid, kKnown, kNonce, kFee, kFunds, kFull, kScreening, kOther };
inline constexpr std::size_t kRefusals = 8;
[[nodiscard]] std::string_view to_string(Refusal r) noexcept;
/// The refusal a submission error message stands for (the messages are geth's).
[[nodiscard]] Refusal refusal_of(std::string_view message) noexcept;

/// Counters the node exports as metrics; every one exists from start-up.
struct NodeStats {
    std::uint64_t head_number = 0;
    std::size_t mempool_transactions = 0;
    std::size_t mempool_bytes = 0;
    std::size_t mempool_capacity = 0;  ///< the pool's limit on transactions
    /// Pooled transactions past which a client's is refused (Node::client_backlog_limit).
    std::size_t mempool_client_limit = 0;
    std::uint64_t transactions_committed = 0;
    std::uint64_t blocks_produced = 0;
    std::array<std::uint64_t, kRefusals> refused{};  ///< submissions refused, by Refusal
    /// Screening verdicts on transactions offered to the pool, by Decision (accept, flag, reject).
    std::array<std::uint64_t, 3> screened{};
    /// Of those, the accepted ones the model abstained on (far outside its training rows).
    std::uint64_t abstentions = 0;
    /// Of the rejects, those pooled anyway because a pooled transaction involves one of their
    /// parties: the block that includes them screens them after it (decision 005).
    std::uint64_t deferred_rejections = 0;
    /// How often the fraud gate chose each expert in those verdicts (the local expert load).
    std::vector<std::uint64_t> expert_selections;
    /// From this node pooling a transaction to committing the block that holds it.
    LatencyHistogram finality;
};

/// How an included transaction was routed (moe_getRouting).
struct TransactionRouting {
    std::uint64_t block_number = 0;
    std::vector<std::uint32_t> ranking;                  ///< served experts, gate order
    std::uint32_t failover = 0;                          ///< ranks skipped
    std::vector<consensus::AggregatedVerdict> verdicts;  ///< of its planned experts
    std::optional<consensus::ExpertCommittees> committees;  ///< of the certificate's height
};

/// A block executed on the head's state, ready to be committed once a certificate exists.
struct ExecutedBlock {
    core::Block block;
    consensus::ConsensusData consensus_data;
    std::vector<core::Receipt> receipts;
    BlockWrite write;                          ///< everything but the certificate
    std::vector<core::Hash> dropped;           ///< pooled transactions that failed while building
    std::optional<consensus::ValidatorSet> next_validators;  ///< the set that signs the next height
    std::map<std::uint32_t, chain::ExpertActivity> activity;        ///< per expert, from its routing
};

/// Evidence a block included: a double sign or a wrong verdict, and the block.
struct CommittedEvidence {
    std::variant<consensus::DuplicateVoteEvidence, consensus::WrongVerdictEvidence> evidence;
    std::uint64_t block_number = 0;
};

/// One node's chain: storage, state, mempool, and the three steps of a block under BFT
/// consensus: build (the proposer), execute (everyone, before prevoting), commit (with its
/// certificate). Thread-safe: RPC threads read and submit while the consensus thread builds,
/// executes and commits.
class Node {
  public:
    /// Opens (or creates, committing genesis) the chain database of `home`.
    [[nodiscard]] static std::expected<std::unique_ptr<Node>, std::string> open(const HomeLayout& home, NodeConfig config,
                                                                                chain::ChainConfig chain, core::PrivateKey validator);
    ~Node();

    [[nodiscard]] const chain::ChainConfig& chain() const noexcept { return chain_; }
    [[nodiscard]] const NodeConfig& config() const noexcept { return config_; }
    [[nodiscard]] const core::Hash& genesis_hash() const noexcept { return genesis_hash_; }
    [[nodiscard]] Head head() const;
    [[nodiscard]] NodeStats stats() const;

    [[nodiscard]] std::optional<core::Block> block_by_number(std::uint64_t number) const;
    [[nodiscard]] std::optional<core::Block> block_by_hash(const core::Hash& hash) const;
    [[nodiscard]] std::optional<core::BlockHeader> header_by_number(std::uint64_t number) const;
    [[nodiscard]] std::optional<std::vector<core::Receipt>> receipts(const core::Hash& block_hash) const;
    [[nodiscard]] std::optional<IncludedTransaction> transaction(const core::Hash& txn_hash) const;
    /// A transaction still in the mempool.
    [[nodiscard]] std::optional<PooledTransaction> pending_transaction(const core::Hash& txn_hash) const;
    /// The raw encodings of pooled transactions, in the order of `hashes`; empty where one is
    /// not pooled (a compact proposal's block taken from the pool, node/compact_proposal.hpp).
    [[nodiscard]] std::vector<core::Bytes> pooled_raw_transactions(std::span<const core::Hash> hashes) const;
    /// Waits until a pooled transaction leaves the pool (its block is committed, or it is
    /// dropped), at most `timeout`; returns at once when it is not pooled. An instant-blocks
    /// node answers a receipt asked for a moment after the send this way (decision 007).
    void wait_until_unpooled(const core::Hash& txn_hash, std::chrono::milliseconds timeout) const;
    /// Waits until the head is at least block `number`, at most `timeout`; whether it is.
    [[nodiscard]] bool wait_for_head(std::uint64_t number, std::chrono::milliseconds timeout) const;

    /// The account at the state after block `number`.
    [[nodiscard]] std::expected<core::Account, std::string> account(const core::Address& address, std::uint64_t number) const;
    /// The code of an account at the state after block `number` (empty for none).
    [[nodiscard]] std::expected<core::Bytes, std::string> code(const core::Address& address, std::uint64_t number) const;
    /// A storage slot of an account at the state after block `number` (zero when unset).
    [[nodiscard]] std::expected<core::Hash, std::string> storage(const core::Address& address, const core::Hash& slot,
                                                                 std::uint64_t number) const;
    /// The next nonce of an account counting its pooled transactions.
    [[nodiscard]] std::uint64_t pending_nonce(const core::Address& address) const;
    /// The mempool split against the head's nonces (txpool_content, txpool_status).
    [[nodiscard]] Mempool::Content pool_content() const;
    /// The base fee of the next block.
    [[nodiscard]] core::uint256 next_base_fee() const;
    /// Whether the pool holds a transaction the next block could include (its sender's next
    /// nonce, a fee cap at the next base fee): what an instant-blocks proposer waits for.
    [[nodiscard]] bool has_executable_transactions() const;

    /// Runs a call on the state after block `number`; an error is a call that could not
    /// start (intrinsic gas, funds) or a node failure. With `next_block`, inside a block after
    /// it (number + 1, one second later), where a transaction sent now will run.
    /// `tracer` (debug_traceCall) sees every frame and step of the call.
    [[nodiscard]] std::expected<CallOutcome, std::string> call(const CallRequest& request, std::uint64_t number,
                                                               bool next_block = false,
                                                               evm::Tracer* tracer = nullptr) const;
    /// Re-runs an included transaction under `tracer`, as geth's debug_traceTransaction: on its
    /// block's parent state, after the block's protocol operations and earlier transactions.
    /// An error: not included, or the replay did not give its receipt's gas and status.
    [[nodiscard]] std::expected<TracedTransaction, std::string> trace_transaction(const core::Hash& txn_hash,
                                                                                  evm::Tracer& tracer) const;
    /// Re-runs the transactions of a block up to index `last`, each under `tracer_of(index)`
    /// (null: untraced), as trace_transaction does (debug_traceBlockBy*); asked just before
    /// each runs, so a tracer may be sized by what the earlier ones took.
    [[nodiscard]] std::expected<std::vector<TracedTransaction>, std::string> trace_block(
        const core::Hash& block_hash, std::size_t last, const std::function<evm::Tracer*(std::size_t index)>& tracer_of) const;
    /// The least gas with which the call succeeds (binary search, as geth); a call that fails
    /// even with the cap returns its failing outcome.
    [[nodiscard]] std::expected<CallOutcome, std::string> estimate_gas(const CallRequest& request,
                                                                       std::uint64_t number) const;
    /// The logs of committed blocks that match a filter, in chain order.
    [[nodiscard]] std::expected<std::vector<LogEntry>, std::string> logs(const LogFilter& filter) const;
    /// The validators with a stake in the staking contract at the state after block `number`.
    [[nodiscard]] std::expected<std::vector<evm::StakeRecord>, std::string> stakes(std::uint64_t number) const;

    /// Where a raw transaction comes from: a client (RPC), a peer's gossip, or the node's own pool
    /// put back after a rewind (evm_revert): only a client's is held to client_backlog_limit(),
    /// and a peer's is not screened again (pool_transaction).
    enum class Source { kClient, kPeer, kRestored };
    /// Decodes, checks and pools a raw transaction (eth_sendRawTransaction, or a peer's). A
    /// client's is refused ("txpool is full") before its sender is recovered once the pool holds
    /// client_backlog_limit(): overload is shed at the edge, and the rest of the pool is kept for
    /// what peers admitted from their clients, so every pool keeps every sender's nonces.
    [[nodiscard]] std::expected<core::Hash, SubmitError> submit_raw_transaction(core::ByteView raw,
                                                                               Source source = Source::kClient);
    /// Peers' transactions (a gossip batch), pooled in the batch's order: each one not pooled
    /// already is decoded and its sender recovered on the recovery threads
    /// (NodeConfig::recovery_threads), then pooled as submit_raw_transaction(raw, kPeer) pools
    /// it. Returns how many were pooled.
    std::size_t submit_peer_transactions(const std::vector<core::Bytes>& raws);
    /// Pools an unsigned transaction from an impersonated `sender` (eth_sendTransaction on a
    /// devnet, decision 008): every rule of submit_raw_transaction but the signature, which is
    /// set to chain::impersonation_signature(sender); the block that includes it names its sender.
    [[nodiscard]] std::expected<core::Hash, SubmitError> submit_impersonated(core::Transaction txn, const core::Address& sender);
    /// The sender of a transaction of block `block_hash`: the one its block names for an
    /// impersonated transaction (on a devnet), else the signer; nullopt for a bad signature.
    [[nodiscard]] std::optional<core::Address> included_sender(const core::Transaction& txn, const core::Hash& block_hash) const;

    /// Called with each committed block, on the consensus thread (WebSocket newHeads).
    void on_block(std::function<void(const core::Block&, const std::vector<core::Receipt>&)> listener);
    /// Called with the raw bytes of each transaction pooled through submit_raw_transaction
    /// (the consensus driver gossips them).
    void on_transaction(std::function<void(core::ByteView raw)> listener);

    /// Builds a block on the head from the mempool, proposed by `proposer`, carrying `data`.
    /// With routing on at this height, `routing` holds the verdicts the proposer may carry: a
    /// routed transaction enters only with a verdict of every expert it is planned to, and
    /// the block's `routed` is filled (decision 004).
    [[nodiscard]] std::expected<ExecutedBlock, chain::BlockError> build_block(const core::Address& proposer,
                                                                       consensus::ConsensusData data,
                                                                       std::uint64_t timestamp,
                                                                       const chain::RoutingInput* routing = nullptr);
    /// Executes someone else's block on the head and checks every root and rule; a kInvalid
    /// error means the block is invalid, a kFault one that this node could not check it
    /// (BlockError). `now` bounds the timestamp for a proposal (0: no bound, for a block that
    /// already has a certificate).
    [[nodiscard]] std::expected<ExecutedBlock, chain::BlockError> execute_block(const core::Block& block,
                                                                         consensus::ConsensusData data,
                                                                         std::uint64_t now);
    /// Writes an executed block with its certificate in one batch and moves the head. A
    /// kStorage error is a fault of this node's disk: the caller must stop.
    [[nodiscard]] std::expected<void, CommitError> commit_block(const ExecutedBlock& executed,
                                                                const consensus::CommitCertificate& certificate);

    /// Moves the head back to block `number` (a devnet's evm_revert, decision 008): the blocks
    /// above it leave the database with their transactions, receipts, logs, verdicts, consensus
    /// data and validator sets, in one synced batch; the pool becomes `pool` (admitted again on
    /// the new head; those it refuses now are dropped). The consensus thread
    /// calls it between heights. A kStorage error is a fault of this node's disk: stop.
    [[nodiscard]] std::expected<void, CommitError> rewind_to(std::uint64_t number, const std::vector<PooledTransaction>& pool);

    /// The validator set that signs `height` (1 .. head + 1).
    [[nodiscard]] std::expected<consensus::ValidatorSet, std::string> validator_set(std::uint64_t height) const;
    /// The commit certificate stored with block `number` (this node's own precommits, or
    /// what sync received).
    [[nodiscard]] std::optional<consensus::CommitCertificate> certificate(std::uint64_t number) const;
    /// The consensus data (parent certificate, evidence) of a block.
    [[nodiscard]] std::optional<consensus::ConsensusData> consensus_data(const core::Hash& block_hash) const;
    /// Whether a piece of evidence is already in a block, and in which.
    [[nodiscard]] std::optional<std::uint64_t> evidence_block(const core::Hash& evidence_hash) const;
    /// Evidence included in blocks [from, to].
    [[nodiscard]] std::vector<CommittedEvidence> committed_evidence(std::uint64_t from, std::uint64_t to) const;
    /// The header of the head block.
    [[nodiscard]] core::BlockHeader head_header() const;

    /// The chain's models (fraud screening, contract classes).
    [[nodiscard]] chain::ChainModels& models() const noexcept { return *models_; }
    /// Screens a raw transaction against the head state without pooling it (moe_scoreTransaction).
    [[nodiscard]] std::expected<chain::TransactionVerdict, SubmitError> score_transaction(core::ByteView raw) const;
    /// The screening verdict stored with an included transaction.
    [[nodiscard]] std::optional<chain::TransactionVerdict> verdict(const core::Hash& txn_hash) const;
    /// The class of a contract at the state after block `number` (nullopt: none recorded), and
    /// for a proxy its implementation's at that state.
    [[nodiscard]] std::expected<std::optional<chain::ContractClassReport>, std::string> contract_class(const core::Address& address,
                                                                                              std::uint64_t number) const;
    /// An account's screening statistics at the state after block `number`.
    [[nodiscard]] std::expected<nn::AccountStats, std::string> account_stats(const core::Address& address,
                                                                            std::uint64_t number) const;
    /// The verdict screening gives a transaction of `txn` from `sender` on the head state.
    [[nodiscard]] std::expected<chain::TransactionVerdict, std::string> screen_on_head(const core::Transaction& txn,
                                                                               const core::Address& sender,
                                                                               chain::Explain explain = chain::Explain::kWhenFlagged) const;
    /// The expert committees of `height` (1 .. head + 1); empty ones where routing is off.
    [[nodiscard]] std::expected<consensus::ExpertCommittees, std::string> committees(std::uint64_t height) const;
    /// Up to `max` pooled transactions, by hash: the canonical order validators plan over.
    [[nodiscard]] std::vector<PooledTransaction> pending_by_hash(std::size_t max) const;
    /// The verdicts validator `me` gives at its precommit of `height` (decision 004, the
    /// node): for each of `txns`, rows on the head state at `timestamp`, ranked by the gate over
    /// the committees of `height`, for the experts it hosts among the first failover + k + 1
    /// ranks (first_seen: the height each was first seen). Empty where routing is off.
    [[nodiscard]] std::expected<consensus::VerdictExtension, std::string> expert_verdicts(
        const core::Address& me, std::uint64_t height, const std::vector<PooledTransaction>& txns,
        const std::map<core::Hash, std::uint64_t>& first_seen, std::uint64_t timestamp) const;
    /// Whether a verdict of `validator` on `txn` is in the share every validator recomputes
    /// (decision 004): the last 8 bytes of keccak(txn || validator), big-endian, mod 100, below
    /// routing.sample_percent. False where routing is off.
    [[nodiscard]] bool verdict_sampled(const core::Hash& txn, const core::Address& validator) const;
    /// chain::recompute_verdict on this node's head: the score the protocol model gives where
    /// `precommit` claims `claimed`. The transaction is looked up in the mempool first when
    /// `pool`, then among the committed ones.
    [[nodiscard]] std::expected<std::uint32_t, std::string> recompute_verdict(const consensus::Vote& precommit,
                                                                              const consensus::Verdict& claimed,
                                                                              bool pool) const;
    /// chain::recompute_verdicts: several verdicts of one precommit, in their order, on one state.
    [[nodiscard]] std::expected<std::vector<std::expected<std::uint32_t, std::string>>, std::string> recompute_verdicts(
        const consensus::Vote& precommit, std::span<const consensus::Verdict> claimed, bool pool) const;
    /// chain::check_wrong_verdict on this node's head (committed transactions only unless `pool`).
    [[nodiscard]] std::expected<void, std::string> check_wrong_verdict(const consensus::WrongVerdictEvidence& e,
                                                                       bool pool) const;
    /// How an included transaction was routed (nullopt: not included, or not routed).
    [[nodiscard]] std::optional<TransactionRouting> routing_of(const core::Hash& txn_hash) const;
    /// Per expert, what its committees did in the blocks committed since this node started.
    [[nodiscard]] std::map<std::uint32_t, chain::ExpertActivity> expert_activity() const;
    /// The address of this node's validator key.
    [[nodiscard]] core::Address validator_address() const { return validator_.address(); }


  private:
    /// Pooled transactions past which a client's transaction is refused (mutex_ held):
    /// two blocks' worth (twice the largest of the last committed blocks, at least a block of
    /// plain transfers), at most three quarters of the pool (all a devnet's limit). Past
    /// saturation a pool of mempool_max_transactions filled, and each transaction waited the
    /// whole pool out: finality grew with the pool, not with the load (issue 17).
    [[nodiscard]] std::size_t client_backlog_limit() const;
    /// submit_raw_transaction without counting its refusal.
    [[nodiscard]] std::expected<core::Hash, SubmitError> admit_raw_transaction(core::ByteView raw, Source source);
    /// What admission checks of a raw transaction alone, without the pool or the state: its
    /// decoding, static rules and signature (the sender recovered once, the costly part); a
    /// client's is refused first when the pool holds client_backlog_limit(). Any thread.
    [[nodiscard]] std::expected<PooledTransaction, SubmitError> check_raw_transaction(core::ByteView raw, Source source) const;
    /// Counts a refused submission by its reason (metrics).
    void count_refusal(const SubmitError& e);
    /// The pool's and screening's rules against the head state, then pooling and the listeners.
    /// A peer's gossip is not screened (`source` kPeer): the node a client sent it to screened it
    /// at admission, and every block screens what it includes (chain::BlockRun) on every node.
    [[nodiscard]] std::expected<core::Hash, SubmitError> pool_transaction(PooledTransaction entry, core::ByteView raw,
                                                                         Source source);

    Node(NodeConfig config, chain::ChainConfig chain, core::PrivateKey validator);
    /// The committed chain as the block transition reads it (node/block_pipeline.cpp).
    class StoredChain;
    [[nodiscard]] chain::TransitionContext transition_context(const chain::ChainReader& reader) const;
    /// Finds a transaction for wrong-verdict evidence: in the pool first when `pool`, else committed.
    [[nodiscard]] chain::TransactionLookup transaction_lookup(const chain::ChainReader& stored, bool pool) const;
    /// An applied block as the node commits it: its batch, its notes logged.
    [[nodiscard]] ExecutedBlock executed_block(chain::AppliedBlock applied) const;
    [[nodiscard]] AccountSnapshot head_account(const core::Address& address) const;

    NodeConfig config_;
    chain::ChainConfig chain_;
    core::PrivateKey validator_;
    core::Hash genesis_hash_;
    std::unique_ptr<ChainDb> db_;
    /// The head's state, kept between the reads of the pool's rules while the head stays
    /// (mutex_): each admission and each pooled sender's nonce check built a State of its own
    /// and decoded the same upper trie nodes again (scripts/profile.sh). Read only; dropped
    /// when the head's state root moves, or after a failed read (a caller's copy stays valid).
    [[nodiscard]] std::shared_ptr<evm::State> head_state() const;
    mutable std::shared_ptr<evm::State> head_state_;
    mutable core::Hash head_state_root_;
    /// Where submit_peer_transactions recovers senders besides the calling thread (none when
    /// recovery_threads is 1).
    std::unique_ptr<boost::asio::thread_pool> recovery_pool_;
    mutable evm::JumpdestCache jumpdests_;
    mutable evm::StakingContract staking_;
    std::unique_ptr<chain::ChainModels> models_;

    mutable std::mutex mutex_;  ///< guards head_, mempool_ and stats_
    mutable std::condition_variable head_moved_;  ///< notified (under mutex_) when a block is committed
    Head head_;
    core::BlockHeader head_header_;
    Mempool mempool_;
    NodeStats stats_;
    std::vector<std::function<void(const core::Block&, const std::vector<core::Receipt>&)>> listeners_;
    std::vector<std::function<void(core::ByteView)>> transaction_listeners_;
    std::optional<consensus::ValidatorSet> next_validators_;  ///< the set of head + 1
    std::map<std::uint32_t, chain::ExpertActivity> activity_;         ///< per expert, since start
    /// Transactions of the last committed blocks (a ring): what a block takes under load.
    std::array<std::uint32_t, 8> recent_block_transactions_{};
    std::size_t recent_block_next_ = 0;
    /// Puts a committed block's transaction count in the ring.
    void remember_block_transactions(std::size_t count);
    /// Fills the ring from the stored blocks up to the head (at open: a restarted node bounds
    /// its clients as before, not by an idle chain's one block).
    void load_recent_block_transactions();

    std::mutex produce_mutex_;  ///< one block built, executed or committed at a time
};

}  // namespace moe::node
