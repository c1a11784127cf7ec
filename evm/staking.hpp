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
};

/// One validator as the contract's storage holds it.
struct StakeRecord {
    core::Address validator;
    core::uint256 stake;
    core::uint256 unbonding;
    std::uint64_t release_block = 0;
    core::FixedBytes<33> pubkey;
    std::vector<std::uint32_t> experts;
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

/// Every validator with a stake, in ascending address order (what consensus reads at an
/// epoch boundary).
[[nodiscard]] std::vector<StakeRecord> read_stakes(State& state);

}  // namespace moe::evm
