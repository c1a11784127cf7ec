#include "evm/transition.hpp"

#include "evm/precompiles.hpp"

namespace moe::evm {

using core::uint256;
using core::uint512;

std::expected<void, TxError> check_transaction(State& state, const BlockEnv& block, const core::Transaction& txn,
                                               const core::Address& sender, std::uint64_t gas_left_in_block,
                                               bool sender_may_have_code) {
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
    if (!sender_may_have_code && state.code_hash(sender) != core::kEmptyCodeHash) return fail("sender not an eoa");  // EIP-3607
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

MessageOutcome run_transaction_message(State& state, const ExecutionContext& ctx, const core::Transaction& txn,
                                       const core::Address& sender, const uint256& gas_price) {
    if (!txn.is_create()) state.set_nonce(sender, txn.nonce + 1);
    warm_transaction_access(state, sender, txn.to, ctx.block.coinbase, txn.access_list);

    const TxEnv tx_env{sender, gas_price};
    Evm evm(state, ctx.block, tx_env, ctx.jumpdests, ctx.natives, ctx.tracer);
    Message msg;
    msg.kind = txn.is_create() ? CallKind::kCreate : CallKind::kCall;
    msg.gas = static_cast<std::int64_t>(txn.gas_limit - core::intrinsic_gas(txn));
    msg.sender = sender;
    if (txn.to) msg.recipient = msg.code_address = *txn.to;
    msg.value = txn.value;
    msg.input = txn.data;

    MessageOutcome out;
    out.result = evm.execute(msg);
    out.gas_before_refund = txn.gas_limit - static_cast<std::uint64_t>(out.result.gas_left);
    out.gas_used = out.gas_before_refund - std::min(state.refund(), out.gas_before_refund / 5);
    out.unimplemented_calls = evm.unimplemented_calls();
    out.created_contracts = evm.created_contracts();
    return out;
}

std::expected<TxOutcome, TxError> apply_transaction(State& state, const ExecutionContext& ctx,
                                                    const core::Transaction& txn, const core::Address& sender,
                                                    std::uint64_t cumulative_gas_before) {
    const BlockEnv& block = ctx.block;
    if (cumulative_gas_before > block.gas_limit) return std::unexpected(TxError{"gas limit reached"});
    state.begin_transaction();
    if (auto ok = check_transaction(state, block, txn, sender, block.gas_limit - cumulative_gas_before, ctx.sender_may_have_code);
        !ok) {
        return std::unexpected(ok.error());
    }

    const uint256 price = *txn.effective_gas_price(block.base_fee);  // the fee cap covers the base fee (checked)
    const uint256 tip = price - block.base_fee;
    state.sub_balance(sender, price * txn.gas_limit);
    MessageOutcome run = run_transaction_message(state, ctx, txn, sender, price);
    state.add_balance(sender, price * (txn.gas_limit - run.gas_used));
    state.add_balance(block.coinbase, tip * run.gas_used);  // the base fee part is burned

    TxOutcome out;
    out.gas_used = run.gas_used;
    out.status = run.result.status;
    out.output = std::move(run.result.output);
    if (txn.is_create() && out.status == Status::kSuccess) out.contract_address = run.result.created_address;
    out.unimplemented_calls = run.unimplemented_calls;
    out.created_contracts = std::move(run.created_contracts);
    out.receipt.type = txn.type;
    out.receipt.success = out.status == Status::kSuccess;
    out.receipt.cumulative_gas_used = cumulative_gas_before + run.gas_used;
    out.receipt.logs = state.logs();
    out.receipt.bloom = core::logs_bloom(out.receipt.logs);
    state.finalize_transaction();
    if (auto e = state.error()) return std::unexpected(TxError{std::string(to_string(*e)), false});
    return out;
}

}  // namespace moe::evm
