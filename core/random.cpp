#include "core/random.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstring>

namespace moe::core {

std::expected<Hash, std::string> random_hash() {
    Hash out;
    std::size_t filled = 0;
    while (filled < out.size()) {
        const ssize_t n = ::getrandom(out.data() + filled, out.size() - filled, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return std::unexpected(std::string("getrandom: ") + std::strerror(errno));
        filled += static_cast<std::size_t>(n);
    }
    return out;
}

}  // namespace moe::core
