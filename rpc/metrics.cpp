#include "rpc/metrics.hpp"

#include <sstream>
#include <string_view>

namespace moe::rpc {

using nlohmann::json;

namespace {

/// Writes the Prometheus text exposition format, one family at a time.
class Exposition {
  public:
    void family(std::string_view name, std::string_view type, std::string_view help) {
        out_ << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
    }
    template <typename T>
    void sample(std::string_view name, T value, std::string_view labels = {}) {
        out_ << name;
        if (!labels.empty()) out_ << '{' << labels << '}';
        out_ << ' ' << value << '\n';
    }
    /// A family of one unlabelled sample.
    template <typename T>
    void single(std::string_view name, std::string_view type, std::string_view help, T value) {
        family(name, type, help);
        sample(name, value);
    }
    /// A histogram family with cumulative buckets, _sum and _count.
    void histogram(std::string_view name, std::string_view help, const node::LatencyHistogram& h) {
        family(name, "histogram", help);
        const std::string bucket = std::string(name) + "_bucket";
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < h.kBounds.size(); ++i) {
            cumulative += h.buckets[i];
            std::ostringstream le;
            le << "le=\"" << h.kBounds[i] << '"';
            sample(bucket, cumulative, le.str());
        }
        sample(bucket, h.count, "le=\"+Inf\"");
        sample(std::string(name) + "_sum", h.sum);
        sample(std::string(name) + "_count", h.count);
    }
    [[nodiscard]] std::string str() const { return out_.str(); }

  private:
    std::ostringstream out_;
};

std::string label(std::string_view key, std::string_view value) {
    return std::string(key) + "=\"" + std::string(value) + '"';
}

}  // namespace

std::string render_metrics(const node::Node& node, const node::ConsensusStatus& consensus, const Dispatcher& dispatcher,
                           const Server& server) {
    const node::NodeStats s = node.stats();
    Exposition out;
    out.single("moe_block_height", "gauge", "Number of the last committed block.", s.head_number);
    out.single("moe_transactions_committed_total", "counter", "Transactions committed in blocks (rate() gives txs/s).",
               s.transactions_committed);
    out.single("moe_blocks_produced_total", "counter", "Blocks this node committed since it started.",
               s.blocks_produced);
    out.histogram("moe_transaction_finality_seconds",
                  "From this node pooling a transaction to committing the block that holds it.", s.finality);
    out.histogram("moe_consensus_height_seconds", "From the start of a height to its commit (consensus latency).",
                  consensus.height_latency);
    out.single("moe_consensus_round", "gauge", "Round of the height being decided (above 0: a proposer failed).",
               consensus.round);
    out.single("moe_consensus_halted", "gauge", "1 once consensus halted on a failed write (the process is stopping).",
               consensus.halted ? 1 : 0);
    out.single("moe_consensus_syncing", "gauge", "1 while a peer is ahead by more than one block.",
               consensus.syncing ? 1 : 0);

    out.single("moe_p2p_peers", "gauge", "Connected peers.", consensus.peers.size());
    out.single("moe_p2p_persistent_peers", "gauge", "Peers configured in persistent_peers.",
               consensus.persistent_peers);
    out.family("moe_p2p_sent_bytes_total", "counter", "Bytes queued for peers since start, framing included, by message type.");
    for (std::size_t k = 0; k < node::p2p::kTrafficKinds; ++k) {
        out.sample("moe_p2p_sent_bytes_total", consensus.traffic.sent_bytes[k], label("type", node::p2p::traffic_name(k)));
    }
    out.family("moe_p2p_received_bytes_total", "counter", "Bytes read from peers since start, framing included, by message type.");
    for (std::size_t k = 0; k < node::p2p::kTrafficKinds; ++k) {
        out.sample("moe_p2p_received_bytes_total", consensus.traffic.received_bytes[k], label("type", node::p2p::traffic_name(k)));
    }

    out.single("moe_mempool_transactions", "gauge", "Transactions waiting in the mempool.", s.mempool_transactions);
    out.single("moe_mempool_capacity_transactions", "gauge", "The mempool's limit on transactions (mempool_max_transactions).",
               s.mempool_capacity);
    out.single("moe_mempool_client_limit_transactions", "gauge",
               "Pooled transactions past which clients' transactions are refused (two blocks' worth).", s.mempool_client_limit);
    out.single("moe_mempool_bytes", "gauge", "Bytes of transactions in the mempool.", s.mempool_bytes);
    out.family("moe_mempool_refused_total", "counter", "Submitted transactions the pool refused, by reason.");
    for (std::size_t r = 0; r < node::kRefusals; ++r) {
        out.sample("moe_mempool_refused_total", s.refused[r], label("reason", node::to_string(static_cast<node::Refusal>(r))));
    }

    // Fraud screening of transactions offered to the pool (decision 005); an unscreened chain
    // exports zeros, so one dashboard serves both.
    out.family("moe_screening_verdicts_total", "counter", "Screening verdicts on transactions offered to the pool, by decision.");
    for (const chain::Decision d : {chain::Decision::kAccept, chain::Decision::kFlag, chain::Decision::kReject}) {
        out.sample("moe_screening_verdicts_total", s.screened[static_cast<std::size_t>(d)], label("decision", chain::to_string(d)));
    }
    out.family("moe_screening_abstentions_total", "counter",
               "Of those, transactions accepted because the fraud model abstained (too far outside its training rows).");
    out.sample("moe_screening_abstentions_total", s.abstentions);
    out.family("moe_screening_deferred_rejections_total", "counter",
               "Of the rejects, transactions pooled anyway because a pooled transaction involves one of their parties: the block decides.");
    out.sample("moe_screening_deferred_rejections_total", s.deferred_rejections);
    out.family("moe_screening_expert_selections_total", "counter",
               "How often the fraud model's gate chose each expert in those verdicts (local expert load).");
    for (std::size_t e = 0; e < s.expert_selections.size(); ++e) {
        out.sample("moe_screening_expert_selections_total", s.expert_selections[e], label("expert", std::to_string(e)));
    }

    // Expert routing (decision 004), per expert of the fraud model, since the node started:
    // every expert at zero while routing is off or it has no work.
    auto activity = node.expert_activity();
    if (node.models().screens()) {
        for (std::uint32_t e = 0; e < node.models().fraud_experts(); ++e) activity.try_emplace(e);
    }
    out.family("moe_expert_verdicts_total", "counter", "Aggregated verdicts of the expert's committee carried in blocks.");
    for (const auto& [e, a] : activity) out.sample("moe_expert_verdicts_total", a.verdicts, label("expert", std::to_string(e)));
    out.family("moe_expert_answers_total", "counter", "Committee members' answers counted in those verdicts.");
    for (const auto& [e, a] : activity) out.sample("moe_expert_answers_total", a.answers, label("expert", std::to_string(e)));
    out.family("moe_expert_agreeing_answers_total", "counter", "Counted answers whose score is the aggregated one.");
    for (const auto& [e, a] : activity) out.sample("moe_expert_agreeing_answers_total", a.agreeing, label("expert", std::to_string(e)));
    out.family("moe_expert_failovers_total", "counter", "Transactions that skipped the expert because its committee was silent.");
    for (const auto& [e, a] : activity) out.sample("moe_expert_failovers_total", a.failed_over, label("expert", std::to_string(e)));
    out.family("moe_expert_missed_duties_total", "counter", "Duties a committee member left unanswered.");
    for (const auto& [e, a] : activity) {
        for (const auto& [v, n] : a.missed) {
            out.sample("moe_expert_missed_duties_total", n, label("expert", std::to_string(e)) + ',' + label("validator", v.hex()));
        }
    }

    out.single("moe_rpc_open_connections", "gauge", "Open HTTP and WebSocket connections.", server.open_connections());
    out.single("moe_rpc_subscriptions", "gauge", "Active WebSocket subscriptions.", server.subscriptions());
    const auto stats = dispatcher.stats();
    std::map<std::string, MethodStats, std::less<>> by_class;
    for (const auto& [m, st] : stats) {
        MethodStats& c = by_class[std::string(method_class(m))];
        c.calls += st.calls;
        c.errors += st.errors;
        c.seconds += st.seconds;
    }
    out.family("moe_rpc_requests_total", "counter", "JSON-RPC calls by method class (eth, net, web3, moe, validator, evm, unknown...).");
    for (const auto& [c, st] : by_class) out.sample("moe_rpc_requests_total", st.calls, label("class", c));
    out.family("moe_rpc_request_errors_total", "counter", "JSON-RPC calls that returned an error, by method class.");
    for (const auto& [c, st] : by_class) out.sample("moe_rpc_request_errors_total", st.errors, label("class", c));
    out.family("moe_rpc_calls_total", "counter", "JSON-RPC calls by method.");
    for (const auto& [m, st] : stats) out.sample("moe_rpc_calls_total", st.calls, label("method", m));
    out.family("moe_rpc_errors_total", "counter", "JSON-RPC calls that returned an error, by method.");
    for (const auto& [m, st] : stats) out.sample("moe_rpc_errors_total", st.errors, label("method", m));
    out.family("moe_rpc_duration_seconds", "summary", "Time spent in JSON-RPC methods.");
    for (const auto& [m, st] : stats) {
        out.sample("moe_rpc_duration_seconds_sum", st.seconds, label("method", m));
        out.sample("moe_rpc_duration_seconds_count", st.calls, label("method", m));
    }
    return out.str();
}

Health liveness(const node::Head& head) {
    return Health{true, {{"status", "ok"}, {"block_number", head.number}, {"block_hash", head.hash.hex()}}};
}

Health readiness(const node::ConsensusStatus& consensus, const node::Head& head) {
    std::string reason;
    if (!consensus.started) {
        reason = "consensus has not started";
    } else if (consensus.halted) {
        reason = "consensus halted";
    } else if (consensus.persistent_peers > 0 && consensus.peers.empty()) {
        reason = "no peer connected (of " + std::to_string(consensus.persistent_peers) + " persistent peers)";
    } else if (consensus.syncing) {
        reason = "syncing: a peer is ahead";
    }
    json body{{"status", reason.empty() ? "ready" : "not ready"},
              {"block_number", head.number},
              {"peers", consensus.peers.size()},
              {"persistent_peers", consensus.persistent_peers}};
    if (!reason.empty()) body["reason"] = reason;
    return Health{reason.empty(), std::move(body)};
}

}  // namespace moe::rpc
