#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "../../integration/storage_blocks.hpp"
#include "core/keccak.hpp"
#include "core/trie.hpp"
#include "node/storage/chain_db.hpp"

namespace fs = std::filesystem;
using namespace moe;
using node::ChainDb;

namespace {

class ChainDbTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("moe_chaindb_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    /// Every file under the directory with its bytes, to prove a refused open changed nothing.
    std::map<std::string, std::string> snapshot() const {
        std::map<std::string, std::string> files;
        for (const auto& e : fs::recursive_directory_iterator(dir_)) {
            if (!e.is_regular_file()) continue;
            std::ifstream in(e.path(), std::ios::binary);
            files[e.path().string()] = std::string(std::istreambuf_iterator<char>(in), {});
        }
        return files;
    }

    fs::path dir_;
};

}  // namespace

TEST_F(ChainDbTest, CommitsAndReadsBlocksAcrossReopen) {
    {
        auto db = ChainDb::open(dir_, test::test_identity());
        ASSERT_TRUE(db.has_value()) << db.error();
        EXPECT_FALSE((*db)->head().has_value());
        for (std::uint64_t n = 0; n < 5; ++n) ASSERT_TRUE((*db)->commit_block(test::make_block(n)).has_value());
        EXPECT_EQ((*db)->head()->number, 4u);
    }
    auto db = ChainDb::open(dir_, test::test_identity());
    ASSERT_TRUE(db.has_value()) << db.error();
    EXPECT_EQ((*db)->head()->number, 4u);
    const auto b3 = test::make_block(3);
    EXPECT_EQ((*db)->hash_by_number(3), b3.hash);
    EXPECT_EQ((*db)->header(b3.hash), b3.header_rlp);
    EXPECT_EQ((*db)->receipts(b3.hash), b3.receipts_rlp);
    EXPECT_EQ((*db)->tx_location(b3.tx_hashes[7])->index, 7u);
    EXPECT_FALSE((*db)->hash_by_number(5).has_value());
    EXPECT_FALSE((*db)->tx_location(core::keccak256(core::as_bytes("nope"))).has_value());
    EXPECT_FALSE((*db)->fault().has_value()) << "an absent key is not a fault";
}

TEST_F(ChainDbTest, BlocksMustFollowTheHead) {
    auto db = ChainDb::open(dir_, test::test_identity());
    ASSERT_TRUE(db.has_value());
    EXPECT_FALSE((*db)->commit_block(test::make_block(1)).has_value());
    ASSERT_TRUE((*db)->commit_block(test::make_block(0)).has_value());
    EXPECT_FALSE((*db)->commit_block(test::make_block(0)).has_value());
    EXPECT_FALSE((*db)->commit_block(test::make_block(2)).has_value());
    EXPECT_EQ((*db)->head()->number, 0u);
}

namespace {

/// The removal of a block made by test::make_block, with one extra key of a later feature.
node::BlockRemoval removal_of(const node::BlockWrite& b) {
    return {b.hash, b.number, b.tx_hashes, {{node::Column::kConsensusData, b.hash.to_bytes()}}};
}

}  // namespace

TEST_F(ChainDbTest, RewindRemovesTheBlocksAboveTheNewHeadAndKeepsTheirTrieNodes) {
    {
        auto db = ChainDb::open(dir_, test::test_identity());
        ASSERT_TRUE(db.has_value()) << db.error();
        for (std::uint64_t n = 0; n < 6; ++n) {
            node::BlockWrite b = test::make_block(n);
            b.extra.push_back({node::Column::kConsensusData, {b.hash.to_bytes(), core::Bytes{1, 2, 3}}});
            ASSERT_TRUE((*db)->commit_block(b).has_value());
        }
        const auto b2 = test::make_block(2);
        std::vector<node::BlockRemoval> removals;
        for (std::uint64_t n = 5; n > 2; --n) removals.push_back(removal_of(test::make_block(n)));
        ASSERT_TRUE((*db)->rewind({2, b2.hash}, removals).has_value());
    }
    auto db = ChainDb::open(dir_, test::test_identity());  // the rewind is on disk
    ASSERT_TRUE(db.has_value()) << db.error();
    EXPECT_EQ((*db)->head()->number, 2u);
    EXPECT_EQ((*db)->head()->hash, test::make_block(2).hash);
    for (std::uint64_t n = 3; n < 6; ++n) {
        const auto b = test::make_block(n);
        EXPECT_FALSE((*db)->hash_by_number(n).has_value()) << n;
        EXPECT_FALSE((*db)->header(b.hash).has_value());
        EXPECT_FALSE((*db)->body(b.hash).has_value());
        EXPECT_FALSE((*db)->receipts(b.hash).has_value());
        EXPECT_FALSE((*db)->certificate(n).has_value());
        EXPECT_FALSE((*db)->tx_location(b.tx_hashes[0]).has_value());
        EXPECT_FALSE((*db)->get(node::Column::kConsensusData, b.hash.view()).has_value());
        // Nodes are addressed by hash and may be shared with the blocks that stay.
        EXPECT_TRUE((*db)->trie_node(b.trie_nodes[0].first).has_value());
    }
    const auto b2 = test::make_block(2);
    EXPECT_EQ((*db)->tx_location(b2.tx_hashes[3])->block_number, 2u);
    EXPECT_TRUE((*db)->get(node::Column::kConsensusData, b2.hash.view()).has_value());
    // The chain grows again from the new head.
    EXPECT_TRUE((*db)->commit_block(test::make_block(3)).has_value());
    EXPECT_EQ((*db)->head()->number, 3u);
}

TEST_F(ChainDbTest, RewindRefusesRemovalsThatDoNotSpanTheBlocksAboveAndChangesNothing) {
    auto db = ChainDb::open(dir_, test::test_identity());
    ASSERT_TRUE(db.has_value()) << db.error();
    for (std::uint64_t n = 0; n < 5; ++n) ASSERT_TRUE((*db)->commit_block(test::make_block(n)).has_value());
    const auto b1 = test::make_block(1);
    auto refused = [&](const node::Head& to, const std::vector<node::BlockRemoval>& removals) {
        auto r = (*db)->rewind(to, removals);
        return !r && r.error().kind == node::CommitError::Kind::kRejected;
    };
    // One block short, out of order, a foreign hash, a new head that is not canonical, above the head.
    EXPECT_TRUE(refused({1, b1.hash}, {removal_of(test::make_block(4)), removal_of(test::make_block(3))}));
    EXPECT_TRUE(refused({1, b1.hash}, {removal_of(test::make_block(2)), removal_of(test::make_block(3)),
                                       removal_of(test::make_block(4))}));
    node::BlockRemoval foreign = removal_of(test::make_block(4));
    foreign.hash = core::keccak256(core::as_bytes("another block"));
    EXPECT_TRUE(refused({3, test::make_block(3).hash}, {foreign}));
    EXPECT_TRUE(refused({3, b1.hash}, {removal_of(test::make_block(4))}));
    EXPECT_TRUE(refused({7, b1.hash}, {}));
    EXPECT_EQ((*db)->head()->number, 4u);
    for (std::uint64_t n = 0; n < 5; ++n) EXPECT_EQ((*db)->hash_by_number(n), test::make_block(n).hash);
    // Rewinding to the head itself removes nothing.
    EXPECT_TRUE((*db)->rewind({4, test::make_block(4).hash}, {}).has_value());
    EXPECT_EQ((*db)->head()->number, 4u);
}

TEST_F(ChainDbTest, TrieNodesCommitWithTheirBlock) {
    auto db = ChainDb::open(dir_, test::test_identity());
    ASSERT_TRUE(db.has_value());
    node::DbNodeStore store(**db);
    core::Trie trie(&store);
    for (int i = 0; i < 100; ++i) {
        const auto k = core::keccak256(core::as_bytes("key" + std::to_string(i)));
        ASSERT_TRUE(trie.put(k, core::as_bytes("value" + std::to_string(i))).has_value());
    }
    const core::Hash root = trie.commit(store);
    node::BlockWrite b = test::make_block(0);
    b.trie_nodes = store.take_pending();
    ASSERT_TRUE((*db)->commit_block(b).has_value());

    node::DbNodeStore fresh(**db);
    core::Trie reopened(&fresh, root);
    const auto k = core::keccak256(core::as_bytes("key42"));
    EXPECT_EQ(reopened.get(k).value().value(), core::Bytes(core::as_bytes("value42").begin(), core::as_bytes("value42").end()));
}

TEST_F(ChainDbTest, ATrieNodeThatDoesNotMatchItsHashIsAFaultNotAnAnswer) {
    core::Hash root;
    const auto k = core::keccak256(core::as_bytes("key7"));
    {
        auto db = ChainDb::open(dir_, test::test_identity());
        ASSERT_TRUE(db.has_value());
        node::DbNodeStore store(**db);
        core::Trie trie(&store);
        for (int i = 0; i < 20; ++i) {
            ASSERT_TRUE(trie.put(core::keccak256(core::as_bytes("key" + std::to_string(i))), core::as_bytes("v")).has_value());
        }
        root = trie.commit(store);
        node::BlockWrite b = test::make_block(0);
        b.trie_nodes = store.take_pending();
        ASSERT_TRUE((*db)->commit_block(b).has_value());
        // Read once, so the node cache holds the root: reads after a reopen start cold.
        core::Trie read(&store, root);
        ASSERT_TRUE(read.get(k).has_value());
    }
    {
        auto db = ChainDb::open(dir_, test::test_identity());
        ASSERT_TRUE(db.has_value());
        auto damaged = (*db)->trie_node(root).value();
        damaged.back() ^= 1;
        node::BlockWrite b = test::make_block(1);
        b.trie_nodes = {{root, damaged}};  // the file now holds other bytes under the root's hash
        ASSERT_TRUE((*db)->commit_block(b).has_value());
    }
    auto db = ChainDb::open(dir_, test::test_identity());
    ASSERT_TRUE(db.has_value());
    node::DbNodeStore store(**db);
    core::Trie trie(&store, root);
    EXPECT_FALSE(trie.get(k).has_value());
    ASSERT_TRUE((*db)->fault().has_value());
    EXPECT_NE((*db)->fault()->find("does not match its hash"), std::string::npos) << *(*db)->fault();
    EXPECT_TRUE((*db)->trie_node(root).has_value());  // the raw read answers what is stored
}

TEST(NodeCache, AnswersWhatWasPutAndASlotKeepsTheNewest) {
    node::NodeCache one(1);
    const core::Hash a = core::keccak256(core::as_bytes("a"));
    const core::Hash b = core::keccak256(core::as_bytes("b"));
    EXPECT_FALSE(one.get(a).has_value());
    one.put(a, core::as_bytes("node a"));
    EXPECT_EQ(one.get(a), core::Bytes(core::as_bytes("node a").begin(), core::as_bytes("node a").end()));
    EXPECT_FALSE(one.get(b).has_value());
    one.put(b, core::as_bytes("node b"));  // one slot: b replaces a
    EXPECT_FALSE(one.get(a).has_value());
    EXPECT_EQ(one.get(b), core::Bytes(core::as_bytes("node b").begin(), core::as_bytes("node b").end()));
    node::NodeCache many;
    many.put(a, core::as_bytes("node a"));
    many.put(b, core::as_bytes("node b"));
    EXPECT_TRUE(many.get(a).has_value());
    EXPECT_TRUE(many.get(b).has_value());
}

TEST_F(ChainDbTest, RefusesAForeignRocksDbAndLeavesItUntouched) {
    {
        rocksdb::Options o;
        o.create_if_missing = true;
        rocksdb::DB* raw = nullptr;
        ASSERT_TRUE(rocksdb::DB::Open(o, dir_.string(), &raw).ok());
        ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), "someone", "else's data").ok());
        raw->Close();
        delete raw;
    }
    const auto before = snapshot();
    auto db = ChainDb::open(dir_, test::test_identity());
    ASSERT_FALSE(db.has_value());
    EXPECT_NE(db.error().find("not a moechain"), std::string::npos) << db.error();
    EXPECT_EQ(snapshot(), before);
}

TEST_F(ChainDbTest, RefusesAnotherSchemaVersionAndAnotherChain) {
    {
        auto db = ChainDb::open(dir_, test::test_identity());
        ASSERT_TRUE(db.has_value());
    }
    auto other = test::test_identity();
    other.chain_id = 1;
    auto db = ChainDb::open(dir_, other);
    ASSERT_FALSE(db.has_value());
    EXPECT_NE(db.error().find("another chain"), std::string::npos) << db.error();

    {
        rocksdb::Options o;
        std::vector<std::string> families;
        ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(o, dir_.string(), &families).ok());
        std::vector<rocksdb::ColumnFamilyDescriptor> d;
        for (auto& f : families) d.emplace_back(f, rocksdb::ColumnFamilyOptions());
        std::vector<rocksdb::ColumnFamilyHandle*> handles;
        rocksdb::DB* raw = nullptr;
        ASSERT_TRUE(rocksdb::DB::Open(o, dir_.string(), d, &handles, &raw).ok());
        // A version other than ours (kSchemaVersion + 1: a newer moed's database).
        std::string newer(8, '\0');
        newer[7] = static_cast<char>(node::kSchemaVersion + 1);
        ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), "schema_version", newer).ok());
        for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
        raw->Close();
        delete raw;
    }
    const auto before = snapshot();
    db = ChainDb::open(dir_, test::test_identity());
    ASSERT_FALSE(db.has_value());
    EXPECT_NE(db.error().find("schema version " + std::to_string(node::kSchemaVersion + 1)), std::string::npos) << db.error();
    EXPECT_EQ(snapshot(), before);
}

TEST_F(ChainDbTest, RefusesADirectoryOfOtherFilesAndCorruptDatabases) {
    fs::create_directories(dir_);
    std::ofstream(dir_ / "notes.txt") << "my files";
    auto before = snapshot();
    auto db = ChainDb::open(dir_, test::test_identity());
    ASSERT_FALSE(db.has_value());
    EXPECT_NE(db.error().find("holds no database"), std::string::npos) << db.error();
    EXPECT_EQ(snapshot(), before);
    fs::remove_all(dir_);

    {
        auto ok = ChainDb::open(dir_, test::test_identity());
        ASSERT_TRUE(ok.has_value());
        ASSERT_TRUE((*ok)->commit_block(test::make_block(0)).has_value());
    }
    // Garble the manifest the CURRENT file points at.
    std::string current;
    std::getline(std::ifstream(dir_ / "CURRENT"), current);
    { std::ofstream(dir_ / current, std::ios::binary | std::ios::trunc) << "garbage, not a manifest"; }
    before = snapshot();
    db = ChainDb::open(dir_, test::test_identity());
    ASSERT_FALSE(db.has_value());
    EXPECT_EQ(snapshot(), before);
    ASSERT_TRUE(fs::exists(dir_ / "CURRENT"));
    { std::ofstream(dir_ / "CURRENT", std::ios::trunc) << "\x01\x02 nonsense"; }
    EXPECT_FALSE(ChainDb::open(dir_, test::test_identity()).has_value());
}

TEST_F(ChainDbTest, ASecondOpenOfTheSameDatabaseIsRefused) {
    auto first = ChainDb::open(dir_, test::test_identity());
    ASSERT_TRUE(first.has_value());
    auto second = ChainDb::open(dir_, test::test_identity());
    ASSERT_FALSE(second.has_value());
    EXPECT_NE(second.error().find("lock"), std::string::npos) << second.error();
}

TEST_F(ChainDbTest, AReadOfACorruptedFileIsAFaultNotAnAbsentValue) {
    std::vector<node::BlockWrite> blocks;
    {
        auto db = ChainDb::open(dir_, test::test_identity());
        ASSERT_TRUE(db.has_value()) << db.error();
        for (std::uint64_t n = 0; n < 5; ++n) {
            blocks.push_back(test::make_block(n));
            ASSERT_TRUE((*db)->commit_block(blocks.back()).has_value());
        }
    }
    {
        // Into table files, as a long-running node's data is (RocksDB's own API: flush every column).
        std::vector<std::string> names;
        ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir_.string(), &names).ok());
        std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
        for (const std::string& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
        std::vector<rocksdb::ColumnFamilyHandle*> handles;
        rocksdb::DB* raw = nullptr;
        ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir_.string(), descriptors, &handles, &raw).ok());
        ASSERT_TRUE(raw->Flush(rocksdb::FlushOptions(), handles).ok());
        for (auto* h : handles) ASSERT_TRUE(raw->DestroyColumnFamilyHandle(h).ok());
        delete raw;
    }
    // A disk that returns garbage: the data blocks at the front of every table file (the
    // index and footer at the end stay readable, so the database opens).
    int garbled = 0;
    for (const auto& e : fs::directory_iterator(dir_)) {
        if (e.path().extension() != ".sst" || e.file_size() < 4096) continue;
        std::fstream f(e.path(), std::ios::binary | std::ios::in | std::ios::out);
        f.seekp(64);
        const std::string junk(e.file_size() / 4, '\x5a');
        f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
        ++garbled;
    }
    ASSERT_GT(garbled, 0);
    auto db = ChainDb::open(dir_, test::test_identity());
    ASSERT_TRUE(db.has_value()) << db.error();
    EXPECT_FALSE((*db)->fault().has_value());
    bool missing = false;
    for (const auto& b : blocks) {
        missing = missing || !(*db)->header(b.hash) || !(*db)->body(b.hash) || !(*db)->receipts(b.hash);
    }
    ASSERT_TRUE(missing) << "no read reached a garbled block";
    const auto fault = (*db)->fault();
    ASSERT_TRUE(fault.has_value()) << "a block the database holds came back absent, and nothing says the read failed";
    EXPECT_NE(fault->find("Corruption"), std::string::npos) << *fault;
}
