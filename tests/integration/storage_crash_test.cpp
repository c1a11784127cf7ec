// A writer killed with SIGKILL at random instants leaves a database that reopens at its last
// complete block: every block up to the head whole, nothing of the next one.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "storage_blocks.hpp"

namespace fs = std::filesystem;
using namespace moe;

namespace {

void expect_whole_block(const node::ChainDb& db, std::uint64_t n) {
    const node::BlockWrite b = test::make_block(n);
    ASSERT_EQ(db.hash_by_number(n), b.hash) << "block " << n;
    EXPECT_EQ(db.header(b.hash), b.header_rlp) << n;
    EXPECT_EQ(db.body(b.hash), b.body_rlp) << n;
    EXPECT_EQ(db.receipts(b.hash), b.receipts_rlp) << n;
    EXPECT_EQ(db.certificate(n), b.certificate) << n;
    for (std::size_t i = 0; i < b.tx_hashes.size(); ++i) {
        auto loc = db.tx_location(b.tx_hashes[i]);
        ASSERT_TRUE(loc.has_value()) << n;
        EXPECT_EQ(loc->block_number, n);
        EXPECT_EQ(loc->index, i);
    }
    for (const auto& [h, node] : b.trie_nodes) EXPECT_EQ(db.trie_node(h), node) << n;
}

void expect_absent_block(const node::ChainDb& db, std::uint64_t n) {
    const node::BlockWrite b = test::make_block(n);
    EXPECT_FALSE(db.hash_by_number(n).has_value()) << n;
    EXPECT_FALSE(db.header(b.hash).has_value()) << n;
    EXPECT_FALSE(db.body(b.hash).has_value()) << n;
    for (const auto& h : b.tx_hashes) EXPECT_FALSE(db.tx_location(h).has_value()) << n;
    for (const auto& [h, node] : b.trie_nodes) EXPECT_FALSE(db.trie_node(h).has_value()) << n;
}

}  // namespace

TEST(StorageCrash, SigkillWhileCommittingLeavesTheLastCompleteBlock) {
    const fs::path dir = fs::temp_directory_path() / ("moe_crash_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    std::mt19937 rng(20261123);
    std::uint64_t last_head = 0;
    bool had_head = false;
    for (int round = 0; round < 6; ++round) {
        int out[2];
        ASSERT_EQ(::pipe(out), 0);
        const pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            ::dup2(out[1], STDOUT_FILENO);
            ::close(out[0]);
            ::execl(MOE_CRASH_WRITER, MOE_CRASH_WRITER, dir.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(out[1]);
        char buf[64] = {};
        ASSERT_GT(::read(out[0], buf, sizeof buf - 1), 0) << "writer did not start";
        ::close(out[0]);
        std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 400));
        ASSERT_EQ(::kill(child, SIGKILL), 0);
        int status = 0;
        ASSERT_EQ(::waitpid(child, &status, 0), child);
        ASSERT_TRUE(WIFSIGNALED(status)) << "the writer ended before it was killed";

        auto db = node::ChainDb::open(dir, test::test_identity());
        ASSERT_TRUE(db.has_value()) << db.error();
        const auto head = (*db)->head();
        ASSERT_TRUE(head.has_value()) << "round " << round;
        EXPECT_EQ(head->hash, test::make_block(head->number).hash);
        if (had_head) {
            EXPECT_GE(head->number, last_head);
        }
        const std::uint64_t from = had_head ? last_head : 0;
        for (std::uint64_t n = from; n <= head->number; ++n) expect_whole_block(**db, n);
        expect_absent_block(**db, head->number + 1);
        last_head = head->number;
        had_head = true;
    }
    fs::remove_all(dir);
}
