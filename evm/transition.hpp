#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "core/receipt.hpp"
#include "core/transaction.hpp"
#include "evm/evm.hpp"
#include "evm/state.hpp"

namespace moe::evm {

/// Why a transaction cannot be included: the message is geth's, so that Ethereum clients
/// recognise it. `invalid` tells a bad transaction (refuse it) from a node failure (the
/// state could not be read: stop the block).
struct TxError {
    std::string message;
    bool invalid = true;
};

/// What running one transaction gave.
struct TxOutcome {
    core::Receipt receipt;
    std::uint64_t gas_used = 0;  ///< after the refund
    Status status = Status::kSuccess;
    core::Bytes output;          ///< return data, or the revert data
    std::optional<core::Address> contract_address;
    /// Every contract the transaction created (its own creation and those of CREATE and
    /// CREATE2 inside it), in the order their code was set, without those of reverted frames.
    std::vector<core::Address> created_contracts;
    int unimplemented_calls = 0;  ///< calls into precompiles this node cannot run
};

/// Everything besides the state that a transaction runs with.
struct ExecutionContext {
    const BlockEnv& block;
    JumpdestCache& jumpdests;
    NativeContracts* natives = nullptr;
    Tracer* tracer = nullptr;  ///< debug_trace*: sees every frame and step (evm/tracing.hpp)
    /// A devnet's impersonated transaction (decision 008): its sender may be a contract, as on
    /// Anvil and Hardhat (EIP-3607 does not hold for it).
    bool sender_may_have_code = false;
};

/// The checks a transaction must pass against a state before it runs (mempool admission
/// and block validity): nonce, EOA sender (EIP-3607), fee cap against the base fee,
/// intrinsic gas, init code size, the block's gas left and the balance for
/// gas_limit * max_fee + value. The signature is the caller's business. `sender_may_have_code`:
/// a devnet's impersonated transaction, exempt from EIP-3607 (decision 008).
[[nodiscard]] std::expected<void, TxError> check_transaction(State& state, const BlockEnv& block,
                                                             const core::Transaction& txn,
                                                             const core::Address& sender,
                                                             std::uint64_t gas_left_in_block,
                                                             bool sender_may_have_code = false);

/// Warms what a transaction starts with: the sender, the recipient and the precompiles
/// (EIP-2929), the coinbase (EIP-3651) and the transaction's access list (EIP-2930).
void warm_transaction_access(State& state, const core::Address& sender, const std::optional<core::Address>& to,
                             const core::Address& coinbase, const core::AccessList& access_list);

/// What a transaction's message gave, before any fee is settled.
struct MessageOutcome {
    Result result;
    std::uint64_t gas_before_refund = 0;
    std::uint64_t gas_used = 0;  ///< after the EIP-3529 refund (at most a fifth)
    int unimplemented_calls = 0;
    std::vector<core::Address> created_contracts;  ///< as TxOutcome::created_contracts
};

/// Runs the message of a transaction whose checks are passed and gas bought (or, for
/// eth_call, not bought): warms the access list, bumps a call's nonce (a creation bumps its
/// own), executes with what the intrinsic gas leaves, and caps the refund. Blocks and RPC
/// calls share it so that a call estimates exactly what a block will do.
[[nodiscard]] MessageOutcome run_transaction_message(State& state, const ExecutionContext& ctx,
                                                     const core::Transaction& txn, const core::Address& sender,
                                                     const core::uint256& gas_price);

/// Runs a transaction under Cancun rules: buys gas at the effective price, warms the
/// EIP-2929/2930/3651 access list, executes, refunds (EIP-3529), pays the priority fee to
/// the coinbase and burns the base fee (EIP-1559), then ends the transaction (EIP-161/6780
/// deletions). On an error nothing has changed in the state.
[[nodiscard]] std::expected<TxOutcome, TxError> apply_transaction(State& state, const ExecutionContext& ctx,
                                                                  const core::Transaction& txn,
                                                                  const core::Address& sender,
                                                                  std::uint64_t cumulative_gas_before);

}  // namespace moe::evm
