#include "consensus/evidence.hpp"

#include "consensus/codec.hpp"
#include "core/keccak.hpp"
#include "core/rlp.hpp"

namespace moe::consensus {

namespace rlp = core::rlp;

using codec::take_item;

DuplicateVoteEvidence DuplicateVoteEvidence::make(Vote a, Vote b) {
    if (b.block_hash < a.block_hash) std::swap(a, b);
    return DuplicateVoteEvidence{std::move(a), std::move(b)};
}

core::Bytes DuplicateVoteEvidence::encode() const {
    core::Bytes p = first.encode();
    const core::Bytes s = second.encode();
    p.insert(p.end(), s.begin(), s.end());
    return rlp::wrap_list(p);
}

std::expected<DuplicateVoteEvidence, std::string> DuplicateVoteEvidence::decode(core::ByteView bytes) {
    auto outer = rlp::decode_list(bytes);
    if (!outer) return std::unexpected(codec::error("evidence", outer.error()));
    if (!bytes.empty()) return std::unexpected("evidence: trailing bytes");
    core::ByteView in = *outer;
    auto a = take_item(in, "evidence vote");
    if (!a) return std::unexpected(a.error());
    auto b = take_item(in, "evidence vote");
    if (!b) return std::unexpected(b.error());
    if (!in.empty()) return std::unexpected("evidence: trailing items");
    auto first = Vote::decode(*a);
    if (!first) return std::unexpected("evidence: " + first.error());
    auto second = Vote::decode(*b);
    if (!second) return std::unexpected("evidence: " + second.error());
    if (!(first->block_hash < second->block_hash))
        return std::unexpected("evidence: votes not in canonical order (lower block hash first)");
    return DuplicateVoteEvidence{std::move(*first), std::move(*second)};
}

core::Hash DuplicateVoteEvidence::hash() const { return core::keccak256(encode()); }

std::expected<void, std::string> DuplicateVoteEvidence::verify(const ValidatorSet& validators,
                                                               std::uint64_t chain_id) const {
    if (first.validator != second.validator) return std::unexpected("evidence: votes of different validators");
    if (first.height != second.height) return std::unexpected("evidence: votes of different heights");
    if (first.round != second.round) return std::unexpected("evidence: votes of different rounds");
    if (first.type != second.type) return std::unexpected("evidence: votes of different types");
    if (!(first.block_hash < second.block_hash))
        return std::unexpected("evidence: block hashes equal or not in canonical order");
    if (auto ok = verify_vote(first, validators, chain_id); !ok)
        return std::unexpected("evidence: first vote: " + std::string(to_string(ok.error())));
    if (auto ok = verify_vote(second, validators, chain_id); !ok)
        return std::unexpected("evidence: second vote: " + std::string(to_string(ok.error())));
    return {};
}

core::Bytes ConsensusData::encode() const {
    core::Bytes p;
    if (last_commit) {
        const core::Bytes c = last_commit->encode();
        p.insert(p.end(), c.begin(), c.end());
    } else {
        codec::append_list(p, core::ByteView{});
    }
    core::Bytes ev;
    for (const auto& e : evidence) {
        const core::Bytes b = e.encode();
        ev.insert(ev.end(), b.begin(), b.end());
    }
    codec::append_list(p, ev);
    // Decision 004: optional trailing items keep the encoding of data without routing unchanged.
    if (!routed.empty() || !wrong_verdicts.empty() || !dev.empty()) {
        const core::Bytes r = routed.encode();
        p.insert(p.end(), r.begin(), r.end());
    }
    if (!wrong_verdicts.empty() || !dev.empty()) {
        core::Bytes wv;
        for (const auto& w : wrong_verdicts) {
            const core::Bytes b = w.encode();
            wv.insert(wv.end(), b.begin(), b.end());
        }
        codec::append_list(p, wv);
    }
    if (!dev.empty()) {
        const core::Bytes d = dev.encode();
        p.insert(p.end(), d.begin(), d.end());
    }
    return rlp::wrap_list(p);
}

std::expected<ConsensusData, std::string> ConsensusData::decode(core::ByteView bytes) {
    auto outer = rlp::decode_list(bytes);
    if (!outer) return std::unexpected(codec::error("consensus data", outer.error()));
    if (!bytes.empty()) return std::unexpected("consensus data: trailing bytes");
    core::ByteView in = *outer;
    ConsensusData data;
    auto commit = take_item(in, "consensus data last commit");
    if (!commit) return std::unexpected(commit.error());
    // An empty list (0xc0) means no last commit.
    if (!(commit->size() == 1 && (*commit)[0] == 0xc0)) {
        auto cert = CommitCertificate::decode(*commit);
        if (!cert) return std::unexpected("consensus data: " + cert.error());
        data.last_commit = std::move(*cert);
    }
    auto list = rlp::decode_list(in);
    if (!list) return std::unexpected(codec::error("consensus data evidence", list.error()));
    core::ByteView ev = *list;
    while (!ev.empty()) {
        auto item = take_item(ev, "consensus data evidence");
        if (!item) return std::unexpected(item.error());
        auto e = DuplicateVoteEvidence::decode(*item);
        if (!e) return std::unexpected("consensus data: " + e.error());
        data.evidence.push_back(std::move(*e));
    }
    if (in.empty()) return data;
    auto routed = take_item(in, "consensus data routed verdicts");
    if (!routed) return std::unexpected(routed.error());
    auto r = RoutedVerdicts::decode(*routed);
    if (!r) return std::unexpected("consensus data: " + r.error());
    data.routed = std::move(*r);
    if (in.empty()) {
        if (data.routed.empty()) return std::unexpected("consensus data: empty routed verdicts (leave the item out)");
        return data;
    }
    auto wrong = rlp::decode_list(in);
    if (!wrong) return std::unexpected(codec::error("consensus data wrong verdicts", wrong.error()));
    core::ByteView wv = *wrong;
    while (!wv.empty()) {
        auto item = take_item(wv, "consensus data wrong verdict");
        if (!item) return std::unexpected(item.error());
        auto w = WrongVerdictEvidence::decode(*item);
        if (!w) return std::unexpected("consensus data: " + w.error());
        data.wrong_verdicts.push_back(std::move(*w));
    }
    if (in.empty()) {
        if (data.wrong_verdicts.empty()) return std::unexpected("consensus data: empty wrong verdicts (leave the item out)");
        return data;
    }
    auto dev = take_item(in, "consensus data dev changes");
    if (!dev) return std::unexpected(dev.error());
    if (!in.empty()) return std::unexpected("consensus data: trailing items");
    auto d = DevChanges::decode(*dev);
    if (!d) return std::unexpected("consensus data: " + d.error());
    data.dev = std::move(*d);
    return data;
}

core::Hash ConsensusData::hash() const { return core::keccak256(encode()); }

}  // namespace moe::consensus
