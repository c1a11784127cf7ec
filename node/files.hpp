#pragma once

#include <cstddef>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

/// Whole-file reads and atomic writes, for the node's home, keys and configs and the commands.
namespace moe::node {

/// Writes a file atomically with the given permissions (0600 for keys).
[[nodiscard]] std::expected<void, std::string> write_file_atomic(const std::filesystem::path& file,
                                                                 std::string_view content, bool secret = false);

/// Reads a whole file, with a clear error when it cannot.
[[nodiscard]] std::expected<std::string, std::string> read_file(const std::filesystem::path& file,
                                                                std::size_t max_bytes = 64 * 1024 * 1024);

}  // namespace moe::node
