#include "node/executor.hpp"

namespace moe::node {

using core::uint256;
using core::uint512;

std::expected<void, ApplyError> check_transaction(WorldState& state, const core::Transaction& txn,
                                                  const core::Address& sender, const BlockEnv& env,
                                                  std::uint64_t gas_left_in_block) {
    auto fail = [](std::string m) { return std::unexpected(ApplyError{std::move(m)}); };
    if (txn.chain_id && *txn.chain_id != env.chain_id) return fail("invalid chain id for signer");
    if (auto v = core::validate_static(txn); !v) return fail(std::string(core::to_string(v.error())));
    if (txn.gas_limit > gas_left_in_block) return fail("gas limit reached");
    if (txn.max_fee_per_gas < env.base_fee) return fail("max fee per gas less than block base fee");
    if (txn.is_create()) return fail("contract creation is not supported yet: the EVM is not enabled on this node");
    if (!txn.data.empty()) return fail("calldata is not supported yet: the EVM is not enabled on this node");

    auto from = state.account(sender);
    if (!from) return fail("state unavailable: " + std::string(core::to_string(from.error())));
    if (from->code_hash != core::kEmptyCodeHash) return fail("sender not an eoa");  // EIP-3607
    if (txn.nonce < from->nonce) return fail("nonce too low");
    if (txn.nonce > from->nonce) return fail("nonce too high");
    const uint512 cost = uint512(txn.gas_limit) * txn.max_fee_per_gas + txn.value;
    if (cost > uint512(from->balance)) return fail("insufficient funds for gas * price + value");

    auto to = state.account(*txn.to);
    if (!to) return fail("state unavailable: " + std::string(core::to_string(to.error())));
    if (to->code_hash != core::kEmptyCodeHash) {
        return fail("calls to contracts are not supported yet: the EVM is not enabled on this node");
    }
    return {};
}

std::expected<core::Receipt, ApplyError> apply_transaction(WorldState& state, const core::Transaction& txn,
                                                           const core::Address& sender, const BlockEnv& env,
                                                           std::uint64_t cumulative_gas_before) {
    if (cumulative_gas_before > env.gas_limit) return std::unexpected(ApplyError{"gas limit reached"});
    if (auto ok = check_transaction(state, txn, sender, env, env.gas_limit - cumulative_gas_before); !ok) {
        return std::unexpected(ok.error());
    }
    const std::uint64_t gas_used = core::intrinsic_gas(txn);  // a plain transfer uses exactly that
    const uint256 price = *txn.effective_gas_price(env.base_fee);
    const uint256 tip = *txn.effective_priority_fee(env.base_fee);

    core::Account from = *state.account(sender);
    from.nonce += 1;
    from.balance -= price * gas_used + txn.value;  // checked against the balance above
    state.set_account(sender, from);

    core::Account to = *state.account(*txn.to);
    to.balance += txn.value;
    state.set_account(*txn.to, to);

    // EIP-1559: the base fee is burned, the priority fee goes to the proposer.
    core::Account proposer = *state.account(env.beneficiary);
    proposer.balance += tip * gas_used;
    state.set_account(env.beneficiary, proposer);

    core::Receipt receipt;
    receipt.type = txn.type;
    receipt.success = true;
    receipt.cumulative_gas_used = cumulative_gas_before + gas_used;
    return receipt;
}

}  // namespace moe::node
