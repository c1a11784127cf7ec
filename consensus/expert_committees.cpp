#include "consensus/expert_committees.hpp"

#include <algorithm>

#include "consensus/codec.hpp"
#include "core/keccak.hpp"
#include "core/rlp.hpp"

namespace moe::consensus {

namespace rlp = core::rlp;

ExpertCommittees ExpertCommittees::build(const ValidatorSet& set, const std::vector<ExpertHost>& hosts,
                                         std::uint32_t min_committee_size) {
    std::map<core::Address, std::vector<std::uint32_t>> registered;
    for (const auto& h : hosts) {
        if (!set.index_of(h.validator)) continue;
        auto& ids = registered[h.validator];
        ids.insert(ids.end(), h.experts.begin(), h.experts.end());
    }
    ExpertCommittees out;
    out.min_committee_size_ = min_committee_size;
    for (auto& [address, ids] : registered) {
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        if (ids.size() > kMaxExpertsPerValidator) ids.resize(kMaxExpertsPerValidator);
        if (ids.empty()) continue;
        const auto power = set.validators()[*set.index_of(address)].power;
        out.hosts_.push_back(ExpertHost{.validator = address, .power = power, .experts = std::move(ids)});
    }
    out.derive_committees();
    return out;
}

void ExpertCommittees::derive_committees() {
    std::map<std::uint32_t, std::vector<CommitteeMember>> all;
    for (const auto& h : hosts_)  // address order, so every committee is in address order too
        for (const auto e : h.experts) all[e].push_back(CommitteeMember{.validator = h.validator, .power = h.power});
    // An expert with no host is never served, whatever the minimum.
    const std::size_t min = std::max<std::uint32_t>(min_committee_size_, 1);
    committees_.clear();
    for (auto& [expert, members] : all)
        if (members.size() >= min) committees_.emplace(expert, std::move(members));
}

bool ExpertCommittees::served(std::uint32_t expert) const { return committees_.contains(expert); }

const std::vector<CommitteeMember>& ExpertCommittees::committee(std::uint32_t expert) const {
    static const std::vector<CommitteeMember> kNone;
    const auto it = committees_.find(expert);
    return it == committees_.end() ? kNone : it->second;
}

std::uint64_t ExpertCommittees::committee_power(std::uint32_t expert) const {
    std::uint64_t total = 0;
    for (const auto& m : committee(expert)) total += m.power;  // <= kMaxTotalPower: members of one set
    return total;
}

std::vector<CommitteeMember> ExpertCommittees::hosts_of(std::uint32_t expert) const {
    std::vector<CommitteeMember> out;
    for (const auto& h : hosts_)
        if (std::binary_search(h.experts.begin(), h.experts.end(), expert))
            out.push_back(CommitteeMember{.validator = h.validator, .power = h.power});
    return out;
}

std::vector<std::uint32_t> ExpertCommittees::experts_of(const core::Address& validator) const {
    const auto it = std::lower_bound(hosts_.begin(), hosts_.end(), validator,
                                     [](const ExpertHost& h, const core::Address& a) { return h.validator < a; });
    if (it == hosts_.end() || it->validator != validator) return {};
    return it->experts;
}

std::vector<std::uint32_t> ExpertCommittees::served_experts() const {
    std::vector<std::uint32_t> out;
    out.reserve(committees_.size());
    for (const auto& [expert, members] : committees_) out.push_back(expert);
    return out;
}

core::Bytes ExpertCommittees::encode() const {
    core::Bytes list;
    for (const auto& h : hosts_) {
        core::Bytes item;
        rlp::encode(item, h.validator);
        rlp::encode(item, h.power);
        core::Bytes ids;
        for (const auto e : h.experts) rlp::encode(ids, std::uint64_t{e});
        codec::append_list(item, ids);
        codec::append_list(list, item);
    }
    core::Bytes p;
    rlp::encode(p, std::uint64_t{min_committee_size_});
    codec::append_list(p, list);
    return rlp::wrap_list(p);
}

std::expected<ExpertCommittees, std::string> ExpertCommittees::decode(core::ByteView bytes) {
    auto outer = rlp::decode_list(bytes);
    if (!outer) return std::unexpected(codec::error("expert committees", outer.error()));
    if (!bytes.empty()) return std::unexpected("expert committees: trailing bytes");
    core::ByteView in = *outer;
    ExpertCommittees out;
    auto min = codec::decode_u32(in);
    if (!min) return std::unexpected("expert committees minimum size: " + min.error());
    out.min_committee_size_ = *min;
    auto list = rlp::decode_list(in);
    if (!list) return std::unexpected(codec::error("expert committees hosts", list.error()));
    if (!in.empty()) return std::unexpected("expert committees: trailing items");
    core::ByteView body = *list;
    std::uint64_t total = 0;
    while (!body.empty()) {
        if (out.hosts_.size() >= kMaxExpertHosts) return std::unexpected("expert committees: too many hosts");
        auto item = rlp::decode_list(body);
        if (!item) return std::unexpected(codec::error("expert host", item.error()));
        core::ByteView h = *item;
        ExpertHost host;
        auto validator = rlp::decode_fixed<20>(h);
        if (!validator) return std::unexpected(codec::error("expert host validator", validator.error()));
        host.validator = *validator;
        if (!out.hosts_.empty() && !(out.hosts_.back().validator < host.validator))
            return std::unexpected("expert committees: hosts not in strictly increasing address order");
        auto power = rlp::decode_u64(h);
        if (!power) return std::unexpected(codec::error("expert host power", power.error()));
        if (*power == 0 || *power > kMaxTotalPower - total)
            return std::unexpected("expert committees: host power zero or above the total power bound");
        total += *power;
        host.power = *power;
        auto ids = rlp::decode_list(h);
        if (!ids) return std::unexpected(codec::error("expert host ids", ids.error()));
        if (!h.empty()) return std::unexpected("expert host: trailing items");
        core::ByteView id_list = *ids;
        while (!id_list.empty()) {
            if (host.experts.size() >= kMaxExpertsPerValidator)
                return std::unexpected("expert host: more than 16 expert ids");
            auto id = codec::decode_u32(id_list);
            if (!id) return std::unexpected("expert host id: " + id.error());
            if (!host.experts.empty() && host.experts.back() >= *id)
                return std::unexpected("expert host: ids not in strictly increasing order");
            host.experts.push_back(*id);
        }
        if (host.experts.empty()) return std::unexpected("expert host: no expert ids");
        out.hosts_.push_back(std::move(host));
    }
    out.derive_committees();
    return out;
}

core::Hash ExpertCommittees::hash() const { return core::keccak256(encode()); }

}  // namespace moe::consensus
