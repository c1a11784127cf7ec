// Core primitives against the raw library calls they wrap, measured in the same run.
#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>
#include <cryptopp/keccak.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "bench/sample_transaction.hpp"
#include "core/account.hpp"
#include "core/keccak.hpp"
#include "core/rlp.hpp"
#include "core/transaction.hpp"
#include "core/trie.hpp"

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

using moe::bench::sample_transaction;

void BM_TxDecode(benchmark::State& state) {
    const Bytes raw = sample_transaction().encode();
    for (auto _ : state) benchmark::DoNotOptimize(decode_transaction(raw));
}
BENCHMARK(BM_TxDecode);

/// The floor: a generic RLP walk of the same bytes, allocating nothing typed.
void BM_TxDecode_RawRlpWalk(benchmark::State& state) {
    const Bytes raw = sample_transaction().encode();
    for (auto _ : state) benchmark::DoNotOptimize(rlp::decode_item(ByteView(raw).subspan(1)));
}
BENCHMARK(BM_TxDecode_RawRlpWalk);

void BM_SenderRecovery(benchmark::State& state) {
    const Transaction t = sample_transaction();
    for (auto _ : state) benchmark::DoNotOptimize(t.sender());
}
BENCHMARK(BM_SenderRecovery);

/// The raw library limit: secp256k1_ecdsa_recover plus the Keccak of the public key, given
/// the digest (our figure also includes computing the signing hash).
void BM_SenderRecovery_RawSecp256k1(benchmark::State& state) {
    const Transaction t = sample_transaction();
    const Hash digest = t.signing_hash();
    secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);
    std::uint8_t compact[64];
    const Hash r = uint256_to_bytes32(t.signature.r);
    const Hash s = uint256_to_bytes32(t.signature.s);
    std::copy(r.bytes.begin(), r.bytes.end(), compact);
    std::copy(s.bytes.begin(), s.bytes.end(), compact + 32);
    secp256k1_ecdsa_recoverable_signature sig;
    secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, compact, t.signature.y_parity);
    for (auto _ : state) {
        secp256k1_pubkey pk;
        benchmark::DoNotOptimize(secp256k1_ecdsa_recover(ctx, &pk, &sig, digest.data()));
        std::uint8_t ser[65];
        std::size_t len = sizeof ser;
        secp256k1_ec_pubkey_serialize(ctx, ser, &len, &pk, SECP256K1_EC_UNCOMPRESSED);
        benchmark::DoNotOptimize(keccak256(ByteView(ser + 1, 64)));
    }
    secp256k1_context_destroy(ctx);
}
BENCHMARK(BM_SenderRecovery_RawSecp256k1);

std::vector<std::pair<Hash, Bytes>> accounts(std::size_t n) {
    std::vector<std::pair<Hash, Bytes>> out;
    for (std::size_t i = 0; i < n; ++i) {
        Account a;
        a.nonce = i;
        a.balance = uint256{i} * 1'000'000'007ull;
        out.emplace_back(keccak256(as_bytes("account" + std::to_string(i))), a.encode());
    }
    return out;
}

void BM_TrieRoot10kAccounts(benchmark::State& state) {
    const auto leaves = accounts(10'000);
    for (auto _ : state) {
        Trie t;
        for (const auto& [k, v] : leaves) benchmark::DoNotOptimize(t.put(k, v));
        benchmark::DoNotOptimize(t.root_hash());
    }
}
BENCHMARK(BM_TrieRoot10kAccounts)->Unit(benchmark::kMillisecond);

/// The unavoidable part of a trie root: one Keccak per leaf encoding.
void BM_TrieRoot10kAccounts_RawLeafHashes(benchmark::State& state) {
    const auto leaves = accounts(10'000);
    for (auto _ : state) {
        for (const auto& [k, v] : leaves) {
            Bytes leaf;
            rlp::encode(leaf, ByteView(k.bytes).subspan(1));
            rlp::encode(leaf, ByteView{v});
            benchmark::DoNotOptimize(keccak256(rlp::wrap_list(leaf)));
        }
    }
}
BENCHMARK(BM_TrieRoot10kAccounts_RawLeafHashes)->Unit(benchmark::kMillisecond);

/// Ordered maps keyed by address and hash are everywhere a block is deterministic (senders,
/// accounts, pooled transactions, verdicts): lookups in one of 4,096 addresses, against the same
/// map keyed by each address's first 8 bytes as an integer (the cost of the comparisons alone).
std::vector<Address> addresses(std::size_t n) {
    std::vector<Address> out;
    for (std::size_t i = 0; i < n; ++i) {
        const Hash h = keccak256(as_bytes("address " + std::to_string(i)));
        out.push_back(Address::right_aligned(h.view()));
    }
    return out;
}

void BM_AddressMapFind(benchmark::State& state) {
    const std::vector<Address> keys = addresses(4096);
    std::map<Address, int> map;
    for (const Address& a : keys) map.emplace(a, 1);
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(map.find(keys[(i++ * 2654435761u) % keys.size()]));
}
BENCHMARK(BM_AddressMapFind);

void BM_AddressMapFind_RawIntegerKeys(benchmark::State& state) {
    const std::vector<Address> keys = addresses(4096);
    std::vector<std::uint64_t> ints;
    std::map<std::uint64_t, int> map;
    for (const Address& a : keys) {
        std::uint64_t v = 0;
        for (std::size_t b = 0; b < 8; ++b) v = (v << 8) | a[b];
        ints.push_back(v);
        map.emplace(v, 1);
    }
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(map.find(ints[(i++ * 2654435761u) % ints.size()]));
}
BENCHMARK(BM_AddressMapFind_RawIntegerKeys);

}  // namespace

BENCHMARK_MAIN();
