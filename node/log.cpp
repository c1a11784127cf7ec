#include "node/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace moe::node::log {

namespace {
std::atomic<Level> g_level{Level::kInfo};
std::mutex g_mutex;

std::string_view name_of(Level l) {
    switch (l) {
        case Level::kTrace: return "TRACE";
        case Level::kDebug: return "DEBUG";
        case Level::kInfo: return "INFO ";
        case Level::kWarn: return "WARN ";
        case Level::kError: return "ERROR";
    }
    return "?";
}
}  // namespace

void set_level(Level level) noexcept { g_level.store(level); }
Level level() noexcept { return g_level.load(std::memory_order_relaxed); }

bool parse_level(std::string_view text, Level& out) noexcept {
    if (text == "trace") out = Level::kTrace;
    else if (text == "debug") out = Level::kDebug;
    else if (text == "info") out = Level::kInfo;
    else if (text == "warn") out = Level::kWarn;
    else if (text == "error") out = Level::kError;
    else return false;
    return true;
}

void write(Level level, std::string_view module, std::string_view message) {
    using namespace std::chrono;
    const auto now = system_clock::now();
    const std::time_t secs = system_clock::to_time_t(now);
    const auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    const std::string_view lvl = name_of(level);
    std::lock_guard lock(g_mutex);
    std::fprintf(stderr, "%s.%03dZ %.*s [%.*s] %.*s\n", stamp, static_cast<int>(millis), static_cast<int>(lvl.size()),
                 lvl.data(), static_cast<int>(module.size()), module.data(), static_cast<int>(message.size()),
                 message.data());
}

}  // namespace moe::node::log
