#include "node/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace moe::node {

std::expected<std::string, std::string> read_file(const std::filesystem::path& file, std::size_t max_bytes) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (ec) return std::unexpected("cannot read " + file.string() + ": " + ec.message());
    if (size > max_bytes) return std::unexpected(file.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::unexpected("cannot open " + file.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::expected<void, std::string> write_file_atomic(const std::filesystem::path& file, std::string_view content,
                                                   bool secret) {
    std::error_code ec;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) return std::unexpected("cannot create " + file.parent_path().string() + ": " + ec.message());
    const std::filesystem::path tmp = file.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, secret ? 0600 : 0644);
    if (fd < 0) return std::unexpected("cannot write " + tmp.string());
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n <= 0) {
            ::close(fd);
            ::unlink(tmp.c_str());
            return std::unexpected("cannot write " + tmp.string());
        }
        done += static_cast<std::size_t>(n);
    }
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced || ::rename(tmp.c_str(), file.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return std::unexpected("cannot replace " + file.string());
    }
    return {};
}

}  // namespace moe::node
