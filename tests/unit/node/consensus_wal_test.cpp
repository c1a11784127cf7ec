#include "node/consensus_wal.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace moe::node {
namespace {

namespace fs = std::filesystem;

class ConsensusWalTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("moe_wal_" + std::to_string(::getpid()) + "_" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path file() const { return dir_ / "wal" / "consensus.wal"; }

    fs::path dir_;
};

WalRecord record(WalRecordType type, std::uint8_t fill, std::size_t size) {
    return WalRecord{type, core::Bytes(size, fill)};
}

TEST_F(ConsensusWalTest, RecordsSurviveAReopenInOrder) {
    {
        auto wal = ConsensusWal::open(file());
        ASSERT_TRUE(wal) << wal.error();
        EXPECT_TRUE((*wal)->records().empty());
        ASSERT_TRUE((*wal)->append(record(WalRecordType::kHeight, 1, 8)));
        ASSERT_TRUE((*wal)->append(record(WalRecordType::kOwnVote, 2, 120)));
        ASSERT_TRUE((*wal)->append(record(WalRecordType::kTimeout, 3, 0)));
    }
    auto wal = ConsensusWal::open(file());
    ASSERT_TRUE(wal) << wal.error();
    const auto& r = (*wal)->records();
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].type, WalRecordType::kHeight);
    EXPECT_EQ(r[1].type, WalRecordType::kOwnVote);
    EXPECT_EQ(r[1].body, core::Bytes(120, 2));
    EXPECT_TRUE(r[2].body.empty());
}

TEST_F(ConsensusWalTest, ATornLastRecordIsDroppedAndAppendingGoesOn) {
    {
        auto wal = ConsensusWal::open(file());
        ASSERT_TRUE(wal);
        ASSERT_TRUE((*wal)->append(record(WalRecordType::kHeight, 1, 8)));
        ASSERT_TRUE((*wal)->append(record(WalRecordType::kVote, 2, 100)));
    }
    const auto full = fs::file_size(file());
    for (std::uintmax_t cut = 1; cut < 100 + 9; cut += 7) {
        fs::resize_file(file(), full - cut);
        auto wal = ConsensusWal::open(file());
        ASSERT_TRUE(wal) << "cut " << cut << ": " << wal.error();
        ASSERT_EQ((*wal)->records().size(), 1u) << "cut " << cut;
        ASSERT_TRUE((*wal)->append(record(WalRecordType::kVote, 2, 100)));
    }
    auto wal = ConsensusWal::open(file());
    ASSERT_TRUE(wal);
    EXPECT_EQ((*wal)->records().size(), 2u);
}

TEST_F(ConsensusWalTest, DamageBeforeTheEndIsAnErrorAndTheFileIsLeftAlone) {
    {
        auto wal = ConsensusWal::open(file());
        ASSERT_TRUE(wal);
        ASSERT_TRUE((*wal)->append(record(WalRecordType::kVote, 2, 64)));
        ASSERT_TRUE((*wal)->append(record(WalRecordType::kVote, 3, 64)));
    }
    {
        std::fstream f(file(), std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(40);  // inside the first record's body
        f.put('\xff');
    }
    const auto size = fs::file_size(file());
    auto wal = ConsensusWal::open(file());
    ASSERT_FALSE(wal);
    EXPECT_NE(wal.error().find("checksum"), std::string::npos) << wal.error();
    EXPECT_EQ(fs::file_size(file()), size);
}

TEST_F(ConsensusWalTest, AForeignFileIsRefused) {
    fs::create_directories(file().parent_path());
    std::ofstream(file()) << "not a wal at all";
    auto wal = ConsensusWal::open(file());
    ASSERT_FALSE(wal);
    EXPECT_NE(wal.error().find("not a moechain consensus WAL"), std::string::npos);
}

TEST_F(ConsensusWalTest, RewriteKeepsOnlyWhatItIsGiven) {
    auto wal = ConsensusWal::open(file());
    ASSERT_TRUE(wal);
    ASSERT_TRUE((*wal)->append(record(WalRecordType::kVote, 2, 64)));
    ASSERT_TRUE((*wal)->rewrite({record(WalRecordType::kHeight, 9, 8)}));
    ASSERT_TRUE((*wal)->append(record(WalRecordType::kOwnVote, 4, 10)));
    wal->reset();
    auto again = ConsensusWal::open(file());
    ASSERT_TRUE(again);
    ASSERT_EQ((*again)->records().size(), 2u);
    EXPECT_EQ((*again)->records()[0].body, core::Bytes(8, 9));
    EXPECT_EQ((*again)->records()[1].type, WalRecordType::kOwnVote);
}

}  // namespace
}  // namespace moe::node
