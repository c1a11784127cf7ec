#include "cmd/moed/cli.hpp"

#include <algorithm>

#include "git_revision.hpp"  // generated (cmake/git_revision.cmake)

namespace moe::node {

std::string client_version() { return "moed/v0.1.0-" + std::string(kGitRevision) + "/linux-x86_64/gcc12"; }

bool wants_help(Args args) {
    return std::any_of(args.begin(), args.end(), [](const std::string& a) { return a == "-h" || a == "--help"; });
}

std::string flag_value(Args args, std::string_view name, std::string fallback) {
    const std::string eq = std::string(name) + "=";
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == name && i + 1 < args.size()) return args[i + 1];
        if (args[i].starts_with(eq)) return args[i].substr(eq.size());
    }
    return fallback;
}

bool has_flag(Args args, std::string_view name) {
    return std::any_of(args.begin(), args.end(), [&](const std::string& a) { return a == name; });
}

std::vector<std::string> positional(Args args, std::span<const std::string_view> value_flags) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.starts_with("--") || (a.starts_with("-") && a.size() > 1)) {
            const bool takes_value = a.find('=') == std::string::npos &&
                std::find(value_flags.begin(), value_flags.end(), std::string_view(a)) != value_flags.end();
            if (takes_value) ++i;
            continue;
        }
        out.push_back(a);
    }
    return out;
}

}  // namespace moe::node
