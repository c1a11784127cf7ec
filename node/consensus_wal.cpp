#include "node/consensus_wal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/keccak.hpp"

namespace moe::node {

namespace {

// The file begins with this line; each record is then
//   length (4 bytes, big-endian, of type + body) | checksum (the first 4 bytes of the
//   Keccak-256 of type + body) | type (1 byte) | body
constexpr std::string_view kMagic = "moechain consensus wal v1\n";
constexpr std::size_t kRecordHeader = 8;

std::string errno_text(std::string_view what, const std::filesystem::path& p) {
    return std::string(what) + " " + p.string() + ": " + std::strerror(errno);
}

void put_u32(core::Bytes& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

std::uint32_t get_u32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

std::uint32_t checksum(core::ByteView payload) {
    const core::Hash h = core::keccak256(payload);
    return get_u32(h.bytes.data());
}

core::Bytes frame(const WalRecord& r) {
    core::Bytes payload;
    payload.reserve(1 + r.body.size());
    payload.push_back(static_cast<std::uint8_t>(r.type));
    payload.insert(payload.end(), r.body.begin(), r.body.end());
    core::Bytes out;
    out.reserve(kRecordHeader + payload.size());
    put_u32(out, static_cast<std::uint32_t>(payload.size()));
    put_u32(out, checksum(payload));
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

bool write_all(int fd, core::ByteView data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data = data.subspan(static_cast<std::size_t>(n));
    }
    return true;
}

std::expected<core::Bytes, std::string> read_whole(const std::filesystem::path& p) {
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::unexpected(errno_text("cannot open", p));
    core::Bytes out;
    std::uint8_t buf[1 << 16];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            return std::unexpected(errno_text("cannot read", p));
        }
        if (n == 0) break;
        out.insert(out.end(), buf, buf + n);
    }
    ::close(fd);
    return out;
}

bool sync_dir(const std::filesystem::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

ConsensusWal::~ConsensusWal() {
    if (fd_ >= 0) ::close(fd_);
}

std::expected<std::unique_ptr<ConsensusWal>, std::string> ConsensusWal::open(const std::filesystem::path& file) {
    std::unique_ptr<ConsensusWal> wal(new ConsensusWal());
    wal->path_ = file;
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) return std::unexpected("cannot create " + file.parent_path().string() + ": " + ec.message());

    if (!std::filesystem::exists(file)) {
        if (auto r = wal->rewrite({}); !r) return std::unexpected(r.error());
        return wal;
    }
    auto data = read_whole(file);
    if (!data) return std::unexpected(data.error());
    const core::ByteView all = *data;
    if (all.size() < kMagic.size() || !std::equal(kMagic.begin(), kMagic.end(), all.begin())) {
        return std::unexpected(file.string() + " is not a moechain consensus WAL");
    }
    std::size_t pos = kMagic.size();
    std::size_t good_end = pos;
    while (pos < all.size()) {
        // A record that runs past the end of the file was being written when the process
        // died: everything before it is intact, and it was never acted on.
        if (all.size() - pos < kRecordHeader) break;
        const std::uint32_t length = get_u32(all.data() + pos);
        if (length == 0 || length > kMaxRecordBytes) {
            return std::unexpected(file.string() + ": damaged record at byte " + std::to_string(pos));
        }
        if (all.size() - pos - kRecordHeader < length) break;
        const core::ByteView payload = all.subspan(pos + kRecordHeader, length);
        if (checksum(payload) != get_u32(all.data() + pos + 4)) {
            if (pos + kRecordHeader + length == all.size()) break;  // a torn last record
            return std::unexpected(file.string() + ": checksum mismatch at byte " + std::to_string(pos));
        }
        const auto type = payload[0];
        if (type < 1 || type > static_cast<std::uint8_t>(WalRecordType::kOwnProposal)) {
            return std::unexpected(file.string() + ": unknown record type at byte " + std::to_string(pos));
        }
        wal->records_.push_back({static_cast<WalRecordType>(type), core::Bytes(payload.begin() + 1, payload.end())});
        pos += kRecordHeader + length;
        good_end = pos;
    }
    wal->fd_ = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (wal->fd_ < 0) return std::unexpected(errno_text("cannot open", file));
    if (good_end != all.size()) {
        if (::ftruncate(wal->fd_, static_cast<off_t>(good_end)) != 0 || ::fsync(wal->fd_) != 0) {
            return std::unexpected(errno_text("cannot cut the torn tail of", file));
        }
    }
    if (::lseek(wal->fd_, static_cast<off_t>(good_end), SEEK_SET) < 0) return std::unexpected(errno_text("cannot seek", file));
    return wal;
}

std::expected<void, std::string> ConsensusWal::append(const WalRecord& record) {
    if (1 + record.body.size() > kMaxRecordBytes) return std::unexpected("WAL record too large");
    const core::Bytes bytes = frame(record);
    if (!write_all(fd_, bytes)) return std::unexpected(errno_text("cannot write", path_));
    if (::fdatasync(fd_) != 0) return std::unexpected(errno_text("cannot sync", path_));
    return {};
}

std::expected<void, std::string> ConsensusWal::rewrite(const std::vector<WalRecord>& keep) {
    const std::filesystem::path tmp = path_.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return std::unexpected(errno_text("cannot create", tmp));
    core::Bytes bytes(kMagic.begin(), kMagic.end());
    for (const WalRecord& r : keep) {
        const core::Bytes f = frame(r);
        bytes.insert(bytes.end(), f.begin(), f.end());
    }
    if (!write_all(fd, bytes) || ::fsync(fd) != 0) {
        ::close(fd);
        return std::unexpected(errno_text("cannot write", tmp));
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path_.c_str()) != 0) return std::unexpected(errno_text("cannot rename", tmp));
    if (!sync_dir(path_.parent_path())) return std::unexpected(errno_text("cannot sync the folder of", path_));
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd_ < 0) return std::unexpected(errno_text("cannot open", path_));
    records_ = keep;
    return {};
}

}  // namespace moe::node
