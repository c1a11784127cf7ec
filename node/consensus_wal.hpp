#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/bytes.hpp"

/// The consensus write-ahead log (decision 003): every message and timeout is appended, and
/// synced, before the state machine acts on it, so that a restarted validator replays exactly
/// what it had seen and signs nothing that conflicts with what it signed before.
namespace moe::node {

/// What a record holds. The WAL stores bodies as given; the consensus driver defines them.
enum class WalRecordType : std::uint8_t {
    kHeight = 1,       ///< a height started: u64
    kProposal = 2,     ///< a proposal received, its block, consensus data and validity
    kVote = 3,         ///< a vote received from a peer
    kTimeout = 4,      ///< a timeout fired: height, round, step
    kOwnVote = 5,      ///< a vote this validator signed (logged before it is sent)
    kOwnProposal = 6,  ///< a proposal this validator signed, with its block
};

struct WalRecord {
    WalRecordType type = WalRecordType::kHeight;
    core::Bytes body;
};

/// An append-only file of checksummed records. A record cut short by a crash at the end of the
/// file is dropped at open; a damaged record before the end is an error, never skipped.
class ConsensusWal {
  public:
    /// Opens (creating it and its folder if missing) and reads every record.
    [[nodiscard]] static std::expected<std::unique_ptr<ConsensusWal>, std::string> open(const std::filesystem::path& file);
    ~ConsensusWal();
    ConsensusWal(const ConsensusWal&) = delete;
    ConsensusWal& operator=(const ConsensusWal&) = delete;

    /// The records found at open, in order.
    [[nodiscard]] const std::vector<WalRecord>& records() const noexcept { return records_; }
    /// Appends a record and syncs it to disk before returning.
    [[nodiscard]] std::expected<void, std::string> append(const WalRecord& record);
    /// Replaces the file by one holding `keep` (atomically: a temporary file, synced, renamed),
    /// so the log holds only what the current height still needs.
    [[nodiscard]] std::expected<void, std::string> rewrite(const std::vector<WalRecord>& keep);

    /// The largest record accepted; a larger length in the file is damage.
    static constexpr std::size_t kMaxRecordBytes = 64 * 1024 * 1024;

  private:
    ConsensusWal() = default;
    std::filesystem::path path_;
    int fd_ = -1;
    std::vector<WalRecord> records_;
};

}  // namespace moe::node
