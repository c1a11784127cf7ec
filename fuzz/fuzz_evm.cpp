// EVM bytecode run against a state: the interpreter ends every code with a status, never uses
// more gas than it was given, and leaves a state that still commits to a root.
#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "evm/evm.hpp"
#include "evm/state.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace moe;
    constexpr std::int64_t kGas = 3'000'000;
    core::MemoryNodeStore nodes;
    evm::MemoryCodeStore codes;
    evm::State state(&nodes, &codes, core::kEmptyTrieRoot);
    core::Address contract, caller;
    contract[0] = 0xcc;
    contract[19] = 1;
    caller[0] = 0xcc;
    caller[19] = 2;
    state.set_code(contract, core::Bytes(data, data + size));
    state.add_balance(contract, core::uint256(1'000'000));
    state.finalize_transaction();
    state.begin_transaction();
    evm::BlockEnv block;
    evm::TxEnv tx;
    evm::JumpdestCache jumpdests;
    evm::Message msg;
    msg.gas = kGas;
    msg.sender = caller;
    msg.recipient = msg.code_address = contract;
    evm::Evm evm(state, block, tx, jumpdests);
    const evm::Result r = evm.execute(msg);
    if (r.gas_left < 0 || r.gas_left > kGas) __builtin_trap();
    // An exceptional halt of the frame that ran consumes all of its gas.
    const auto s = static_cast<int>(r.status);
    if (s >= static_cast<int>(evm::Status::kOutOfGas) && s <= static_cast<int>(evm::Status::kStaticModeViolation) && r.gas_left != 0) __builtin_trap();
    state.finalize_transaction();
    (void)state.root();
    return 0;
}
