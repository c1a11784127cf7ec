#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "chain/chain_config.hpp"
#include "chain/screening.hpp"
#include "consensus/certificate.hpp"
#include "consensus/expert_committees.hpp"
#include "consensus/routing.hpp"
#include "consensus/validator_set.hpp"
#include "consensus/verdicts.hpp"
#include "core/block.hpp"
#include "core/receipt.hpp"
#include "core/trie.hpp"
#include "evm/evm.hpp"
#include "evm/staking.hpp"
#include "evm/state.hpp"

/// The block transition of a BFT chain (decision 003): what a block does to the state, checked
/// or built, as every validator computes it. Pure: the committed chain is read through a
/// ChainReader that the node implements over its database, and nothing here logs, reads a
/// clock or touches a disk.
namespace moe::chain {

/// The oldest evidence a block may still include, in blocks.
inline constexpr std::uint64_t kMaxEvidenceAge = 1000;
/// The most evidence (of each kind) one block carries.
inline constexpr std::size_t kMaxEvidencePerBlock = 16;

/// Why a block was not applied: it breaks a rule (kInvalid: its proposer's doing, a nil
/// prevote), or it could not be checked (kFault: a read of the stored chain failed, the state
/// or a model could not be read; the node must stop rather than vote on what it could not check).
struct BlockError {
    enum class Kind { kInvalid, kFault };
    Kind kind = Kind::kInvalid;
    std::string message;
};

/// A transaction with its sender known.
struct KnownTransaction {
    core::Transaction txn;
    core::Address sender;
};
/// Finds a transaction by hash for wrong-verdict evidence: committed, or (for the validator
/// that checks a peer's precommit) pooled.
using TransactionLookup = std::function<std::expected<KnownTransaction, std::string>(const core::Hash& txn_hash)>;

/// What the transition reads of the chain committed before the block. A read that fails for
/// another reason than an absent key is answered as absent and recorded in fault(): every
/// answer since is suspect, so an error found after a fault is a kFault, never kInvalid.
class ChainReader {
  public:
    virtual ~ChainReader() = default;
    /// Committed state trie nodes.
    [[nodiscard]] virtual const core::NodeStore& trie_nodes() const = 0;
    /// Contract code and the registry's statistics blobs, by hash.
    [[nodiscard]] virtual const evm::CodeStore& code() const = 0;
    [[nodiscard]] virtual std::optional<core::BlockHeader> header(std::uint64_t number) const = 0;
    [[nodiscard]] virtual std::optional<core::Hash> block_hash(std::uint64_t number) const = 0;
    /// The validator set that signs `height`.
    [[nodiscard]] virtual std::expected<consensus::ValidatorSet, std::string> validator_set(std::uint64_t height) const = 0;
    /// The expert committees of `height` (empty ones where routing is off).
    [[nodiscard]] virtual std::expected<consensus::ExpertCommittees, std::string> committees(std::uint64_t height) const = 0;
    /// The block that included a piece of evidence, if one did.
    [[nodiscard]] virtual std::optional<std::uint64_t> evidence_block(const core::Hash& evidence_hash) const = 0;
    /// A committed transaction and its sender (the one its block names for an impersonated
    /// transaction), by hash; an error when none is committed or it has no valid sender.
    [[nodiscard]] virtual std::expected<KnownTransaction, std::string> committed_transaction(const core::Hash& txn_hash) const = 0;
    /// The first failed read, if any (see above).
    [[nodiscard]] virtual std::optional<std::string> fault() const = 0;
};

/// What the transition works with besides the reader: the chain's rules and models, and the
/// EVM's caches (shared across blocks; their contents never change a result).
struct TransitionContext {
    const ChainConfig& chain;
    const ChainReader& reader;
    ChainModels& models;
    evm::JumpdestCache& jumpdests;
    evm::StakingContract& staking;
};

/// A transaction the proposer may include, its sender known: recovered at admission, or
/// impersonated on a devnet (decision 008).
struct PoolCandidate {
    const core::Transaction* txn = nullptr;
    core::Address sender;
    core::Hash hash;
    bool impersonated = false;
};

/// The verdicts a proposer may carry: the aggregations of its last commit's extensions.
struct RoutingInput {
    /// By (transaction, expert).
    std::map<std::pair<core::Hash, std::uint32_t>, consensus::AggregatedVerdict> verdicts;
};

/// What one expert did (moe_getExperts), counted from blocks (decision 004, the node).
struct ExpertActivity {
    std::uint64_t verdicts = 0;     ///< aggregated verdicts of its committee carried in blocks
    std::uint64_t answers = 0;      ///< members' answers counted in them
    std::uint64_t agreeing = 0;     ///< of those, answers whose score is the aggregated one
    std::uint64_t failed_over = 0;  ///< transactions that skipped it because its committee was silent
    std::map<core::Address, std::uint64_t> missed;  ///< duties each committee member left unanswered
    /// From pooling a transaction to committing the block with its verdict, over the verdicts
    /// whose transaction the node had pooled (its local clock: observability only; the node
    /// fills these, never the transition).
    std::uint64_t latency_count = 0;
    std::uint64_t latency_ms_sum = 0;
    std::uint64_t latency_ms_max = 0;

    /// Adds another block's counts to these.
    void add(const ExpertActivity& other);
};

/// How an included transaction was routed: its ranking by the gate and the ranks it skipped.
struct RoutingRecord {
    std::vector<std::uint32_t> ranking;
    std::uint32_t failover = 0;

    /// rlp([[expert, ...], failover]).
    [[nodiscard]] core::Bytes encode() const;
    [[nodiscard]] static std::expected<RoutingRecord, std::string> decode(core::ByteView in);
};

/// Something the transition did that an operator should hear of (the node logs it).
struct TransitionNote {
    enum class Level { kDebug, kWarn };
    Level level = Level::kDebug;
    std::string component;  ///< "consensus" or "producer"
    std::string text;
};

/// A block applied to its parent's state: everything the node commits with its certificate.
struct AppliedBlock {
    core::Block block;  ///< built: with its roots filled in
    consensus::ConsensusData consensus_data;
    std::vector<core::Receipt> receipts;
    std::vector<std::pair<core::Hash, core::Bytes>> trie_nodes;  ///< the state's new nodes
    std::vector<std::pair<core::Hash, core::Bytes>> code;  ///< new code, and statistics blobs by hash
    std::vector<std::pair<core::Hash, TransactionVerdict>> verdicts;  ///< screened transactions'
    std::vector<std::pair<core::Hash, RoutingRecord>> routing;       ///< routed transactions', block order
    std::optional<consensus::ValidatorSet> next_validators;  ///< the set that signs the next height (always set)
    std::optional<consensus::ExpertCommittees> next_committees;  ///< with routing on
    std::vector<core::Hash> dropped;  ///< building: candidates that failed and leave the pool
    std::map<std::uint32_t, ExpertActivity> activity;  ///< per expert, from the block's routing
    std::vector<TransitionNote> notes;
};

/// The EVM's block environment of a header on this chain.
[[nodiscard]] evm::BlockEnv block_env(const ChainConfig& chain, const ChainReader& reader, const core::BlockHeader& header);

/// The signature an impersonated transaction carries (decision 008): r is the sender's address,
/// s is 1. It recovers to no one in particular; it only makes the hashes of two senders' equal
/// transactions differ.
[[nodiscard]] core::Signature impersonation_signature(const core::Address& sender);

/// Checks the parent's certificate and the evidence a block carries, on the state after the
/// block's parent (the reader's head).
[[nodiscard]] std::expected<void, std::string> check_consensus_data(const TransitionContext& ctx, const core::BlockHeader& header,
                                                                    const consensus::ConsensusData& data);

/// The score the protocol model gives where `precommit` (at height h, for the block committed at
/// h) claims `claimed`: expert claimed.expert on the transaction's row over the state after
/// block h - 1 at block h's timestamp + 1, the state and time its signer used (decision 004).
/// `head`: the reader's last committed block; `find` looks the transaction up.
[[nodiscard]] std::expected<std::uint32_t, std::string> recompute_verdict(const ChainReader& reader, ChainModels& models,
                                                                          std::uint64_t head, const consensus::Vote& precommit,
                                                                          const consensus::Verdict& claimed,
                                                                          const TransactionLookup& find);
/// recompute_verdict for several verdicts of one precommit, in their order, over one state and
/// one account-statistics cache (every row of them reads the same state: the one after block
/// h - 1). An error for the whole when the precommit's blocks are not there.
[[nodiscard]] std::expected<std::vector<std::expected<std::uint32_t, std::string>>, std::string> recompute_verdicts(
    const ChainReader& reader, ChainModels& models, std::uint64_t head, const consensus::Vote& precommit,
    std::span<const consensus::Verdict> claimed, const TransactionLookup& find);

/// Everything a block checks of a wrong-verdict evidence at `head`: its age, its signatures by a
/// member of the set of its height, the signer in the committee of the claimed expert at that
/// height, and the recomputed score equal to the evidence's.
[[nodiscard]] std::expected<void, std::string> check_wrong_verdict(const TransitionContext& ctx, std::uint64_t head,
                                                                   const consensus::WrongVerdictEvidence& e,
                                                                   const TransactionLookup& find);

/// What a block does to the state before its transactions (decision 003): a devnet's changes,
/// evidence slashes and jails, and the parent's certificate counts who signed. `notes` (may be
/// null: a replay) hears of each slash.
[[nodiscard]] std::expected<void, std::string> apply_protocol_operations(const ChainConfig& chain, const ChainReader& reader,
                                                                         evm::State& state, const core::BlockHeader& header,
                                                                         const consensus::ConsensusData& data,
                                                                         std::vector<TransitionNote>* notes);

/// Builds a block on `parent` proposed by `proposer`, carrying `data`: the candidates in their
/// order (a failing one is dropped, a rejected or unrouted one left out), then the header's
/// roots. `validators`: the set of the new height. With routing on, `routing` holds the verdicts
/// the proposer may carry: a routed transaction enters only with a verdict of every expert it is
/// planned to, and the block's `routed` is filled (decision 004).
[[nodiscard]] std::expected<AppliedBlock, BlockError> build_block(const TransitionContext& ctx, const core::BlockHeader& parent,
                                                                  const consensus::ValidatorSet& validators,
                                                                  const core::Address& proposer, consensus::ConsensusData data,
                                                                  std::uint64_t timestamp,
                                                                  std::span<const PoolCandidate> candidates,
                                                                  const RoutingInput* routing);

/// For each of a block's transactions (by hash, in block order), the sender already recovered
/// from its signature (the hash covers the signature), if the caller knows it: a node's pool
/// recovered it at admission. Asked once per block, so the caller looks them up in one go.
using KnownSender = std::function<std::vector<std::optional<core::Address>>(std::span<const core::Hash> txn_hashes)>;

/// Applies someone else's block on `parent` and checks its header, every root and every rule.
/// `validators`: the set of the block's height. `now` bounds the timestamp of a proposal (0: no
/// bound, for a block that already has a certificate). `known_sender` (may be empty) spares a
/// recovery for each transaction it knows.
[[nodiscard]] std::expected<AppliedBlock, BlockError> apply_block(const TransitionContext& ctx, const core::BlockHeader& parent,
                                                                  const consensus::ValidatorSet& validators,
                                                                  const core::Block& block, consensus::ConsensusData data,
                                                                  std::uint64_t now, const KnownSender& known_sender);

}  // namespace moe::chain
