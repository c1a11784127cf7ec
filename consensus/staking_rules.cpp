#include "consensus/staking_rules.hpp"

#include <algorithm>

namespace moe::consensus {

namespace {

const core::uint256 kWeiPerPower = core::uint256{1'000'000'000'000'000'000ULL};

}  // namespace

std::expected<ValidatorSet, std::string> next_validator_set(const ValidatorSet* previous,
                                                            const std::vector<Candidate>& candidates,
                                                            const ValidatorSetRules& rules) {
    std::vector<Validator> chosen;
    for (const auto& c : candidates) {
        if (c.jailed || c.stake < rules.min_stake || c.stake == 0) continue;
        const core::uint256 whole = c.stake / kWeiPerPower;
        // Capping each power at 2^60 keeps the conversion exact; make() refuses a total above it.
        const std::uint64_t power =
            whole == 0 ? 1 : static_cast<std::uint64_t>(std::min(whole, core::uint256{kMaxTotalPower}));
        chosen.push_back(Validator{.address = c.address, .pubkey = c.pubkey, .power = power, .proposer_priority = 0});
    }
    std::sort(chosen.begin(), chosen.end(), [](const Validator& a, const Validator& b) {
        return a.power != b.power ? a.power > b.power : a.address < b.address;
    });
    if (chosen.size() > rules.max_validators) chosen.resize(rules.max_validators);
    if (chosen.empty()) return std::unexpected("next validator set: no candidate qualifies");
    if (previous) return ValidatorSet::update(*previous, std::move(chosen));
    return ValidatorSet::make(std::move(chosen));
}

std::uint64_t epoch_of(std::uint64_t height, std::uint64_t epoch_length) noexcept {
    if (epoch_length == 0 || height == 0) return 0;
    return (height - 1) / epoch_length;
}

bool is_epoch_boundary(std::uint64_t height, std::uint64_t epoch_length) noexcept {
    if (epoch_length == 0) return false;
    return height % epoch_length == 0;
}

}  // namespace moe::consensus
