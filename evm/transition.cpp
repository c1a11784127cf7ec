#include "evm/transition.hpp"

#include "evm/precompiles.hpp"

namespace moe::evm {

using core::uint256;
using core::uint512;

std::expected<void, TxError> check_transaction(State& state, const BlockEnv& block, const core::Transaction& txn,
                                               const core::Address& sender, std::uint64_t gas_left_in_block) {
    auto fail = [](std::string m) { return std::unexpected(TxError{std::move(m)}); };
    if (txn.chain_id && *txn.chain_id != block.chain_id) return fail("invalid chain id for signer");
    if (txn.nonce == UINT64_MAX) return fail("nonce has max value");
    if (txn.gas_limit > gas_left_in_block) return fail("gas limit reached");
    if (txn.max_priority_fee_per_gas > txn.max_fee_per_gas) {
        return fail("max priority fee per gas higher than max fee per gas");
    }
    if (txn.max_fee_per_gas < block.base_fee) return fail("max fee per gas less than block base fee");
    if (txn.is_create() && txn.data.size() > core::kMaxInitCodeSize) return fail("max initcode size exceeded");

    const std::uint64_t nonce = state.nonce(sender);
    if (txn.nonce < nonce) return fail("nonce too low");
    if (txn.nonce > nonce) return fail("nonce too high");
    if (state.code_hash(sender) != core::kEmptyCodeHash) return fail("sender not an eoa");  // EIP-3607
    const uint512 cost = uint512(txn.gas_limit) * txn.max_fee_per_gas + txn.value;
    if (cost > uint512(state.balance(sender))) return fail("insufficient funds for gas * price + value");
    if (txn.gas_limit < core::intrinsic_gas(txn)) return fail("intrinsic gas too low");
    if (auto e = state.error()) return std::unexpected(TxError{std::string(to_string(*e)), false});
    return {};
}

void warm_transaction_access(State& state, const core::Address& sender, const std::optional<core::Address>& to,
                             const core::Address& coinbase, const core::AccessList& access_list) {
    state.access_account(sender);
    if (to) state.access_account(*to);
    for (std::uint8_t i = 1; i <= kLastPrecompile; ++i) {
        core::Address p;
        p[19] = i;
        state.access_account(p);
    }
    state.access_account(coinbase);
    for (const auto& entry : access_list) {
        state.access_account(entry.address);
        for (const auto& key : entry.storage_keys) state.access_storage(entry.address, core::uint256_from_big_endian(key));
    }
}

std::expected<TxOutcome, TxError> apply_transaction(State& state, const ExecutionContext& ctx,
                                                    const core::Transaction& txn, const core::Address& sender,
                                                    std::uint64_t cumulative_gas_before) {
    const BlockEnv& block = ctx.block;
    if (cumulative_gas_before > block.gas_limit) return std::unexpected(TxError{"gas limit reached"});
    state.begin_transaction();
    if (auto ok = check_transaction(state, block, txn, sender, block.gas_limit - cumulative_gas_before); !ok) {
        return std::unexpected(ok.error());
    }

    const uint256 price = *txn.effective_gas_price(block.base_fee);  // the fee cap covers the base fee (checked)
    const uint256 tip = price - block.base_fee;
    state.sub_balance(sender, price * txn.gas_limit);
    if (!txn.is_create()) state.set_nonce(sender, txn.nonce + 1);  // a creation bumps it itself

    warm_transaction_access(state, sender, txn.to, block.coinbase, txn.access_list);

    const TxEnv tx_env{sender, price};
    Evm evm(state, block, tx_env, ctx.jumpdests, ctx.natives);
    Message msg;
    msg.kind = txn.is_create() ? CallKind::kCreate : CallKind::kCall;
    msg.gas = static_cast<std::int64_t>(txn.gas_limit - core::intrinsic_gas(txn));
    msg.sender = sender;
    if (txn.to) msg.recipient = msg.code_address = *txn.to;
    msg.value = txn.value;
    msg.input = txn.data;
    Result result = evm.execute(msg);

    // EIP-3529: the refund is at most a fifth of the gas used.
    std::uint64_t gas_used = txn.gas_limit - static_cast<std::uint64_t>(result.gas_left);
    gas_used -= std::min(state.refund(), gas_used / 5);
    state.add_balance(sender, price * (txn.gas_limit - gas_used));
    state.add_balance(block.coinbase, tip * gas_used);  // the base fee part is burned

    TxOutcome out;
    out.gas_used = gas_used;
    out.status = result.status;
    out.output = std::move(result.output);
    if (txn.is_create() && result.status == Status::kSuccess) out.contract_address = result.created_address;
    out.unimplemented_calls = evm.unimplemented_calls();
    out.receipt.type = txn.type;
    out.receipt.success = result.status == Status::kSuccess;
    out.receipt.cumulative_gas_used = cumulative_gas_before + gas_used;
    out.receipt.logs = state.logs();
    out.receipt.bloom = core::logs_bloom(out.receipt.logs);
    state.finalize_transaction();
    if (auto e = state.error()) return std::unexpected(TxError{std::string(to_string(*e)), false});
    return out;
}

}  // namespace moe::evm
