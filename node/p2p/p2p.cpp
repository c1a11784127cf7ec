#include "node/p2p/p2p.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/host_port.hpp"
#include "core/keccak.hpp"
#include "core/random.hpp"
#include "node/log.hpp"
#include "node/p2p/limits.hpp"
#include "node/p2p/wire.hpp"

namespace moe::node::p2p {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using Frame = std::shared_ptr<const core::Bytes>;

namespace {

constexpr std::string_view kLog = "p2p";
/// How many gossip hashes are remembered for dedupe.
constexpr std::size_t kSeenCapacity = 65536;
/// How many queued frames one write gathers.
constexpr std::size_t kMaxFramesPerWrite = 64;

Frame make_frame(std::uint8_t type, core::ByteView payload) {
    return std::make_shared<const core::Bytes>(wire::encode_frame(type, payload));
}

std::string hex_byte(std::uint8_t b) {
    static constexpr char kDigits[] = "0123456789abcdef";
    return {'0', 'x', kDigits[b >> 4], kDigits[b & 15]};
}

/// A persistent peer: dialled at start, redialled with backoff whenever its connection ends.
struct DialSlot {
    std::string host;
    std::string port;
    std::uint64_t backoff_ms = 0;
    std::unique_ptr<net::steady_timer> timer;
    std::optional<PeerId> known_id;  ///< learnt at the first handshake
    bool waiting = false;            ///< the peer is connected another way: dial when it leaves
    bool self = false;               ///< the address is our own: never dialled again
};

std::expected<DialSlot, std::string> parse_peer(const std::string& text) {
    auto address = core::parse_host_port(text);
    if (!address) return std::unexpected("persistent peer " + address.error());
    DialSlot slot;
    slot.host = std::move(address->host);
    slot.port = std::to_string(address->port);
    return slot;
}

}  // namespace

bool is_message_type(std::uint8_t type) noexcept {
    return type >= static_cast<std::uint8_t>(MessageType::kTransaction) &&
           type <= static_cast<std::uint8_t>(MessageType::kProposalTransactions);
}

std::string_view traffic_name(std::size_t kind) noexcept {
    switch (kind) {
        case 1: return "transaction";
        case 2: return "proposal";
        case 3: return "block_part";
        case 4: return "vote";
        case 5: return "evidence";
        case 6: return "status";
        case 7: return "block_request";
        case 8: return "block_response";
        case 9: return "pooled_transactions";
        case 10: return "compact_proposal";
        case 11: return "proposal_transactions_request";
        case 12: return "proposal_transactions";
        default: return "p2p";
    }
}

namespace {

/// The traffic kind of a frame's type byte.
std::size_t traffic_kind(std::uint8_t type) noexcept { return is_message_type(type) ? type : 0; }

}  // namespace

class Session;

struct P2p::Impl {
    P2pConfig config;
    MessageHandler on_message;
    PeerHandler on_peer;
    PeerId self_id;
    core::PublicKey self_key;

    net::io_context ioc;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
    tcp::acceptor acceptor{ioc};
    std::thread thread;
    std::atomic<std::uint16_t> port{0};
    bool started = false;
    std::atomic<bool> stopped{false};
    bool closing = false;  // io thread: no new operation starts once set

    std::vector<DialSlot> slots;                      // io thread
    std::set<std::shared_ptr<Session>> sessions;     // io thread: every open connection
    mutable std::mutex peers_mutex;                  // written on the io thread, read anywhere
    std::unordered_map<PeerId, std::shared_ptr<Session>> peers;
    std::mutex seen_mutex;
    SeenSet seen{kSeenCapacity};
    // Handshake challenges: keccak256(a secret drawn at start || a counter), so each is
    // unpredictable and none repeats, with one read of the kernel's random source.
    core::Hash challenge_secret;
    std::atomic<std::uint64_t> challenges{0};
    // Traffic by kind (io thread writes, anyone reads): queued for a peer, read from one.
    std::array<std::atomic<std::uint64_t>, kTrafficKinds> sent_bytes{}, received_bytes{};

    Impl(P2pConfig c, MessageHandler m, PeerHandler p)
        : config(std::move(c)), on_message(std::move(m)), on_peer(std::move(p)) {
        self_id = config.node_key.address();
        self_key = config.node_key.public_key();
    }

    core::Hash next_challenge() {
        core::Bytes input = challenge_secret.to_bytes();
        const std::uint64_t n = challenges.fetch_add(1);
        for (int i = 7; i >= 0; --i) input.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
        return core::keccak256(input);
    }
    void accept();
    void dial(std::size_t slot);
    void schedule_redial(std::size_t slot);
    [[nodiscard]] bool complete_handshake(const std::shared_ptr<Session>& s);
    void on_closed(const std::shared_ptr<Session>& s);
    void close_all();
    void notify_peer(const PeerId& id, bool connected);
    void send_to(const PeerId& peer, const Frame& frame);
    void send_all(const Frame& frame, const std::optional<PeerId>& except);
    /// Posts `fn` to the io thread unless stopped.
    template <typename Fn>
    void post(Fn&& fn) {
        if (stopped.load()) return;
        net::post(ioc, std::forward<Fn>(fn));
    }
};

/// One TCP connection, from connect or accept to close. Lives on the io thread only, except
/// for the byte counters that peers() reads.
class Session : public std::enable_shared_from_this<Session> {
  public:
    Session(P2p::Impl& impl, bool outbound, std::optional<std::size_t> slot)
        : impl_(impl),
          socket_(impl.ioc),
          resolver_(impl.ioc),
          handshake_timer_(impl.ioc),
          ping_timer_(impl.ioc),
          outbound_(outbound),
          slot_(slot),
          challenge_(impl.next_challenge()),
          bytes_bucket_(impl.config.max_bytes_per_second, impl.config.max_bytes_per_second, Clock::now()),
          message_bucket_(impl.config.max_messages_per_second, impl.config.max_messages_per_second, Clock::now()) {}

    tcp::socket& socket() noexcept { return socket_; }
    [[nodiscard]] bool outbound() const noexcept { return outbound_; }
    [[nodiscard]] std::optional<std::size_t> slot() const noexcept { return slot_; }
    [[nodiscard]] bool established() const noexcept { return established_; }
    /// Marks the session as the one the peers map holds for its id.
    void set_registered() noexcept { registered_ = true; }
    [[nodiscard]] bool closed() const noexcept { return closed_; }
    [[nodiscard]] const PeerId& id() const noexcept { return id_; }
    [[nodiscard]] const std::string& remote() const noexcept { return remote_; }
    [[nodiscard]] std::uint64_t bytes_in() const noexcept { return bytes_in_.load(); }
    [[nodiscard]] std::uint64_t bytes_out() const noexcept { return bytes_out_.load(); }

    /// Outbound: resolves and connects, then begins.
    void connect(const std::string& host, const std::string& port) {
        remote_ = host + ":" + port;
        start_handshake_timer();
        auto self = shared_from_this();
        resolver_.async_resolve(host, port, [self](boost::system::error_code ec, tcp::resolver::results_type results) {
            if (self->closed_) return;
            if (ec) return self->close("cannot resolve: " + ec.message(), log::Level::kInfo);
            net::async_connect(self->socket_, results, [self](boost::system::error_code ec2, const tcp::endpoint&) {
                if (self->closed_) return;
                if (ec2) return self->close("dial failed: " + ec2.message(), log::Level::kInfo);
                self->begin();
            });
        });
    }

    /// Inbound after accept, outbound after connect: sends our Hello and starts reading.
    void begin() {
        boost::system::error_code ec;
        const auto endpoint = socket_.remote_endpoint(ec);
        if (!ec) remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
        socket_.set_option(tcp::no_delay(true), ec);
        if (!outbound_) start_handshake_timer();
        last_received_ = Clock::now();
        wire::Hello hello;
        hello.chain_id = impl_.config.chain_id;
        hello.genesis_hash = impl_.config.genesis_hash;
        hello.public_key = impl_.self_key;
        hello.challenge = challenge_;
        hello.listen_port = impl_.port.load();
        enqueue(make_frame(wire::kHello, wire::encode_hello(hello)));
        read_header();
    }

    /// Queues a frame; drops the peer if its queue grows past the limit.
    void enqueue(const Frame& frame) {
        if (closed_) return;
        queued_bytes_ += frame->size();
        if (queued_bytes_ > impl_.config.max_send_queue_bytes)
            return close("send queue over " + std::to_string(impl_.config.max_send_queue_bytes) + " bytes (slow reader)",
                         log::Level::kWarn);
        impl_.sent_bytes[traffic_kind((*frame)[wire::kLengthBytes])].fetch_add(frame->size(), std::memory_order_relaxed);
        queue_.push_back(frame);
        if (!writing_) write_next();
    }

    /// Closes the socket once; logs `reason` and tells the service.
    void close(const std::string& reason, log::Level level) {
        if (closed_) return;
        closed_ = true;
        handshake_timer_.cancel();
        ping_timer_.cancel();
        resolver_.cancel();
        boost::system::error_code ec;
        socket_.shutdown(tcp::socket::shutdown_both, ec);
        socket_.close(ec);
        if (registered_)
            log::at(level, kLog, "peer ", id_.hex(), " (", remote_, ", ", outbound_ ? "outbound" : "inbound",
                    ") disconnected: ", reason);
        else if (established_)
            log::at(level, kLog, outbound_ ? "connection to " : "connection from ", remote_, " (peer ", id_.hex(),
                    ") closed after its handshake: ", reason);
        else
            log::at(level, kLog, outbound_ ? "connection to " : "connection from ", remote_,
                    " closed before the handshake completed: ", reason);
        impl_.on_closed(shared_from_this());
    }

  private:
    void start_handshake_timer() {
        handshake_timer_.expires_after(std::chrono::milliseconds(impl_.config.handshake_timeout_ms));
        auto self = shared_from_this();
        handshake_timer_.async_wait([self](boost::system::error_code ec) {
            if (!ec && !self->closed_ && !self->established_) self->close("handshake timed out", log::Level::kWarn);
        });
    }

    void schedule_ping() {
        ping_timer_.expires_after(std::chrono::milliseconds(impl_.config.ping_interval_ms));
        auto self = shared_from_this();
        ping_timer_.async_wait([self](boost::system::error_code ec) {
            if (ec || self->closed_) return;
            const auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - self->last_received_);
            if (static_cast<std::uint64_t>(silent.count()) >= self->impl_.config.peer_timeout_ms)
                return self->close("silent for " + std::to_string(silent.count()) + " ms", log::Level::kWarn);
            static const Frame kPingFrame = make_frame(wire::kPing, {});
            self->enqueue(kPingFrame);
            self->schedule_ping();
        });
    }

    void read_header() {
        auto self = shared_from_this();
        net::async_read(socket_, net::buffer(header_), [self](boost::system::error_code ec, std::size_t) {
            self->on_header(ec);
        });
    }

    void on_header(boost::system::error_code ec) {
        if (closed_) return;
        if (ec) return close(ec == net::error::eof ? "closed by the peer" : ec.message(), log::Level::kInfo);
        // Before the handshake only a Hello or an Auth may come, both small.
        const std::size_t max = established_ ? impl_.config.max_frame_bytes
                                             : std::min(impl_.config.max_frame_bytes, wire::kMaxHandshakeFrameBytes);
        const auto length = wire::parse_length(header_, max);
        if (!length) return close(std::string(wire::to_string(length.error())), log::Level::kWarn);
        const auto now = Clock::now();
        if (!bytes_bucket_.take(wire::kLengthBytes + *length, now))
            return close("over the limit of " + std::to_string(impl_.config.max_bytes_per_second) + " bytes a second",
                         log::Level::kWarn);
        if (!message_bucket_.take(1, now))
            return close("over the limit of " + std::to_string(impl_.config.max_messages_per_second) +
                             " messages a second",
                         log::Level::kWarn);
        body_.resize(*length);
        auto self = shared_from_this();
        net::async_read(socket_, net::buffer(body_), [self](boost::system::error_code ec2, std::size_t) {
            self->on_body(ec2);
        });
    }

    void on_body(boost::system::error_code ec) {
        if (closed_) return;
        if (ec) return close(ec == net::error::eof ? "closed by the peer" : ec.message(), log::Level::kInfo);
        bytes_in_ += wire::kLengthBytes + body_.size();
        last_received_ = Clock::now();
        const std::uint8_t type = body_[0];
        impl_.received_bytes[traffic_kind(type)].fetch_add(wire::kLengthBytes + body_.size(), std::memory_order_relaxed);
        const core::ByteView payload(body_.data() + 1, body_.size() - 1);
        if (established_)
            on_frame(type, payload);
        else
            on_handshake_frame(type, payload);
        if (!closed_) read_header();
    }

    void on_handshake_frame(std::uint8_t type, core::ByteView payload) {
        const auto& config = impl_.config;
        if (type == wire::kHello) {
            if (hello_) return close("a second hello", log::Level::kWarn);
            auto hello = wire::decode_hello(payload);
            if (!hello) return close(hello.error(), log::Level::kWarn);
            if (hello->version != wire::kProtocolVersion)
                return close("protocol version " + std::to_string(hello->version) + ", ours is " +
                                 std::to_string(wire::kProtocolVersion),
                             log::Level::kWarn);
            if (hello->chain_id != config.chain_id)
                return close("chain id " + std::to_string(hello->chain_id) + ", ours is " +
                                 std::to_string(config.chain_id),
                             log::Level::kWarn);
            if (hello->genesis_hash != config.genesis_hash)
                return close("genesis hash " + hello->genesis_hash.hex() + ", ours is " + config.genesis_hash.hex(),
                             log::Level::kWarn);
            if (core::address_of(hello->public_key) == impl_.self_id) {
                if (slot_) impl_.slots[*slot_].self = true;
                return close("it is ourselves", log::Level::kWarn);
            }
            hello_ = *hello;
            const core::Hash digest = wire::handshake_digest(config.chain_id, config.genesis_hash, hello->challenge);
            enqueue(make_frame(wire::kAuth, wire::encode_auth(config.node_key.sign(digest))));
            return;
        }
        if (type == wire::kAuth) {
            if (!hello_) return close("auth before hello", log::Level::kWarn);
            const auto sig = wire::decode_auth(payload);
            if (!sig) return close(sig.error(), log::Level::kWarn);
            if (!wire::verify_auth(config.chain_id, config.genesis_hash, challenge_, *sig, hello_->public_key))
                return close("handshake signature does not recover to the key it sent", log::Level::kWarn);
            id_ = core::address_of(hello_->public_key);
            established_ = true;
            handshake_timer_.cancel();
            if (impl_.complete_handshake(shared_from_this())) schedule_ping();
            return;
        }
        close("frame of type " + hex_byte(type) + " before the handshake", log::Level::kWarn);
    }

    void on_frame(std::uint8_t type, core::ByteView payload) {
        if (type == wire::kPing) {
            static const Frame kPongFrame = make_frame(wire::kPong, {});
            return enqueue(kPongFrame);
        }
        if (type == wire::kPong) return;
        if (!is_message_type(type)) return close("unknown message type " + hex_byte(type), log::Level::kWarn);
        if (!impl_.on_message) return;
        try {
            impl_.on_message(id_, static_cast<MessageType>(type), core::Bytes(payload.begin(), payload.end()));
        } catch (const std::exception& e) {
            log::error(kLog, "message handler threw: ", e.what());
        }
    }

    /// Writes the queued frames, up to kMaxFramesPerWrite at a time in one gathered write.
    void write_next() {
        if (closed_ || queue_.empty()) {
            writing_ = false;
            return;
        }
        writing_ = true;
        in_flight_.clear();
        for (std::size_t i = 0; i < queue_.size() && i < kMaxFramesPerWrite; ++i)
            in_flight_.push_back(net::buffer(*queue_[i]));
        auto self = shared_from_this();
        net::async_write(socket_, in_flight_, [self](boost::system::error_code ec, std::size_t n) {
            if (self->closed_) return;
            if (ec) return self->close("write failed: " + ec.message(), log::Level::kInfo);
            self->bytes_out_ += n;
            for (std::size_t i = self->in_flight_.size(); i > 0; --i) {
                self->queued_bytes_ -= self->queue_.front()->size();
                self->queue_.pop_front();
            }
            self->write_next();
        });
    }

    P2p::Impl& impl_;
    tcp::socket socket_;
    tcp::resolver resolver_;
    net::steady_timer handshake_timer_;
    net::steady_timer ping_timer_;
    bool outbound_;
    std::optional<std::size_t> slot_;
    core::Hash challenge_;
    std::string remote_;

    TokenBucket bytes_bucket_;
    TokenBucket message_bucket_;
    Clock::time_point last_received_ = Clock::now();
    std::uint8_t header_[wire::kLengthBytes] = {};
    core::Bytes body_;
    std::optional<wire::Hello> hello_;
    PeerId id_;
    bool established_ = false;
    bool registered_ = false;  // held by the peers map at some point: its close is a disconnect
    bool closed_ = false;

    std::deque<Frame> queue_;
    std::vector<net::const_buffer> in_flight_;  // the front of queue_, being written
    std::size_t queued_bytes_ = 0;
    bool writing_ = false;
    std::atomic<std::uint64_t> bytes_in_{0};
    std::atomic<std::uint64_t> bytes_out_{0};
};

void P2p::Impl::accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
        if (closing) return;
        if (!ec) {
            // Connections still in their handshake count too, so a flood of them stays bounded.
            if (sessions.size() >= config.max_peers * 2 + slots.size()) {
                boost::system::error_code ignored;
                log::warn(kLog, "refused a connection: ", sessions.size(), " connections are open");
                socket.close(ignored);
            } else {
                auto s = std::make_shared<Session>(*this, false, std::nullopt);
                s->socket() = std::move(socket);
                sessions.insert(s);
                s->begin();
            }
        } else {
            log::warn(kLog, "accept failed: ", ec.message());
        }
        accept();
    });
}

void P2p::Impl::dial(std::size_t i) {
    DialSlot& slot = slots[i];
    if (closing || slot.self) return;
    if (slot.known_id) {
        std::lock_guard lock(peers_mutex);
        if (peers.contains(*slot.known_id)) {
            slot.waiting = true;
            return;
        }
    }
    auto s = std::make_shared<Session>(*this, true, i);
    sessions.insert(s);
    s->connect(slot.host, slot.port);
}

void P2p::Impl::schedule_redial(std::size_t i) {
    DialSlot& slot = slots[i];
    if (closing || slot.self) return;
    slot.timer->expires_after(std::chrono::milliseconds(slot.backoff_ms));
    slot.backoff_ms = std::min(slot.backoff_ms * 2, config.dial_backoff_max_ms);
    slot.timer->async_wait([this, i](boost::system::error_code ec) {
        if (!ec) dial(i);
    });
}

bool P2p::Impl::complete_handshake(const std::shared_ptr<Session>& s) {
    const PeerId id = s->id();
    if (s->slot()) {
        DialSlot& slot = slots[*s->slot()];
        slot.known_id = id;
        slot.backoff_ms = config.dial_backoff_initial_ms;
    }
    std::shared_ptr<Session> replaced;
    {
        std::lock_guard lock(peers_mutex);
        if (const auto it = peers.find(id); it != peers.end()) {
            // One connection per peer: both ends keep the one dialled by the lower id (the
            // same TCP connection on both sides); between two of one dialler, the older.
            const PeerId& dialler_new = s->outbound() ? self_id : id;
            const PeerId& dialler_old = it->second->outbound() ? self_id : id;
            if (!(dialler_new < dialler_old)) {
                replaced = s;
            } else {
                replaced = it->second;
                it->second = s;
                s->set_registered();
            }
        } else if (!s->outbound() && peers.size() >= config.max_peers) {
            replaced = s;
        } else {
            peers.emplace(id, s);
            s->set_registered();
        }
    }
    if (replaced == s) {
        const bool full = !peers.contains(id);
        s->close(full ? "too many peers" : "already connected (the connection dialled by the lower id stays)",
                 log::Level::kInfo);
        return false;
    }
    if (replaced) {
        replaced->close("replaced by the connection dialled by the lower id", log::Level::kInfo);
        log::debug(kLog, "peer ", id.hex(), " now on ", s->remote());
        return true;
    }
    log::info(kLog, "peer ", id.hex(), " connected (", s->remote(), ", ", s->outbound() ? "outbound" : "inbound", ")");
    notify_peer(id, true);
    return !s->closed();
}

void P2p::Impl::on_closed(const std::shared_ptr<Session>& s) {
    sessions.erase(s);
    bool was_peer = false;
    if (s->established()) {
        std::lock_guard lock(peers_mutex);
        if (const auto it = peers.find(s->id()); it != peers.end() && it->second == s) {
            peers.erase(it);
            was_peer = true;
        }
    }
    if (closing) return;
    if (was_peer) {
        notify_peer(s->id(), false);
        for (std::size_t i = 0; i < slots.size(); ++i) {
            if (slots[i].waiting && slots[i].known_id == s->id()) {
                slots[i].waiting = false;
                schedule_redial(i);
            }
        }
    }
    if (s->slot()) schedule_redial(*s->slot());
}

void P2p::Impl::close_all() {
    closing = true;
    boost::system::error_code ec;
    acceptor.close(ec);
    for (auto& slot : slots) slot.timer->cancel();
    const auto open = sessions;
    for (const auto& s : open) s->close("stopping", log::Level::kInfo);
}

void P2p::Impl::notify_peer(const PeerId& id, bool connected) {
    if (!on_peer) return;
    try {
        on_peer(id, connected);
    } catch (const std::exception& e) {
        log::error(kLog, "peer handler threw: ", e.what());
    }
}

void P2p::Impl::send_to(const PeerId& peer, const Frame& frame) {
    std::shared_ptr<Session> s;
    {
        std::lock_guard lock(peers_mutex);
        if (const auto it = peers.find(peer); it != peers.end()) s = it->second;
    }
    if (s) s->enqueue(frame);
}

void P2p::Impl::send_all(const Frame& frame, const std::optional<PeerId>& except) {
    std::vector<std::shared_ptr<Session>> targets;
    {
        std::lock_guard lock(peers_mutex);
        targets.reserve(peers.size());
        for (const auto& [id, s] : peers)
            if (id != except) targets.push_back(s);
    }
    for (const auto& s : targets) s->enqueue(frame);
}

P2p::P2p(P2pConfig config, MessageHandler on_message, PeerHandler on_peer)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(on_message), std::move(on_peer))) {}

P2p::~P2p() { stop(); }

std::expected<void, std::string> P2p::start() {
    Impl& impl = *impl_;
    if (impl.started) return std::unexpected(std::string("p2p: already started"));
    impl.started = true;
    auto secret = core::random_hash();
    if (!secret) return std::unexpected("p2p: " + secret.error());
    impl.challenge_secret = *secret;
    for (const auto& text : impl.config.persistent_peers) {
        auto slot = parse_peer(text);
        if (!slot) return std::unexpected(slot.error());
        slot->backoff_ms = impl.config.dial_backoff_initial_ms;
        slot->timer = std::make_unique<net::steady_timer>(impl.ioc);
        impl.slots.push_back(std::move(*slot));
    }
    boost::system::error_code ec;
    const auto address = net::ip::make_address(impl.config.host, ec);
    if (ec) return std::unexpected("p2p: bad listen address \"" + impl.config.host + "\": " + ec.message());
    const tcp::endpoint endpoint(address, impl.config.port);
    if (impl.acceptor.open(endpoint.protocol(), ec); ec) return std::unexpected("p2p: open: " + ec.message());
    if (impl.acceptor.set_option(tcp::acceptor::reuse_address(true), ec); ec)
        return std::unexpected("p2p: reuse_address: " + ec.message());
    if (impl.acceptor.bind(endpoint, ec); ec)
        return std::unexpected("p2p: cannot bind " + impl.config.host + ":" + std::to_string(impl.config.port) + ": " +
                               ec.message());
    if (impl.acceptor.listen(net::socket_base::max_listen_connections, ec); ec)
        return std::unexpected("p2p: listen: " + ec.message());
    impl.port = impl.acceptor.local_endpoint().port();
    impl.work.emplace(impl.ioc.get_executor());
    net::post(impl.ioc, [&impl] {
        impl.accept();
        for (std::size_t i = 0; i < impl.slots.size(); ++i) impl.dial(i);
    });
    impl.thread = std::thread([&impl] {
        for (;;) {
            try {
                impl.ioc.run();
                return;
            } catch (const std::exception& e) {
                log::error(kLog, "network thread: ", e.what());
            }
        }
    });
    log::info(kLog, "listening on ", impl.config.host, ":", impl.port.load(), " as ", impl.self_id.hex(), ", ",
              impl.slots.size(), " persistent peer(s)");
    return {};
}

void P2p::stop() {
    Impl& impl = *impl_;
    if (!impl.started || impl.stopped.exchange(true)) return;
    net::post(impl.ioc, [&impl] { impl.close_all(); });
    impl.work.reset();
    if (impl.thread.joinable()) impl.thread.join();
    // run() returned because no operation is left, so no handler holds a session any more.
    std::lock_guard lock(impl.peers_mutex);
    impl.peers.clear();
    impl.sessions.clear();
}

std::uint16_t P2p::listen_port() const { return impl_->port.load(); }

const PeerId& P2p::id() const noexcept { return impl_->self_id; }

void P2p::send(const PeerId& peer, MessageType type, core::ByteView payload) {
    if (payload.size() + 1 > impl_->config.max_frame_bytes) {
        log::warn(kLog, "not sending a message of ", payload.size(), " bytes: over the frame limit");
        return;
    }
    impl_->post([impl = impl_.get(), peer, frame = make_frame(static_cast<std::uint8_t>(type), payload)] {
        impl->send_to(peer, frame);
    });
}

void P2p::broadcast(MessageType type, core::ByteView payload) {
    if (payload.size() + 1 > impl_->config.max_frame_bytes) {
        log::warn(kLog, "not broadcasting a message of ", payload.size(), " bytes: over the frame limit");
        return;
    }
    impl_->post([impl = impl_.get(), frame = make_frame(static_cast<std::uint8_t>(type), payload)] {
        impl->send_all(frame, std::nullopt);
    });
}

bool P2p::gossip(MessageType type, core::ByteView payload, std::optional<PeerId> from) {
    core::Keccak256 hasher;
    const std::uint8_t type_byte = static_cast<std::uint8_t>(type);
    hasher.update(core::ByteView(&type_byte, 1));
    hasher.update(payload);
    const core::Hash key = hasher.finish();
    {
        std::lock_guard lock(impl_->seen_mutex);
        if (!impl_->seen.insert(key)) return false;
    }
    if (payload.size() + 1 > impl_->config.max_frame_bytes) {
        log::warn(kLog, "not gossiping a message of ", payload.size(), " bytes: over the frame limit");
        return true;
    }
    impl_->post([impl = impl_.get(), from, frame = make_frame(type_byte, payload)] { impl->send_all(frame, from); });
    return true;
}

void P2p::disconnect(const PeerId& peer, std::string_view reason) {
    impl_->post([impl = impl_.get(), peer, reason = std::string(reason)] {
        std::shared_ptr<Session> s;
        {
            std::lock_guard lock(impl->peers_mutex);
            if (const auto it = impl->peers.find(peer); it != impl->peers.end()) s = it->second;
        }
        if (s) s->close("the node dropped it: " + reason, log::Level::kWarn);
    });
}

std::vector<PeerInfo> P2p::peers() const {
    std::vector<PeerInfo> out;
    std::lock_guard lock(impl_->peers_mutex);
    out.reserve(impl_->peers.size());
    for (const auto& [id, s] : impl_->peers)
        out.push_back(PeerInfo{id, s->remote(), s->outbound(), s->bytes_in(), s->bytes_out()});
    return out;
}

Traffic P2p::traffic() const {
    Traffic t;
    for (std::size_t k = 0; k < kTrafficKinds; ++k) {
        t.sent_bytes[k] = impl_->sent_bytes[k].load(std::memory_order_relaxed);
        t.received_bytes[k] = impl_->received_bytes[k].load(std::memory_order_relaxed);
    }
    return t;
}

}  // namespace moe::node::p2p
