#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moe::node {

/// A subcommand of `moed` as CLI11 parsed it: the options and positional arguments it declared.
using Args = const CLI::App&;

/// A subcommand of `moed`: its name, a one-line summary for `moed --help`, the declaration of
/// its options (with their help), and its entry point, which returns the process exit code.
struct Command {
    std::string_view name;
    std::string_view summary;
    void (*declare)(CLI::App& command);
    int (*run)(Args args);
};

/// Parses `moed`'s command line with CLI11 and runs the chosen command. `--help` anywhere prints
/// that command's options; an unknown command or flag, a missing value or a missing required
/// option exits with status 2 and names the nearest known spelling.
[[nodiscard]] int run_commands(std::span<const Command> commands, int argc, char** argv);

/// What `moed version` prints and web3_clientVersion answers, geth's shape with the git
/// revision the binary was built from: "moed/v0.1.0-1b636a4c5e2f/linux-x86_64/gcc12".
[[nodiscard]] std::string client_version();

/// The value given to the declared option `name` (e.g. "--home"), or `fallback` when absent.
[[nodiscard]] std::string flag_value(Args args, std::string_view name, std::string fallback = {});

/// The value of the declared option `name` as an integer in [min, max] (decimal digits only),
/// `fallback` when absent; otherwise a message naming the flag, its range and what was given.
[[nodiscard]] std::expected<std::uint64_t, std::string> unsigned_flag(Args args, std::string_view name, std::uint64_t fallback,
                                                                      std::uint64_t min, std::uint64_t max);

/// True when the declared flag or option `name` was given.
[[nodiscard]] bool has_flag(Args args, std::string_view name);

/// The values of the declared positional argument `name`, in order.
[[nodiscard]] std::vector<std::string> positional(Args args, std::string_view name);

/// Declares an option that takes one value; its default, if any, belongs in `help`.
CLI::Option* value_option(CLI::App& command, const std::string& name, const std::string& help);

/// Declares a flag (no value).
CLI::Option* flag_option(CLI::App& command, const std::string& name, const std::string& help);

}  // namespace moe::node
