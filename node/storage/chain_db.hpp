#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"
#include "core/trie.hpp"
#include "evm/state.hpp"
#include "node/storage/node_cache.hpp"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

/// The node's database: blocks, receipts, indexes, state trie nodes and code in RocksDB.
namespace moe::node {

/// Bumped whenever the layout of keys or values changes; a database of another version is
/// refused, never migrated in place silently.
inline constexpr std::uint32_t kSchemaVersion = 2;

/// Column families. Adding one: append it here (never reorder), give it a name in
/// chain_db.cpp; existing databases gain it at the next open.
enum class Column : std::size_t {
    kMeta,          ///< "default": magic, schema version, chain identity, head
    kHeaders,       ///< block hash -> header RLP
    kCanonical,     ///< block number (8 bytes big-endian) -> block hash
    kBodies,        ///< block hash -> body RLP
    kReceipts,      ///< block hash -> receipts RLP
    kTxIndex,       ///< transaction hash -> block number (8) || index (4)
    kTrieNodes,     ///< node hash -> node RLP (state and storage tries)
    kCode,          ///< code hash -> contract code
    kCertificates,  ///< block number (8) -> commit certificate
    kConsensusData, ///< block hash -> consensus data (parent's certificate, evidence; decision 003)
    kValidatorSets, ///< block number (8) -> the validator set that signs that height
    kEvidence,      ///< evidence hash -> number (8) of the block that included it
    kVerdicts,      ///< transaction hash -> its screening verdict (chain/screening.hpp)
    kCount
};

/// Which chain a database belongs to; checked at every open.
struct ChainIdentity {
    std::uint64_t chain_id = 0;
    core::Hash genesis_hash;
};

/// The last committed block.
struct Head {
    std::uint64_t number = 0;
    core::Hash hash;
};

/// Where a transaction was included.
struct TxLocation {
    std::uint64_t block_number = 0;
    std::uint32_t index = 0;
};

/// Everything a block commit writes, already encoded, so that the database does not depend
/// on how blocks are built. Written in one atomic, synced WriteBatch.
struct BlockWrite {
    core::Hash hash;
    std::uint64_t number = 0;
    core::Bytes header_rlp;
    core::Bytes body_rlp;
    core::Bytes receipts_rlp;
    std::vector<core::Hash> tx_hashes;                       ///< in block order
    std::vector<std::pair<core::Hash, core::Bytes>> trie_nodes;
    std::vector<std::pair<core::Hash, core::Bytes>> code;
    std::optional<core::Bytes> certificate;
    /// Extra key-values of later features, by column.
    std::vector<std::pair<Column, std::pair<core::Bytes, core::Bytes>>> extra;
};

/// What removing one block from the top of the chain deletes (a devnet's evm_revert, decision
/// 008): the block, its canonical number, certificate and transaction index entries, and the
/// keys later features wrote for it. Trie nodes and code stay: they are addressed by hash and
/// shared with the blocks that remain.
struct BlockRemoval {
    core::Hash hash;
    std::uint64_t number = 0;
    std::vector<core::Hash> tx_hashes;
    std::vector<std::pair<Column, core::Bytes>> extra;  ///< keys to delete, by column
};

/// Why a block was not committed. Nothing is written in either case, but they call for
/// opposite answers: a block that does not fit the head is the caller's race or mistake (go
/// on), a database that refused the write is a fault of this node (stop, never go on as if
/// the block were not there).
struct CommitError {
    enum class Kind { kRejected, kStorage };
    Kind kind;
    std::string message;
};

class ChainDb;

/// A trie node store over the database: reads fall through to RocksDB, writes are kept
/// until take_pending() hands them to a BlockWrite, so state changes commit with their block.
///
/// It checks what it reads (a node read from the database whose Keccak-256 is not its key is a
/// corrupted file: answered absent and recorded in ChainDb::fault(), as a failed read is) and
/// answers from the database's NodeCache of nodes already checked or written.
class DbNodeStore final : public core::NodeStore {
  public:
    explicit DbNodeStore(const ChainDb& db) : db_(db) {}
    [[nodiscard]] std::optional<core::Bytes> get_node(const core::Hash& hash) const override;
    void put_node(const core::Hash& hash, core::ByteView rlp) override;
    [[nodiscard]] bool checks_hashes() const noexcept override { return true; }
    /// Moves out the nodes written since the last call.
    [[nodiscard]] std::vector<std::pair<core::Hash, core::Bytes>> take_pending();
    /// Forgets pending nodes (a block that was not committed).
    void discard_pending() { pending_.clear(); }

  private:
    const ChainDb& db_;
    std::map<core::Hash, core::Bytes> pending_;
};

/// Contract code from the database, for the EVM's state.
class DbCodeStore final : public evm::CodeStore {
  public:
    explicit DbCodeStore(const ChainDb& db) : db_(db) {}
    [[nodiscard]] std::optional<core::Bytes> get_code(const core::Hash& code_hash) const override;

  private:
    const ChainDb& db_;
};

/// The chain database. Thread-safe for concurrent reads and one writer.
class ChainDb {
  public:
    /// Opens or creates the database in `dir`. A new database records `identity`. An existing
    /// one must carry our magic, our schema version and the same identity; otherwise the open
    /// fails with a clear message and nothing on disk is changed.
    [[nodiscard]] static std::expected<std::unique_ptr<ChainDb>, std::string> open(
        const std::filesystem::path& dir, const ChainIdentity& identity);

    ~ChainDb();
    ChainDb(const ChainDb&) = delete;
    ChainDb& operator=(const ChainDb&) = delete;

    /// Writes a block and everything that goes with it atomically (synced), and moves the head.
    /// The block must be head + 1 (or 0 on an empty database).
    [[nodiscard]] std::expected<void, CommitError> commit_block(const BlockWrite& block);

    /// Removes the blocks above `to` and makes it the head, atomically (one synced batch).
    /// `removals` must name every block from the head down to to.number + 1, in that order,
    /// and `to` must be the canonical block at its number; otherwise nothing is written.
    [[nodiscard]] std::expected<void, CommitError> rewind(const Head& to, const std::vector<BlockRemoval>& removals);

    [[nodiscard]] std::optional<Head> head() const;
    [[nodiscard]] const ChainIdentity& identity() const noexcept { return identity_; }

    [[nodiscard]] std::optional<core::Hash> hash_by_number(std::uint64_t number) const;
    [[nodiscard]] std::optional<core::Bytes> header(const core::Hash& hash) const;
    [[nodiscard]] std::optional<core::Bytes> body(const core::Hash& hash) const;
    [[nodiscard]] std::optional<core::Bytes> receipts(const core::Hash& hash) const;
    [[nodiscard]] std::optional<TxLocation> tx_location(const core::Hash& txn_hash) const;
    [[nodiscard]] std::optional<core::Bytes> trie_node(const core::Hash& hash) const;
    [[nodiscard]] std::optional<core::Bytes> code(const core::Hash& hash) const;
    [[nodiscard]] std::optional<core::Bytes> certificate(std::uint64_t number) const;
    /// A value of a column by raw key (for columns added by later features).
    [[nodiscard]] std::optional<core::Bytes> get(Column column, core::ByteView key) const;

    /// The first read that failed for another reason than an absent key (an I/O error, a
    /// corrupted file), or nothing. The readers above answer such a read as absent, so every
    /// result computed since the fault is suspect: whoever is about to act on one (vote on a
    /// block, commit it) asks here first and stops instead (a fault is not invalid data).
    /// Sticky until the database is reopened.
    [[nodiscard]] std::optional<std::string> fault() const;
    /// Records a fault found by a reader (a stored value that contradicts its key).
    void record_fault(const std::string& what) const;
    /// State trie nodes read and checked, or committed (DbNodeStore).
    [[nodiscard]] NodeCache& node_cache() const noexcept { return node_cache_; }

  private:
    ChainDb() = default;
    /// Absent when the key is not there, or when the read failed (recorded in fault()).
    [[nodiscard]] std::optional<core::Bytes> read(Column column, core::ByteView key) const;

    std::unique_ptr<rocksdb::DB> db_;
    std::vector<rocksdb::ColumnFamilyHandle*> columns_;
    ChainIdentity identity_;
    mutable std::mutex fault_mutex_;
    mutable std::optional<std::string> fault_;
    mutable NodeCache node_cache_;
    /// Code and screening statistics (decision 005) of at most kMaxCachedCodeBytes, by hash:
    /// every block, admission and verdict reads the statistics of the accounts it touches, and
    /// those reads were 2.9% of a loaded localnet's CPU in RocksDB lookups (scripts/profile.sh).
    /// Content-addressed like the trie nodes, so never stale.
    mutable NodeCache code_cache_{std::size_t{1} << 14};
};

/// The 8-byte big-endian key of a block number.
[[nodiscard]] core::Bytes number_key(std::uint64_t number);

}  // namespace moe::node
