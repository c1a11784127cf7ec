// The commands that create and run a node: init, start, devnet.
#include "cmd/moed/node_commands.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <nlohmann/json.hpp>

#include "chain/chain_config.hpp"
#include "node/consensus_driver.hpp"
#include "node/home.hpp"
#include "node/log.hpp"
#include "node/node.hpp"
#include "node/node_config.hpp"
#include "rpc/debug_api.hpp"
#include "rpc/dev_api.hpp"
#include "rpc/eth_api.hpp"
#include "rpc/metrics.hpp"
#include "rpc/server.hpp"
#include "rpc/moe_api.hpp"
#include "rpc/validator_api.hpp"
#include "node/chain_files.hpp"

namespace moe::node {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

/// The options of `moed start` that override config.json, shared with `moed devnet`.
void override_options(CLI::App& command) {
    value_option(command, "--rpc-host", "JSON-RPC address (default 127.0.0.1)");
    value_option(command, "--rpc-port", "JSON-RPC HTTP and WebSocket port (default 8545)");
    flag_option(command, "--rpc-allow-external", "allow binding an address other than loopback");
    value_option(command, "--block-time", "block interval in seconds, e.g. 1 or 0.25 (default: the genesis's; with "
                                          "instant blocks, the interval of empty blocks)");
    value_option(command, "--block-interval-ms", "the same in milliseconds");
    CLI::Option* instant = flag_option(command,
        "--instant", "propose as soon as a transaction is pooled (default: config.json's instant_blocks, true in a devnet home)");
    flag_option(command, "--no-instant", "propose only at the interval")->excludes(instant);
    value_option(command, "--mempool-max-transactions", "pool limit (default 8192; 65536 in a devnet home)");
    value_option(command, "--mempool-max-per-sender", "per-sender pool limit (default 64; 4096 in a devnet home)");
    value_option(command, "--log-level", "trace|debug|info|warn|error");
#if MOE_TEST_BEHAVIOURS
    flag_option(command, "--byzantine-wrong-verdicts", "FOR TESTS ONLY: sign every expert verdict 5000 off the model's "
                                                  "score, so that recomputing validators slash this one");
#endif
}

/// How long eth_getTransactionReceipt waits for a pooled transaction's block with instant
/// blocks: far beyond the few milliseconds a block takes, far below ethers' 4 s poll.
constexpr std::chrono::milliseconds kInstantReceiptWait{500};
/// `moed start`'s exit status after a halt (ConsensusDriver::on_fatal).
constexpr int kExitHalted = 3;

std::string default_devnet_home() {
    const char* home = std::getenv("HOME");
    return (fs::path(home != nullptr ? home : ".") / ".moechain" / "devnet").string();
}

int init_home(const std::string& preset, const fs::path& dir) {
    const HomeLayout home{dir};
    if (fs::exists(home.genesis()) || fs::exists(home.config())) {
        std::fprintf(stderr, "moed init: %s already holds a node home; refusing to overwrite it\n", dir.c_str());
        return 1;
    }
    auto keys = generate_node_keys();
    if (!keys) {
        std::fprintf(stderr, "moed init: %s\n", keys.error().c_str());
        return 1;
    }
    auto genesis = preset_genesis(preset, {{keys->validator.public_key(), 1}});
    if (!genesis) {
        std::fprintf(stderr, "moed init: %s\n", genesis.error().c_str());
        return 2;
    }
    NodeConfig config;
    if (preset == "devnet") {
        // A developer's chain mines at once (decision 007) and takes what a script sends.
        config.instant_blocks = true;
        config.mempool_max_transactions = 65'536;
        config.mempool_max_per_sender = 4'096;
    }
    if (auto r = create_home(home, *keys, config, *genesis); !r) {
        std::fprintf(stderr, "moed init: %s\n", r.error().c_str());
        return 1;
    }
    log::info("init", "created ", preset, " home ", dir.string(), " with validator ",
              core::to_checksum(keys->validator.address()));
    return 0;
}

/// "1", "0.25", "2.5": decimal seconds with at most three decimals, in milliseconds.
std::optional<std::uint64_t> parse_seconds_as_ms(std::string_view text) {
    const auto dot = text.find('.');
    const std::string_view whole = text.substr(0, dot);
    const std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    if ((whole.empty() && fraction.empty()) || whole.size() > 7 || fraction.size() > 3) return std::nullopt;
    if (dot != std::string_view::npos && fraction.empty()) return std::nullopt;
    std::uint64_t ms = 0;
    for (char ch : whole) {
        if (ch < '0' || ch > '9') return std::nullopt;
        ms = ms * 10 + static_cast<std::uint64_t>(ch - '0');
    }
    ms *= 1000;
    std::uint64_t scale = 100;
    for (char ch : fraction) {
        if (ch < '0' || ch > '9') return std::nullopt;
        ms += scale * static_cast<std::uint64_t>(ch - '0');
        scale /= 10;
    }
    return ms;
}

/// Applies the command-line overrides of `moed start` to a config.
std::expected<void, std::string> apply_overrides(Args args, NodeConfig& c) {
    const std::string host = flag_value(args, "--rpc-host");
    if (!host.empty()) c.rpc_host = host;
    const std::string port = flag_value(args, "--rpc-port");
    if (!port.empty()) {
        char* end = nullptr;
        const unsigned long v = std::strtoul(port.c_str(), &end, 10);
        if (*end != '\0' || v > 65535) return std::unexpected("--rpc-port must be a port number, got '" + port + "'");
        c.rpc_port = static_cast<std::uint16_t>(v);
    }
    if (has_flag(args, "--rpc-allow-external")) c.rpc_allow_external = true;
    const std::string interval = flag_value(args, "--block-interval-ms");
    if (!interval.empty()) {
        char* end = nullptr;
        const unsigned long long v = std::strtoull(interval.c_str(), &end, 10);
        if (*end != '\0' || v < 10 || v > 3'600'000) return std::unexpected("--block-interval-ms must be 10 to 3600000");
        c.block_interval_ms = v;
    }
    const std::string block_time = flag_value(args, "--block-time");
    if (!block_time.empty()) {
        auto ms = parse_seconds_as_ms(block_time);
        if (!ms || *ms < 10 || *ms > 3'600'000) {
            return std::unexpected("--block-time must be seconds from 0.01 to 3600 (e.g. 1 or 0.25), got '" + block_time + "'");
        }
        c.block_interval_ms = *ms;
    }
    if (has_flag(args, "--instant") && has_flag(args, "--no-instant")) {
        return std::unexpected("--instant and --no-instant contradict each other");
    }
    if (has_flag(args, "--instant")) c.instant_blocks = true;
    if (has_flag(args, "--no-instant")) c.instant_blocks = false;
    for (const auto& [flag, field] : {std::pair{"--mempool-max-transactions", &c.mempool_max_transactions},
                                      std::pair{"--mempool-max-per-sender", &c.mempool_max_per_sender}}) {
        const std::string value = flag_value(args, flag);
        if (value.empty()) continue;
        char* end = nullptr;
        const unsigned long long v = std::strtoull(value.c_str(), &end, 10);
        if (*end != '\0' || v < 1 || v > kMaxPooledTransactions) {
            return std::unexpected(std::string(flag) + " must be 1 to " + std::to_string(kMaxPooledTransactions) + ", got '" + value + "'");
        }
        *field = static_cast<std::uint32_t>(v);
    }
    if (c.mempool_max_per_sender > c.mempool_max_transactions) {
        return std::unexpected("the per-sender pool limit (" + std::to_string(c.mempool_max_per_sender) +
                               ") must not exceed the total (" + std::to_string(c.mempool_max_transactions) + ")");
    }
    const std::string level = flag_value(args, "--log-level");
    if (!level.empty() && !log::parse_level(level, c.log_level)) {
        return std::unexpected("--log-level must be trace, debug, info, warn or error");
    }
    return {};
}

int run_home(const fs::path& dir, Args args) {
    const HomeLayout home{dir};
    auto config = load_node_config(home.config());
    if (!config) {
        std::fprintf(stderr, "moed: %s\n", config.error().c_str());
        return 1;
    }
    if (auto r = apply_overrides(args, *config); !r) {
        std::fprintf(stderr, "moed: %s\n", r.error().c_str());
        return 2;
    }
    log::set_level(config->log_level);
    auto chain = load_chain_config(home.genesis());
    if (!chain) {
        std::fprintf(stderr, "moed: %s\n", chain.error().c_str());
        return 1;
    }
    auto validator = read_key_file(home.validator_key());
    if (!validator) {
        std::fprintf(stderr, "moed: %s\n", validator.error().c_str());
        return 1;
    }
    auto node_key = read_key_file(home.node_key());
    if (!node_key) {
        std::fprintf(stderr, "moed: %s\n", node_key.error().c_str());
        return 1;
    }

    // SIGINT and SIGTERM are taken by sigwait below, so every thread started after this
    // inherits the blocked mask and the main thread alone handles shutdown.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    auto node = Node::open(home, *config, *chain, *validator);
    if (!node) {
        std::fprintf(stderr, "moed: %s\n", node.error().c_str());
        return 1;
    }
    Node& n = **node;
    log::info("node", "chain ", n.chain().name, " id ", n.chain().chain_id, " genesis ", n.genesis_hash().hex(), " head ",
              n.head().number);

    if (config->block_interval_ms != 0 && config->block_interval_ms < 1000 && !chain->blocks_may_share_a_second() &&
        !config->instant_blocks) {
        // Only the genesis can let two blocks share a second (decision 003): here the chain's
        // whole-second timestamps would run ahead of the clock until proposals are refused.
        log::warn("node", "block_interval_ms ", config->block_interval_ms, " is under a second but the genesis asks for ",
                  chain->block_interval_ms, " ms blocks, whose timestamps must each be a second after the last: blocks will come ",
                  "no faster than one a second once the chain is 15 s ahead of the clock (sub-second blocks: the genesis's ",
                  "block_interval_ms, as moed testnet --block-interval-ms writes it)");
    }
    DriverOptions options{*validator,
                          *node_key,
                          home.root / "wal" / "consensus.wal",
                          std::nullopt,
                          chain->consensus_timeouts,
                          config->block_interval_ms != 0 ? config->block_interval_ms : chain->block_interval_ms};
    // A chain of one validator with no peers to dial needs no network (the devnet); every
    // other node joins the P2P network.
    if (chain->validators.size() > 1 || !config->persistent_peers.empty()) {
        p2p::P2pConfig pc;
        pc.host = config->p2p_host;
        pc.port = config->p2p_port;
        pc.chain_id = chain->chain_id;
        pc.genesis_hash = n.genesis_hash();
        pc.node_key = *node_key;
        pc.persistent_peers = config->persistent_peers;
        pc.max_peers = config->p2p_max_peers;
        options.p2p = std::move(pc);
    }
    // A halt (the WAL or the database failed) stops the process as SIGTERM does, and the exit
    // status says it was not asked for (systemd's Restart=on-failure restarts it).
    std::atomic<bool> halted{false};
    options.on_fatal = [&halted](const std::string&) {
        halted = true;
        ::kill(::getpid(), SIGTERM);
    };
    options.instant_blocks = config->instant_blocks;
#if MOE_TEST_BEHAVIOURS
    options.byzantine_wrong_verdicts = has_flag(args, "--byzantine-wrong-verdicts");
    if (options.byzantine_wrong_verdicts) log::warn("node", "signing wrong verdicts on purpose (--byzantine-wrong-verdicts, tests only)");
#endif
    log::info("node", options.instant_blocks ? "instant blocks, an empty block every " : "a block every ",
              options.commit_timeout_ms, " ms");
    auto driver = ConsensusDriver::create(n, std::move(options));
    if (!driver) {
        std::fprintf(stderr, "moed: %s\n", driver.error().c_str());
        return 1;
    }

    rpc::Dispatcher dispatcher(config->rpc_max_batch);
    rpc::EthApiOptions eth_options;
    eth_options.client_version = client_version();
    if (config->instant_blocks) eth_options.receipt_wait = kInstantReceiptWait;
    rpc::register_eth_api(dispatcher, n, eth_options);
    rpc::register_validator_api(dispatcher, n, **driver);
    rpc::register_moe_api(dispatcher, n);
    rpc::register_debug_api(dispatcher, n);
    // The dev RPC moves the devnet's clock and mines on request: only on a devnet home (the
    // devnet preset, one validator, no peers), never on a chain others validate.
    if (chain->is_dev_chain() && config->persistent_peers.empty()) {
        rpc::register_dev_api(dispatcher, n, **driver);
        std::string methods;
        for (const char* m : rpc::kDevMethods) methods += (methods.empty() ? "" : ", ") + std::string(m);
        log::info("rpc", "dev methods on: ", methods);
    } else {
        rpc::register_dev_refusals(dispatcher, chain->name != "devnet" ? "this chain is " + chain->name
                                               : chain->validators.size() != 1 ? "this chain has " + std::to_string(chain->validators.size()) + " validators"
                                                                               : "this node has persistent peers");
    }
    rpc::ServerConfig sc;
    sc.host = config->rpc_host;
    sc.port = config->rpc_port;
    sc.allow_external = config->rpc_allow_external;
    sc.max_body_bytes = config->rpc_max_body_bytes;
    sc.max_connections = config->rpc_max_connections;
    sc.max_connections_per_address = config->rpc_max_connections_per_address;
    sc.max_ws_message_bytes = config->rpc_max_body_bytes;
    sc.idle_timeout = std::chrono::milliseconds(config->rpc_idle_timeout_ms);
    sc.header_timeout = std::chrono::milliseconds(config->rpc_header_timeout_ms);
    sc.body_timeout = std::chrono::milliseconds(config->rpc_body_timeout_ms);
    rpc::Server* server_ptr = nullptr;
    node::ConsensusDriver& consensus = **driver;
    rpc::Server server(
        sc, dispatcher,
        rpc::HealthChecks{[&n] { return rpc::liveness(n.head()); },
                          [&n, &consensus] { return rpc::readiness(consensus.status(), n.head()); }},
        [&n, &consensus, &dispatcher, &server_ptr] { return rpc::render_metrics(n, consensus.status(), dispatcher, *server_ptr); });
    server_ptr = &server;
    rpc::publish_new_heads(n, server);
    if (auto r = server.start(); !r) {
        std::fprintf(stderr, "moed: %s\n", r.error().c_str());
        return 1;
    }
    log::info("rpc", "JSON-RPC on http://", sc.host, ":", server.port(), " and ws://", sc.host, ":", server.port());
    if (auto r = (*driver)->start(); !r) {
        std::fprintf(stderr, "moed: %s\n", r.error().c_str());
        return 1;
    }

    int signal_number = 0;
    sigwait(&signals, &signal_number);
    if (halted) {
        log::info("node", "halted, shutting down");
    } else {
        log::info("node", "received ", signal_number == SIGINT ? "SIGINT" : "SIGTERM", ", shutting down");
    }
    server.stop();
    (*driver)->stop();  // finishes the block in hand
    node->reset();  // closes the database
    log::info("node", "stopped cleanly");
    return halted ? kExitHalted : 0;
}

}  // namespace

void init_options(CLI::App& command) {
    command.footer(
        "Creates DIR with a new validator key and node key (keys/, mode 0600), config.json and genesis.json (the "
        "preset with this node as its validator). Refuses an existing home.");
    value_option(command, "--preset", "devnet or localnet")->required();
    value_option(command, "--home", "the home to create")->required();
}

int init_main(Args args) { return init_home(flag_value(args, "--preset"), flag_value(args, "--home")); }

void start_options(CLI::App& command) {
    command.footer(
        "Runs the node of a home until SIGINT or SIGTERM, then finishes the block in hand and closes the database "
        "cleanly (exit status 0). A node whose WAL or database fails halts: it signs nothing more, shuts down the same "
        "way and exits with status 3. The options override config.json.");
    value_option(command, "--home", "the node's home (moed init, moed testnet)")->required();
    override_options(command);
}

int start_main(Args args) { return run_home(flag_value(args, "--home"), args); }

void devnet_options(CLI::App& command) {
    command.footer(
        "Starts a single-validator devnet: creates the home from the devnet preset when it does not exist yet, then "
        "runs it as 'moed start' does. The ten accounts of the mnemonic 'test test ... junk' hold 10000 ETH each. "
        "Blocks are instant: a transaction is mined as soon as it is pooled, and an empty block comes every second.");
    value_option(command, "--home", "the devnet's home (default $HOME/.moechain/devnet)");
    override_options(command);
}

int devnet_main(Args args) {
    const std::string home = flag_value(args, "--home", default_devnet_home());
    if (!fs::exists(HomeLayout{home}.genesis())) {
        if (const int rc = init_home("devnet", home); rc != 0) return rc;
    }
    return run_home(home, args);
}

}  // namespace moe::node
