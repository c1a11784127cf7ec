#include "consensus/verdicts.hpp"

#include <algorithm>
#include <array>

#include "consensus/codec.hpp"
#include "core/keccak.hpp"
#include "core/rlp.hpp"

namespace moe::consensus {

namespace rlp = core::rlp;

namespace {

__extension__ typedef unsigned __int128 Wide;

constexpr std::uint64_t kExtensionVersion = 1;

// Worst case of one encoded verdict: list header 1, hash 33, expert 5, score 3, class 2.
constexpr std::size_t kMaxVerdictSize = 1 + 33 + 5 + 3 + 2;
// Worst case of a whole extension: two list headers of 3 bytes and the version byte.
static_assert(3 + 1 + 3 + kMaxVerdictsPerExtension * kMaxVerdictSize <= kMaxExtensionSize,
              "a full verdict extension must fit a vote extension");

bool key_less(const core::Hash& ha, std::uint32_t ea, const core::Hash& hb, std::uint32_t eb) {
    return ha != hb ? ha < hb : ea < eb;
}

void encode_verdict(core::Bytes& out, const Verdict& v) {
    core::Bytes p;
    rlp::encode(p, v.txn_hash);
    rlp::encode(p, std::uint64_t{v.expert});
    rlp::encode(p, std::uint64_t{v.score});
    rlp::encode(p, std::uint64_t{v.contract_class});
    codec::append_list(out, p);
}

std::expected<std::uint32_t, std::string> decode_score(core::ByteView& in, std::string_view what) {
    auto score = codec::decode_u32(in);
    if (!score) return std::unexpected(std::string(what) + " score: " + score.error());
    if (*score > kMaxScore) return std::unexpected(std::string(what) + ": score above 10000");
    return *score;
}

std::expected<std::uint8_t, std::string> decode_class(core::ByteView& in, std::string_view what) {
    auto cls = rlp::decode_u64(in);
    if (!cls) return std::unexpected(codec::error(std::string(what) + " class", cls.error()));
    if (*cls > 0xff) return std::unexpected(std::string(what) + ": class above 255");
    return static_cast<std::uint8_t>(*cls);
}

std::expected<Verdict, std::string> decode_verdict(core::ByteView& in) {
    auto item = rlp::decode_list(in);
    if (!item) return std::unexpected(codec::error("verdict", item.error()));
    core::ByteView v = *item;
    Verdict out;
    auto hash = rlp::decode_fixed<32>(v);
    if (!hash) return std::unexpected(codec::error("verdict transaction hash", hash.error()));
    out.txn_hash = *hash;
    auto expert = codec::decode_u32(v);
    if (!expert) return std::unexpected("verdict expert: " + expert.error());
    out.expert = *expert;
    auto score = decode_score(v, "verdict");
    if (!score) return std::unexpected(score.error());
    out.score = *score;
    auto cls = decode_class(v, "verdict");
    if (!cls) return std::unexpected(cls.error());
    out.contract_class = *cls;
    if (!v.empty()) return std::unexpected("verdict: trailing items");
    return out;
}

}  // namespace

// ---- VerdictExtension -------------------------------------------------------------------

core::Bytes VerdictExtension::encode() const {
    if (verdicts.empty()) return {};
    core::Bytes list;
    for (const auto& v : verdicts) encode_verdict(list, v);
    core::Bytes p;
    rlp::encode(p, kExtensionVersion);
    codec::append_list(p, list);
    return rlp::wrap_list(p);
}

std::expected<VerdictExtension, std::string> VerdictExtension::decode(core::ByteView bytes) {
    VerdictExtension out;
    if (bytes.empty()) return out;
    auto outer = rlp::decode_list(bytes);
    if (!outer) return std::unexpected(codec::error("verdict extension", outer.error()));
    if (!bytes.empty()) return std::unexpected("verdict extension: trailing bytes");
    core::ByteView in = *outer;
    auto version = rlp::decode_u64(in);
    if (!version) return std::unexpected(codec::error("verdict extension version", version.error()));
    if (*version != kExtensionVersion) return std::unexpected("verdict extension: unknown version");
    auto list = rlp::decode_list(in);
    if (!list) return std::unexpected(codec::error("verdict extension verdicts", list.error()));
    if (!in.empty()) return std::unexpected("verdict extension: trailing items");
    core::ByteView body = *list;
    while (!body.empty()) {
        if (out.verdicts.size() >= kMaxVerdictsPerExtension)
            return std::unexpected("verdict extension: more than 1024 verdicts");
        auto v = decode_verdict(body);
        if (!v) return std::unexpected("verdict extension: " + v.error());
        if (!out.verdicts.empty() &&
            !key_less(out.verdicts.back().txn_hash, out.verdicts.back().expert, v->txn_hash, v->expert))
            return std::unexpected("verdict extension: verdicts not strictly increasing by (transaction, expert)");
        out.verdicts.push_back(*v);
    }
    // The empty extension is the empty string, so an empty list is not canonical.
    if (out.verdicts.empty()) return std::unexpected("verdict extension: empty list (use the empty string)");
    return out;
}

void VerdictExtension::normalize() {
    std::stable_sort(verdicts.begin(), verdicts.end(), [](const Verdict& a, const Verdict& b) {
        return key_less(a.txn_hash, a.expert, b.txn_hash, b.expert);
    });
    verdicts.erase(std::unique(verdicts.begin(), verdicts.end(),
                               [](const Verdict& a, const Verdict& b) {
                                   return a.txn_hash == b.txn_hash && a.expert == b.expert;
                               }),
                   verdicts.end());
}

// ---- Aggregation ------------------------------------------------------------------------

std::optional<AggregatedVerdict> aggregate(const core::Hash& txn, std::uint32_t expert,
                                           const ExpertCommittees& committees, const std::vector<Answer>& answers,
                                           std::uint64_t quorum_bps, const std::vector<core::Address>* present) {
    const auto& members = committees.committee(expert);
    if (members.empty()) return std::nullopt;
    // One slot per member, in address order: the first answer of each counts.
    std::vector<std::optional<Verdict>> counted(members.size());
    for (const auto& [who, verdict] : answers) {
        if (verdict.txn_hash != txn || verdict.expert != expert || verdict.score > kMaxScore) continue;
        const auto it = std::lower_bound(members.begin(), members.end(), who,
                                         [](const CommitteeMember& m, const core::Address& a) { return m.validator < a; });
        if (it == members.end() || it->validator != who) continue;  // not a member of this committee
        auto& slot = counted[static_cast<std::size_t>(it - members.begin())];
        if (!slot) slot = verdict;
    }
    std::uint64_t committee_power = 0;
    std::uint64_t answered_power = 0;
    AggregatedVerdict out{.txn_hash = txn, .expert = expert, .score = 0, .contract_class = 0, .answered = {}};
    std::vector<std::pair<std::uint32_t, std::uint64_t>> scores;  // (score, power)
    std::array<std::uint64_t, 256> class_power{};
    for (std::size_t i = 0; i < members.size(); ++i) {
        if (!present || std::binary_search(present->begin(), present->end(), members[i].validator)) committee_power += members[i].power;
        if (!counted[i]) continue;
        answered_power += members[i].power;
        out.answered.push_back(members[i].validator);
        scores.emplace_back(counted[i]->score, members[i].power);
        class_power[counted[i]->contract_class] += members[i].power;
    }
    if (answered_power == 0) return std::nullopt;
    const std::uint64_t bps = std::min(quorum_bps, kBasisPoints);
    if (Wide{answered_power} * kBasisPoints < Wide{bps} * committee_power) return std::nullopt;

    // Lower weighted median: the lowest score s with 2 * power(scores <= s) >= answered power.
    std::sort(scores.begin(), scores.end());
    std::uint64_t cumulative = 0;
    for (const auto& [score, power] : scores) {
        cumulative += power;
        if (Wide{cumulative} * 2 >= Wide{answered_power}) {
            out.score = score;
            break;
        }
    }
    // Plurality by power; the strict comparison keeps the lower class on a tie.
    std::size_t best = 0;
    for (std::size_t c = 1; c < class_power.size(); ++c)
        if (class_power[c] > class_power[best]) best = c;
    out.contract_class = static_cast<std::uint8_t>(best);
    return out;
}

std::map<std::pair<core::Hash, std::uint32_t>, std::vector<Answer>> collect_answers(const CommitCertificate& certificate) {
    std::map<std::pair<core::Hash, std::uint32_t>, std::vector<Answer>> out;
    for (const auto& sig : certificate.signatures) {
        auto ext = VerdictExtension::decode(sig.extension);
        if (!ext) continue;
        for (const auto& v : ext->verdicts) out[{v.txn_hash, v.expert}].emplace_back(sig.validator, v);
    }
    return out;
}

namespace {

std::vector<core::Address> sorted_signers(const CommitCertificate& certificate) {
    std::vector<core::Address> out = certificate.signers();
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

CertificateVerdicts read_certificate(const CommitCertificate& certificate, const ExpertCommittees& committees,
                                     std::uint64_t quorum_bps) {
    CertificateVerdicts out;
    out.answers = collect_answers(certificate);
    const std::vector<core::Address> present = sorted_signers(certificate);
    for (const auto& [key, answers] : out.answers)
        if (auto agg = aggregate(key.first, key.second, committees, answers, quorum_bps, &present)) out.aggregated.emplace(key, std::move(*agg));
    return out;
}

std::vector<AggregatedVerdict> aggregate_certificate(const CommitCertificate& certificate,
                                                     const ExpertCommittees& committees, std::uint64_t quorum_bps) {
    std::vector<AggregatedVerdict> out;
    for (auto& [key, agg] : read_certificate(certificate, committees, quorum_bps).aggregated) out.push_back(std::move(agg));
    return out;
}

std::expected<void, std::string> verify_aggregations(const RoutedVerdicts& routed, const CertificateVerdicts& read) {
    // The aggregation of (txn, expert) is a function of the certificate's answers to it alone,
    // so read_certificate's is the recomputation each claim is checked against.
    for (const auto& claimed : routed.verdicts) {
        auto refuse = [&](std::string_view why) {
            return std::unexpected("routed verdict " + claimed.txn_hash.hex() + "/" + std::to_string(claimed.expert) + ": " +
                                   std::string(why));
        };
        const auto it = read.aggregated.find({claimed.txn_hash, claimed.expert});
        if (it == read.aggregated.end()) {
            if (!read.answers.contains({claimed.txn_hash, claimed.expert})) return refuse("no answer in the last commit");
            return refuse("the committee's answers do not reach the quorum");
        }
        const AggregatedVerdict& recomputed = it->second;
        if (recomputed.score != claimed.score) return refuse("score differs from the recomputed median");
        if (recomputed.contract_class != claimed.contract_class) return refuse("class differs from the recomputed plurality");
        if (recomputed.answered != claimed.answered) return refuse("answered validators differ");
    }
    return {};
}

// ---- RoutedVerdicts ---------------------------------------------------------------------

std::uint32_t RoutedVerdicts::failover_of(const core::Hash& txn) const {
    const auto it = std::lower_bound(failovers.begin(), failovers.end(), txn,
                                     [](const Failover& f, const core::Hash& h) { return f.txn_hash < h; });
    return it != failovers.end() && it->txn_hash == txn ? it->ranks : 0;
}

core::Bytes RoutedVerdicts::encode() const {
    core::Bytes vs;
    for (const auto& v : verdicts) {
        core::Bytes p;
        rlp::encode(p, v.txn_hash);
        rlp::encode(p, std::uint64_t{v.expert});
        rlp::encode(p, std::uint64_t{v.score});
        rlp::encode(p, std::uint64_t{v.contract_class});
        core::Bytes who;
        for (const auto& a : v.answered) rlp::encode(who, a);
        codec::append_list(p, who);
        codec::append_list(vs, p);
    }
    core::Bytes fs;
    for (const auto& f : failovers) {
        core::Bytes p;
        rlp::encode(p, f.txn_hash);
        rlp::encode(p, std::uint64_t{f.ranks});
        codec::append_list(fs, p);
    }
    core::Bytes p;
    codec::append_list(p, vs);
    codec::append_list(p, fs);
    return rlp::wrap_list(p);
}

std::expected<RoutedVerdicts, std::string> RoutedVerdicts::decode(core::ByteView bytes) {
    auto outer = rlp::decode_list(bytes);
    if (!outer) return std::unexpected(codec::error("routed verdicts", outer.error()));
    if (!bytes.empty()) return std::unexpected("routed verdicts: trailing bytes");
    core::ByteView in = *outer;
    auto vs = rlp::decode_list(in);
    if (!vs) return std::unexpected(codec::error("routed verdicts list", vs.error()));
    auto fs = rlp::decode_list(in);
    if (!fs) return std::unexpected(codec::error("routed verdicts failovers", fs.error()));
    if (!in.empty()) return std::unexpected("routed verdicts: trailing items");
    RoutedVerdicts out;
    core::ByteView body = *vs;
    while (!body.empty()) {
        if (out.verdicts.size() >= kMaxRoutedVerdicts) return std::unexpected("routed verdicts: too many verdicts");
        auto item = rlp::decode_list(body);
        if (!item) return std::unexpected(codec::error("routed verdict", item.error()));
        core::ByteView v = *item;
        AggregatedVerdict a;
        auto hash = rlp::decode_fixed<32>(v);
        if (!hash) return std::unexpected(codec::error("routed verdict transaction hash", hash.error()));
        a.txn_hash = *hash;
        auto expert = codec::decode_u32(v);
        if (!expert) return std::unexpected("routed verdict expert: " + expert.error());
        a.expert = *expert;
        auto score = decode_score(v, "routed verdict");
        if (!score) return std::unexpected(score.error());
        a.score = *score;
        auto cls = decode_class(v, "routed verdict");
        if (!cls) return std::unexpected(cls.error());
        a.contract_class = *cls;
        auto who = rlp::decode_list(v);
        if (!who) return std::unexpected(codec::error("routed verdict answered", who.error()));
        if (!v.empty()) return std::unexpected("routed verdict: trailing items");
        core::ByteView w = *who;
        while (!w.empty()) {
            if (a.answered.size() >= kMaxExpertHosts) return std::unexpected("routed verdict: too many answers");
            auto address = rlp::decode_fixed<20>(w);
            if (!address) return std::unexpected(codec::error("routed verdict answered", address.error()));
            if (!a.answered.empty() && !(a.answered.back() < *address))
                return std::unexpected("routed verdict: answered not in strictly increasing address order");
            a.answered.push_back(*address);
        }
        if (a.answered.empty()) return std::unexpected("routed verdict: nobody answered");
        if (!out.verdicts.empty() &&
            !key_less(out.verdicts.back().txn_hash, out.verdicts.back().expert, a.txn_hash, a.expert))
            return std::unexpected("routed verdicts: not strictly increasing by (transaction, expert)");
        out.verdicts.push_back(std::move(a));
    }
    body = *fs;
    while (!body.empty()) {
        if (out.failovers.size() >= kMaxRoutedVerdicts) return std::unexpected("routed verdicts: too many failovers");
        auto item = rlp::decode_list(body);
        if (!item) return std::unexpected(codec::error("failover", item.error()));
        core::ByteView f = *item;
        auto hash = rlp::decode_fixed<32>(f);
        if (!hash) return std::unexpected(codec::error("failover transaction hash", hash.error()));
        auto ranks = codec::decode_u32(f);
        if (!ranks) return std::unexpected("failover ranks: " + ranks.error());
        if (!f.empty()) return std::unexpected("failover: trailing items");
        if (*ranks == 0) return std::unexpected("failover: zero ranks (leave the transaction out)");
        if (!out.failovers.empty() && !(out.failovers.back().txn_hash < *hash))
            return std::unexpected("routed verdicts: failovers not strictly increasing by transaction");
        out.failovers.push_back(Failover{.txn_hash = *hash, .ranks = *ranks});
    }
    return out;
}

// ---- Block routing ----------------------------------------------------------------------

std::expected<void, std::string> verify_routing(std::span<const core::Hash> txns,
                                                const std::vector<std::vector<std::uint32_t>>& rankings,
                                                const std::vector<std::vector<std::uint32_t>>& answered,
                                                const RoutingRule& rule, const RoutedVerdicts& routed) {
    if (rankings.size() != txns.size()) return std::unexpected("routing: one ranking per transaction is needed");
    if (answered.size() != txns.size()) return std::unexpected("routing: the answered experts of each transaction are needed");
    std::map<core::Hash, std::size_t> index;
    for (std::size_t i = 0; i < txns.size(); ++i)
        if (!index.emplace(txns[i], i).second) return std::unexpected("routing: a transaction twice in the block");
    std::vector<RoutingRequest> requests(txns.size());
    for (std::size_t i = 0; i < txns.size(); ++i) requests[i] = RoutingRequest{.ranking = rankings[i], .failover = 0, .answered = answered[i]};
    for (const auto& f : routed.failovers) {
        const auto it = index.find(f.txn_hash);
        if (it == index.end()) return std::unexpected("routing: failover of a transaction not in the block");
        if (f.ranks >= rankings[it->second].size())
            return std::unexpected("routing: failover of " + f.txn_hash.hex() + " skips every served expert");
        requests[it->second].failover = f.ranks;
    }
    std::vector<std::vector<std::uint32_t>> carried(txns.size());
    for (const auto& v : routed.verdicts) {
        const auto it = index.find(v.txn_hash);
        if (it == index.end()) return std::unexpected("routing: verdict on a transaction not in the block");
        carried[it->second].push_back(v.expert);  // ascending: the verdicts are sorted
    }
    const auto plan = RoutingPlan::assign(requests, rule);
    for (std::size_t i = 0; i < txns.size(); ++i) {
        auto planned = plan.experts[i];
        std::sort(planned.begin(), planned.end());
        if (!rankings[i].empty() && planned.empty())
            return std::unexpected("routing: " + txns[i].hex() + " has no expert with room in this block");
        if (planned != carried[i])
            return std::unexpected("routing: " + txns[i].hex() + " lacks the verdicts of exactly its planned experts");
    }
    return {};
}

// ---- WrongVerdictEvidence -----------------------------------------------------------------

core::Bytes WrongVerdictEvidence::encode() const {
    core::Bytes p = precommit_with_extension.encode();
    encode_verdict(p, claimed);
    rlp::encode(p, std::uint64_t{recomputed_score});
    return rlp::wrap_list(p);
}

std::expected<WrongVerdictEvidence, std::string> WrongVerdictEvidence::decode(core::ByteView bytes) {
    auto outer = rlp::decode_list(bytes);
    if (!outer) return std::unexpected(codec::error("wrong verdict evidence", outer.error()));
    if (!bytes.empty()) return std::unexpected("wrong verdict evidence: trailing bytes");
    core::ByteView in = *outer;
    auto vote_bytes = codec::take_item(in, "wrong verdict evidence vote");
    if (!vote_bytes) return std::unexpected(vote_bytes.error());
    auto vote = Vote::decode(*vote_bytes);
    if (!vote) return std::unexpected("wrong verdict evidence: " + vote.error());
    auto claimed = decode_verdict(in);
    if (!claimed) return std::unexpected("wrong verdict evidence: " + claimed.error());
    auto recomputed = decode_score(in, "wrong verdict evidence recomputed");
    if (!recomputed) return std::unexpected(recomputed.error());
    if (!in.empty()) return std::unexpected("wrong verdict evidence: trailing items");
    WrongVerdictEvidence out{.precommit_with_extension = std::move(*vote), .claimed = *claimed, .recomputed_score = *recomputed};
    if (auto ok = out.check_contents(); !ok) return std::unexpected(ok.error());
    return out;
}

core::Hash WrongVerdictEvidence::hash() const { return core::keccak256(encode()); }

std::expected<void, std::string> WrongVerdictEvidence::check_contents() const {
    const auto& vote = precommit_with_extension;
    if (vote.type != VoteType::kPrecommit || vote.is_nil())
        return std::unexpected("wrong verdict evidence: not a precommit for a block");
    if (claimed.score > kMaxScore || recomputed_score > kMaxScore)
        return std::unexpected("wrong verdict evidence: score above 10000");
    if (claimed.score == recomputed_score) return std::unexpected("wrong verdict evidence: the scores agree");
    auto ext = VerdictExtension::decode(vote.extension);
    if (!ext) return std::unexpected("wrong verdict evidence: " + ext.error());
    if (std::find(ext->verdicts.begin(), ext->verdicts.end(), claimed) == ext->verdicts.end())
        return std::unexpected("wrong verdict evidence: the extension does not hold the claimed verdict");
    return {};
}

std::expected<void, std::string> WrongVerdictEvidence::verify(const ValidatorSet& validators, std::uint64_t chain_id) const {
    if (auto ok = check_contents(); !ok) return ok;
    if (!precommit_with_extension.extension_signature)
        return std::unexpected("wrong verdict evidence: extension without signature");
    if (auto ok = verify_vote(precommit_with_extension, validators, chain_id); !ok)
        return std::unexpected("wrong verdict evidence: " + std::string(to_string(ok.error())));
    return {};
}

}  // namespace moe::consensus
