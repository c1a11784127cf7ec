#include "rpc/server.hpp"

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace moe::rpc {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;

bool is_loopback(const std::string& host) {
    if (host == "localhost") return true;
    boost::system::error_code ec;
    const auto a = net::ip::make_address(host, ec);
    return !ec && a.is_loopback();
}

namespace {
class WsSession;
class HttpSession;

struct Subscription {
    std::weak_ptr<WsSession> session;
    std::string kind;
    json params;
};
}  // namespace

struct Server::Impl {
    ServerConfig config;
    Dispatcher& dispatcher;
    HealthChecks health;
    std::function<std::string()> metrics;

    // Declared before the io_context: sessions it still holds when it is destroyed release
    // their slots and subscriptions into these.
    std::atomic<std::size_t> connections{0};
    // Admission (guarded by slots_mutex): open connections per remote address, and the HTTP
    // sessions that are waiting for a request, by the sequence number of when they began to
    // wait, so the longest waiting one is first.
    std::mutex slots_mutex;
    std::map<net::ip::address, std::size_t> per_address;
    std::map<std::uint64_t, std::pair<net::ip::address, std::weak_ptr<HttpSession>>> waiting;
    std::uint64_t next_wait = 0;

    std::mutex subs_mutex;
    std::map<std::string, Subscription> subs;  // ordered: notifications go out in a stable order
    std::uint64_t next_sub = 0;
    std::uint64_t sub_seed = 0;

    net::io_context ioc;
    std::optional<tcp::acceptor> acceptor;
    std::vector<std::thread> threads;
    std::uint16_t bound_port = 0;

    Impl(ServerConfig c, Dispatcher& d, HealthChecks h, std::function<std::string()> m)
        : config(std::move(c)), dispatcher(d), health(std::move(h)), metrics(std::move(m)) {
        sub_seed = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) | 1;
    }

    void accept();
    /// Admits a connection from `address` within the limits, making room by closing the
    /// longest-waiting session if needed; false: refuse it.
    bool admit(const net::ip::address& address);
    void release(const net::ip::address& address);
    /// Registers a session as waiting for (the rest of) a request; returns its ticket.
    std::uint64_t begin_wait(const net::ip::address& address, std::weak_ptr<HttpSession> session);
    void end_wait(std::uint64_t ticket);
    std::string new_subscription_id() {
        // 16 bytes, unique per server run: a counter spread by an odd multiplier and a seed.
        const std::uint64_t n = ++next_sub;
        const std::uint64_t hi = n * 0x9e3779b97f4a7c15ull ^ sub_seed;
        const std::uint64_t lo = (n + sub_seed) * 0xbf58476d1ce4e5b9ull;
        char buf[35];
        std::snprintf(buf, sizeof buf, "0x%016llx%016llx", static_cast<unsigned long long>(hi),
                      static_cast<unsigned long long>(lo));
        return buf;
    }
};

namespace {

/// Holds a connection's place in the limits for as long as it lives (moved from the HTTP to
/// the WebSocket session).
class ConnectionSlot {
  public:
    ConnectionSlot(Server::Impl* server, net::ip::address address) : server_(server), address_(std::move(address)) {}
    ConnectionSlot(ConnectionSlot&& o) noexcept : server_(std::exchange(o.server_, nullptr)), address_(o.address_) {}
    ConnectionSlot& operator=(ConnectionSlot&&) = delete;
    ~ConnectionSlot() {
        if (server_) server_->release(address_);
    }
    [[nodiscard]] const net::ip::address& address() const noexcept { return address_; }

  private:
    Server::Impl* server_;
    net::ip::address address_;
};

template <class Body>
void add_common_headers(http::response<Body>& res, const ServerConfig& config, bool keep_alive) {
    res.set(http::field::server, "moed");
    res.set(http::field::access_control_allow_origin, config.cors_origin);
    res.set(http::field::access_control_allow_headers, "Content-Type");
    res.set(http::field::access_control_allow_methods, "POST, GET, OPTIONS");
    res.keep_alive(keep_alive);
}

http::response<http::string_body> make_response(http::status status, std::string body, std::string_view type,
                                                const ServerConfig& config, bool keep_alive, unsigned version) {
    http::response<http::string_body> res{status, version};
    add_common_headers(res, config, keep_alive);
    if (!type.empty()) res.set(http::field::content_type, beast::string_view(type.data(), type.size()));
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

class WsSession : public std::enable_shared_from_this<WsSession> {
  public:
    WsSession(tcp::socket&& socket, Server::Impl& server, ConnectionSlot slot)
        : ws_(std::move(socket)), server_(server), slot_(std::move(slot)) {}

    ~WsSession() {
        std::lock_guard lock(server_.subs_mutex);
        for (const auto& id : mine_) server_.subs.erase(id);
    }

    void run(http::request<http::string_body> req) {
        // A handshake gets the header timeout; a connection that sends nothing is pinged at
        // half the idle timeout and closed when a whole idle timeout passes without a pong.
        websocket::stream_base::timeout timeouts{};
        timeouts.handshake_timeout = server_.config.header_timeout;
        timeouts.idle_timeout = server_.config.idle_timeout;
        timeouts.keep_alive_pings = true;
        ws_.set_option(timeouts);
        // A message over the limit closes the connection with code 1009 (message too big).
        ws_.read_message_max(server_.config.max_ws_message_bytes);
        ws_.async_accept(req, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
    }

    /// Queues a text message; safe from any thread.
    void send(std::string text) {
        net::post(ws_.get_executor(), [self = shared_from_this(), text = std::move(text)]() mutable {
            self->outbox_.push_back(std::move(text));
            if (self->outbox_.size() == 1) self->write_next();
        });
    }

  private:
    void on_accept(beast::error_code ec) {
        if (ec) return;
        read();
    }

    void read() { ws_.async_read(buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this())); }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec) return;  // closed, timed out, or over the message limit: the session ends
        const std::string text = beast::buffers_to_string(buffer_.data());
        buffer_.consume(buffer_.size());
        CallContext context;
        std::weak_ptr<WsSession> weak = weak_from_this();
        context.subscribe = [this, weak](const std::string& kind, const json& params) {
            std::lock_guard lock(server_.subs_mutex);
            if (mine_.size() >= server_.config.max_subscriptions_per_connection) {
                throw RpcError(kLimitExceeded, "too many subscriptions on this connection (limit " +
                                                   std::to_string(server_.config.max_subscriptions_per_connection) + ")");
            }
            std::string id = server_.new_subscription_id();
            server_.subs[id] = Subscription{weak, kind, params};
            mine_.insert(id);
            return id;
        };
        context.unsubscribe = [this](const std::string& id) {
            std::lock_guard lock(server_.subs_mutex);
            if (!mine_.erase(id)) return false;
            server_.subs.erase(id);
            return true;
        };
        if (auto response = server_.dispatcher.handle(text, context)) {
            outbox_.push_back(std::move(*response));
            if (outbox_.size() == 1) write_next();
        }
        read();
    }

    void write_next() {
        ws_.text(true);
        ws_.async_write(net::buffer(outbox_.front()), beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t) {
        if (ec) return;
        outbox_.pop_front();
        if (!outbox_.empty()) write_next();
    }

    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
    Server::Impl& server_;
    ConnectionSlot slot_;
    std::deque<std::string> outbox_;
    std::set<std::string> mine_;  // guarded by server_.subs_mutex
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
  public:
    HttpSession(tcp::socket&& socket, Server::Impl& server, ConnectionSlot slot)
        : stream_(std::move(socket)), server_(server), slot_(std::move(slot)) {}

    ~HttpSession() { stop_waiting(); }

    void run() {
        net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::wait_for_request, shared_from_this()));
    }

    /// Closes the connection to make room for a newcomer; safe from any thread.
    void evict() {
        net::post(stream_.get_executor(), [self = shared_from_this()] {
            self->stop_waiting();
            beast::error_code ignored;
            self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
            self->stream_.close();
        });
    }

  private:
    void start_waiting() {
        if (waiting_ == 0) waiting_ = server_.begin_wait(slot_.address(), weak_from_this());
    }
    void stop_waiting() {
        if (waiting_ != 0) server_.end_wait(std::exchange(waiting_, 0));
    }

    // Between requests: the idle timeout runs until the first byte of the next one.
    void wait_for_request() {
        start_waiting();
        if (buffer_.size() > 0) return read_header();
        stream_.expires_after(server_.config.idle_timeout);
        stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
            if (ec) return self->close();
            self->buffer_.commit(n);
            self->read_header();
        });
    }

    void read_header() {
        parser_.emplace();
        parser_->body_limit(server_.config.max_body_bytes);
        parser_->header_limit(16 * 1024);
        stream_.expires_after(server_.config.header_timeout);
        http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->on_read(ec);
            self->stream_.expires_after(self->server_.config.body_timeout);
            http::async_read(self->stream_, self->buffer_, *self->parser_,
                             [self](beast::error_code ec2, std::size_t) { self->on_read(ec2); });
        });
    }

    void on_read(beast::error_code ec) {
        if (ec == http::error::body_limit) {
            const json err = error_response(nullptr, kLimitExceeded, "request body too large (limit " +
                                                                       std::to_string(server_.config.max_body_bytes) + " bytes)");
            write(make_response(http::status::payload_too_large, err.dump(), "application/json", server_.config, false, 11));
            return;
        }
        if (ec) return close();
        stop_waiting();
        http::request<http::string_body> req = parser_->release();
        if (websocket::is_upgrade(req)) {
            stream_.expires_never();
            std::make_shared<WsSession>(stream_.release_socket(), server_, std::move(slot_))->run(std::move(req));
            return;
        }
        write(respond(req));
    }

    void close() {
        stop_waiting();
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    }

    http::response<http::string_body> respond(const http::request<http::string_body>& req) {
        const bool keep = req.keep_alive();
        const unsigned v = req.version();
        const ServerConfig& c = server_.config;
        const std::string_view target(req.target().data(), req.target().size());
        if (req.method() == http::verb::options) return make_response(http::status::no_content, "", "", c, keep, v);
        if (req.method() == http::verb::get && (target == "/health" || target == "/health/live" || target == "/health/ready")) {
            const HealthChecks& checks = server_.health;
            const auto& probe = target == "/health/ready" && checks.ready ? checks.ready : checks.live;
            const Health h = probe ? probe() : Health{true, {{"status", "ok"}}};
            return make_response(h.ok ? http::status::ok : http::status::service_unavailable, h.body.dump(),
                                 "application/json", c, keep, v);
        }
        if (req.method() == http::verb::get && target == "/metrics") {
            return make_response(http::status::ok, server_.metrics(), "text/plain; version=0.0.4", c, keep, v);
        }
        if (req.method() != http::verb::post) {
            return make_response(http::status::method_not_allowed, "use POST for JSON-RPC, GET /health, /health/live, /health/ready or /metrics\n",
                                 "text/plain", c, keep, v);
        }
        CallContext context;  // no subscriptions over HTTP
        context.subscribe = [](const std::string&, const json&) -> std::string {
            throw RpcError(-32001, "notifications not supported: subscriptions need a WebSocket connection");
        };
        context.unsubscribe = [](const std::string&) -> bool {
            throw RpcError(-32001, "notifications not supported: subscriptions need a WebSocket connection");
        };
        auto body = server_.dispatcher.handle(req.body(), context);
        return make_response(http::status::ok, body.value_or(""), "application/json", c, keep, v);
    }

    void write(http::response<http::string_body> res) {
        stop_waiting();
        auto sp = std::make_shared<http::response<http::string_body>>(std::move(res));
        stream_.expires_after(server_.config.body_timeout);  // a client that never reads its answer
        http::async_write(stream_, *sp, [self = shared_from_this(), sp](beast::error_code ec, std::size_t) {
            if (ec) return self->close();
            if (sp->need_eof()) return self->linger();
            self->wait_for_request();
        });
    }

    // After a final answer with the request unread (a body over the limit): stop sending and
    // read what the client still sends, so that closing with unread data does not reset the
    // connection before the client has read the answer (a lingering close, as nginx does).
    void linger() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        start_waiting();
        stream_.expires_after(std::min(server_.config.body_timeout, std::chrono::milliseconds(5000)));
        drain();
    }

    void drain() {
        buffer_.consume(buffer_.size());
        stream_.async_read_some(buffer_.prepare(64 * 1024), [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->close();
            self->drain();
        });
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    Server::Impl& server_;
    ConnectionSlot slot_;
    std::uint64_t waiting_ = 0;  // the ticket while waiting for a request, 0 otherwise
};

}  // namespace

void Server::Impl::accept() {
    acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
        if (!ec) {
            beast::error_code addr_ec;
            const auto remote = socket.remote_endpoint(addr_ec);
            if (!addr_ec && admit(remote.address())) {
                std::make_shared<HttpSession>(std::move(socket), *this, ConnectionSlot(this, remote.address()))->run();
            } else {
                // Over a limit with every slot busy: a short refusal, then close; everyone else
                // is served as before.
                const std::string body = error_response(nullptr, kLimitExceeded, "too many open connections").dump();
                const std::string res = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
                                        "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
                beast::error_code ignored;
                net::write(socket, net::buffer(res), ignored);
                socket.shutdown(tcp::socket::shutdown_both, ignored);
                socket.close(ignored);
            }
        }
        accept();
    });
}

bool Server::Impl::admit(const net::ip::address& address) {
    std::shared_ptr<HttpSession> evicted;
    {
        std::lock_guard lock(slots_mutex);
        const bool total_full = connections.load() >= config.max_connections;
        const bool address_full = per_address[address] >= config.max_connections_per_address;
        if (total_full || address_full) {
            // The longest waiting session: of this address when the address is at its limit,
            // of anyone when only the total is.
            auto it = waiting.begin();
            if (address_full) {
                while (it != waiting.end() && it->second.first != address) ++it;
            }
            while (it != waiting.end() && !(evicted = it->second.second.lock())) it = waiting.erase(it);
            if (!evicted) {
                if (per_address[address] == 0) per_address.erase(address);
                return false;
            }
            waiting.erase(it);
        }
        ++per_address[address];
        connections.fetch_add(1);
    }
    if (evicted) evicted->evict();
    return true;
}

void Server::Impl::release(const net::ip::address& address) {
    std::lock_guard lock(slots_mutex);
    auto it = per_address.find(address);
    if (it != per_address.end() && --it->second == 0) per_address.erase(it);
    connections.fetch_sub(1);
}

std::uint64_t Server::Impl::begin_wait(const net::ip::address& address, std::weak_ptr<HttpSession> session) {
    std::lock_guard lock(slots_mutex);
    const std::uint64_t ticket = ++next_wait;
    waiting.emplace(ticket, std::make_pair(address, std::move(session)));
    return ticket;
}

void Server::Impl::end_wait(std::uint64_t ticket) {
    std::lock_guard lock(slots_mutex);
    waiting.erase(ticket);
}

Server::Server(ServerConfig config, Dispatcher& dispatcher, HealthChecks health, std::function<std::string()> metrics)
    : impl_(std::make_unique<Impl>(std::move(config), dispatcher, std::move(health), std::move(metrics))) {}

Server::~Server() { stop(); }

std::expected<void, std::string> Server::start() {
    const ServerConfig& c = impl_->config;
    if (!c.allow_external && !is_loopback(c.host)) {
        return std::unexpected("refusing to serve RPC on " + c.host +
                               ": it is not a loopback address; allow it explicitly (--rpc-allow-external)");
    }
    boost::system::error_code ec;
    const auto address = net::ip::make_address(c.host == "localhost" ? "127.0.0.1" : c.host, ec);
    if (ec) return std::unexpected("invalid RPC address '" + c.host + "': " + ec.message());
    const tcp::endpoint endpoint(address, c.port);
    impl_->acceptor.emplace(net::make_strand(impl_->ioc));
    impl_->acceptor->open(endpoint.protocol(), ec);
    if (!ec) impl_->acceptor->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) impl_->acceptor->bind(endpoint, ec);
    if (!ec) impl_->acceptor->listen(net::socket_base::max_listen_connections, ec);
    if (ec) return std::unexpected("cannot listen on " + c.host + ":" + std::to_string(c.port) + ": " + ec.message());
    impl_->bound_port = impl_->acceptor->local_endpoint().port();
    impl_->accept();
    for (unsigned i = 0; i < std::max(1u, c.threads); ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
    return {};
}

void Server::stop() {
    if (!impl_ || impl_->threads.empty()) return;
    net::post(impl_->ioc, [this] {
        boost::system::error_code ignored;
        if (impl_->acceptor) impl_->acceptor->close(ignored);
    });
    impl_->ioc.stop();
    for (auto& t : impl_->threads) t.join();
    impl_->threads.clear();
}

std::uint16_t Server::port() const { return impl_->bound_port; }

std::size_t Server::open_connections() const { return impl_->connections.load(); }

std::size_t Server::subscriptions() const {
    std::lock_guard lock(impl_->subs_mutex);
    return impl_->subs.size();
}

void Server::publish(const std::string& kind, const std::function<std::optional<json>(const json& params)>& payload) {
    std::vector<std::pair<std::shared_ptr<WsSession>, std::string>> out;
    {
        std::lock_guard lock(impl_->subs_mutex);
        for (const auto& [id, sub] : impl_->subs) {
            if (sub.kind != kind) continue;
            auto session = sub.session.lock();
            if (!session) continue;
            auto result = payload(sub.params);
            if (!result) continue;
            json note = {{"jsonrpc", "2.0"},
                         {"method", "eth_subscription"},
                         {"params", {{"subscription", id}, {"result", std::move(*result)}}}};
            out.emplace_back(std::move(session), note.dump());
        }
    }
    for (auto& [session, text] : out) session->send(std::move(text));
}

}  // namespace moe::rpc
