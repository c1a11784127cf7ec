#include "tools/load/load_generator.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "core/hd_wallet.hpp"

namespace moe::load {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::uint64_t quantity(const json& v) {
    if (!v.is_string()) throw std::runtime_error("expected a hex quantity, got " + v.dump());
    auto q = core::parse_uint256_lenient(v.get<std::string>());
    if (!q || *q > std::numeric_limits<std::uint64_t>::max()) throw std::runtime_error("bad quantity " + v.dump());
    return static_cast<std::uint64_t>(*q);
}

std::string hex_quantity(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

double percentile(std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    const auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
    return sorted[std::min(rank, sorted.size() - 1)];
}

}  // namespace

std::expected<RpcEndpoint, std::string> parse_rpc_endpoint(std::string_view url) {
    const std::string original(url);
    if (url.starts_with("http://")) url.remove_prefix(7);
    while (url.ends_with('/')) url.remove_suffix(1);
    RpcEndpoint e{"127.0.0.1", 0};
    std::string_view port = url;
    if (const auto colon = url.rfind(':'); colon != std::string_view::npos) {
        e.host = std::string(url.substr(0, colon));
        port = url.substr(colon + 1);
    }
    unsigned long value = 0;
    const bool digits = !port.empty() && port.size() <= 5 &&
                        std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits) value = std::stoul(std::string(port));
    if (!digits || value == 0 || value > 65535 || e.host.empty()) {
        return std::unexpected("'" + original + "' is not an RPC address (http://host:port)");
    }
    e.port = static_cast<std::uint16_t>(value);
    return e;
}

struct RpcClient::Impl {
    net::io_context ioc;
    beast::tcp_stream stream{ioc};
    beast::flat_buffer buffer;
    std::string where;
    std::uint64_t next_id = 1;
};

RpcClient::RpcClient(const RpcEndpoint& endpoint) : impl_(std::make_unique<Impl>()) {
    impl_->where = endpoint.host + ":" + std::to_string(endpoint.port);
    boost::system::error_code ec;
    tcp::resolver resolver(impl_->ioc);
    const auto addresses = resolver.resolve(endpoint.host, std::to_string(endpoint.port), ec);
    if (!ec) impl_->stream.connect(addresses, ec);
    if (ec) throw std::runtime_error("cannot connect to " + impl_->where + ": " + ec.message());
}

RpcClient::~RpcClient() {
    boost::system::error_code ec;
    impl_->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

std::string RpcClient::post(const std::string& body) {
    http::request<http::string_body> req{http::verb::post, "/", 11};
    req.set(http::field::host, impl_->where);
    req.set(http::field::content_type, "application/json");
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();
    boost::system::error_code ec;
    http::write(impl_->stream, req, ec);
    http::response<http::string_body> res;
    if (!ec) http::read(impl_->stream, impl_->buffer, res, ec);
    if (ec) throw std::runtime_error(impl_->where + ": " + ec.message());
    return std::move(res.body());
}

json RpcClient::call(std::string_view method, json params) {
    const json req = {{"jsonrpc", "2.0"}, {"id", impl_->next_id++}, {"method", std::string(method)}, {"params", std::move(params)}};
    const json res = json::parse(post(req.dump()), nullptr, false);
    if (!res.is_object()) throw std::runtime_error(impl_->where + ": " + std::string(method) + ": not a JSON-RPC response");
    if (res.contains("error")) {
        const json& e = res["error"];
        throw std::runtime_error(impl_->where + ": " + std::string(method) + ": " +
                                 (e.contains("message") ? e["message"].dump() : e.dump()));
    }
    return res.value("result", json());
}

core::Transaction signed_transfer(const core::PrivateKey& from, const core::Address& to, std::uint64_t nonce,
                                  std::uint64_t chain_id, const core::uint256& value) {
    core::Transaction t;
    t.chain_id = chain_id;
    t.nonce = nonce;
    t.max_priority_fee_per_gas = 1'000'000'000;
    t.max_fee_per_gas = 100'000'000'000ull;
    t.gas_limit = 21000;
    t.to = to;
    t.value = value;
    t.sign(from);
    return t;
}

std::string send_raw_transaction_body(const core::Transaction& txn) {
    return R"({"jsonrpc":"2.0","id":1,"method":"eth_sendRawTransaction","params":[")" + core::to_hex(txn.encode()) +
           R"("]})";
}

LoadReport run_load(const LoadOptions& o) {
    if (o.endpoints.empty()) throw std::runtime_error("no RPC endpoint");
    if (o.accounts == 0) throw std::runtime_error("at least one account is needed");
    const std::size_t n_endpoints = o.endpoints.size();
    std::vector<std::unique_ptr<RpcClient>> monitors;
    for (const RpcEndpoint& e : o.endpoints) monitors.push_back(std::make_unique<RpcClient>(e));
    const std::uint64_t chain_id = o.chain_id != 0 ? o.chain_id : quantity(monitors[0]->call("eth_chainId"));

    // Senders and their next nonces; sender s always talks to endpoint s mod n.
    std::vector<core::PrivateKey> keys;
    std::vector<std::uint64_t> nonces;
    auto next_nonce = [&](std::size_t s) {
        return quantity(monitors[s % n_endpoints]->call("eth_getTransactionCount",
                                                        json::array({keys[s].address().hex(), "pending"})));
    };
    for (std::uint32_t s = 0; s < o.accounts; ++s) {
        auto key = core::mnemonic_account(kTestMnemonic, s);
        if (!key) throw std::runtime_error("cannot derive account " + std::to_string(s));
        keys.push_back(*key);
    }
    // A pool holds a bounded number of one sender's transactions, so high rates need more
    // senders than the genesis funds: the funded accounts pay the others first.
    const std::size_t funded = std::min<std::size_t>(keys.size(), kFundedAccounts);
    if (keys.size() > funded) {
        for (std::size_t s = 0; s < funded; ++s) nonces.push_back(next_nonce(s));
        const core::uint256 amount = core::uint256(10) * core::uint256(1'000'000'000'000'000'000ull);
        for (std::size_t s = funded; s < keys.size(); ++s) {
            const std::size_t payer = s % funded;
            const core::Transaction t = signed_transfer(keys[payer], keys[s].address(), nonces[payer]++, chain_id, amount);
            const json res = json::parse(monitors[payer % n_endpoints]->post(send_raw_transaction_body(t)), nullptr, false);
            if (!res.is_object() || !res.contains("result")) {
                throw std::runtime_error("funding account " + std::to_string(s) + " failed: " + res.dump());
            }
        }
        const auto deadline = Clock::now() + std::chrono::seconds(60);
        for (std::size_t s = funded; s < keys.size(); ++s) {
            while (quantity(monitors[0]->call("eth_getBalance", json::array({keys[s].address().hex(), "latest"}))) == 0) {
                if (Clock::now() > deadline) throw std::runtime_error("the extra senders were not funded within 60 s");
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        }
        nonces.clear();
    }
    for (std::size_t s = 0; s < keys.size(); ++s) nonces.push_back(next_nonce(s));

    // Pre-sign everything, so that signing never holds back the rate.
    struct Planned {
        std::size_t index;
        std::string body;
    };
    const auto total = static_cast<std::size_t>(std::max(0.0, o.rate * o.seconds + 0.5));
    std::vector<std::vector<Planned>> plans(n_endpoints);
    std::map<core::Hash, std::size_t> index_of;
    for (std::size_t i = 0; i < total; ++i) {
        const std::size_t s = i % keys.size();
        const core::Transaction t = signed_transfer(keys[s], keys[(s + 1) % keys.size()].address(), nonces[s]++, chain_id);
        index_of.emplace(t.hash(), i);
        plans[s % n_endpoints].push_back({i, send_raw_transaction_body(t)});
    }
    std::vector<std::uint64_t> next_block(n_endpoints);
    for (std::size_t e = 0; e < n_endpoints; ++e) next_block[e] = quantity(monitors[e]->call("eth_blockNumber")) + 1;

    std::vector<double> sent_at(total, -1), seen_at(total, -1);
    std::vector<std::uint8_t> accepted(total, 0);
    std::atomic<std::uint64_t> accepted_count{0}, rejected_count{0};
    std::atomic<bool> sending_done{false};
    std::atomic<double> send_end{0};
    std::mutex errors_mutex;
    std::string first_rejection, failure;
    std::set<std::uint64_t> blocks_with_ours;

    const auto t0 = Clock::now();
    auto now_s = [t0] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
    std::vector<std::thread> senders;
    for (std::size_t e = 0; e < n_endpoints; ++e) {
        senders.emplace_back([&, e] {
            try {
                RpcClient client(o.endpoints[e]);
                for (const Planned& p : plans[e]) {
                    std::this_thread::sleep_until(t0 + std::chrono::duration_cast<Clock::duration>(
                                                           std::chrono::duration<double>(static_cast<double>(p.index) / o.rate)));
                    sent_at[p.index] = now_s();
                    const json res = json::parse(client.post(p.body), nullptr, false);
                    if (res.is_object() && res.contains("result")) {
                        accepted[p.index] = 1;
                        ++accepted_count;
                    } else {
                        ++rejected_count;
                        const std::lock_guard lock(errors_mutex);
                        if (first_rejection.empty()) first_rejection = res.is_object() && res.contains("error") ? res["error"].dump() : "malformed response";
                    }
                }
            } catch (const std::exception& ex) {
                const std::lock_guard lock(errors_mutex);
                if (failure.empty()) failure = ex.what();
            }
        });
    }
    // The monitor: new blocks of every endpoint, until every accepted transaction is seen or
    // the timeout after the last send passes.
    std::uint64_t seen = 0;
    std::thread monitor([&] {
        try {
            while (true) {
                for (std::size_t e = 0; e < n_endpoints; ++e) {
                    const std::uint64_t head = quantity(monitors[e]->call("eth_blockNumber"));
                    for (; next_block[e] <= head; ++next_block[e]) {
                        const json block = monitors[e]->call("eth_getBlockByNumber", json::array({hex_quantity(next_block[e]), false}));
                        if (!block.is_object() || !block.contains("transactions")) continue;
                        for (const json& h : block["transactions"]) {
                            auto hash = core::Hash::from_hex(h.get<std::string>());
                            if (!hash) continue;
                            auto it = index_of.find(*hash);
                            if (it == index_of.end() || seen_at[it->second] >= 0) continue;
                            seen_at[it->second] = now_s();
                            blocks_with_ours.insert(next_block[e]);
                            ++seen;
                        }
                    }
                }
                if (sending_done && (seen >= accepted_count || now_s() > send_end + o.inclusion_timeout_s)) break;
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        } catch (const std::exception& ex) {
            const std::lock_guard lock(errors_mutex);
            if (failure.empty()) failure = ex.what();
        }
    });
    for (auto& t : senders) t.join();
    send_end = now_s();
    sending_done = true;
    monitor.join();
    if (!failure.empty()) throw std::runtime_error(failure);

    LoadReport r;
    r.sent = total;
    r.accepted = accepted_count;
    r.rejected = rejected_count;
    r.first_rejection = first_rejection;
    r.blocks = blocks_with_ours.size();
    double first_send = -1, last_send = 0, last_seen = 0;
    std::vector<double> latencies;
    for (std::size_t i = 0; i < total; ++i) {
        if (sent_at[i] >= 0 && (first_send < 0 || sent_at[i] < first_send)) first_send = sent_at[i];
        last_send = std::max(last_send, sent_at[i]);
        if (accepted[i] == 0 || seen_at[i] < 0) continue;
        ++r.committed;
        last_seen = std::max(last_seen, seen_at[i]);
        latencies.push_back((seen_at[i] - sent_at[i]) * 1000.0);
    }
    std::sort(latencies.begin(), latencies.end());
    r.send_seconds = first_send < 0 ? 0 : last_send - first_send;
    r.committed_per_second = r.committed == 0 ? 0 : static_cast<double>(r.committed) / (last_seen - first_send);
    r.latency_p50_ms = percentile(latencies, 50);
    r.latency_p99_ms = percentile(latencies, 99);
    return r;
}

}  // namespace moe::load
