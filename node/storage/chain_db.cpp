#include "node/storage/chain_db.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <mutex>

#include "core/keccak.hpp"
#include "node/log.hpp"

namespace moe::node {

namespace {

/// Larger code is left to RocksDB's own cache: 16,384 slots of at most this stay under 64 MiB.
constexpr std::size_t kMaxCachedCodeBytes = 4096;

using core::Bytes;
using core::ByteView;
using core::Hash;

constexpr std::string_view kMagic = "moechain-chaindb";

// "default" is RocksDB's kDefaultColumnFamilyName.
constexpr std::array<std::string_view, static_cast<std::size_t>(Column::kCount)> kColumnNames = {
    "default", "headers", "canonical", "bodies", "receipts",
    "tx_index", "trie_nodes", "code", "certificates", "consensus_data", "validator_sets", "evidence", "verdicts",
};

// Keys of the metadata column.
constexpr std::string_view kKeyMagic = "magic";
constexpr std::string_view kKeySchema = "schema_version";
constexpr std::string_view kKeyChainId = "chain_id";
constexpr std::string_view kKeyGenesis = "genesis_hash";
constexpr std::string_view kKeyHead = "head";

rocksdb::Slice slice(ByteView v) { return {reinterpret_cast<const char*>(v.data()), v.size()}; }
rocksdb::Slice slice(std::string_view v) { return {v.data(), v.size()}; }

Bytes be64(std::uint64_t v) {
    Bytes out(8);
    for (int i = 7; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
        v >>= 8;
    }
    return out;
}

std::uint64_t read_be64(ByteView b) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | b[i];
    return v;
}

rocksdb::ColumnFamilyOptions column_options() {
    // One block cache for every column; bloom filters make lookups of missing keys (new
    // transaction hashes, absent trie nodes) cheap, as measured in DESIGN.md.
    static const std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(64 << 20);
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = cache;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
    rocksdb::ColumnFamilyOptions cf;
    cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    return cf;
}

std::string describe(const rocksdb::Status& s) { return s.ToString(); }

/// Checks what an existing database says about itself, from a read-only open that changes
/// nothing on disk.
std::expected<void, std::string> check_existing(const std::filesystem::path& dir, const ChainIdentity& identity) {
    std::vector<std::string> families;
    auto s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.string(), &families);
    if (!s.ok()) return std::unexpected(dir.string() + " is not a RocksDB database: " + describe(s));
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const std::string& f : families) descriptors.emplace_back(f, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir.string(), descriptors, &handles, &raw);
    if (!s.ok()) return std::unexpected("cannot read the database in " + dir.string() + ": " + describe(s));
    std::unique_ptr<rocksdb::DB> db(raw);
    auto cleanup = [&] {
        for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    };
    auto meta = [&](std::string_view key) -> std::optional<std::string> {
        std::string v;
        if (!db->Get(rocksdb::ReadOptions(), db->DefaultColumnFamily(), slice(key), &v).ok()) return std::nullopt;
        return v;
    };
    std::expected<void, std::string> result;
    const auto magic = meta(kKeyMagic);
    const auto schema = meta(kKeySchema);
    if (!magic || *magic != kMagic) {
        result = std::unexpected(dir.string() + " holds a RocksDB database that is not a moechain chain database; refusing to use it");
    } else if (!schema || schema->size() != 8 || read_be64(core::as_bytes(*schema)) != kSchemaVersion) {
        const std::string found = schema && schema->size() == 8 ? std::to_string(read_be64(core::as_bytes(*schema))) : "unknown";
        result = std::unexpected("the database in " + dir.string() + " has schema version " + found + "; this moed uses version " +
                                 std::to_string(kSchemaVersion) + " (left untouched)");
    } else {
        const auto chain = meta(kKeyChainId);
        const auto genesis = meta(kKeyGenesis);
        if (!chain || chain->size() != 8 || read_be64(core::as_bytes(*chain)) != identity.chain_id || !genesis ||
            *genesis != std::string(identity.genesis_hash.bytes.begin(), identity.genesis_hash.bytes.end())) {
            result = std::unexpected("the database in " + dir.string() + " belongs to another chain (chain id or genesis hash differ)");
        }
    }
    cleanup();
    return result;
}

}  // namespace

Bytes number_key(std::uint64_t number) { return be64(number); }

std::optional<Bytes> DbNodeStore::get_node(const Hash& hash) const {
    if (auto it = pending_.find(hash); it != pending_.end()) return it->second;
    if (auto cached = db_.node_cache().get(hash)) return cached;
    auto rlp = db_.trie_node(hash);
    if (!rlp) return std::nullopt;
    if (core::keccak256(*rlp) != hash) {
        db_.record_fault("state trie node " + hash.hex() + " does not match its hash (a corrupted file)");
        return std::nullopt;
    }
    db_.node_cache().put(hash, *rlp);
    return rlp;
}

std::optional<Bytes> DbCodeStore::get_code(const Hash& code_hash) const { return db_.code(code_hash); }

void DbNodeStore::put_node(const Hash& hash, ByteView rlp) { pending_[hash] = Bytes(rlp.begin(), rlp.end()); }

std::vector<std::pair<Hash, Bytes>> DbNodeStore::take_pending() {
    std::vector<std::pair<Hash, Bytes>> out(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
    pending_.clear();
    return out;
}

std::expected<std::unique_ptr<ChainDb>, std::string> ChainDb::open(const std::filesystem::path& dir,
                                                                    const ChainIdentity& identity) {
    std::error_code ec;
    const bool exists = std::filesystem::exists(dir, ec);
    const bool is_new = !exists || std::filesystem::is_empty(dir, ec);
    if (exists && !std::filesystem::is_directory(dir, ec)) {
        return std::unexpected(dir.string() + " exists and is not a directory");
    }
    if (!is_new) {
        if (!std::filesystem::exists(dir / "CURRENT", ec)) {
            return std::unexpected(dir.string() + " is not empty and holds no database; refusing to write into it");
        }
        if (auto ok = check_existing(dir, identity); !ok) return std::unexpected(ok.error());
    }

    if (is_new) {
        std::filesystem::create_directories(dir, ec);
        if (ec) return std::unexpected("cannot create " + dir.string() + ": " + ec.message());
    }
    rocksdb::DBOptions options;
    options.create_if_missing = is_new;
    options.create_missing_column_families = true;
    options.max_background_jobs = 2;
    options.keep_log_file_num = 4;
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (std::string_view name : kColumnNames) descriptors.emplace_back(std::string(name), column_options());

    std::unique_ptr<ChainDb> chain(new ChainDb());
    rocksdb::DB* raw = nullptr;
    auto s = rocksdb::DB::Open(options, dir.string(), descriptors, &chain->columns_, &raw);
    if (!s.ok()) return std::unexpected("cannot open the database in " + dir.string() + ": " + describe(s));
    chain->db_.reset(raw);
    chain->identity_ = identity;

    if (is_new) {
        rocksdb::WriteBatch batch;
        auto* meta = chain->columns_[0];
        batch.Put(meta, slice(kKeyMagic), slice(kMagic));
        batch.Put(meta, slice(kKeySchema), slice(be64(kSchemaVersion)));
        batch.Put(meta, slice(kKeyChainId), slice(be64(identity.chain_id)));
        batch.Put(meta, slice(kKeyGenesis), slice(identity.genesis_hash.view()));
        rocksdb::WriteOptions wo;
        wo.sync = true;
        s = chain->db_->Write(wo, &batch);
        if (!s.ok()) return std::unexpected("cannot initialise the database: " + describe(s));
    }
    return chain;
}

ChainDb::~ChainDb() {
    if (!db_) return;
    for (auto* h : columns_) db_->DestroyColumnFamilyHandle(h);
    db_->Close();
}

std::expected<void, CommitError> ChainDb::commit_block(const BlockWrite& block) {
    const auto current = head();
    const std::uint64_t expected = current ? current->number + 1 : 0;
    if (block.number != expected) {
        return std::unexpected(CommitError{CommitError::Kind::kRejected, "block " + std::to_string(block.number) +
                                                                             " does not follow the head (expected " +
                                                                             std::to_string(expected) + ")"});
    }
    auto col = [&](Column c) { return columns_[static_cast<std::size_t>(c)]; };
    rocksdb::WriteBatch batch;
    batch.Put(col(Column::kHeaders), slice(block.hash.view()), slice(block.header_rlp));
    batch.Put(col(Column::kBodies), slice(block.hash.view()), slice(block.body_rlp));
    batch.Put(col(Column::kReceipts), slice(block.hash.view()), slice(block.receipts_rlp));
    batch.Put(col(Column::kCanonical), slice(be64(block.number)), slice(block.hash.view()));
    for (std::size_t i = 0; i < block.tx_hashes.size(); ++i) {
        Bytes location = be64(block.number);
        for (int shift = 24; shift >= 0; shift -= 8) location.push_back(static_cast<std::uint8_t>(i >> shift));
        batch.Put(col(Column::kTxIndex), slice(block.tx_hashes[i].view()), slice(location));
    }
    for (const auto& [hash, node] : block.trie_nodes) batch.Put(col(Column::kTrieNodes), slice(hash.view()), slice(node));
    for (const auto& [hash, code] : block.code) batch.Put(col(Column::kCode), slice(hash.view()), slice(code));
    if (block.certificate) batch.Put(col(Column::kCertificates), slice(be64(block.number)), slice(*block.certificate));
    for (const auto& [column, kv] : block.extra) batch.Put(col(column), slice(kv.first), slice(kv.second));
    Bytes head_value = be64(block.number);
    head_value.insert(head_value.end(), block.hash.bytes.begin(), block.hash.bytes.end());
    batch.Put(col(Column::kMeta), slice(kKeyHead), slice(head_value));

    rocksdb::WriteOptions wo;
    wo.sync = true;  // a committed block survives a power loss
    const auto s = db_->Write(wo, &batch);
    if (!s.ok()) {
        return std::unexpected(CommitError{CommitError::Kind::kStorage,
                                           "cannot commit block " + std::to_string(block.number) + ": " + describe(s)});
    }
    // The new state's nodes are what the next admissions, verdicts and block read first.
    for (const auto& [hash, node] : block.trie_nodes) node_cache_.put(hash, node);
    for (const auto& [hash, code] : block.code) {
        if (code.size() <= kMaxCachedCodeBytes) code_cache_.put(hash, code);
    }
    return {};
}

std::expected<void, CommitError> ChainDb::rewind(const Head& to, const std::vector<BlockRemoval>& removals) {
    auto reject = [](std::string m) { return std::unexpected(CommitError{CommitError::Kind::kRejected, std::move(m)}); };
    const auto current = head();
    if (!current) return reject("the database has no head");
    if (to.number > current->number) return reject("block " + std::to_string(to.number) + " is above the head");
    if (hash_by_number(to.number) != to.hash) return reject("block " + std::to_string(to.number) + " is not the canonical one");
    if (removals.size() != current->number - to.number) return reject("the removals do not span the blocks above the new head");
    auto col = [&](Column c) { return columns_[static_cast<std::size_t>(c)]; };
    rocksdb::WriteBatch batch;
    std::uint64_t number = current->number;
    for (const BlockRemoval& r : removals) {
        if (r.number != number || hash_by_number(number) != r.hash) {
            return reject("removal of block " + std::to_string(r.number) + " is not the canonical block " + std::to_string(number));
        }
        batch.Delete(col(Column::kHeaders), slice(r.hash.view()));
        batch.Delete(col(Column::kBodies), slice(r.hash.view()));
        batch.Delete(col(Column::kReceipts), slice(r.hash.view()));
        batch.Delete(col(Column::kCanonical), slice(be64(r.number)));
        batch.Delete(col(Column::kCertificates), slice(be64(r.number)));
        for (const Hash& t : r.tx_hashes) batch.Delete(col(Column::kTxIndex), slice(t.view()));
        for (const auto& [column, key] : r.extra) batch.Delete(col(column), slice(key));
        --number;
    }
    Bytes head_value = be64(to.number);
    head_value.insert(head_value.end(), to.hash.bytes.begin(), to.hash.bytes.end());
    batch.Put(col(Column::kMeta), slice(kKeyHead), slice(head_value));
    rocksdb::WriteOptions wo;
    wo.sync = true;
    const auto s = db_->Write(wo, &batch);
    if (!s.ok()) {
        return std::unexpected(CommitError{CommitError::Kind::kStorage,
                                           "cannot rewind to block " + std::to_string(to.number) + ": " + describe(s)});
    }
    return {};
}

std::optional<Bytes> ChainDb::read(Column column, ByteView key) const {
    std::string value;
    const auto s = db_->Get(rocksdb::ReadOptions(), columns_[static_cast<std::size_t>(column)], slice(key), &value);
    if (s.ok()) return Bytes(value.begin(), value.end());
    if (!s.IsNotFound()) record_fault("database read failed (column " + std::to_string(static_cast<int>(column)) + "): " + s.ToString());
    return std::nullopt;
}

std::optional<std::string> ChainDb::fault() const {
    const std::lock_guard lock(fault_mutex_);
    return fault_;
}

void ChainDb::record_fault(const std::string& what) const {
    const std::lock_guard lock(fault_mutex_);
    if (fault_) return;
    fault_ = what;
    log::error("storage", what);
}

std::optional<Head> ChainDb::head() const {
    auto v = read(Column::kMeta, core::as_bytes(kKeyHead));
    if (!v || v->size() != 40) return std::nullopt;
    return Head{read_be64(*v), Hash::from_view(ByteView(*v).subspan(8)).value()};
}

std::optional<Hash> ChainDb::hash_by_number(std::uint64_t number) const {
    auto v = read(Column::kCanonical, be64(number));
    if (!v || v->size() != 32) return std::nullopt;
    return Hash::from_view(*v).value();
}

std::optional<Bytes> ChainDb::header(const Hash& hash) const { return read(Column::kHeaders, hash.view()); }
std::optional<Bytes> ChainDb::body(const Hash& hash) const { return read(Column::kBodies, hash.view()); }
std::optional<Bytes> ChainDb::receipts(const Hash& hash) const { return read(Column::kReceipts, hash.view()); }
std::optional<Bytes> ChainDb::trie_node(const Hash& hash) const { return read(Column::kTrieNodes, hash.view()); }
std::optional<Bytes> ChainDb::code(const Hash& hash) const {
    if (auto cached = code_cache_.get(hash)) return cached;
    auto bytes = read(Column::kCode, hash.view());
    if (bytes && bytes->size() <= kMaxCachedCodeBytes) code_cache_.put(hash, *bytes);
    return bytes;
}
std::optional<Bytes> ChainDb::certificate(std::uint64_t number) const { return read(Column::kCertificates, be64(number)); }
std::optional<Bytes> ChainDb::get(Column column, ByteView key) const { return read(column, key); }

std::optional<TxLocation> ChainDb::tx_location(const Hash& txn_hash) const {
    auto v = read(Column::kTxIndex, txn_hash.view());
    if (!v || v->size() != 12) return std::nullopt;
    TxLocation loc;
    loc.block_number = read_be64(*v);
    loc.index = (static_cast<std::uint32_t>((*v)[8]) << 24) | (static_cast<std::uint32_t>((*v)[9]) << 16) |
                (static_cast<std::uint32_t>((*v)[10]) << 8) | (*v)[11];
    return loc;
}

}  // namespace moe::node
