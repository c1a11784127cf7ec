#pragma once

#include <cstdint>
#include <expected>
#include <string>

#include "core/receipt.hpp"
#include "core/transaction.hpp"
#include "node/world_state.hpp"

namespace moe::node {

/// What a block gives the transactions in it.
struct BlockEnv {
    std::uint64_t number = 0;
    std::uint64_t timestamp = 0;
    core::Address beneficiary;
    core::uint256 base_fee;
    std::uint64_t gas_limit = 0;
    std::uint64_t chain_id = 0;
};

/// Why a transaction cannot be applied to a state; the messages are geth's, so that
/// Ethereum clients recognise them.
struct ApplyError {
    std::string message;
};

/// Checks a transaction against a state and block without changing anything (the checks of
/// mempool admission and of block validity), returning the up-front cost it needs.
[[nodiscard]] std::expected<void, ApplyError> check_transaction(WorldState& state, const core::Transaction& txn,
                                                                const core::Address& sender, const BlockEnv& env,
                                                                std::uint64_t gas_left_in_block);

/// Applies a value transfer: charges gas at the effective price, burns the base fee, pays
/// the priority fee to the beneficiary, moves the value. Until the EVM is wired in,
/// transactions that create contracts, carry calldata or call an account with code are
/// refused with a clear error. Returns the receipt (cumulative gas included).
[[nodiscard]] std::expected<core::Receipt, ApplyError> apply_transaction(WorldState& state, const core::Transaction& txn,
                                                                         const core::Address& sender, const BlockEnv& env,
                                                                         std::uint64_t cumulative_gas_before);

}  // namespace moe::node
