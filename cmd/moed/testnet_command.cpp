// The commands of a local multi-validator testnet: testnet (create the homes) and load (drive it).
#include "cmd/moed/testnet_command.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "node/home.hpp"
#include "tools/load/load_generator.hpp"
#include "node/log.hpp"
#include "chain/chain_config.hpp"
#include "chain/screening.hpp"
#include "moe/model_file.hpp"
#include "node/chain_files.hpp"

namespace moe::node {

namespace {

namespace fs = std::filesystem;

std::expected<double, std::string> positive_flag(Args args, std::string_view name, double fallback) {
    const std::string text = flag_value(args, name);
    if (text.empty()) return fallback;
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (*end != '\0' || !(v > 0) || v > 1e9) return std::unexpected(std::string(name) + " must be a positive number, got '" + text + "'");
    return v;
}

int fail(std::string_view command, const std::string& why, int code = 1) {
    std::fprintf(stderr, "moed %.*s: %s\n", static_cast<int>(command.size()), command.data(), why.c_str());
    return code;
}

}  // namespace

void testnet_options(CLI::App& command) {
    command.footer(
        "Writes DIR/node0 .. DIR/node{N-1}, each a node home as 'moed init' writes one, all with the same genesis.json "
        "listing the N validators. Node i listens for JSON-RPC on rpc-base + i and for peers on p2p-base + i, and lists "
        "every other node as a persistent peer. Refuses a DIR that exists and is not empty.");
    value_option(command, "--validators", "N: how many validators (1 to 100)")->required();
    value_option(command, "--out", "DIR: where the homes go")->required();
    value_option(command, "--preset", "chain preset (default localnet)");
    value_option(command, "--rpc-base", "first JSON-RPC port (default 8545)");
    value_option(command, "--p2p-base", "first P2P port (default 26656)");
    value_option(command, "--power", "voting power of each validator, staked as W ether (default 100)");
    value_option(command, "--block-gas-limit", "G: the genesis's block gas limit instead of the preset's (30M); a block's "
                                               "transactions take at most 3 MiB whatever the gas limit");
    value_option(command, "--block-interval-ms", "MS: the genesis's block interval instead of the preset's (1000); under 1000, "
                                                 "two blocks may share a timestamp's second (decision 003)");
    value_option(command, "--non-validators", "also write M homes that follow the chain without validating "
                                              "(nodeN .. nodeN+M-1; they can join by staking)");
}

int testnet_main(Args args) {
    const std::string out = flag_value(args, "--out");
    const std::string preset = flag_value(args, "--preset", "localnet");
    auto n = unsigned_flag(args, "--validators", 0, 1, 100);
    auto rpc_base = unsigned_flag(args, "--rpc-base", 8545, 1, 65535);
    auto p2p_base = unsigned_flag(args, "--p2p-base", 26656, 1, 65535);
    auto power = unsigned_flag(args, "--power", 100, 1, 1ull << 40);
    auto followers = unsigned_flag(args, "--non-validators", 0, 0, 100);
    auto gas_limit = unsigned_flag(args, "--block-gas-limit", 0, 5000, 1'000'000'000);
    auto interval_ms = unsigned_flag(args, "--block-interval-ms", 0, 1, 3'600'000);
    for (const auto* r : {&n, &rpc_base, &p2p_base, &power, &followers, &gas_limit, &interval_ms}) {
        if (!*r) return fail("testnet", r->error(), 2);
    }
    const std::uint64_t total = *n + *followers;
    if (*rpc_base + total - 1 > 65535 || *p2p_base + total - 1 > 65535) return fail("testnet", "the ports run past 65535", 2);
    const bool rpc_below = *rpc_base + total <= *p2p_base, rpc_above = *p2p_base + total <= *rpc_base;
    if (!rpc_below && !rpc_above) return fail("testnet", "the RPC and P2P port ranges overlap", 2);
    std::error_code ec;
    if (fs::exists(out, ec) && (!fs::is_directory(out, ec) || !fs::is_empty(out, ec))) {
        return fail("testnet", out + " exists and is not an empty directory; refusing to overwrite it");
    }

    std::vector<NodeKeys> keys;
    std::vector<ValidatorEntry> validators;
    for (std::uint64_t i = 0; i < total; ++i) {
        auto k = generate_node_keys();
        if (!k) return fail("testnet", k.error());
        if (i < *n) validators.push_back({k->validator.public_key(), *power, {}});
        keys.push_back(std::move(*k));
    }
    // Routing out of the box (decision 004): with a routing preset, the genesis validators host
    // the fraud model's experts, each on two validators (one when there is a single one), seated
    // round-robin: expert e on validators 2e and 2e + 1 (mod N).
    auto plain = preset_genesis(preset, validators);
    if (!plain) return fail("testnet", plain.error());
    if (plain->contains("routing")) {
        auto model = nn::parse_model(embedded_model("fraud"));
        if (!model) return fail("testnet", "the embedded fraud model: " + model.error());
        const std::uint64_t experts = model->experts.size(), seats = std::min<std::uint64_t>(2, *n);
        for (std::uint32_t e = 0; e < experts; ++e) {
            for (std::uint64_t s = 0; s < seats; ++s) validators[(seats * e + s) % *n].experts.push_back(e);
        }
        for (ValidatorEntry& v : validators) {
            std::sort(v.experts.begin(), v.experts.end());
            v.experts.erase(std::unique(v.experts.begin(), v.experts.end()), v.experts.end());
            if (v.experts.size() > 16) v.experts.resize(16);
        }
    }
    auto genesis = preset_genesis(preset, validators);
    if (!genesis) return fail("testnet", genesis.error());
    if (*gas_limit != 0) (*genesis)["block_gas_limit"] = *gas_limit;
    if (*interval_ms != 0) (*genesis)["block_interval_ms"] = *interval_ms;
    if (auto c = chain::parse_chain_config(*genesis); !c) return fail("testnet", c.error(), 2);
    for (std::uint64_t i = 0; i < total; ++i) {
        NodeConfig config;
        config.rpc_port = static_cast<std::uint16_t>(*rpc_base + i);
        config.p2p_port = static_cast<std::uint16_t>(*p2p_base + i);
        for (std::uint64_t j = 0; j < total; ++j) {
            if (j != i) config.persistent_peers.push_back("127.0.0.1:" + std::to_string(*p2p_base + j));
        }
        const HomeLayout home{fs::path(out) / ("node" + std::to_string(i))};
        if (auto r = create_home(home, keys[i], config, *genesis); !r) return fail("testnet", r.error());
        std::printf("node%llu  %s %s  rpc 127.0.0.1:%u  p2p 127.0.0.1:%u\n", static_cast<unsigned long long>(i),
                    i < *n ? "validator" : "follower ",
                    core::to_checksum(keys[i].validator.address()).c_str(), config.rpc_port, config.p2p_port);
    }
    log::info("testnet", "created ", *n, " validator and ", *followers, " follower ", preset, " homes in ", out);
    return 0;
}

void load_options(CLI::App& command) {
    command.footer(
        "Sends signed EIP-1559 transfers between the first accounts of the test mnemonic at the given rate for the "
        "given time, sender i always to URL i mod n, over keep-alive HTTP; then waits for them in blocks and prints "
        "sent/accepted/rejected, committed transfers/s and the inclusion latency (send to block seen) p50 and p99, and "
        "per URL what it took and how often it failed. A URL that resets, refuses or stops answering is skipped (its "
        "senders go to the next URL) and tried again after a pause; the run goes on while any URL answers.");
    value_option(command, "--rpc", "URL[,URL...]: the nodes' JSON-RPC endpoints")->required();
    value_option(command, "--rate", "transfers per second")->required();
    value_option(command, "--seconds", "how long to send")->required();
    value_option(command, "--accounts", "senders (default 10, what the presets fund; more are funded by those first)");
    value_option(command, "--chain-id", "chain id (default: eth_chainId of the first URL)");
    value_option(command, "--timeout", "how long to wait for inclusion after the last send, seconds (default 60)");
    value_option(command, "--receipts", "FILE: append 'txhash block_number block_hash' for every receipt seen");
}

int load_main(Args args) {
    const std::string urls = flag_value(args, "--rpc");
    load::LoadOptions o;
    std::stringstream list(urls);
    for (std::string url; std::getline(list, url, ',');) {
        auto e = load::parse_rpc_endpoint(url);
        if (!e) return fail("load", e.error(), 2);
        o.endpoints.push_back(*e);
    }
    auto rate = positive_flag(args, "--rate", 0);
    auto seconds = positive_flag(args, "--seconds", 0);
    auto timeout = positive_flag(args, "--timeout", 60);
    auto accounts = unsigned_flag(args, "--accounts", 10, 1, 1000);
    auto chain_id = unsigned_flag(args, "--chain-id", 0, 1, (1ull << 53) - 1);
    for (const auto* r : {&rate, &seconds, &timeout}) {
        if (!*r) return fail("load", r->error(), 2);
    }
    for (const auto* r : {&accounts, &chain_id}) {
        if (!*r) return fail("load", r->error(), 2);
    }
    o.rate = *rate;
    o.seconds = *seconds;
    o.inclusion_timeout_s = *timeout;
    o.accounts = static_cast<std::uint32_t>(*accounts);
    o.chain_id = *chain_id;
    o.receipts_path = flag_value(args, "--receipts");
    if (o.accounts < o.endpoints.size()) {
        log::warn("load", "only ", o.accounts, " senders for ", o.endpoints.size(), " URLs: some URLs get nothing");
    }
    try {
        const load::LoadReport r = load::run_load(o);
        std::printf("sent:                  %llu over %.2f s to %zu URL(s)\n", static_cast<unsigned long long>(r.sent),
                    r.send_seconds, o.endpoints.size());
        std::printf("accepted:              %llu\n", static_cast<unsigned long long>(r.accepted));
        std::printf("rejected:              %llu%s%s\n", static_cast<unsigned long long>(r.rejected),
                    r.first_rejection.empty() ? "" : "  first: ", r.first_rejection.c_str());
        std::printf("committed:             %llu in %llu blocks\n", static_cast<unsigned long long>(r.committed),
                    static_cast<unsigned long long>(r.blocks));
        std::printf("committed transfers/s: %.1f\n", r.committed_per_second);
        std::printf("inclusion latency:     p50 %.0f ms, p99 %.0f ms\n", r.latency_p50_ms, r.latency_p99_ms);
        if (r.unsent > 0) std::printf("unsent:                %llu (no URL answered)\n", static_cast<unsigned long long>(r.unsent));
        if (r.refused_full > 0) {
            std::printf("refused, pool full:    %llu (each sent again at its sender's next slot)\n",
                        static_cast<unsigned long long>(r.refused_full));
        }
        if (r.held_back > 0) {
            std::printf("held back:             %llu (later nonces of senders with a refused transaction)\n",
                        static_cast<unsigned long long>(r.held_back));
        }
        if (r.rebroadcast > 0) std::printf("rebroadcast:           %llu\n", static_cast<unsigned long long>(r.rebroadcast));
        if (!o.receipts_path.empty()) {
            std::printf("receipts recorded:     %llu in %s\n", static_cast<unsigned long long>(r.receipts), o.receipts_path.c_str());
        }
        for (const load::EndpointReport& e : r.endpoints) {
            std::printf("%s  posted %llu, accepted %llu, failures %llu, failed over %llu%s%s\n", e.url.c_str(),
                        static_cast<unsigned long long>(e.posted), static_cast<unsigned long long>(e.accepted),
                        static_cast<unsigned long long>(e.failures), static_cast<unsigned long long>(e.failed_over),
                        e.first_failure.empty() ? "" : "  first failure: ", e.first_failure.c_str());
        }
        return r.committed == r.accepted && r.accepted > 0 ? 0 : 1;
    } catch (const std::exception& e) {
        return fail("load", e.what());
    }
}

}  // namespace moe::node
