#include "rpc/validator_api.hpp"

#include "core/keccak.hpp"
#include "evm/state.hpp"
#include "rpc/params.hpp"

namespace moe::rpc {

using nlohmann::json;

namespace {

std::string signature_hex(const core::Signature& s) {
    core::Bytes raw;
    const core::Hash r = core::uint256_to_bytes32(s.r);
    const core::Hash sv = core::uint256_to_bytes32(s.s);
    raw.insert(raw.end(), r.bytes.begin(), r.bytes.end());
    raw.insert(raw.end(), sv.bytes.begin(), sv.bytes.end());
    raw.push_back(s.y_parity);
    return core::to_hex(raw);
}

json vote_json(const consensus::Vote& v) {
    return {{"type", v.type == consensus::VoteType::kPrevote ? "prevote" : "precommit"},
            {"height", qty(v.height)},
            {"round", qty(std::uint64_t{v.round})},
            {"blockHash", v.is_nil() ? json(nullptr) : json(v.block_hash.hex())},
            {"validator", v.validator.hex()},
            {"signature", signature_hex(v.signature)}};
}

json certificate_json(const consensus::CommitCertificate& c, const consensus::ValidatorSet* set) {
    json sigs = json::array();
    std::uint64_t signed_power = 0;
    for (const consensus::CommitSignature& s : c.signatures) {
        json j = {{"validator", s.validator.hex()}, {"signature", signature_hex(s.signature)},
                  {"extension", core::to_hex(s.extension)}};
        if (s.extension_signature) j["extensionSignature"] = signature_hex(*s.extension_signature);
        sigs.push_back(std::move(j));
        if (set) {
            if (auto i = set->index_of(s.validator)) signed_power += set->validators()[*i].power;
        }
    }
    json out = {{"height", qty(c.height)}, {"round", qty(std::uint64_t{c.round})}, {"blockHash", c.block_hash.hex()},
                {"signatures", std::move(sigs)}};
    if (set) {
        out["signedPower"] = qty(signed_power);
        out["totalPower"] = qty(set->total_power());
    }
    return out;
}

json evidence_json(const consensus::DuplicateVoteEvidence& e) {
    return {{"kind", "duplicate-vote"}, {"hash", e.hash().hex()}, {"validator", e.first.validator.hex()},
            {"height", qty(e.first.height)}, {"round", qty(std::uint64_t{e.first.round})},
            {"voteA", vote_json(e.first)}, {"voteB", vote_json(e.second)}};
}

json evidence_json(const consensus::WrongVerdictEvidence& e) {
    const consensus::Vote& v = e.precommit_with_extension;
    return {{"kind", "wrong-verdict"}, {"hash", e.hash().hex()}, {"validator", v.validator.hex()},
            {"height", qty(v.height)}, {"round", qty(std::uint64_t{v.round})}, {"precommit", vote_json(v)},
            {"txHash", e.claimed.txn_hash.hex()}, {"expert", e.claimed.expert}, {"signedScore", e.claimed.score},
            {"recomputedScore", e.recomputed_score}};
}

}  // namespace

void register_validator_api(Dispatcher& d, node::Node& node, const node::ConsensusDriver& driver) {
    // validator_getValidators(block): the set that signs the block after `block` (so
    // "latest" is the set deciding the next block), with each member's stake record.
    d.add("validator_getValidators", [&node](const json& params, CallContext&) {
        const std::uint64_t number = has_param(params, 0) ? block_number_param(node, params[0]) : node.head().number;
        auto set = node.validator_set(number + 1);
        if (!set) throw RpcError(-32000, set.error());
        auto stakes = node.stakes(number);
        if (!stakes) throw RpcError(-32000, stakes.error());
        json validators = json::array();
        for (const consensus::Validator& v : set->validators()) {
            validators.push_back({{"address", v.address.hex()}, {"pubkey", v.pubkey.hex()}, {"power", qty(v.power)},
                                  {"proposerPriority", std::to_string(v.proposer_priority)}});
        }
        json candidates = json::array();
        for (const evm::StakeRecord& r : *stakes) {
            json experts = json::array();
            for (std::uint32_t e : r.experts) experts.push_back(e);
            candidates.push_back({{"address", r.validator.hex()}, {"pubkey", r.pubkey.hex()}, {"stake", qty(r.stake)},
                                  {"unbonding", qty(r.unbonding)}, {"jailed", r.jailed}, {"jailedUntil", qty(r.jailed_until)},
                                  {"missed", qty(r.missed)}, {"experts", std::move(experts)},
                                  {"active", set->index_of(r.validator).has_value()}});
        }
        const std::uint64_t epoch_length = node.chain().epoch_length;
        return json{{"blockNumber", qty(number)}, {"height", qty(number + 1)}, {"epoch", qty((number + 1) / epoch_length)},
                    {"totalPower", qty(set->total_power())}, {"validators", std::move(validators)},
                    {"candidates", std::move(candidates)}};
    });

    d.add("validator_getStatus", [&node, &driver](const json&, CallContext&) {
        const node::ConsensusStatus s = driver.status();
        json peers = json::array();
        for (const auto& p : s.peers) {
            json j = {{"id", p.id.hex()}, {"remote", p.remote}, {"outbound", p.outbound}};
            if (auto it = s.peer_heights.find(p.id); it != s.peer_heights.end()) j["height"] = qty(it->second);
            peers.push_back(std::move(j));
        }
        const node::Head head = node.head();
        json out = {{"height", qty(s.height)},
                    {"round", qty(std::uint64_t{s.round})},
                    {"step", s.step},
                    {"proposer", s.proposer ? json(s.proposer->hex()) : json(nullptr)},
                    {"validator", node.validator_address().hex()},
                    {"isValidator", s.is_validator},
                    {"syncing", s.syncing},
                    {"headBlock", {{"number", qty(head.number)}, {"hash", head.hash.hex()}}},
                    {"votes",
                     {{"round", qty(std::uint64_t{s.votes.round})},
                      {"prevotes", s.votes.prevotes},
                      {"precommits", s.votes.precommits},
                      {"prevotePower", qty(s.votes.prevote_power)},
                      {"precommitPower", qty(s.votes.precommit_power)},
                      {"totalPower", qty(s.votes.total_power)}}},
                    {"peers", std::move(peers)},
                    {"pendingEvidence", s.pending_evidence.size() + s.pending_wrong_verdicts.size()}};
        if (s.last_commit) {
            auto set = node.validator_set(s.last_commit->height);
            out["lastCommit"] = certificate_json(*s.last_commit, set ? &*set : nullptr);
        } else {
            out["lastCommit"] = nullptr;
        }
        return out;
    });

    // validator_getEvidence([fromBlock, toBlock]): evidence included in blocks (default: the
    // last 1000) and evidence seen but not yet included.
    d.add("validator_getEvidence", [&node, &driver](const json& params, CallContext&) {
        const std::uint64_t head = node.head().number;
        const std::uint64_t to = has_param(params, 1) ? block_number_param(node, params[1]) : head;
        const std::uint64_t from = has_param(params, 0) ? block_number_param(node, params[0]) : (to > 1000 ? to - 1000 : 1);
        if (to < from) invalid_params("toBlock is before fromBlock");
        if (to - from > node::kMaxLogBlockRange) throw RpcError(-32005, "block range too large");
        json committed = json::array();
        for (const node::CommittedEvidence& c : node.committed_evidence(std::max<std::uint64_t>(from, 1), to)) {
            json j = std::visit([](const auto& e) { return evidence_json(e); }, c.evidence);
            j["blockNumber"] = qty(c.block_number);
            committed.push_back(std::move(j));
        }
        json pending = json::array();
        const node::ConsensusStatus status = driver.status();
        for (const auto& e : status.pending_evidence) pending.push_back(evidence_json(e));
        for (const auto& e : status.pending_wrong_verdicts) pending.push_back(evidence_json(e));
        return json{{"committed", std::move(committed)}, {"pending", std::move(pending)}};
    });

    // validator_getCommit(block): the commit certificate stored with a block.
    d.add("validator_getCommit", [&node](const json& params, CallContext&) {
        const std::uint64_t number = block_number_param(node, param(params, 0, "block"));
        auto c = node.certificate(number);
        if (!c) return json(nullptr);
        auto set = node.validator_set(number);
        return certificate_json(*c, set ? &*set : nullptr);
    });

    // eth's answers (no peers, never syncing) are for a node without consensus; this one knows.
    d.replace("net_peerCount", [&driver](const json&, CallContext&) { return json(qty(std::uint64_t{driver.status().peers.size()})); });
    d.replace("eth_syncing", [&node, &driver](const json&, CallContext&) {
        const node::ConsensusStatus s = driver.status();
        if (!s.syncing) return json(false);
        std::uint64_t highest = 0;
        for (const auto& [peer, h] : s.peer_heights) highest = std::max(highest, h);
        const std::uint64_t current = node.head().number;
        return json{{"startingBlock", qty(current)}, {"currentBlock", qty(current)}, {"highestBlock", qty(highest)}};
    });
}

}  // namespace moe::rpc
