#include "consensus/validator_set.hpp"

#include <algorithm>
#include <limits>

#include "consensus/codec.hpp"
#include "core/keccak.hpp"
#include "core/rlp.hpp"

namespace moe::consensus {

namespace rlp = core::rlp;

namespace {

// 128-bit intermediates: sums of up to 2^32 priorities of 64 bits cannot overflow.
__extension__ typedef __int128 Wide;

std::int64_t clip(Wide v) {
    constexpr Wide kMax = std::numeric_limits<std::int64_t>::max();
    constexpr Wide kMin = std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(std::clamp(v, kMin, kMax));
}

// CometBFT's PriorityWindowSizeFactor: priorities span at most 2 * total power.
constexpr std::uint64_t kPriorityWindowFactor = 2;

}  // namespace

std::expected<ValidatorSet, std::string> ValidatorSet::make(std::vector<Validator> validators) {
    if (validators.empty()) return std::unexpected("validator set: empty");
    std::sort(validators.begin(), validators.end(),
              [](const Validator& a, const Validator& b) { return a.address < b.address; });
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < validators.size(); ++i) {
        if (i > 0 && validators[i].address == validators[i - 1].address)
            return std::unexpected("validator set: duplicate address " + validators[i].address.hex());
        if (validators[i].power == 0)
            return std::unexpected("validator set: zero power for " + validators[i].address.hex());
        if (validators[i].power > kMaxTotalPower || total + validators[i].power > kMaxTotalPower)
            return std::unexpected("validator set: total power above 2^60");
        total += validators[i].power;
    }
    ValidatorSet set;
    set.validators_ = std::move(validators);
    set.total_power_ = total;
    return set;
}

std::expected<ValidatorSet, std::string> ValidatorSet::update(const ValidatorSet& previous,
                                                              std::vector<Validator> next) {
    auto made = make(std::move(next));
    if (!made) return made;
    ValidatorSet set = std::move(*made);
    const auto total = static_cast<Wide>(set.total_power_);
    // CometBFT types/validator_set.go, computeNewPriorities: a newcomer starts at
    // -(total + total / 8) so it cannot propose right after joining.
    const std::int64_t newcomer = clip(-(total + (total >> 3)));
    for (auto& v : set.validators_) {
        const auto old = previous.index_of(v.address);
        v.proposer_priority = old ? previous.validators_[*old].proposer_priority : newcomer;
    }
    set.rescale_and_centre();
    return set;
}

std::optional<std::size_t> ValidatorSet::index_of(const core::Address& address) const {
    const auto it = std::lower_bound(validators_.begin(), validators_.end(), address,
                                     [](const Validator& v, const core::Address& a) { return v.address < a; });
    if (it == validators_.end() || it->address != address) return std::nullopt;
    return static_cast<std::size_t>(it - validators_.begin());
}

std::size_t ValidatorSet::proposer_index() const {
    std::size_t best = 0;
    // Sorted by address, so a strict comparison keeps the lower address on a tie.
    for (std::size_t i = 1; i < validators_.size(); ++i)
        if (validators_[i].proposer_priority > validators_[best].proposer_priority) best = i;
    return best;
}

const Validator& ValidatorSet::proposer() const { return validators_[proposer_index()]; }

void ValidatorSet::rescale_and_centre() {
    // CometBFT RescalePriorities: divide by ceil(diff / window) when the spread exceeds it.
    const Wide window = static_cast<Wide>(kPriorityWindowFactor) * static_cast<Wide>(total_power_);
    const auto [lo, hi] = std::minmax_element(
        validators_.begin(), validators_.end(),
        [](const Validator& a, const Validator& b) { return a.proposer_priority < b.proposer_priority; });
    const Wide diff = static_cast<Wide>(hi->proposer_priority) - static_cast<Wide>(lo->proposer_priority);
    if (diff > window) {
        const Wide ratio = (diff + window - 1) / window;
        for (auto& v : validators_) v.proposer_priority = clip(static_cast<Wide>(v.proposer_priority) / ratio);
    }
    // CometBFT shiftByAvgProposerPriority; big.Int Div rounds towards minus infinity.
    Wide sum = 0;
    for (const auto& v : validators_) sum += v.proposer_priority;
    const auto n = static_cast<Wide>(validators_.size());
    Wide avg = sum / n;
    if (sum % n != 0 && sum < 0) --avg;
    for (auto& v : validators_) v.proposer_priority = clip(static_cast<Wide>(v.proposer_priority) - avg);
}

void ValidatorSet::advance(std::uint32_t times) {
    for (std::uint32_t t = 0; t < times; ++t) {
        rescale_and_centre();
        auto& chosen = validators_[proposer_index()];
        chosen.proposer_priority = clip(static_cast<Wide>(chosen.proposer_priority) - static_cast<Wide>(total_power_));
        for (auto& v : validators_) v.proposer_priority = clip(static_cast<Wide>(v.proposer_priority) + v.power);
    }
}

ValidatorSet ValidatorSet::advanced(std::uint32_t rounds) const {
    ValidatorSet copy = *this;
    copy.advance(rounds);
    return copy;
}

namespace {

/// rlp([[address, pubkey, power(, proposer priority)], ...]): the members, with their proposer
/// priorities for the stored form, without them for the hash (priorities move every round).
core::Bytes encode_members(const std::vector<Validator>& validators, bool with_priority) {
    core::Bytes payload;
    for (const auto& v : validators) {
        core::Bytes item;
        rlp::encode(item, v.address);
        rlp::encode(item, v.pubkey);
        rlp::encode(item, v.power);
        if (with_priority) codec::encode_i64(item, v.proposer_priority);
        codec::append_list(payload, item);
    }
    return rlp::wrap_list(payload);
}

}  // namespace

core::Hash ValidatorSet::hash() const { return core::keccak256(encode_members(validators_, false)); }

core::Bytes ValidatorSet::encode() const { return encode_members(validators_, true); }

std::expected<ValidatorSet, std::string> ValidatorSet::decode(core::ByteView bytes) {
    auto outer = rlp::decode_list(bytes);
    if (!outer) return std::unexpected(codec::error("validator set", outer.error()));
    if (!bytes.empty()) return std::unexpected("validator set: trailing bytes");
    core::ByteView body = *outer;
    std::vector<Validator> out;
    while (!body.empty()) {
        auto item = rlp::decode_list(body);
        if (!item) return std::unexpected(codec::error("validator", item.error()));
        core::ByteView in = *item;
        Validator v;
        auto address = rlp::decode_fixed<20>(in);
        if (!address) return std::unexpected(codec::error("validator address", address.error()));
        auto pubkey = rlp::decode_fixed<33>(in);
        if (!pubkey) return std::unexpected(codec::error("validator pubkey", pubkey.error()));
        auto power = rlp::decode_u64(in);
        if (!power) return std::unexpected(codec::error("validator power", power.error()));
        auto priority = codec::decode_i64(in);
        if (!priority) return std::unexpected(priority.error());
        if (!in.empty()) return std::unexpected("validator: trailing items");
        v.address = *address;
        v.pubkey = *pubkey;
        v.power = *power;
        v.proposer_priority = *priority;
        if (!out.empty() && !(out.back().address < v.address))
            return std::unexpected("validator set: addresses not in increasing order");
        out.push_back(v);
    }
    return make(std::move(out));
}

}  // namespace moe::consensus
