// Core primitives against the raw library calls they wrap, measured in the same run.
#include <benchmark/benchmark.h>
#include <cryptopp/keccak.h>

#include "core/keccak.hpp"
#include "core/rlp.hpp"

namespace {

using namespace moe::core;

void BM_Keccak256(benchmark::State& state) {
    const Bytes data(static_cast<std::size_t>(state.range(0)), 0x5a);
    for (auto _ : state) benchmark::DoNotOptimize(keccak256(data));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Keccak256)->Arg(32)->Arg(1024);

void BM_Keccak256_RawCryptopp(benchmark::State& state) {
    const Bytes data(static_cast<std::size_t>(state.range(0)), 0x5a);
    std::uint8_t out[32];
    for (auto _ : state) {
        CryptoPP::Keccak_256 k;
        k.Update(data.data(), data.size());
        k.Final(out);
        benchmark::DoNotOptimize(out);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Keccak256_RawCryptopp)->Arg(32)->Arg(1024);

}  // namespace

BENCHMARK_MAIN();
