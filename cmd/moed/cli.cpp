#include "cmd/moed/cli.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "git_revision.hpp"  // generated (cmake/git_revision.cmake)

namespace moe::node {

namespace {

/// Edit distance (insertions, deletions, substitutions), for "did you mean".
std::size_t distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

/// The known spelling nearest to `word`, if it is near enough to be a typo.
std::string nearest(std::string_view word, const std::vector<std::string>& known) {
    std::string best;
    std::size_t best_distance = std::numeric_limits<std::size_t>::max();
    for (const std::string& k : known) {
        const std::size_t d = distance(word, k);
        if (d < best_distance) best_distance = d, best = k;
    }
    return best_distance <= std::max<std::size_t>(2, word.size() / 3) ? best : std::string{};
}

/// The command the parse reached (the deepest subcommand given), and what may follow there.
const CLI::App* deepest(const CLI::App& app) {
    const CLI::App* at = &app;
    while (!at->get_subcommands().empty()) at = at->get_subcommands().front();  // one per level
    return at;
}

std::vector<std::string> spellings(const CLI::App& command) {
    std::vector<std::string> out;
    for (const CLI::Option* o : command.get_options()) {
        for (const std::string& l : o->get_lnames()) out.push_back("--" + l);
    }
    for (const CLI::App* sub : command.get_subcommands({})) out.push_back(sub->get_name());
    return out;
}

/// A parse error as moed reports it: CLI11's message, a suggestion for an unknown word, and
/// where to find the options.
int report(const CLI::App& app, const CLI::ParseError& e) {
    const CLI::App* at = deepest(app);
    std::string path;
    for (const CLI::App* a = at; a != nullptr && a->get_parent() != nullptr; a = a->get_parent()) {
        path = " " + a->get_name() + path;
    }
    // What the command did not know comes first: a misspelt flag also makes a required one
    // look missing, and CLI11 reports only that.
    const std::vector<std::string> unknown = at->remaining();
    for (const std::string& extra : unknown) {
        const std::string word = extra.substr(0, extra.find('='));
        const std::string near = nearest(word, spellings(*at));
        std::fprintf(stderr, "moed%s: unknown argument '%s'%s%s%s\n", path.c_str(), word.c_str(),
                     near.empty() ? "" : " (did you mean '", near.c_str(), near.empty() ? "" : "'?)");
    }
    if (unknown.empty() || dynamic_cast<const CLI::ExtrasError*>(&e) == nullptr) {
        std::fprintf(stderr, "moed%s: %s\n", path.c_str(), e.what());
    }
    std::fprintf(stderr, "Run 'moed%s --help' for its options.\n", path.c_str());
    return 2;
}

}  // namespace

int run_commands(std::span<const Command> commands, int argc, char** argv) {
    CLI::App app{"moed: the moechain validator node", "moed"};
    app.require_subcommand(1);
    app.set_version_flag("--version", client_version(), "print the version (as 'moed version') and exit");
    app.footer("Run 'moed COMMAND --help' for the options of a command.");
    for (const Command& c : commands) {
        CLI::App* sub = app.add_subcommand(std::string(c.name), std::string(c.summary));
        c.declare(*sub);
    }
    if (argc <= 1) {
        std::fputs(app.help().c_str(), stderr);
        return 2;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::fputs(deepest(app)->help().c_str(), stdout);
        return 0;
    } catch (const CLI::CallForVersion&) {
        std::printf("%s\n", client_version().c_str());
        return 0;
    } catch (const CLI::CallForAllHelp&) {
        std::fputs(app.help("", CLI::AppFormatMode::All).c_str(), stdout);
        return 0;
    } catch (const CLI::ParseError& e) {
        return report(app, e);
    }
    for (const Command& c : commands) {
        if (app.got_subcommand(std::string(c.name))) return c.run(*app.get_subcommand(std::string(c.name)));
    }
    return 2;  // require_subcommand(1) makes this unreachable
}

std::string client_version() { return "moed/v0.1.0-" + std::string(kGitRevision) + "/linux-x86_64/gcc12"; }

namespace {

/// The declared option `name`; a command reading one it did not declare is a bug in moed.
const CLI::Option& declared(Args args, std::string_view name) {
    const CLI::Option* o = args.get_option_no_throw(std::string(name));
    if (o == nullptr) {
        throw std::logic_error("moed " + args.get_name() + " reads " + std::string(name) +
                               " but does not declare it (cmd/moed: its *_options function)");
    }
    return *o;
}

}  // namespace

std::string flag_value(Args args, std::string_view name, std::string fallback) {
    const CLI::Option& o = declared(args, name);
    return o.count() == 0 ? fallback : o.as<std::string>();
}

std::expected<std::uint64_t, std::string> unsigned_flag(Args args, std::string_view name, std::uint64_t fallback,
                                                       std::uint64_t min, std::uint64_t max) {
    const CLI::Option& o = declared(args, name);
    if (o.count() == 0) return fallback;
    const std::string text = o.as<std::string>();
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
        return std::unexpected(std::string(name) + " must be an integer from " + std::to_string(min) + " to " +
                               std::to_string(max) + ", got '" + text + "'");
    }
    return v;
}

bool has_flag(Args args, std::string_view name) { return declared(args, name).count() != 0; }

std::vector<std::string> positional(Args args, std::string_view name) { return declared(args, name).results(); }

CLI::Option* value_option(CLI::App& command, const std::string& name, const std::string& help) {
    return command.add_option(name, help)->type_size(1)->expected(1);
}

CLI::Option* flag_option(CLI::App& command, const std::string& name, const std::string& help) {
    return command.add_flag(name, help);  // a const string: CLI11's description overload
}

}  // namespace moe::node
