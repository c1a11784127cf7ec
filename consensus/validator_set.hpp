#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"

namespace moe::consensus {

/// The largest total voting power a set may have, so that priorities and sums stay far from
/// the limits of 64-bit arithmetic (CometBFT uses 2^60 / 8; we keep 2^60 and clip).
inline constexpr std::uint64_t kMaxTotalPower = std::uint64_t{1} << 60;

/// One member of a validator set.
struct Validator {
    core::Address address;         ///< the address its consensus key signs as
    core::FixedBytes<33> pubkey;   ///< compressed secp256k1 public key
    std::uint64_t power = 0;       ///< voting power (whole ether of stake)
    std::int64_t proposer_priority = 0;  ///< weighted round-robin state (CometBFT)

    friend bool operator==(const Validator&, const Validator&) = default;
};

/// The validators of one height, sorted by address, with their proposer priorities.
///
/// Proposer choice is CometBFT's weighted round-robin (types/validator_set.go,
/// IncrementProposerPriority) in one representation: the stored priorities are those
/// CometBFT holds after its "add power to everyone" half-step, so the proposer is simply the
/// validator of highest priority (ties to the lower address), and advance() first charges the
/// proposer the total power, then pays every validator its power. Each step rescales
/// priorities to a window of 2 * total and centres them on zero, so advance(a) then
/// advance(b) is always advance(a + b).
class ValidatorSet {
  public:
    /// Builds a set: sorts by address; refuses an empty set, duplicate addresses, zero power
    /// and a total power above kMaxTotalPower. Priorities are kept as given.
    [[nodiscard]] static std::expected<ValidatorSet, std::string> make(std::vector<Validator> validators);

    /// The set of the next epoch: validators in both keep their priority, new ones start at
    /// -(1.125 * new total power) (CometBFT), then priorities are rescaled and re-centred.
    /// `next` must satisfy make()'s rules.
    [[nodiscard]] static std::expected<ValidatorSet, std::string> update(const ValidatorSet& previous,
                                                                         std::vector<Validator> next);

    /// The members, sorted by address.
    [[nodiscard]] const std::vector<Validator>& validators() const noexcept { return validators_; }
    /// The number of members.
    [[nodiscard]] std::size_t size() const noexcept { return validators_.size(); }
    /// The index of a member in validators(), or nullopt.
    [[nodiscard]] std::optional<std::size_t> index_of(const core::Address& address) const;
    /// The sum of all powers.
    [[nodiscard]] std::uint64_t total_power() const noexcept { return total_power_; }
    /// Strictly more than 2/3 of the total power: total * 2 / 3 + 1.
    [[nodiscard]] std::uint64_t quorum_power() const noexcept { return total_power_ * 2 / 3 + 1; }
    /// Strictly more than 1/3 of the total power: total / 3 + 1.
    [[nodiscard]] std::uint64_t f_plus_one_power() const noexcept { return total_power_ / 3 + 1; }

    /// The proposer: the highest priority, ties to the lower address.
    [[nodiscard]] const Validator& proposer() const;
    /// Moves the proposer choice `times` rounds on.
    void advance(std::uint32_t times = 1);
    /// A copy advanced by `rounds`: its proposer is round `rounds`'s proposer when this set
    /// is the set of round 0.
    [[nodiscard]] ValidatorSet advanced(std::uint32_t rounds) const;

    /// keccak(rlp([[address, pubkey, power], ...])): priorities excluded, so the hash names
    /// the membership only.
    [[nodiscard]] core::Hash hash() const;
    /// rlp([[address, pubkey, power, priority], ...]), the priority as two's complement.
    [[nodiscard]] core::Bytes encode() const;
    /// The inverse of encode(); the members must be in strictly increasing address order.
    [[nodiscard]] static std::expected<ValidatorSet, std::string> decode(core::ByteView bytes);

    friend bool operator==(const ValidatorSet&, const ValidatorSet&) = default;

  private:
    ValidatorSet() = default;
    void rescale_and_centre();
    [[nodiscard]] std::size_t proposer_index() const;

    std::vector<Validator> validators_;
    std::uint64_t total_power_ = 0;
};

}  // namespace moe::consensus
