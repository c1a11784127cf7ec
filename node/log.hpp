#pragma once

#include <sstream>
#include <string_view>

/// Leveled, timestamped logging to stderr for the node (never used by the pure cores).
/// Usage: log::info("rpc", "listening on ", address, ":", port);
namespace moe::node::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError };

/// Sets the lowest level that is printed (default kInfo).
void set_level(Level level) noexcept;
[[nodiscard]] Level level() noexcept;

/// Parses "trace", "debug", "info", "warn" or "error".
[[nodiscard]] bool parse_level(std::string_view text, Level& out) noexcept;

/// Prints one line: "2026-11-23T01:02:03.456Z INFO  [module] message". Thread-safe.
void write(Level level, std::string_view module, std::string_view message);

template <typename... Parts>
void at(Level lvl, std::string_view module, const Parts&... parts) {
    if (lvl < level()) return;
    std::ostringstream s;
    (s << ... << parts);
    write(lvl, module, s.str());
}

template <typename... Parts>
void debug(std::string_view module, const Parts&... parts) { at(Level::kDebug, module, parts...); }
template <typename... Parts>
void info(std::string_view module, const Parts&... parts) { at(Level::kInfo, module, parts...); }
template <typename... Parts>
void warn(std::string_view module, const Parts&... parts) { at(Level::kWarn, module, parts...); }
template <typename... Parts>
void error(std::string_view module, const Parts&... parts) { at(Level::kError, module, parts...); }

}  // namespace moe::node::log
