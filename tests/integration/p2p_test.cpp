// P2P over real sockets on 127.0.0.1 (ports picked by the OS): handshake, messages, gossip
// dedupe, refusals of hostile or foreign peers, rate limits, keepalive and redial.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "core/keccak.hpp"
#include "node/p2p/limits.hpp"
#include "node/p2p/p2p.hpp"
#include "node/p2p/wire.hpp"

namespace {

using namespace moe;
using namespace std::chrono_literals;
using node::p2p::MessageType;
using node::p2p::P2p;
using node::p2p::P2pConfig;
using node::p2p::PeerId;
namespace wire = node::p2p::wire;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::uint64_t kChainId = 4242;
constexpr auto kDeadline = 10s;

core::Hash genesis() { return core::keccak256(core::as_bytes("p2p test genesis")); }

core::PrivateKey key(std::string_view name) { return core::PrivateKey::from_seed(core::keccak256(core::as_bytes(name))); }

core::Bytes bytes(std::string_view s) { return {s.begin(), s.end()}; }

/// Polls `done` every 10 ms until it holds or the deadline passes.
template <typename Pred>
bool wait_until(Pred done, std::chrono::milliseconds deadline = kDeadline) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
        if (done()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return done();
}

P2pConfig config(std::string_view name, std::vector<std::uint16_t> dial = {}) {
    P2pConfig c;
    c.port = 0;
    c.chain_id = kChainId;
    c.genesis_hash = genesis();
    c.node_key = key(name);
    c.dial_backoff_initial_ms = 20;
    c.dial_backoff_max_ms = 200;
    for (const auto port : dial) c.persistent_peers.push_back("127.0.0.1:" + std::to_string(port));
    return c;
}

/// A P2p instance that records what it receives and, when asked, gossips what it accepts.
class TestNode {
  public:
    struct Received {
        PeerId from;
        MessageType type;
        core::Bytes payload;
    };

    explicit TestNode(P2pConfig c, bool relay = false) : relay_(relay) {
        p2p_ = std::make_unique<P2p>(
            std::move(c),
            [this](const PeerId& from, MessageType type, core::Bytes payload) {
                bool accepted = false;
                // Transactions are left out of the relay: the tests send them as plain broadcasts.
                if (relay_ && type != MessageType::kTransaction) accepted = p2p_->gossip(type, payload, from);
                std::lock_guard lock(mutex_);
                received_.push_back({from, type, payload});
                if (accepted) ++accepted_;
            },
            [this](const PeerId& id, bool connected) {
                std::lock_guard lock(mutex_);
                (connected ? connects_ : disconnects_)[id]++;
            });
        const auto started = p2p_->start();
        EXPECT_TRUE(started.has_value()) << (started ? "" : started.error());
    }
    /// Stops the network thread before the members its handlers use go away.
    ~TestNode() { p2p_->stop(); }
    TestNode(const TestNode&) = delete;
    TestNode& operator=(const TestNode&) = delete;

    P2p& p2p() { return *p2p_; }
    [[nodiscard]] PeerId id() const { return p2p_->id(); }
    [[nodiscard]] std::uint16_t port() const { return p2p_->listen_port(); }

    [[nodiscard]] bool connected_to(const PeerId& id) const {
        for (const auto& p : p2p_->peers())
            if (p.id == id) return true;
        return false;
    }
    [[nodiscard]] std::size_t peer_count() const { return p2p_->peers().size(); }

    /// How many messages with this payload arrived.
    [[nodiscard]] std::size_t count(const core::Bytes& payload) const {
        std::lock_guard lock(mutex_);
        std::size_t n = 0;
        for (const auto& r : received_)
            if (r.payload == payload) ++n;
        return n;
    }
    [[nodiscard]] std::vector<Received> received() const {
        std::lock_guard lock(mutex_);
        return received_;
    }
    [[nodiscard]] std::size_t accepted() const {
        std::lock_guard lock(mutex_);
        return accepted_;
    }
    [[nodiscard]] int connects(const PeerId& id) const {
        std::lock_guard lock(mutex_);
        const auto it = connects_.find(id);
        return it == connects_.end() ? 0 : it->second;
    }
    [[nodiscard]] int disconnects(const PeerId& id) const {
        std::lock_guard lock(mutex_);
        const auto it = disconnects_.find(id);
        return it == disconnects_.end() ? 0 : it->second;
    }

  private:
    bool relay_;
    std::unique_ptr<P2p> p2p_;
    mutable std::mutex mutex_;
    std::vector<Received> received_;
    std::size_t accepted_ = 0;
    std::map<PeerId, int> connects_, disconnects_;
};

/// Three nodes, fully meshed: B dials A, C dials A and B.
struct Mesh {
    explicit Mesh(bool relay = false)
        : a(config("a"), relay), b(config("b", {a.port()}), relay), c(config("c", {a.port(), b.port()}), relay) {}

    [[nodiscard]] bool meshed() const {
        return a.connected_to(b.id()) && a.connected_to(c.id()) && b.connected_to(a.id()) && b.connected_to(c.id()) &&
               c.connected_to(a.id()) && c.connected_to(b.id());
    }

    /// Whether the three still exchange messages: each broadcasts a fresh payload and the other two get it.
    [[nodiscard]] bool still_talking(std::string_view tag) {
        const core::Bytes pa = bytes(std::string(tag) + "/a"), pb = bytes(std::string(tag) + "/b"),
                          pc = bytes(std::string(tag) + "/c");
        a.p2p().broadcast(MessageType::kTransaction, pa);
        b.p2p().broadcast(MessageType::kTransaction, pb);
        c.p2p().broadcast(MessageType::kTransaction, pc);
        return wait_until([&] {
            return b.count(pa) == 1 && c.count(pa) == 1 && a.count(pb) == 1 && c.count(pb) == 1 && a.count(pc) == 1 &&
                   b.count(pc) == 1;
        });
    }

    TestNode a, b, c;
};

/// A hand-written peer on a plain Asio socket: speaks the documented wire format, or not.
class RawClient {
  public:
    explicit RawClient(std::uint16_t port) : socket_(io_) {
        socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    }

    void write(const core::Bytes& data) {
        boost::system::error_code ec;
        net::write(socket_, net::buffer(data), ec);
    }
    void send(std::uint8_t type, const core::Bytes& payload) { write(wire::encode_frame(type, payload)); }

    /// Reads one frame, or nullopt on error or after the deadline.
    std::optional<std::pair<std::uint8_t, core::Bytes>> read_frame() {
        std::uint8_t prefix[4];
        if (!read_exactly(net::buffer(prefix))) return std::nullopt;
        const auto length = wire::parse_length(prefix, 64 * 1024 * 1024);
        if (!length) return std::nullopt;
        core::Bytes body(*length);
        if (!read_exactly(net::buffer(body))) return std::nullopt;
        return std::make_pair(body[0], core::Bytes(body.begin() + 1, body.end()));
    }

    /// Reads (and drops) whatever comes until the peer closes: true on EOF or reset within the deadline.
    bool sees_eof() {
        if (closed_by_peer_) return true;  // an earlier read already ended there
        const auto end = std::chrono::steady_clock::now() + kDeadline;
        std::array<std::uint8_t, 4096> sink{};
        while (std::chrono::steady_clock::now() < end) {
            boost::system::error_code ec;
            bool done = false;
            socket_.async_read_some(net::buffer(sink), [&](boost::system::error_code e, std::size_t) {
                ec = e;
                done = true;
            });
            run_until(done, end);
            if (!done) return false;
            if (ec) {
                if (ec == net::error::eof || ec == net::error::connection_reset) return true;
                ADD_FAILURE() << "read ended with " << ec.message();
                return false;
            }
        }
        ADD_FAILURE() << "no EOF before the deadline";
        return false;
    }

    /// Completes the handshake as `client_key` against a node whose key is `server`:
    /// returns whether the node's Auth verified.
    bool handshake(const core::PrivateKey& client_key, std::uint64_t chain_id = kChainId,
                   const core::Hash& genesis_hash = genesis()) {
        const auto hello_frame = read_frame();
        if (!hello_frame || hello_frame->first != wire::kHello) return false;
        const auto server_hello = wire::decode_hello(hello_frame->second);
        if (!server_hello) return false;
        wire::Hello hello;
        hello.chain_id = chain_id;
        hello.genesis_hash = genesis_hash;
        hello.public_key = client_key.public_key();
        hello.challenge = core::keccak256(core::as_bytes("raw client challenge"));
        send(wire::kHello, wire::encode_hello(hello));
        send(wire::kAuth, wire::encode_auth(client_key.sign(
                              wire::handshake_digest(chain_id, genesis_hash, server_hello->challenge))));
        const auto auth_frame = read_frame();
        if (!auth_frame || auth_frame->first != wire::kAuth) return false;
        const auto sig = wire::decode_auth(auth_frame->second);
        return sig && wire::verify_auth(chain_id, genesis_hash, hello.challenge, *sig, server_hello->public_key);
    }

  private:
    template <typename Buffer>
    bool read_exactly(Buffer buffer) {
        const auto end = std::chrono::steady_clock::now() + kDeadline;
        boost::system::error_code ec;
        bool done = false;
        net::async_read(socket_, buffer, [&](boost::system::error_code e, std::size_t) {
            ec = e;
            done = true;
        });
        run_until(done, end);
        if (done && (ec == net::error::eof || ec == net::error::connection_reset)) closed_by_peer_ = true;
        return done && !ec;
    }

    void run_until(bool& done, std::chrono::steady_clock::time_point end) {
        io_.restart();
        while (!done && std::chrono::steady_clock::now() < end) io_.run_one_for(10ms);
        if (!done) {
            boost::system::error_code ignored;
            socket_.cancel(ignored);
            io_.restart();
            io_.run();
        }
    }

    net::io_context io_;
    tcp::socket socket_;
    bool closed_by_peer_ = false;
};

TEST(P2pWire, FrameLengthIsCheckedBeforeAnythingIsRead) {
    const std::uint8_t huge[4] = {0xFF, 0xFF, 0xFF, 0xFF};
    const std::uint8_t zero[4] = {0, 0, 0, 0};
    const std::uint8_t five[4] = {0, 0, 0, 5};
    EXPECT_EQ(wire::parse_length(huge, 1024).error(), wire::FrameError::kTooLarge);
    EXPECT_EQ(wire::parse_length(zero, 1024).error(), wire::FrameError::kEmpty);
    EXPECT_EQ(wire::parse_length(five, 1024).value(), 5u);
    EXPECT_EQ(wire::parse_length(five, 4).error(), wire::FrameError::kTooLarge);
    EXPECT_EQ(wire::encode_frame(0x04, bytes("abcd")), (core::Bytes{0, 0, 0, 5, 0x04, 'a', 'b', 'c', 'd'}));
}

TEST(P2pWire, HelloRoundTripsAndRefusesExtraItems) {
    wire::Hello hello;
    hello.chain_id = 7;
    hello.genesis_hash = genesis();
    hello.public_key = key("x").public_key();
    hello.challenge = core::keccak256(core::as_bytes("c"));
    hello.listen_port = 26656;
    const auto encoded = wire::encode_hello(hello);
    const auto decoded = wire::decode_hello(encoded);
    ASSERT_TRUE(decoded.has_value()) << decoded.error();
    EXPECT_EQ(decoded->chain_id, 7u);
    EXPECT_EQ(decoded->genesis_hash, hello.genesis_hash);
    EXPECT_EQ(decoded->public_key, hello.public_key);
    EXPECT_EQ(decoded->challenge, hello.challenge);
    EXPECT_EQ(decoded->listen_port, 26656);
    EXPECT_FALSE(wire::decode_hello(bytes("garbage")).has_value());
    core::Bytes longer = encoded;
    longer.push_back(0x01);
    EXPECT_FALSE(wire::decode_hello(longer).has_value());
}

TEST(P2pWire, AuthVerifiesOnlyTheSignerOverItsChallenge) {
    const auto signer = key("signer");
    const auto challenge = core::keccak256(core::as_bytes("challenge"));
    const auto sig = signer.sign(wire::handshake_digest(kChainId, genesis(), challenge));
    const auto decoded = wire::decode_auth(wire::encode_auth(sig));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_TRUE(wire::verify_auth(kChainId, genesis(), challenge, *decoded, signer.public_key()));
    EXPECT_FALSE(wire::verify_auth(kChainId + 1, genesis(), challenge, *decoded, signer.public_key()));
    EXPECT_FALSE(wire::verify_auth(kChainId, genesis(), genesis(), *decoded, signer.public_key()));
    EXPECT_FALSE(wire::verify_auth(kChainId, genesis(), challenge, *decoded, key("other").public_key()));
    EXPECT_FALSE(wire::decode_auth(bytes("short")).has_value());
}

TEST(P2pLimits, TokenBucketRefillsUpToItsBurst) {
    const auto t0 = std::chrono::steady_clock::time_point{};
    node::p2p::TokenBucket bucket(10, 10, t0);
    EXPECT_TRUE(bucket.take(10, t0));
    EXPECT_FALSE(bucket.take(1, t0));
    EXPECT_TRUE(bucket.take(5, t0 + 500ms));
    EXPECT_FALSE(bucket.take(1, t0 + 500ms));
    EXPECT_TRUE(bucket.take(10, t0 + 100s));  // refilled to the burst, not beyond
    EXPECT_FALSE(bucket.take(1, t0 + 100s));
}

TEST(P2pLimits, SeenSetEvictsTheLeastRecent) {
    node::p2p::SeenSet seen(2);
    const auto h = [](std::string_view s) { return core::keccak256(core::as_bytes(s)); };
    EXPECT_TRUE(seen.insert(h("a")));
    EXPECT_TRUE(seen.insert(h("b")));
    EXPECT_FALSE(seen.insert(h("a")));  // a is now the most recent
    EXPECT_TRUE(seen.insert(h("c")));   // evicts b
    EXPECT_EQ(seen.size(), 2u);
    EXPECT_FALSE(seen.insert(h("a")));
    EXPECT_TRUE(seen.insert(h("b")));
}

TEST(P2p, ThreeNodesConnectAndExchangeMessages) {
    Mesh m;
    ASSERT_TRUE(wait_until([&] { return m.meshed(); }));
    // Exactly one connection per pair, though C and B both dial and are dialled.
    ASSERT_TRUE(wait_until([&] { return m.a.peer_count() == 2 && m.b.peer_count() == 2 && m.c.peer_count() == 2; }));

    const auto direct = bytes("for b only");
    m.a.p2p().send(m.b.id(), MessageType::kVote, direct);
    ASSERT_TRUE(wait_until([&] { return m.b.count(direct) == 1; }));
    const auto got = m.b.received();
    const auto it = std::find_if(got.begin(), got.end(), [&](const auto& r) { return r.payload == direct; });
    EXPECT_EQ(it->from, m.a.id());
    EXPECT_EQ(it->type, MessageType::kVote);

    EXPECT_TRUE(m.still_talking("broadcast"));
    // Nothing more arrives than was sent: a broadcast is delivered once per peer.
    EXPECT_TRUE(m.still_talking("again"));
    EXPECT_EQ(m.a.count(direct) + m.c.count(direct), 0u);
    EXPECT_EQ(m.b.count(bytes("broadcast/a")), 1u);
    for (const auto& p : m.a.p2p().peers()) EXPECT_GT(p.bytes_in, 0u);
}

TEST(P2p, GossipReachesEveryNodeOnce) {
    Mesh m(/*relay=*/true);
    ASSERT_TRUE(wait_until([&] { return m.meshed(); }));
    const auto payload = bytes("a proposal");
    EXPECT_TRUE(m.a.p2p().gossip(MessageType::kProposal, payload, std::nullopt));
    EXPECT_FALSE(m.a.p2p().gossip(MessageType::kProposal, payload, std::nullopt));
    ASSERT_TRUE(wait_until([&] { return m.b.accepted() == 1 && m.c.accepted() == 1; }));
    // Let every relay finish: a later round of messages on the same connections arrives after it.
    ASSERT_TRUE(m.still_talking("barrier"));
    EXPECT_EQ(m.a.accepted(), 0u);  // A's own message came back at most as a duplicate
    EXPECT_EQ(m.b.accepted(), 1u);
    EXPECT_EQ(m.c.accepted(), 1u);
    // Each node hears it at most from each of its two peers, never more.
    EXPECT_LE(m.b.count(payload), 2u);
    EXPECT_LE(m.c.count(payload), 2u);
    EXPECT_LE(m.a.count(payload), 1u);
}

TEST(P2p, GossipRelaysAlongALine) {
    // A <-> B <-> C: C only hears A through B's relay.
    TestNode a(config("a"), true);
    TestNode b(config("b", {a.port()}), true);
    TestNode c(config("c", {b.port()}), true);
    // A's side of its link to B too: B counts A once its own handshake ends, which can be
    // before A's does, and a gossip from A with no peer yet goes nowhere (CI saw it once).
    ASSERT_TRUE(wait_until([&] { return b.peer_count() == 2 && c.connected_to(b.id()) && a.connected_to(b.id()); }));
    const auto payload = bytes("a vote");
    ASSERT_TRUE(a.p2p().gossip(MessageType::kVote, payload, std::nullopt));
    ASSERT_TRUE(wait_until([&] { return c.count(payload) == 1; }));
    EXPECT_EQ(b.count(payload), 1u);
    EXPECT_EQ(c.received().back().from, b.id());
}

TEST(P2p, RefusesAnotherChainOrGenesis) {
    TestNode a(config("a"));
    {
        RawClient raw(a.port());
        EXPECT_FALSE(raw.handshake(key("wrong chain"), kChainId + 1));
        EXPECT_TRUE(raw.sees_eof());
    }
    {
        RawClient raw(a.port());
        EXPECT_FALSE(raw.handshake(key("wrong genesis"), kChainId, core::keccak256(core::as_bytes("other"))));
        EXPECT_TRUE(raw.sees_eof());
    }
    {
        // A whole node of another chain dials A and never gets in; a node of this chain does.
        auto other = config("other", {a.port()});
        other.chain_id = kChainId + 1;
        TestNode foreign(other);
        TestNode friendly(config("friendly", {a.port()}));
        ASSERT_TRUE(wait_until([&] { return a.connected_to(friendly.id()); }));
        EXPECT_FALSE(a.connected_to(foreign.id()));
        EXPECT_EQ(foreign.peer_count(), 0u);
    }
    EXPECT_EQ(a.connects(key("wrong chain").address()), 0);
}

TEST(P2p, HostileBytesAreDisconnectedAndTheOthersCarryOn) {
    Mesh m;
    ASSERT_TRUE(wait_until([&] { return m.meshed(); }));
    const auto port = m.a.port();
    {
        SCOPED_TRACE("http request: its length prefix is far over the limit");
        RawClient raw(port);
        raw.write(bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        EXPECT_TRUE(raw.sees_eof());
    }
    {
        SCOPED_TRACE("length 0xFFFFFFFF");
        RawClient raw(port);
        raw.write({0xFF, 0xFF, 0xFF, 0xFF, 0x01});
        EXPECT_TRUE(raw.sees_eof());
    }
    {
        SCOPED_TRACE("empty frame");
        RawClient raw(port);
        raw.write({0, 0, 0, 0});
        EXPECT_TRUE(raw.sees_eof());
    }
    {
        SCOPED_TRACE("a message before the handshake");
        RawClient raw(port);
        raw.send(static_cast<std::uint8_t>(MessageType::kTransaction), bytes("tx"));
        EXPECT_TRUE(raw.sees_eof());
    }
    {
        SCOPED_TRACE("a hello that is not RLP");
        RawClient raw(port);
        raw.send(wire::kHello, bytes("not rlp at all"));
        EXPECT_TRUE(raw.sees_eof());
    }
    {
        SCOPED_TRACE("auth signed by another key than the hello's");
        RawClient raw(port);
        const auto frame = raw.read_frame();
        ASSERT_TRUE(frame && frame->first == wire::kHello);
        const auto server_hello = wire::decode_hello(frame->second);
        ASSERT_TRUE(server_hello.has_value());
        wire::Hello hello;
        hello.chain_id = kChainId;
        hello.genesis_hash = genesis();
        hello.public_key = key("claimed").public_key();
        raw.send(wire::kHello, wire::encode_hello(hello));
        raw.send(wire::kAuth,
                 wire::encode_auth(key("impostor").sign(wire::handshake_digest(kChainId, genesis(), server_hello->challenge))));
        EXPECT_TRUE(raw.sees_eof());
        EXPECT_FALSE(m.a.connected_to(key("claimed").address()));
    }
    {
        SCOPED_TRACE("claiming to be the node itself");
        RawClient raw(port);
        EXPECT_FALSE(raw.handshake(key("a")));
        EXPECT_TRUE(raw.sees_eof());
    }
    {
        SCOPED_TRACE("an unknown message type after a good handshake");
        RawClient raw(port);
        ASSERT_TRUE(raw.handshake(key("raw unknown")));
        ASSERT_TRUE(wait_until([&] { return m.a.connected_to(key("raw unknown").address()); }));
        raw.send(0x42, bytes("?"));
        EXPECT_TRUE(raw.sees_eof());
        EXPECT_TRUE(wait_until([&] { return m.a.disconnects(key("raw unknown").address()) == 1; }));
    }
    {
        SCOPED_TRACE("a frame over max_frame_bytes after a good handshake");
        RawClient raw(port);
        ASSERT_TRUE(raw.handshake(key("raw big")));
        const std::size_t too_big = 4 * 1024 * 1024 + 1;
        raw.write({static_cast<std::uint8_t>(too_big >> 24), static_cast<std::uint8_t>(too_big >> 16),
                   static_cast<std::uint8_t>(too_big >> 8), static_cast<std::uint8_t>(too_big), 0x01});
        EXPECT_TRUE(raw.sees_eof());
    }
    {
        SCOPED_TRACE("a second hello after the handshake");
        RawClient raw(port);
        ASSERT_TRUE(raw.handshake(key("raw hello twice")));
        raw.send(wire::kHello, bytes("again"));
        EXPECT_TRUE(raw.sees_eof());
    }
    EXPECT_TRUE(m.still_talking("after the hostile clients"));
    EXPECT_EQ(m.a.peer_count(), 2u);
}

TEST(P2p, TheNodeCanDropAPeer) {
    TestNode a(config("a"));
    RawClient raw(a.port());
    ASSERT_TRUE(raw.handshake(key("garbage sender")));
    ASSERT_TRUE(wait_until([&] { return a.connected_to(key("garbage sender").address()); }));
    a.p2p().disconnect(key("garbage sender").address(), "undecodable vote");
    EXPECT_TRUE(raw.sees_eof());
    EXPECT_TRUE(wait_until([&] { return !a.connected_to(key("garbage sender").address()); }));
}

TEST(P2p, SilentHandshakeAndSilentPeerAreDropped) {
    auto c = config("a");
    c.handshake_timeout_ms = 200;
    c.ping_interval_ms = 50;
    c.peer_timeout_ms = 300;
    TestNode a(c);
    {
        RawClient raw(a.port());  // connects and says nothing
        EXPECT_TRUE(raw.sees_eof());
    }
    {
        RawClient raw(a.port());
        ASSERT_TRUE(raw.handshake(key("quiet")));
        EXPECT_TRUE(raw.sees_eof());  // it received pings and never answered anything
        EXPECT_TRUE(wait_until([&] { return a.disconnects(key("quiet").address()) == 1; }));
    }
}

TEST(P2p, KeepaliveKeepsAnIdleConnection) {
    auto ca = config("a");
    ca.ping_interval_ms = 20;
    ca.peer_timeout_ms = 1000;
    TestNode a(ca);
    auto cb = config("b", {a.port()});
    cb.ping_interval_ms = 20;
    cb.peer_timeout_ms = 1000;
    TestNode b(cb);
    ASSERT_TRUE(wait_until([&] { return a.connected_to(b.id()) && b.connected_to(a.id()); }));
    // Idle for twice the timeout: pings and pongs keep both sides alive.
    std::this_thread::sleep_for(2000ms);
    EXPECT_EQ(a.disconnects(b.id()), 0);
    EXPECT_EQ(b.disconnects(a.id()), 0);
}

TEST(P2p, AFlooderIsDisconnected) {
    auto cv = config("victim");
    cv.max_messages_per_second = 50;
    TestNode victim(cv);
    TestNode flooder(config("flooder", {victim.port()}));
    ASSERT_TRUE(wait_until([&] { return victim.connected_to(flooder.id()); }));
    const auto payload = bytes("spam");
    for (int i = 0; i < 1000; ++i) flooder.p2p().send(victim.id(), MessageType::kTransaction, payload);
    EXPECT_TRUE(wait_until([&] { return victim.disconnects(flooder.id()) >= 1; }));
    EXPECT_LT(victim.count(payload), 1000u);
}

TEST(P2p, AByteFlooderIsDisconnected) {
    auto cv = config("victim");
    cv.max_bytes_per_second = 64 * 1024;
    TestNode victim(cv);
    TestNode flooder(config("flooder", {victim.port()}));
    ASSERT_TRUE(wait_until([&] { return victim.connected_to(flooder.id()); }));
    const core::Bytes big(20 * 1024, 0xAB);
    for (int i = 0; i < 10; ++i) flooder.p2p().send(victim.id(), MessageType::kBlockResponse, big);
    EXPECT_TRUE(wait_until([&] { return victim.disconnects(flooder.id()) >= 1; }));
}

TEST(P2p, APersistentPeerIsRedialledAfterItRestarts) {
    auto ca = config("a");
    auto a = std::make_unique<TestNode>(ca);
    const auto port = a->port();
    const auto a_id = a->id();
    TestNode b(config("b", {port}));
    ASSERT_TRUE(wait_until([&] { return b.connected_to(a_id); }));

    a.reset();
    ASSERT_TRUE(wait_until([&] { return b.disconnects(a_id) == 1 && !b.connected_to(a_id); }));

    ca.port = port;
    a = std::make_unique<TestNode>(ca);
    ASSERT_EQ(a->port(), port);
    ASSERT_TRUE(wait_until([&] { return b.connects(a_id) == 2 && b.connected_to(a_id); }));
    const auto payload = bytes("welcome back");
    b.p2p().send(a_id, MessageType::kStatus, payload);
    EXPECT_TRUE(wait_until([&] { return a->count(payload) == 1; }));
}

TEST(P2p, MutualPersistentPeersConverge) {
    // Ports are fixed only after binding, so the second node learns the first's port, and the
    // first is restarted on its port with the second as its persistent peer: both now dial.
    auto ca = config("a");
    auto a = std::make_unique<TestNode>(ca);
    const auto port_a = a->port();
    a.reset();
    TestNode b(config("b", {port_a}));
    ca.port = port_a;
    ca.persistent_peers = {"127.0.0.1:" + std::to_string(b.port())};
    a = std::make_unique<TestNode>(ca);
    ASSERT_TRUE(wait_until([&] { return a->connected_to(b.id()) && b.connected_to(a->id()); }));
    const auto payload = bytes("both ways");
    a->p2p().send(b.id(), MessageType::kVote, payload);
    b.p2p().send(a->id(), MessageType::kVote, payload);
    EXPECT_TRUE(wait_until([&] { return a->count(payload) == 1 && b.count(payload) == 1; }));
    EXPECT_EQ(a->peer_count(), 1u);
    EXPECT_EQ(b.peer_count(), 1u);
}

TEST(P2p, InboundPeersAreCappedAtMaxPeers) {
    auto c = config("a");
    c.max_peers = 1;
    TestNode a(c);
    RawClient first(a.port());
    ASSERT_TRUE(first.handshake(key("first")));
    ASSERT_TRUE(wait_until([&] { return a.connected_to(key("first").address()); }));
    RawClient second(a.port());
    (void)second.handshake(key("second"));
    EXPECT_TRUE(second.sees_eof());
    EXPECT_EQ(a.peer_count(), 1u);
    EXPECT_EQ(a.connects(key("second").address()), 0);
}

TEST(P2p, ASlowReaderIsDropped) {
    auto c = config("a");
    c.max_send_queue_bytes = 64 * 1024;
    TestNode a(c);
    RawClient reader(a.port());  // handshakes, then never reads again
    ASSERT_TRUE(reader.handshake(key("slow")));
    ASSERT_TRUE(wait_until([&] { return a.connected_to(key("slow").address()); }));
    const core::Bytes block(256 * 1024, 0x5A);
    for (int i = 0; i < 200 && a.disconnects(key("slow").address()) == 0; ++i)
        a.p2p().broadcast(MessageType::kBlockResponse, block);
    EXPECT_TRUE(wait_until([&] { return a.disconnects(key("slow").address()) == 1; }));
}

TEST(P2p, ReportsBadConfiguration) {
    auto c = config("a");
    c.persistent_peers = {"no port here"};
    P2p p(c, [](const PeerId&, MessageType, core::Bytes) {});
    EXPECT_FALSE(p.start().has_value());
    auto d = config("d");
    d.host = "not an address";
    P2p q(d, [](const PeerId&, MessageType, core::Bytes) {});
    EXPECT_FALSE(q.start().has_value());
}

}  // namespace
