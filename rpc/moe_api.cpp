#include "rpc/moe_api.hpp"

#include "core/keccak.hpp"
#include "rpc/params.hpp"

namespace moe::rpc {

using nlohmann::json;

namespace {

json verdict_json(const chain::TransactionVerdict& v, const chain::ScreeningThresholds& t) {
    json experts = json::array();
    for (const nn::ExpertWeight& e : v.experts) {
        // Q15 weights: 32768 is the whole output.
        experts.push_back({{"expert", e.expert}, {"weight", e.weight}, {"share", static_cast<double>(e.weight) / 32768.0}});
    }
    // Leave-one-feature-out (nn::explain_screening): the score minus the score with the feature
    // at 0, so positive pushed it up. Features 0..15 are the transaction's, then 24 of the
    // sender's statistics, then 24 of the recipient's (moe/account_stats.hpp).
    json contributions = json::array();
    for (const nn::FeatureContribution& c : v.contributions) {
        const bool tx = c.feature < nn::kTxFeatures;
        const bool from = !tx && c.feature < nn::kTxFeatures + nn::kAccountFeatures;
        const int index = tx ? c.feature : from ? c.feature - nn::kTxFeatures : c.feature - nn::kTxFeatures - nn::kAccountFeatures;
        contributions.push_back({{"feature", c.feature},
                                 {"of", tx ? "transaction" : from ? "sender" : "recipient"},
                                 {"index", index},
                                 {"contribution", c.contribution}});
    }
    return {{"score", v.score},
            {"verdict", std::string(chain::to_string(v.decision))},
            {"type", std::string(nn::to_string(v.type))},
            {"experts", std::move(experts)},
            {"contributions", std::move(contributions)},
            {"abstained", v.abstained},
            {"flagScore", t.flag_score},
            {"rejectScore", t.reject_score}};
}

const chain::ModelInfo* model_named(const node::Node& node, std::string_view name) {
    for (const chain::ModelInfo& m : node.models().info()) {
        if (m.name == name) return &m;
    }
    return nullptr;
}

json stats_json(const nn::AccountStats& s) {
    return {{"sent", s.sent},
            {"received", s.received},
            {"sentWithData", s.sent_with_data},
            {"failures", s.failures},
            {"creations", s.creations},
            {"tokenTransfersSent", s.tokens_sent},
            {"tokenTransfersReceived", s.tokens_received},
            {"sentGwei", std::to_string(s.sent_gwei)},
            {"receivedGwei", std::to_string(s.received_gwei)},
            {"distinctRecipients", s.out_peers.estimate()},
            {"distinctSenders", s.in_peers.estimate()},
            {"firstActivity", s.first_time},
            {"lastActivity", s.last_time}};
}

json members_json(const std::vector<consensus::CommitteeMember>& members) {
    json out = json::array();
    for (const consensus::CommitteeMember& m : members) out.push_back({{"address", m.validator.hex()}, {"power", m.power}});
    return out;
}

json addresses_json(const std::vector<core::Address>& addresses) {
    json out = json::array();
    for (const core::Address& a : addresses) out.push_back(a.hex());
    return out;
}

}  // namespace

namespace {

/// Screening and classification: verdicts, contract classes, account risk.
void register_screening_methods(Dispatcher& d, node::Node& node) {
    // moe_scoreTransaction(rawTx): the verdict screening would give it on the head state now.
    d.add("moe_scoreTransaction", [&node](const json& params, CallContext&) {
        const core::Bytes raw = data_param(param(params, 0, "raw transaction"), "raw transaction");
        auto v = node.score_transaction(raw);
        if (!v) throw_submit_error(v.error());
        return verdict_json(*v, node.models().thresholds());
    });

    // moe_getTransactionVerdict(txHash): the verdict stored when it was included (null: not
    // included, or the chain screens nothing).
    d.add("moe_getTransactionVerdict", [&node](const json& params, CallContext&) {
        const core::Hash hash = hash_param(param(params, 0, "transaction hash"));
        auto v = node.verdict(hash);
        if (!v) return json(nullptr);
        json out = verdict_json(*v, node.models().thresholds());
        out["transactionHash"] = hash.hex();
        if (auto t = node.transaction(hash)) out["blockNumber"] = qty(t->block_number);
        return out;
    });

    // moe_getContractClass(address[, block]): the class given at creation (by a transaction or
    // by a contract); a proxy adds the implementation it delegates to at that block and its class.
    d.add("moe_getContractClass", [&node](const json& params, CallContext&) {
        const core::Address a = address_param(param(params, 0, "address"));
        const std::uint64_t number = has_param(params, 1) ? block_number_param(node, params[1]) : node.head().number;
        auto c = node.contract_class(a, number);
        if (!c) throw RpcError(-32000, c.error());
        if (!*c) return json(nullptr);
        const chain::ModelInfo* m = model_named(node, "contract");
        const chain::ContractClassReport& r = **c;
        json out{{"address", a.hex()},
                 {"class", std::string(nn::to_string(r.record.contract_class))},
                 {"confidence", r.record.confidence},
                 {"modelHash", m ? json(m->sha256.hex()) : json(nullptr)}};
        if (r.record.contract_class == nn::ContractClass::kProxy) {
            out["implementation"] = r.implementation ? json(r.implementation->hex()) : json(nullptr);
            out["implementationClass"] = r.implementation_class ? json(std::string(nn::to_string(r.implementation_class->contract_class))) : json(nullptr);
        }
        return out;
    });

    // moe_getAccountRisk(address[, block]): the account's statistics and the scores of a
    // plain transfer to it and from it, as screening would give them now.
    d.add("moe_getAccountRisk", [&node](const json& params, CallContext&) {
        const core::Address a = address_param(param(params, 0, "address"));
        const std::uint64_t number = has_param(params, 1) ? block_number_param(node, params[1]) : node.head().number;
        auto stats = node.account_stats(a, number);
        if (!stats) throw RpcError(-32000, stats.error());
        json out = {{"address", a.hex()}, {"blockNumber", qty(number)}, {"statistics", stats_json(*stats)}};
        if (node.models().screens()) {
            // A zero-value transfer between this account and an address with no history.
            const core::Address stranger = core::Address::right_aligned(core::keccak256(a.view()).view().subspan(12));
            core::Transaction probe;
            probe.gas_limit = 21'000;
            probe.to = a;
            auto as_recipient = node.screen_on_head(probe, stranger);
            probe.to = stranger;
            auto as_sender = node.screen_on_head(probe, a);
            if (!as_recipient || !as_sender) throw RpcError(-32000, !as_recipient ? as_recipient.error() : as_sender.error());
            out["asRecipient"] = verdict_json(*as_recipient, node.models().thresholds());
            out["asSender"] = verdict_json(*as_sender, node.models().thresholds());
        }
        return out;
    });
}

/// Expert routing (decision 004) and the models the chain runs.
void register_routing_methods(Dispatcher& d, node::Node& node) {
    // moe_getRouting(txHash): how an included transaction was routed to expert committees
    // (decision 004): the gate's ranking of served experts, the ranks failover skipped, each
    // ranked expert's committee, and the aggregated verdicts with who answered. null: not
    // included, or included while routing was off.
    d.add("moe_getRouting", [&node](const json& params, CallContext&) {
        const core::Hash hash = hash_param(param(params, 0, "transaction hash"));
        auto r = node.routing_of(hash);
        if (!r) return json(nullptr);
        json ranked = json::array();
        for (std::size_t i = 0; i < r->ranking.size(); ++i) {
            const std::uint32_t e = r->ranking[i];
            json entry = {{"expert", e}, {"rank", i}};
            entry["committee"] = r->committees ? members_json(r->committees->committee(e)) : json::array();
            ranked.push_back(std::move(entry));
        }
        json verdicts = json::array();
        for (const consensus::AggregatedVerdict& v : r->verdicts) {
            verdicts.push_back({{"expert", v.expert}, {"score", v.score},
                                {"contractClass", v.contract_class == 255 ? json(nullptr) : json(v.contract_class)},
                                {"answered", addresses_json(v.answered)}});
        }
        return json{{"transactionHash", hash.hex()}, {"blockNumber", qty(r->block_number)}, {"ranking", std::move(ranked)},
                    {"failover", r->failover}, {"verdicts", std::move(verdicts)}};
    });

    // moe_getExperts(): per expert of the fraud model, its committee at the next height (the
    // hosts, served or not, and their power) and what its committees did in the blocks this
    // node committed since it started: verdicts, answers (and those agreeing with the
    // aggregated score: all of them while every member runs the protocol model), failovers and
    // missed duties.
    d.add("moe_getExperts", [&node](const json&, CallContext&) {
        const std::uint64_t next = node.head().number + 1;
        auto committees = node.committees(next);
        if (!committees) throw RpcError(-32000, committees.error());
        const chain::ModelInfo* fraud = model_named(node, "fraud");
        const auto activity = node.expert_activity();
        json experts = json::array();
        const int count = fraud ? fraud->experts : 0;
        for (int i = 0; i < count; ++i) {
            const auto e = static_cast<std::uint32_t>(i);
            const std::vector<consensus::CommitteeMember> hosts = committees->hosts_of(e);
            std::uint64_t power = 0;
            for (const auto& m : hosts) power += m.power;
            json entry = {{"expert", e}, {"served", committees->served(e)}, {"committee", members_json(hosts)}, {"power", power},
                          {"verdicts", 0}, {"answers", 0}, {"agreeing", 0}, {"failedOver", 0}, {"missed", json::object()},
                          {"latencyMs", {{"count", 0}, {"mean", nullptr}, {"max", nullptr}}}};
            if (auto it = activity.find(e); it != activity.end()) {
                entry["verdicts"] = it->second.verdicts;
                entry["answers"] = it->second.answers;
                entry["agreeing"] = it->second.agreeing;
                entry["failedOver"] = it->second.failed_over;
                for (const auto& [a, n] : it->second.missed) entry["missed"][a.hex()] = n;
                const chain::ExpertActivity& act = it->second;
                if (act.latency_count != 0) {
                    entry["latencyMs"] = {{"count", act.latency_count},
                                          {"mean", act.latency_ms_sum / act.latency_count},
                                          {"max", act.latency_ms_max}};
                }
            }
            experts.push_back(std::move(entry));
        }
        const auto& rc = node.chain().routing;
        json config = rc ? json{{"minCommitteeSize", rc->min_committee_size}, {"topK", rc->top_k},
                                {"capacityPercent", rc->capacity_percent}, {"failoverHeights", rc->failover_heights},
                                {"quorumBps", rc->quorum_bps}}
                         : json(nullptr);
        return json{{"height", qty(next)}, {"routing", std::move(config)}, {"experts", std::move(experts)}};
    });

    d.add("moe_getModels", [&node](const json&, CallContext&) {
        json out = json::array();
        for (const chain::ModelInfo& m : node.models().info()) {
            json j = {{"name", m.name}, {"sha256", m.sha256.hex()}, {"source", m.source}, {"experts", m.experts},
                      {"topK", m.top_k}, {"features", m.features}, {"outputs", m.classes}};
            if (m.name == "fraud") {
                j["flagScore"] = node.models().thresholds().flag_score;
                j["rejectScore"] = node.models().thresholds().reject_score;
            }
            out.push_back(std::move(j));
        }
        return out;
    });
}

}  // namespace

void register_moe_api(Dispatcher& d, node::Node& node) {
    register_screening_methods(d, node);
    register_routing_methods(d, node);
}

}  // namespace moe::rpc
