#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <string>
#include <vector>

#include "consensus/validator_set.hpp"
#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"

/// Expert committees of an epoch (DESIGN.md, Tasks, 3; decision 004): which validators host
/// which expert, derived from the staking contract's `registerExperts` state.
namespace moe::consensus {

/// The most expert ids one validator may host (the staking contract's limit, decision 002).
inline constexpr std::size_t kMaxExpertsPerValidator = 16;
/// The most hosts an encoding may list (far above any chain's max_validators); bounds decoding.
inline constexpr std::size_t kMaxExpertHosts = 1024;

/// A validator and the expert ids it registered. As input to ExpertCommittees::build the
/// power is not read: the validator set's power is the one that counts.
struct ExpertHost {
    core::Address validator;
    std::uint64_t power = 0;
    std::vector<std::uint32_t> experts;

    friend bool operator==(const ExpertHost&, const ExpertHost&) = default;
};

/// One member of an expert's committee.
struct CommitteeMember {
    core::Address validator;
    std::uint64_t power = 0;

    friend bool operator==(const CommitteeMember&, const CommitteeMember&) = default;
};

/// The committees of one epoch: committee(e) is every validator of the epoch's set that hosts
/// expert e, in address order, with its power. An expert hosted by fewer than
/// `min_committee_size` validators is unserved: the routing skips it.
class ExpertCommittees {
  public:
    /// Derives the committees from the set and the hosts' registrations. Hosts outside the set
    /// are ignored; a host's ids are sorted and deduplicated (a host listed twice gets the
    /// union) and only its kMaxExpertsPerValidator lowest ids count. Power comes from `set`.
    [[nodiscard]] static ExpertCommittees build(const ValidatorSet& set, const std::vector<ExpertHost>& hosts,
                                                std::uint32_t min_committee_size);

    /// Whether expert `expert` has a committee of at least the minimum size.
    [[nodiscard]] bool served(std::uint32_t expert) const;
    /// The committee of a served expert, in address order; empty when unserved.
    [[nodiscard]] const std::vector<CommitteeMember>& committee(std::uint32_t expert) const;
    /// The summed power of committee(expert); 0 when unserved.
    [[nodiscard]] std::uint64_t committee_power(std::uint32_t expert) const;
    /// Every validator hosting `expert`, served or not (for observability).
    [[nodiscard]] std::vector<CommitteeMember> hosts_of(std::uint32_t expert) const;
    /// The expert ids a member of the set registered (ascending); empty for anyone else.
    [[nodiscard]] std::vector<std::uint32_t> experts_of(const core::Address& validator) const;
    /// The served expert ids, ascending.
    [[nodiscard]] std::vector<std::uint32_t> served_experts() const;
    /// The hosts with at least one expert, in address order, with the set's power.
    [[nodiscard]] const std::vector<ExpertHost>& hosts() const noexcept { return hosts_; }
    /// The minimum committee size the committees were built with.
    [[nodiscard]] std::uint32_t min_committee_size() const noexcept { return min_committee_size_; }

    /// rlp([min_committee_size, [[validator, power, [expert, ...]], ...]]), hosts in address order.
    [[nodiscard]] core::Bytes encode() const;
    /// The strict inverse of encode(): hosts in strictly increasing address order, non-zero
    /// power, 1..kMaxExpertsPerValidator ids in strictly increasing order.
    [[nodiscard]] static std::expected<ExpertCommittees, std::string> decode(core::ByteView bytes);
    /// keccak(encode()).
    [[nodiscard]] core::Hash hash() const;

    friend bool operator==(const ExpertCommittees& a, const ExpertCommittees& b) {
        return a.min_committee_size_ == b.min_committee_size_ && a.hosts_ == b.hosts_;
    }

  private:
    ExpertCommittees() = default;
    void derive_committees();

    std::uint32_t min_committee_size_ = 0;
    std::vector<ExpertHost> hosts_;                                    // address order
    std::map<std::uint32_t, std::vector<CommitteeMember>> committees_;  // served experts only
};

}  // namespace moe::consensus
