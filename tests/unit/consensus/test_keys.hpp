#pragma once

#include <map>
#include <string>
#include <vector>

#include "consensus/validator_set.hpp"
#include "consensus/vote.hpp"
#include "core/keccak.hpp"
#include "core/secp256k1.hpp"

namespace moe::consensus::testing {

inline constexpr std::uint64_t kChainId = 4242;

/// The deterministic key of test validator `i`.
inline core::PrivateKey key(int i) {
    return core::PrivateKey::from_seed(core::keccak256(core::as_bytes("consensus-test-validator-" + std::to_string(i))));
}

/// Validators with the given powers and their keys by address.
struct Keyring {
    std::vector<core::PrivateKey> keys;  ///< keys[i] signs for validator index i of `set`
    ValidatorSet set;

    [[nodiscard]] const core::PrivateKey& key_of(const core::Address& a) const { return keys.at(*set.index_of(a)); }
};

inline Keyring keyring(const std::vector<std::uint64_t>& powers) {
    std::vector<Validator> vs;
    std::map<core::Address, core::PrivateKey> by_address;
    for (std::size_t i = 0; i < powers.size(); ++i) {
        const auto k = key(static_cast<int>(i));
        vs.push_back(Validator{.address = k.address(), .pubkey = k.compressed_public_key(), .power = powers[i], .proposer_priority = 0});
        by_address.emplace(k.address(), k);
    }
    auto set = ValidatorSet::make(vs).value();
    std::vector<core::PrivateKey> keys;
    for (const auto& v : set.validators()) keys.push_back(by_address.at(v.address));
    return Keyring{std::move(keys), std::move(set)};
}

inline core::Hash block(std::string_view name) { return core::keccak256(core::as_bytes(name)); }

inline Vote signed_vote(const core::PrivateKey& k, VoteType type, std::uint64_t height, std::uint32_t round,
                        const core::Hash& hash, core::Bytes extension = {}) {
    Vote v{.type = type, .height = height, .round = round, .block_hash = hash, .validator = k.address(),
           .extension = std::move(extension), .signature = {}, .extension_signature = std::nullopt};
    v.signature = k.sign(v.signing_digest(kChainId));
    if (type == VoteType::kPrecommit && !hash.is_zero()) v.extension_signature = k.sign(v.extension_digest(kChainId));
    return v;
}

inline Proposal signed_proposal(const core::PrivateKey& k, std::uint64_t height, std::uint32_t round,
                                const core::Hash& hash, std::int32_t pol_round = -1) {
    Proposal p{.height = height, .round = round, .pol_round = pol_round, .block_hash = hash, .proposer = k.address(), .signature = {}};
    p.signature = k.sign(p.signing_digest(kChainId));
    return p;
}

/// Checks that every strict prefix of `encoded` is refused and that every single-bit flip is
/// refused or decodes to something else.
template <typename Decode, typename Encode>
void expect_tamper_evident(const core::Bytes& encoded, Decode decode, Encode encode) {
    for (std::size_t n = 0; n < encoded.size(); ++n) {
        const core::Bytes prefix(encoded.begin(), encoded.begin() + static_cast<std::ptrdiff_t>(n));
        EXPECT_FALSE(decode(prefix).has_value()) << "prefix of " << n << " bytes accepted";
    }
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        core::Bytes flipped = encoded;
        flipped[i] ^= 0x01;
        auto decoded = decode(flipped);
        if (!decoded) continue;
        EXPECT_NE(encode(*decoded), encoded) << "flip at " << i << " decoded to the original";
        EXPECT_EQ(encode(*decoded), flipped) << "flip at " << i << " is not canonical";
    }
    auto longer = encoded;
    longer.push_back(0x00);
    EXPECT_FALSE(decode(longer).has_value()) << "trailing byte accepted";
}

}  // namespace moe::consensus::testing
