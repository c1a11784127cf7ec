#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/fixed_bytes.hpp"
#include "core/uint256.hpp"
#include "evm/evm.hpp"
#include "evm/state.hpp"

/// The staking system contract (docs/decisions/002-staking-contract.md), implemented natively.
namespace moe::evm {

/// Where the staking contract lives, and the single byte of code it shows there.
[[nodiscard]] const core::Address& staking_address() noexcept;
inline constexpr std::uint8_t kStakingCode = 0xfe;

/// Chain parameters the contract obeys.
struct StakingRules {
    std::uint64_t unbonding_blocks = 100;
    /// Who may replace the routing gate (`setRoutingGate`); none: nobody (decision 004).
    std::optional<core::Address> routing_governance;
    /// The shape a routing gate must have: the protocol model's experts and features (0: no
    /// routing, and no gate is accepted).
    std::uint32_t gate_experts = 0;
    std::uint32_t gate_features = 0;
};

/// One validator as the contract's storage holds it.
struct StakeRecord {
    core::Address validator;
    core::uint256 stake;
    core::uint256 unbonding;
    std::uint64_t release_block = 0;
    core::FixedBytes<33> pubkey;
    std::vector<std::uint32_t> experts;
    bool jailed = false;                ///< out of the validator set until it calls unjail()
    std::uint64_t jailed_until = 0;     ///< the first block at which unjail() succeeds
    std::uint64_t missed = 0;           ///< commits missed in the current downtime window
};

/// When missing commits jails a validator (docs/decisions/002-staking-contract.md, Downtime).
struct DowntimeRules {
    std::uint64_t window = 50;             ///< blocks per window; counters are judged and reset at multiples of it
    std::uint32_t max_missed_bps = 5000;   ///< a validator that missed more than this share of the window is jailed
    std::uint64_t jail_blocks = 50;        ///< how long a downtime jail lasts
};

/// Serves the staking address for the EVM.
class StakingContract final : public NativeContracts {
  public:
    explicit StakingContract(StakingRules rules) : rules_(rules) {}
    [[nodiscard]] bool serves(const core::Address& address) const override { return address == staking_address(); }
    [[nodiscard]] Result call(State& state, const BlockEnv& block, const Message& msg) override;

  private:
    StakingRules rules_;
};

/// The routing gate governance set, if any: int8 weights row-major [features][experts], then
/// int32 big-endian biases [experts] (decision 004). None: the protocol model's own gate.
[[nodiscard]] std::optional<core::Bytes> read_routing_gate(State& state);

/// Every validator with a stake, in ascending address order (what consensus reads at an
/// epoch boundary).
[[nodiscard]] std::vector<StakeRecord> read_stakes(State& state);

// Protocol operations: the node applies them while building or executing a block, before its
// transactions. No transaction can reach them.

/// Stakes `amount` for a genesis validator with its compressed key, and credits the contract's
/// balance with it (the stake exists without a sender). The caller has validated the key.
void genesis_stake(State& state, const core::Address& validator, const core::FixedBytes<33>& pubkey,
                   const core::uint256& amount);

/// Registers a genesis validator's expert ids, as registerExperts would (sorted, deduplicated,
/// the 16 lowest kept), so that routing has committees from the first block (decision 004).
void genesis_register_experts(State& state, const core::Address& validator, std::vector<std::uint32_t> experts);

/// Burns `fraction_bps`/10000 (at most all) of the validator's stake and of its unbonding
/// amount from the contract's balance and jails it until `jailed_until` (a later jail never
/// shortens an earlier one). Returns the amount burned; a validator with neither stake nor
/// unbonding burns 0 and is left untouched.
core::uint256 slash_and_jail(State& state, const core::Address& validator, std::uint32_t fraction_bps,
                             std::uint64_t jailed_until);

/// Counts the commit of block `block_number`: each of `validators` missing from `signers`
/// misses one more. At the end of a window (block_number % window == 0) every validator that
/// missed more than max_missed_bps of the window is jailed until block_number + jail_blocks,
/// and every counter starts over. Deterministic: integers only, address order.
void record_commit(State& state, std::uint64_t block_number, const std::vector<core::Address>& validators,
                   const std::vector<core::Address>& signers, const DowntimeRules& rules);

/// Counts expert duties missed (decision 004, failover): each entry of `silent` (repeats
/// count again) misses one more in the current downtime window, as a missed commit does, so a
/// validator whose committee stays silent is judged with record_commit's window and limit.
void record_missed_duties(State& state, const std::vector<core::Address>& silent);

}  // namespace moe::evm
