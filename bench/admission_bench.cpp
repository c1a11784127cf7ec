// A peer's gossip batch of 1,024 transfers admitted into the pool (Node::submit_peer_transactions:
// decoding, sender recovery, the pool's rules against the head state) with one recovery thread
// and with one per core, beside 1,024 bare sender recoveries on one thread in the same run.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "chain/chain_config.hpp"
#include "core/keccak.hpp"
#include "node/chain_files.hpp"
#include "node/home.hpp"
#include "node/node.hpp"

namespace fs = std::filesystem;
using namespace moe;

namespace {

constexpr std::size_t kSenders = 256;
constexpr std::size_t kBatch = 1'024;
constexpr std::size_t kBatches = 16;  // each iteration pools a batch of fresh nonces

core::PrivateKey sender_key(std::size_t i) { return core::PrivateKey::from_seed(core::keccak256(core::as_bytes("admission" + std::to_string(i)))); }

chain::ChainConfig funded_chain() {
    nlohmann::json doc = nlohmann::json::parse(*node::preset_json("devnet"));
    for (std::size_t i = 0; i < kSenders; ++i) doc["alloc"][sender_key(i).address().hex()] = "1000000000000000000000";
    const core::PrivateKey validator = core::PrivateKey::from_seed(core::keccak256(core::as_bytes("validator")));
    doc["validators"] = nlohmann::json::array({{{"public_key", validator.public_key().hex()}, {"power", 1}}});
    return *chain::parse_chain_config(doc);
}

/// kBatches batches of signed transfers, each sender's nonces in order across them.
const std::vector<std::vector<core::Bytes>>& batches(const chain::ChainConfig& chain) {
    static const std::vector<std::vector<core::Bytes>> all = [&] {
        std::vector<std::vector<core::Bytes>> out(kBatches);
        std::vector<core::PrivateKey> keys;
        for (std::size_t i = 0; i < kSenders; ++i) keys.push_back(sender_key(i));
        for (std::size_t b = 0; b < kBatches; ++b) {
            for (std::size_t k = 0; k < kBatch; ++k) {
                const std::size_t s = k % kSenders;
                core::Transaction t;
                t.chain_id = chain.chain_id;
                t.nonce = b * (kBatch / kSenders) + k / kSenders;
                t.max_priority_fee_per_gas = 1'000'000'000u;
                t.max_fee_per_gas = 100'000'000'000ull;
                t.gas_limit = 21'000;
                t.to = keys[(s + 1) % kSenders].address();
                t.value = 1;
                t.sign(keys[s]);
                out[b].push_back(t.encode());
            }
        }
        return out;
    }();
    return all;
}

void BM_PeerBatchAdmission(benchmark::State& state) {
    const chain::ChainConfig chain = funded_chain();
    const auto& work = batches(chain);
    const fs::path home = fs::temp_directory_path() / ("moe_bench_admission_" + std::to_string(::getpid()));
    fs::remove_all(home);
    fs::create_directories(home);
    node::NodeConfig config;
    config.mempool_max_transactions = node::kMaxPooledTransactions;
    config.mempool_max_per_sender = 4'096;
    config.recovery_threads = static_cast<std::uint32_t>(state.range(0));
    {
        auto opened = node::Node::open(node::HomeLayout{home}, config, chain, core::PrivateKey::from_seed(core::keccak256(core::as_bytes("validator"))));
        if (!opened) {
            state.SkipWithError(opened.error().c_str());
            return;
        }
        std::size_t b = 0;
        for (auto _ : state) {
            if (b == kBatches) {
                state.SkipWithError("out of batches");
                break;
            }
            if ((*opened)->submit_peer_transactions(work[b++]) != kBatch) state.SkipWithError("a transaction was refused");
        }
        state.SetItemsProcessed(static_cast<std::int64_t>(b * kBatch));
    }
    fs::remove_all(home);
}
// 0: one recovery thread per core.
BENCHMARK(BM_PeerBatchAdmission)->Arg(1)->Arg(0)->Iterations(kBatches)->Unit(benchmark::kMillisecond)->UseRealTime();

/// The naive limit on one thread: the batch's sender recoveries and nothing else.
void BM_PeerBatchRecoveryOnly(benchmark::State& state) {
    const auto& work = batches(funded_chain());
    std::vector<core::Transaction> txns;
    for (const core::Bytes& raw : work[0]) txns.push_back(*core::decode_transaction(raw));
    for (auto _ : state) {
        for (const core::Transaction& t : txns) benchmark::DoNotOptimize(t.sender());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}
BENCHMARK(BM_PeerBatchRecoveryOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
