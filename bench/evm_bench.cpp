// The EVM interpreter's speed, as gas per second, beside the cost of what every transaction
// already pays: recovering its sender (a figure the README compares against).
#include <benchmark/benchmark.h>

#include "core/bytes.hpp"
#include "core/keccak.hpp"
#include "core/secp256k1.hpp"
#include "evm/evm.hpp"
#include "evm/precompiles.hpp"
#include "evm/state.hpp"

namespace {

using moe::core::Address;
using moe::core::Bytes;
using moe::core::uint256;

// The runtime code of a minimal ERC-20 (balanceOf, transfer with require and a Transfer event),
// compiled by the pinned solc 0.8.28 (tests/e2e) with the optimizer at 200 runs, evmVersion cancun.
constexpr const char* kTokenRuntime =
    "608060405234801561000f575f5ffd5b5060043610610034575f3560e01c806370a0823114610038578063a9059cbb14"
    "61006a575b5f5ffd5b6100576100463660046101a3565b5f6020819052908152604090205481565b6040519081526020"
    "015b60405180910390f35b61007d6100783660046101c3565b61008d565b6040519015158152602001610061565b335f"
    "908152602081905260408120548211156100ef5760405162461bcd60e51b815260206004820152601b60248201527f54"
    "6f6b656e3a20696e73756666696369656e742062616c616e63650000000000604482015260640160405180910390fd5b"
    "335f908152602081905260408120805484929061010d9084906101ff565b90915550506001600160a01b0383165f9081"
    "526020819052604081208054849290610139908490610212565b90915550506040518281526001600160a01b03841690"
    "33907fddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef9060200160405180910390a350"
    "60015b92915050565b80356001600160a01b038116811461019e575f5ffd5b919050565b5f602082840312156101b357"
    "5f5ffd5b6101bc82610188565b9392505050565b5f5f604083850312156101d4575f5ffd5b6101dd83610188565b9460"
    "20939093013593505050565b634e487b7160e01b5f52601160045260245ffd5b81810381811115610182576101826101"
    "eb565b80820180821115610182576101826101eb56fea26469706673582212201a0df77dfb10971fdb2dd579244b033a"
    "89dede8236224b79ea1aed8e8b74436d64736f6c634300081c0033";

Address address_of(std::uint8_t b) {
    Address a;
    a[19] = b;
    a[0] = 0xaa;
    return a;
}

// A loop that counts down from 2^20: PUSH3 0x100000, JUMPDEST, PUSH1 1, SWAP1, SUB, DUP1,
// PUSH1 4, JUMPI, STOP. Arithmetic and jumps only, the interpreter's own overhead.
const Bytes kLoop = *moe::core::from_hex("0x621000005b600190038060045700");

struct Fixture {
    moe::core::MemoryNodeStore nodes;
    moe::evm::MemoryCodeStore codes;
    moe::evm::State state{&nodes, &codes, moe::core::kEmptyTrieRoot};
    moe::evm::BlockEnv block;
    moe::evm::TxEnv tx;
    moe::evm::JumpdestCache jumpdests;
};

void BM_LoopGasPerSecond(benchmark::State& bs) {
    Fixture f;
    const Address contract = address_of(1);
    f.state.set_code(contract, kLoop);
    std::int64_t gas_used = 0;
    for (auto _ : bs) {
        f.state.begin_transaction();
        moe::evm::Evm evm(f.state, f.block, f.tx, f.jumpdests);
        moe::evm::Message msg;
        msg.gas = 100'000'000;
        msg.recipient = msg.code_address = contract;
        const moe::evm::Result r = evm.execute(msg);
        if (r.status != moe::evm::Status::kSuccess) bs.SkipWithError("loop failed");
        gas_used += msg.gas - r.gas_left;
        f.state.finalize_transaction();
    }
    bs.counters["gas/s"] = benchmark::Counter(static_cast<double>(gas_used), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LoopGasPerSecond)->Unit(benchmark::kMillisecond);

// The same countdown written in C++ over the same 256-bit words: what the loop would cost with
// no interpreter at all (the bound the interpreter's overhead is measured against).
void BM_LoopNative(benchmark::State& bs) {
    for (auto _ : bs) {
        uint256 counter = 0x100000;
        uint256 one = 1;
        benchmark::DoNotOptimize(one);
        while (true) {
            counter = counter - one;
            benchmark::DoNotOptimize(counter);
            if (counter == 0) break;
        }
    }
}
BENCHMARK(BM_LoopNative)->Unit(benchmark::kMillisecond);

void BM_Erc20Transfer(benchmark::State& bs) {
    Fixture f;
    const Address token = address_of(2);
    const Address holder = address_of(3);
    f.state.set_code(token, *moe::core::from_hex(std::string("0x") + kTokenRuntime));
    // balanceOf[holder] sits at keccak(holder . slot 0).
    Bytes key(64, 0);
    std::copy(holder.bytes.begin(), holder.bytes.end(), key.begin() + 12);
    f.state.set_storage(token, moe::core::uint256_from_big_endian(moe::core::keccak256(key)), uint256(1) << 200);
    f.state.finalize_transaction();
    std::int64_t gas_used = 0;
    std::uint8_t recipient = 10;
    for (auto _ : bs) {
        Bytes input = *moe::core::from_hex("0xa9059cbb");
        Bytes to(32, 0);
        to[31] = ++recipient;  // a new recipient slot now and then, as real traffic has
        input.insert(input.end(), to.begin(), to.end());
        Bytes amount(32, 0);
        amount[31] = 1;
        input.insert(input.end(), amount.begin(), amount.end());

        f.state.begin_transaction();
        f.state.access_account(holder);
        f.state.access_account(token);
        moe::evm::Evm evm(f.state, f.block, f.tx, f.jumpdests);
        moe::evm::Message msg;
        msg.gas = 100'000;
        msg.sender = holder;
        msg.recipient = msg.code_address = token;
        msg.input = input;
        const moe::evm::Result r = evm.execute(msg);
        if (r.status != moe::evm::Status::kSuccess) bs.SkipWithError("transfer failed");
        gas_used += msg.gas - r.gas_left;
        f.state.finalize_transaction();
    }
    bs.counters["gas/s"] = benchmark::Counter(static_cast<double>(gas_used), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Erc20Transfer)->Unit(benchmark::kMicrosecond);

// Precompile prices should follow their cost: EIP-1108 prices a two-pair pairing at 113000
// gas and ecrecover at 3000 (37.7x); these two give the measured ratio in the same run.
const Bytes kPairingInput = *moe::core::from_hex(
    "0x0000000000000000000000000000000000000000000000000000000000000001"
    "0000000000000000000000000000000000000000000000000000000000000002"
    "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"
    "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
    "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b"
    "12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa"
    "0000000000000000000000000000000000000000000000000000000000000001"
    "0000000000000000000000000000000000000000000000000000000000000002"
    "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"
    "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
    "275dc4a288d1afb3cbb1ac09187524c7db36395df7be3b99e673b13a075a65ec"
    "1d9befcd05a5323e6da4d435f3b617cdb3af83285c2df711ef39c01571827f9d");

void BM_Bn256PairingTwoPairs(benchmark::State& bs) {
    for (auto _ : bs) {
        auto out = moe::evm::run_precompile(moe::evm::Precompile::kBn256Pairing, kPairingInput);
        if (!out || (*out)[31] != 1) bs.SkipWithError("pairing check failed");
    }
}
BENCHMARK(BM_Bn256PairingTwoPairs)->Unit(benchmark::kMillisecond);

void BM_EcrecoverPrecompile(benchmark::State& bs) {
    const auto key = moe::core::PrivateKey::from_seed(moe::core::keccak256(moe::core::as_bytes("bench")));
    const moe::core::Hash digest = moe::core::keccak256(moe::core::as_bytes("transaction"));
    const moe::core::Signature sig = key.sign(digest);
    Bytes input(128, 0);
    std::copy(digest.bytes.begin(), digest.bytes.end(), input.begin());
    input[63] = static_cast<std::uint8_t>(27 + sig.y_parity);
    const moe::core::Hash r = moe::core::uint256_to_bytes32(sig.r);
    const moe::core::Hash s = moe::core::uint256_to_bytes32(sig.s);
    std::copy(r.bytes.begin(), r.bytes.end(), input.begin() + 64);
    std::copy(s.bytes.begin(), s.bytes.end(), input.begin() + 96);
    for (auto _ : bs) {
        auto out = moe::evm::run_precompile(moe::evm::Precompile::kEcRecover, input);
        if (!out || out->size() != 32) bs.SkipWithError("ecrecover failed");
    }
}
BENCHMARK(BM_EcrecoverPrecompile)->Unit(benchmark::kMicrosecond);

// The reference every transaction pays anyway.
void BM_SenderRecovery(benchmark::State& bs) {
    const auto key = moe::core::PrivateKey::from_seed(moe::core::keccak256(moe::core::as_bytes("bench")));
    const moe::core::Hash digest = moe::core::keccak256(moe::core::as_bytes("transaction"));
    const moe::core::Signature sig = key.sign(digest);
    for (auto _ : bs) benchmark::DoNotOptimize(moe::core::recover_address(digest, sig));
}
BENCHMARK(BM_SenderRecovery)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
