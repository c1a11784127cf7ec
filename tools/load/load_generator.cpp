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

#include <sys/socket.h>
#include <sys/time.h>

#include "core/hd_wallet.hpp"
#include "core/host_port.hpp"

namespace moe::load {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

/// How long one request may go unanswered before its endpoint counts as failed.
constexpr long kRpcTimeoutSeconds = 10;

/// A JSON-RPC QUANTITY of up to 256 bits (balances exceed 2^64 wei on Hardhat and Anvil).
core::uint256 quantity256(const json& v) {
    if (!v.is_string()) throw std::runtime_error("expected a hex quantity, got " + v.dump());
    auto q = core::parse_uint256_lenient(v.get<std::string>());
    if (!q) throw std::runtime_error("bad quantity " + v.dump());
    return *q;
}

/// A QUANTITY that must fit 64 bits (chain id, nonce, block number).
std::uint64_t quantity(const json& v) {
    const core::uint256 q = quantity256(v);
    if (q > std::numeric_limits<std::uint64_t>::max()) throw std::runtime_error("quantity above 2^64: " + v.dump());
    return static_cast<std::uint64_t>(q);
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
    // A bare port is one on this machine.
    const bool bare_port = !url.empty() && std::all_of(url.begin(), url.end(), [](char c) { return c >= '0' && c <= '9'; });
    auto address = core::parse_host_port(bare_port ? "127.0.0.1:" + std::string(url) : std::string(url));
    if (!address) return std::unexpected("'" + original + "' is not an RPC address (http://host:port): " + address.error());
    return RpcEndpoint{std::move(address->host), address->port};
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
    // Synchronous reads and writes ignore Beast's timers: a node that is stopped or cut off
    // must not hang the caller, so the socket itself times out.
    const timeval timeout{kRpcTimeoutSeconds, 0};
    const int fd = impl_->stream.socket().native_handle();
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
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

namespace {

std::string url_of(const RpcEndpoint& e) { return "http://" + e.host + ":" + std::to_string(e.port); }

/// How one endpoint has fared, shared by every thread of a run.
struct Health {
    std::atomic<std::uint64_t> posted{0}, accepted{0}, failures{0}, failed_over{0};
    std::atomic<std::int64_t> retry_after_ns{0};  ///< steady-clock time before which it is skipped
    std::mutex mutex;
    std::string first_failure;
};

/// After a failure, an endpoint is skipped this long before it is tried again.
constexpr auto kRetryPause = std::chrono::milliseconds(500);
/// Unseen transactions of one sender posted again per rebroadcast round (its lowest nonces).
constexpr std::size_t kRebroadcastPerSender = 8;

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

/// One thread's connections to every endpoint: opened on first use, dropped after a failure
/// and opened again on the next use. A failure is counted in the endpoint's Health.
class Connections {
  public:
    Connections(const std::vector<RpcEndpoint>& endpoints, std::vector<Health>& health)
        : endpoints_(endpoints), health_(health), clients_(endpoints.size()) {}

    /// Whether endpoint e is worth trying now (it has not failed within the retry pause).
    [[nodiscard]] bool usable(std::size_t e) const { return health_[e].retry_after_ns <= now_ns(); }

    /// The parsed response to a body, or nullopt when endpoint e gave none.
    [[nodiscard]] std::optional<json> post(std::size_t e, const std::string& body) {
        try {
            if (!clients_[e]) clients_[e] = std::make_unique<RpcClient>(endpoints_[e]);
            json res = json::parse(clients_[e]->post(body), nullptr, false);
            if (!res.is_object() && !res.is_array()) throw std::runtime_error(url_of(endpoints_[e]) + ": not a JSON-RPC response");
            return res;
        } catch (const std::exception& ex) {
            clients_[e].reset();
            Health& h = health_[e];
            ++h.failures;
            h.retry_after_ns = now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(kRetryPause).count();
            const std::lock_guard lock(h.mutex);
            if (h.first_failure.empty()) h.first_failure = ex.what();
            return std::nullopt;
        }
    }

    /// A method's result, or nullopt when endpoint e gave no answer; a JSON-RPC error is thrown.
    [[nodiscard]] std::optional<json> call(std::size_t e, std::string_view method, json params = json::array()) {
        const json req = {{"jsonrpc", "2.0"}, {"id", next_id_++}, {"method", std::string(method)}, {"params", std::move(params)}};
        auto res = post(e, req.dump());
        if (!res) return std::nullopt;
        if (res->contains("error")) {
            throw std::runtime_error(url_of(endpoints_[e]) + ": " + std::string(method) + ": " + (*res)["error"].dump());
        }
        return res->value("result", json());
    }

    /// The response from `preferred` or else the first other endpoint that answers; nullopt when none does.
    [[nodiscard]] std::optional<json> post_any(std::size_t preferred, const std::string& body) {
        for (std::size_t k = 0; k < endpoints_.size(); ++k) {
            if (auto r = post((preferred + k) % endpoints_.size(), body)) return r;
        }
        return std::nullopt;
    }

    /// The result from `preferred` or else the first other endpoint that answers; throws when none does.
    [[nodiscard]] json call_any(std::size_t preferred, std::string_view method, json params = json::array()) {
        for (std::size_t k = 0; k < endpoints_.size(); ++k) {
            const std::size_t e = (preferred + k) % endpoints_.size();
            if (auto r = call(e, method, params)) return *r;
        }
        throw std::runtime_error("no endpoint answers " + std::string(method) + " (first: " + health_[preferred].first_failure + ")");
    }

  private:
    const std::vector<RpcEndpoint>& endpoints_;
    std::vector<Health>& health_;
    std::vector<std::unique_ptr<RpcClient>> clients_;
    std::uint64_t next_id_ = 1;
};

/// Whether a rejection says the pool is full (overload: refused now, worth sending again).
bool pool_full(const json& res) {
    return res.contains("error") && res["error"].value("message", "").find("txpool is full") != std::string::npos;
}

/// Whether a rejection says the pool already holds the transaction (a retry of one whose
/// answer was lost, or a rebroadcast): geth "already known", ours the same.
bool already_known(const json& res) {
    if (!res.contains("error")) return false;
    const std::string m = res["error"].value("message", "");
    return m.find("already known") != std::string::npos || m.find("known transaction") != std::string::npos;
}

}  // namespace

LoadReport run_load(const LoadOptions& o) {
    if (o.endpoints.empty()) throw std::runtime_error("no RPC endpoint");
    if (o.accounts == 0) throw std::runtime_error("at least one account is needed");
    const std::size_t n_endpoints = o.endpoints.size();
    std::vector<Health> health(n_endpoints);
    Connections setup(o.endpoints, health);
    const std::uint64_t chain_id = o.chain_id != 0 ? o.chain_id : quantity(setup.call_any(0, "eth_chainId"));

    // Senders and their next nonces; sender s talks to endpoint s mod n while it answers.
    std::vector<core::PrivateKey> keys;
    std::vector<std::uint64_t> nonces;
    auto next_nonce = [&](std::size_t s) {
        return quantity(setup.call_any(s % n_endpoints, "eth_getTransactionCount", json::array({keys[s].address().hex(), "pending"})));
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
            // A pool that is full for now (its per-sender or backlog limit) takes it once a block
            // has made room.
            const auto full_until = Clock::now() + std::chrono::seconds(60);
            auto res = setup.post_any(payer % n_endpoints, send_raw_transaction_body(t));
            while (res && pool_full(*res) && Clock::now() < full_until) {
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
                res = setup.post_any(payer % n_endpoints, send_raw_transaction_body(t));
            }
            if (!res || !res->contains("result")) {
                throw std::runtime_error("funding account " + std::to_string(s) + " failed: " + (res ? res->dump() : "no answer"));
            }
        }
        const auto deadline = Clock::now() + std::chrono::seconds(60);
        for (std::size_t s = funded; s < keys.size(); ++s) {
            while (quantity256(setup.call_any((s % funded) % n_endpoints, "eth_getBalance",
                                              json::array({keys[s].address().hex(), "latest"}))) == 0) {
                if (Clock::now() > deadline) throw std::runtime_error("the extra senders were not funded within 60 s");
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        }
        nonces.clear();
    }
    for (std::size_t s = 0; s < keys.size(); ++s) nonces.push_back(next_nonce(s));

    // Pre-sign everything, so that signing never holds back the rate.
    const auto total = static_cast<std::size_t>(std::max(0.0, o.rate * o.seconds + 0.5));
    std::vector<std::string> bodies(total);
    std::vector<std::vector<std::size_t>> plans(n_endpoints);
    std::map<core::Hash, std::size_t> index_of;
    for (std::size_t i = 0; i < total; ++i) {
        const std::size_t s = i % keys.size();
        const core::Transaction t = signed_transfer(keys[s], keys[(s + 1) % keys.size()].address(), nonces[s]++, chain_id);
        index_of.emplace(t.hash(), i);
        bodies[i] = send_raw_transaction_body(t);
        plans[s % n_endpoints].push_back(i);
    }
    std::vector<std::uint64_t> next_block(n_endpoints, 0);
    for (std::size_t e = 0; e < n_endpoints; ++e) {
        if (auto head = setup.call(e, "eth_blockNumber")) next_block[e] = quantity(*head) + 1;
    }

    std::vector<std::atomic<double>> sent_at(total);
    std::vector<double> seen_at(total, -1);
    std::vector<std::atomic<std::uint8_t>> accepted(total);
    for (std::size_t i = 0; i < total; ++i) sent_at[i] = -1;
    std::atomic<std::uint64_t> accepted_count{0}, rejected_count{0}, full_count{0}, unsent_count{0}, held_back_count{0};
    // A sender one of whose transactions was refused for good (funds, screening): its later
    // nonces could never run, so they are not sent. One refused because the pool was full is
    // sent again at the sender's next slot, as a wallet would retry, and its later nonces move
    // back a slot each: the offered rate stays the schedule's. Each sender belongs to one sender
    // thread, which alone writes these.
    std::vector<std::uint8_t> refused_sender(keys.size(), 0);
    std::vector<std::size_t> behind(keys.size(), 0);  // slots the sender lost to a full pool
    std::atomic<bool> sending_done{false};
    std::atomic<double> send_end{0};
    std::mutex errors_mutex;
    std::string first_rejection, failure;
    std::set<std::uint64_t> blocks_with_ours;

    const auto t0 = Clock::now();
    auto now_s = [t0] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
    // The latest a transaction may still be sent: the end of the send window plus the wait for inclusion.
    const double give_up_s = o.seconds + o.inclusion_timeout_s;
    std::vector<std::thread> senders;
    for (std::size_t e = 0; e < n_endpoints; ++e) {
        senders.emplace_back([&, e] {
            Connections connections(o.endpoints, health);
            for (const std::size_t slot : plans[e]) {
                std::this_thread::sleep_until(t0 + std::chrono::duration_cast<Clock::duration>(
                                                       std::chrono::duration<double>(static_cast<double>(slot) / o.rate)));
                const std::size_t sender = slot % keys.size();
                if (refused_sender[sender]) {
                    ++held_back_count;
                    continue;
                }
                const std::size_t i = slot - behind[sender] * keys.size();  // the sender's lowest transaction not yet taken
                sent_at[i] = now_s();
                // Its own endpoint first, then the others in turn; when none answers, wait and
                // go round again (a restarted node comes back), until the deadline.
                // A refusal goes on to the next endpoint too: a node restarted behind the others
                // refuses what its head cannot pay for yet ("insufficient funds"), and a refused
                // nonce would leave every later nonce of its sender waiting for good. Refused
                // only when every endpoint that answers refuses, but for a full pool: every pool
                // holds the same backlog, so asking the others quadrupled the requests an
                // overloaded chain answered (the offered rate stays the schedule's).
                std::optional<json> res, refusal;
                bool retried = false;
                while (!res && !refusal && now_s() < give_up_s) {
                    for (std::size_t k = 0; k < n_endpoints && !res; ++k) {
                        const std::size_t target = (e + k) % n_endpoints;
                        if (!connections.usable(target) && k + 1 < n_endpoints) continue;
                        ++health[target].posted;
                        auto r = connections.post(target, bodies[i]);
                        if (r && target != e) ++health[e].failed_over;
                        if (!r) {
                            retried = true;
                        } else if (r->contains("result") || ((retried || refusal) && already_known(*r))) {
                            ++health[target].accepted;
                            res = std::move(r);
                        } else {
                            refusal = std::move(r);
                            if (pool_full(*refusal)) break;
                        }
                    }
                    if (!res && !refusal) std::this_thread::sleep_for(kRetryPause);
                }
                if (res) {
                    accepted[i] = 1;
                    ++accepted_count;
                } else if (refusal && pool_full(*refusal)) {
                    ++full_count;
                    ++behind[sender];
                    sent_at[i] = -1;  // latency counts from the send that was taken
                } else if (refusal) {
                    ++rejected_count;
                    refused_sender[sender] = 1;
                    const std::lock_guard lock(errors_mutex);
                    if (first_rejection.empty()) first_rejection = refusal->contains("error") ? (*refusal)["error"].dump() : "malformed response";
                } else {
                    ++unsent_count;
                }
            }
        });
    }
    // The monitor: new blocks of every endpoint that answers, until every accepted transaction
    // is seen or the timeout after the last send passes.
    std::uint64_t receipts = 0, rebroadcast = 0;
    std::thread monitor([&] {
        try {
            Connections connections(o.endpoints, health);
            struct Closer {
                void operator()(std::FILE* f) const { std::fclose(f); }
            };
            std::unique_ptr<std::FILE, Closer> receipts_file;
            if (!o.receipts_path.empty()) {
                receipts_file.reset(std::fopen(o.receipts_path.c_str(), "a"));
                if (!receipts_file) throw std::runtime_error("cannot open " + o.receipts_path + " for appending");
            }
            double last_rebroadcast = 0;
            while (true) {
                for (std::size_t e = 0; e < n_endpoints; ++e) {
                    if (!connections.usable(e)) continue;
                    const auto head = connections.call(e, "eth_blockNumber");
                    if (!head) continue;
                    if (next_block[e] == 0) next_block[e] = quantity(*head) + 1;  // down at the start
                    for (; next_block[e] <= quantity(*head); ++next_block[e]) {
                        const auto block = connections.call(e, "eth_getBlockByNumber", json::array({hex_quantity(next_block[e]), false}));
                        if (!block) break;  // read again once it answers
                        if (!block->is_object() || !block->contains("transactions")) continue;
                        for (const json& h : (*block)["transactions"]) {
                            auto hash = core::Hash::from_hex(h.get<std::string>());
                            if (!hash) continue;
                            auto it = index_of.find(*hash);
                            if (it == index_of.end() || seen_at[it->second] >= 0) continue;
                            seen_at[it->second] = now_s();
                            blocks_with_ours.insert(next_block[e]);
                            if (!receipts_file) continue;
                            const auto receipt = connections.call(e, "eth_getTransactionReceipt", json::array({h}));
                            if (!receipt || !receipt->is_object() || !receipt->contains("blockHash")) continue;
                            std::fprintf(receipts_file.get(), "%s %llu %s\n", h.get<std::string>().c_str(),
                                         static_cast<unsigned long long>(quantity((*receipt)["blockNumber"])),
                                         (*receipt)["blockHash"].get<std::string>().c_str());
                            std::fflush(receipts_file.get());
                            ++receipts;
                        }
                    }
                }
                std::uint64_t failures = 0;
                for (const Health& h : health) failures += h.failures;
                // A killed node loses the transactions it pooled but had not passed on, and every
                // later nonce of their senders waits behind them: post them again.
                // Only the first few unseen of each sender (the lowest nonces, which the rest wait
                // behind): posting every unseen one every round multiplied the offered load by
                // twelve in a 100-round chaos run, and slowed the nodes it meant to help.
                if (failures > 0 && now_s() - last_rebroadcast > 2.0) {
                    last_rebroadcast = now_s();
                    std::vector<std::size_t> reposted(keys.size(), 0);
                    for (std::size_t i = 0; i < total; ++i) {
                        if (!accepted[i] || seen_at[i] >= 0 || sent_at[i] < 0 || now_s() - sent_at[i] < 3.0) continue;
                        if (reposted[i % keys.size()]++ >= kRebroadcastPerSender) continue;
                        const std::size_t own = (i % keys.size()) % n_endpoints;
                        for (std::size_t k = 0; k < n_endpoints; ++k) {
                            const std::size_t target = (own + k) % n_endpoints;
                            if (!connections.usable(target)) continue;
                            ++health[target].posted;
                            if (connections.post(target, bodies[i])) {
                                ++rebroadcast;
                                break;
                            }
                        }
                    }
                }
                if (sending_done) {
                    bool pending = false;
                    for (std::size_t i = 0; i < total && !pending; ++i) pending = accepted[i] && seen_at[i] < 0;
                    if (!pending || now_s() > send_end + o.inclusion_timeout_s) break;
                }
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
    r.unsent = unsent_count;
    r.held_back = held_back_count;
    r.refused_full = full_count;
    r.first_rejection = first_rejection;
    r.blocks = blocks_with_ours.size();
    r.rebroadcast = rebroadcast;
    r.receipts = receipts;
    double first_send = -1, last_send = 0, last_seen = 0;
    std::vector<double> latencies;
    for (std::size_t i = 0; i < total; ++i) {
        if (sent_at[i] >= 0 && (first_send < 0 || sent_at[i] < first_send)) first_send = sent_at[i];
        last_send = std::max(last_send, sent_at[i].load());
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
    for (std::size_t e = 0; e < n_endpoints; ++e) {
        Health& h = health[e];
        r.endpoints.push_back({url_of(o.endpoints[e]), h.posted, h.accepted, h.failures, h.failed_over, h.first_failure});
    }
    return r;
}

}  // namespace moe::load
