#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "consensus/validator_set.hpp"
#include "core/fixed_bytes.hpp"
#include "core/uint256.hpp"

namespace moe::consensus {

/// The chain parameters that choose a validator set from the staking contract's state.
struct ValidatorSetRules {
    core::uint256 min_stake;            ///< in wei
    std::uint32_t max_validators = 100;
};

/// A staker as the staking contract holds it after the last block of an epoch.
struct Candidate {
    core::Address address;
    core::FixedBytes<33> pubkey;
    core::uint256 stake;  ///< in wei
    bool jailed = false;
};

/// The set of the next epoch (decision 003, Validator set): candidates not jailed with at
/// least min_stake, power = stake / 10^18 (at least 1), the top max_validators by power (ties
/// to the lower address). Priorities carry over from `previous` (null at genesis) as
/// ValidatorSet::update does. An empty result or a duplicate address is an error: the caller
/// keeps the old set.
[[nodiscard]] std::expected<ValidatorSet, std::string> next_validator_set(const ValidatorSet* previous,
                                                                          const std::vector<Candidate>& candidates,
                                                                          const ValidatorSetRules& rules);

/// The epoch of a height: heights 1..L are epoch 0, L+1..2L epoch 1, ...; height 0 (genesis)
/// is epoch 0. An epoch length of 0 means one endless epoch.
[[nodiscard]] std::uint64_t epoch_of(std::uint64_t height, std::uint64_t epoch_length) noexcept;

/// Whether `height` is the last block of its epoch, after which the next set is computed.
[[nodiscard]] bool is_epoch_boundary(std::uint64_t height, std::uint64_t epoch_length) noexcept;

}  // namespace moe::consensus
