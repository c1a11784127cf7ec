// Sustained transfers per second into committed blocks through eth_sendRawTransaction, over
// real HTTP connections to a node in this process, beside the raw sender-recovery rate and the
// eth_blockNumber request rate measured in the same run.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string_view>
#include <thread>
#include <vector>

#include "core/keccak.hpp"
#include "chain/chain_config.hpp"
#include "tools/load/load_generator.hpp"
#include "node/consensus_driver.hpp"
#include "node/node.hpp"
#include "rpc/eth_api.hpp"
#include "rpc/server.hpp"
#include "node/chain_files.hpp"

using namespace moe;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
    const std::size_t senders = 256;
    // bench_devnet_load [transfers per sender] [interval ms] [gas limit] [instant|interval] [batch]:
    // by default the devnet as `moed devnet` runs it (instant blocks, the devnet home's pool
    // limits), with 250 ms between empty blocks, one transaction a request; a batch of N sends
    // JSON-RPC batches of N (ethers' JsonRpcProvider batches what is sent within 10 ms).
    const std::size_t per_sender = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 40;
    const std::uint64_t interval_ms = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 250;
    const std::uint64_t gas_limit = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 0;
    const bool instant = argc > 4 ? std::string_view(argv[4]) != "interval" : true;
    const std::size_t batch = argc > 5 ? std::max<std::size_t>(1, std::strtoul(argv[5], nullptr, 10)) : 1;
    const unsigned connections = 4;

    // A chain whose genesis funds `senders` fresh accounts.
    nlohmann::json doc = nlohmann::json::parse(*node::preset_json("devnet"));
    std::vector<core::PrivateKey> keys;
    for (std::size_t i = 0; i < senders; ++i) {
        keys.push_back(core::PrivateKey::from_seed(core::keccak256(core::as_bytes("load" + std::to_string(i)))));
        doc["alloc"][keys.back().address().hex()] = "1000000000000000000000";
    }
    const core::PrivateKey validator = core::PrivateKey::from_seed(core::keccak256(core::as_bytes("validator")));
    doc["validators"] = nlohmann::json::array({{{"public_key", validator.public_key().hex()}, {"power", 1}}});
    if (gas_limit != 0) doc["block_gas_limit"] = gas_limit;
    auto chain = chain::parse_chain_config(doc);
    if (!chain) {
        std::fprintf(stderr, "config: %s\n", chain.error().c_str());
        return 1;
    }
    const std::filesystem::path home = std::filesystem::temp_directory_path() / ("moe_load_" + std::to_string(::getpid()));
    std::filesystem::remove_all(home);
    node::NodeConfig config;
    config.block_interval_ms = interval_ms;
    config.instant_blocks = instant;
    config.mempool_max_transactions = 65536;
    config.mempool_max_per_sender = 4096;
    auto opened = node::Node::open(node::HomeLayout{home}, config, *chain, validator);
    if (!opened) {
        std::fprintf(stderr, "node: %s\n", opened.error().c_str());
        return 1;
    }
    node::Node& n = **opened;
    rpc::Dispatcher dispatcher;
    rpc::register_eth_api(dispatcher, n);
    rpc::ServerConfig sc;
    sc.port = 0;
    rpc::Server server(sc, dispatcher, rpc::HealthChecks{}, [] { return std::string(); });
    if (auto r = server.start(); !r) {
        std::fprintf(stderr, "rpc: %s\n", r.error().c_str());
        return 1;
    }

    // Pre-sign every transfer, and time sender recovery of the same transactions on one core.
    std::vector<std::string> bodies;
    std::vector<core::Transaction> txns;
    for (std::size_t nonce = 0; nonce < per_sender; ++nonce) {
        for (std::size_t s = 0; s < senders; ++s) {
            core::Transaction t = load::signed_transfer(keys[s], keys[(s + 1) % senders].address(), nonce, chain->chain_id);
            bodies.push_back(load::send_raw_transaction_body(t));
            txns.push_back(std::move(t));
        }
    }
    auto t0 = Clock::now();
    std::size_t recovered = 0;
    for (const auto& t : txns) recovered += t.sender().has_value();
    const double recover_rate = static_cast<double>(recovered) / seconds_since(t0);
    // The same on every core the machine has, one thread each over its share: the raw limit
    // the node's committed rate is held against (issue 17 asks for 0.3 of it).
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    std::atomic<std::size_t> recovered_all{0};
    t0 = Clock::now();
    {
        std::vector<std::thread> workers;
        for (unsigned w = 0; w < cores; ++w) {
            workers.emplace_back([&, w] {
                std::size_t mine = 0;
                for (std::size_t i = w; i < txns.size(); i += cores) mine += txns[i].sender().has_value();
                recovered_all += mine;
            });
        }
        for (auto& w : workers) w.join();
    }
    const double recover_rate_all = static_cast<double>(recovered_all.load()) / seconds_since(t0);

    // The devnet's consensus: one validator, no network, a block every interval.
    auto driver = node::ConsensusDriver::create(
        n, node::DriverOptions{validator, validator, home / "wal" / "consensus.wal", std::nullopt, {}, interval_ms, instant});
    if (!driver) {
        std::fprintf(stderr, "consensus: %s\n", driver.error().c_str());
        return 1;
    }
    if (auto r = (*driver)->start(); !r) {
        std::fprintf(stderr, "consensus: %s\n", r.error().c_str());
        return 1;
    }
    const std::uint64_t start_height = n.head().number;
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> rejected{0};
    t0 = Clock::now();
    std::vector<std::thread> clients;
    for (unsigned c = 0; c < connections; ++c) {
        clients.emplace_back([&] {
            load::RpcClient client(load::RpcEndpoint{"127.0.0.1", server.port()});
            for (std::size_t first = next.fetch_add(batch); first < bodies.size(); first = next.fetch_add(batch)) {
                // Senders are interleaved nonce by nonce, so a sender's nonces arrive in order
                // unless two connections race; the mempool queues a gap until it fills.
                const std::size_t end = std::min(bodies.size(), first + batch);
                if (batch == 1) {
                    if (client.post(bodies[first]).find("\"error\"") != std::string::npos) ++rejected;
                    continue;
                }
                std::string request = "[";
                for (std::size_t i = first; i < end; ++i) request += (i == first ? "" : ",") + bodies[i];
                request += "]";
                const std::string answer = client.post(request);
                for (std::size_t at = answer.find("\"error\""); at != std::string::npos; at = answer.find("\"error\"", at + 1)) ++rejected;
            }
        });
    }
    for (auto& t : clients) t.join();
    const double submit_seconds = seconds_since(t0);
    while (n.stats().transactions_committed < txns.size() - rejected && seconds_since(t0) < 120) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const double commit_seconds = seconds_since(t0);
    const auto stats = n.stats();
    const double tps = static_cast<double>(stats.transactions_committed) / commit_seconds;

    // eth_blockNumber over the same number of connections.
    std::atomic<std::size_t> calls{0};
    const auto until = Clock::now() + std::chrono::seconds(2);
    t0 = Clock::now();
    clients.clear();
    for (unsigned c = 0; c < connections; ++c) {
        clients.emplace_back([&] {
            load::RpcClient client(load::RpcEndpoint{"127.0.0.1", server.port()});
            const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]})";
            while (Clock::now() < until) {
                (void)client.post(body);
                ++calls;
            }
        });
    }
    for (auto& t : clients) t.join();
    const double bn_rate = static_cast<double>(calls) / seconds_since(t0);

    server.stop();
    (*driver)->stop();
    driver->reset();
    opened->reset();
    std::filesystem::remove_all(home);

    std::printf("transactions:            %zu (%zu rejected) from %zu senders over %u connections, %zu a request\n",
                txns.size(), rejected.load(), senders, connections, batch);
    std::printf("blocks:                  %llu (%s, interval %llu ms, gas limit %llu)\n",
                static_cast<unsigned long long>(stats.head_number - start_height), instant ? "instant" : "at the interval",
                static_cast<unsigned long long>(interval_ms), static_cast<unsigned long long>(chain->block_gas_limit));
    std::printf("submitted in:            %.2f s (%.0f tx/s accepted over RPC)\n", submit_seconds,
                static_cast<double>(txns.size()) / submit_seconds);
    std::printf("committed transfers/s:   %.0f\n", tps);
    std::printf("raw sender recovery/s:   %.0f (one core, same run), %.0f (%u threads on %u cores)\n", recover_rate,
                recover_rate_all, cores, cores);
    std::printf("eth_blockNumber req/s:   %.0f (%u keep-alive connections)\n", bn_rate, connections);
    std::printf("ratio committed/recover: %.3f of one core, %.3f of all %u cores\n", tps / recover_rate, tps / recover_rate_all,
                cores);
    return stats.transactions_committed + rejected >= txns.size() ? 0 : 1;
}
