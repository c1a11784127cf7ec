#include "rpc/moe_api.hpp"

#include "core/keccak.hpp"
#include "rpc/params.hpp"

namespace moe::rpc {

using nlohmann::json;

namespace {

std::string_view type_name(nn::TxType t) {
    switch (t) {
        case nn::TxType::kTransfer: return "transfer";
        case nn::TxType::kContractCall: return "contractCall";
        case nn::TxType::kDeployment: return "deployment";
        case nn::TxType::kTokenTransfer: return "tokenTransfer";
    }
    return "unknown";
}

json verdict_json(const node::TransactionVerdict& v, const node::ScreeningThresholds& t) {
    json experts = json::array();
    for (const nn::ExpertWeight& e : v.experts) {
        // Q15 weights: 32768 is the whole output.
        experts.push_back({{"expert", e.expert}, {"weight", e.weight}, {"share", static_cast<double>(e.weight) / 32768.0}});
    }
    return {{"score", v.score},
            {"verdict", std::string(node::to_string(v.decision))},
            {"type", std::string(type_name(v.type))},
            {"experts", std::move(experts)},
            {"flagScore", t.flag_score},
            {"rejectScore", t.reject_score}};
}

const node::ModelInfo* model_named(const node::Node& node, std::string_view name) {
    for (const node::ModelInfo& m : node.models().info()) {
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

}  // namespace

void register_moe_api(Dispatcher& d, node::Node& node) {
    // moe_scoreTransaction(rawTx): the verdict screening would give it on the head state now.
    d.add("moe_scoreTransaction", [&node](const json& params, CallContext&) {
        const core::Bytes raw = data_param(param(params, 0, "raw transaction"), "raw transaction");
        auto v = node.score_transaction(raw);
        if (!v) throw RpcError(v.error().code, v.error().message);
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

    // moe_getContractClass(address[, block]): the class given at deployment.
    d.add("moe_getContractClass", [&node](const json& params, CallContext&) {
        const core::Address a = address_param(param(params, 0, "address"));
        const std::uint64_t number = has_param(params, 1) ? block_number_param(node, params[1]) : node.head().number;
        auto c = node.contract_class(a, number);
        if (!c) throw RpcError(-32000, c.error());
        if (!*c) return json(nullptr);
        const node::ModelInfo* m = model_named(node, "contract");
        return json{{"address", a.hex()},
                    {"class", std::string(nn::to_string((*c)->contract_class))},
                    {"confidence", (*c)->confidence},
                    {"modelHash", m ? json(m->sha256.hex()) : json(nullptr)}};
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

    d.add("moe_getModels", [&node](const json&, CallContext&) {
        json out = json::array();
        for (const node::ModelInfo& m : node.models().info()) {
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

}  // namespace moe::rpc
