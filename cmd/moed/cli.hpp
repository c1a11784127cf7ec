#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moe::node {

/// Arguments of one subcommand, after its name.
using Args = std::span<const std::string>;

/// A subcommand of `moed`: its name, a one-line summary for `moed --help`, and its entry point,
/// which returns the process exit code.
struct Command {
    std::string_view name;
    std::string_view summary;
    int (*run)(Args args);
};

/// True when the arguments ask for help (-h or --help anywhere).
[[nodiscard]] bool wants_help(Args args);

/// What `moed version` prints and web3_clientVersion answers, geth's shape with the git
/// revision the binary was built from: "moed/v0.1.0-1b636a4c5e2f/linux-x86_64/gcc12".
[[nodiscard]] std::string client_version();

/// Reads `--name value` or `--name=value`; returns the fallback when absent.
[[nodiscard]] std::string flag_value(Args args, std::string_view name, std::string fallback = {});

/// True when `--name` is present.
[[nodiscard]] bool has_flag(Args args, std::string_view name);

/// The arguments that are neither flags nor flag values; `value_flags` lists the flags that
/// take a value.
[[nodiscard]] std::vector<std::string> positional(Args args, std::span<const std::string_view> value_flags);

}  // namespace moe::node
