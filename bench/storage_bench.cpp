// A block commit through ChainDb against raw RocksDB WriteBatch puts of the same bytes.
#include <benchmark/benchmark.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <filesystem>

#include "../tests/integration/storage_blocks.hpp"

namespace fs = std::filesystem;
using namespace moe;

namespace {

fs::path fresh_dir(const std::string& name) {
    fs::path d = fs::temp_directory_path() / ("moe_bench_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(d);
    return d;
}

void BM_ChainDbCommitBlock(benchmark::State& state) {
    const fs::path dir = fresh_dir("chaindb");
    auto db = node::ChainDb::open(dir, test::test_identity());
    std::uint64_t n = 0;
    for (auto _ : state) {
        state.PauseTiming();
        node::BlockWrite b = test::make_block(n++);
        state.ResumeTiming();
        if (!(*db)->commit_block(b)) state.SkipWithError("commit failed");
    }
    db->reset();
    fs::remove_all(dir);
}
BENCHMARK(BM_ChainDbCommitBlock)->Unit(benchmark::kMicrosecond);

void BM_ChainDbCommitBlock_RawWriteBatch(benchmark::State& state) {
    const fs::path dir = fresh_dir("raw");
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    rocksdb::DB::Open(o, dir.string(), &raw);
    std::uint64_t n = 0;
    rocksdb::WriteOptions wo;
    wo.sync = true;
    for (auto _ : state) {
        state.PauseTiming();
        const node::BlockWrite b = test::make_block(n++);
        state.ResumeTiming();
        rocksdb::WriteBatch batch;
        auto put = [&](core::ByteView k, core::ByteView v) {
            batch.Put(rocksdb::Slice(reinterpret_cast<const char*>(k.data()), k.size()),
                      rocksdb::Slice(reinterpret_cast<const char*>(v.data()), v.size()));
        };
        put(b.hash, b.header_rlp);
        put(b.hash, b.body_rlp);
        put(b.hash, b.receipts_rlp);
        for (const auto& h : b.tx_hashes) put(h, node::number_key(b.number));
        for (const auto& [h, v] : b.trie_nodes) put(h, v);
        put(node::number_key(b.number), *b.certificate);
        raw->Write(wo, &batch);
    }
    delete raw;
    fs::remove_all(dir);
}
BENCHMARK(BM_ChainDbCommitBlock_RawWriteBatch)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
