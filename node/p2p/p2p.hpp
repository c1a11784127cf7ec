#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"
#include "core/secp256k1.hpp"

/// Peer-to-peer networking: TCP connections authenticated by node keys, length-prefixed
/// frames, gossip with dedupe, per-peer limits. It knows nothing about consensus: a payload
/// is opaque bytes with a one-byte type, decoded by the node. Wire format:
/// docs/decisions/003-bft-consensus.md, "P2P wire format".
namespace moe::node::p2p {

/// A peer is known by the address of its node key.
using PeerId = core::Address;

/// Message types the node uses; the P2P layer reserves 0xF0..0xFF for its own (handshake, ping).
enum class MessageType : std::uint8_t {
    kTransaction = 1,  ///< one transaction (accepted; the node gossips kPooledTransactions batches)
    kProposal = 2,
    kBlockPart = 3,
    kVote = 4,
    kEvidence = 5,
    kStatus = 6,
    kBlockRequest = 7,
    kBlockResponse = 8,
    kPooledTransactions = 9,  ///< a batch of pooled transactions: the node's gossip, and its pool sent to a peer that just connected
    kCompactProposal = 10,          ///< a proposal with its block's transaction hashes (node/compact_proposal.hpp)
    kProposalTransactionsRequest = 11,  ///< the transactions of a proposed block the sender lacks, by index
    kProposalTransactions = 12,     ///< the answer: those transactions
};

/// Whether `type` is one of the MessageType values (anything else from a peer disconnects it).
[[nodiscard]] bool is_message_type(std::uint8_t type) noexcept;

/// Frames of each message type: index is the type, 0 the P2P layer's own (handshake, ping).
inline constexpr std::size_t kTrafficKinds = static_cast<std::size_t>(MessageType::kProposalTransactions) + 1;
/// The metric label of traffic kind `kind` ("proposal", "compact_proposal", ...; "p2p" for 0).
[[nodiscard]] std::string_view traffic_name(std::size_t kind) noexcept;

/// Bytes sent and received since start, framing included, by kind (all peers, also gone ones).
struct Traffic {
    std::array<std::uint64_t, kTrafficKinds> sent_bytes{};
    std::array<std::uint64_t, kTrafficKinds> received_bytes{};
};

/// Where to listen, who we are and what we tolerate from a peer.
struct P2pConfig {
    std::string host = "127.0.0.1";
    std::uint16_t port = 26656;  ///< 0: the OS picks one (tests); see P2p::listen_port()
    std::uint64_t chain_id = 0;
    core::Hash genesis_hash;
    /// The node key that proves our id. Set it: the default (from a zero seed) is the same on every node.
    core::PrivateKey node_key = core::PrivateKey::from_seed(core::Hash{});
    std::vector<std::string> persistent_peers;  ///< "host:port", dialled and redialled forever
    std::size_t max_frame_bytes = 4 * 1024 * 1024;
    std::size_t max_peers = 50;
    /// Per peer, token buckets with a burst of one second; a peer over either is disconnected.
    std::uint64_t max_bytes_per_second = 8 * 1024 * 1024;
    std::uint32_t max_messages_per_second = 5000;
    std::uint64_t dial_backoff_initial_ms = 250, dial_backoff_max_ms = 10000;
    std::uint64_t handshake_timeout_ms = 5000;
    /// Keepalive: a ping every ping_interval_ms; a peer silent for peer_timeout_ms is dropped.
    std::uint64_t ping_interval_ms = 10000, peer_timeout_ms = 30000;
    /// Bytes queued for one peer beyond which it is dropped (a slow reader must not grow our memory).
    std::size_t max_send_queue_bytes = 64 * 1024 * 1024;
};

/// A connected (handshaken) peer.
struct PeerInfo {
    PeerId id;
    std::string remote;  ///< "ip:port" of the socket's other end
    bool outbound = false;
    std::uint64_t bytes_in = 0, bytes_out = 0;
};

/// What the consensus driver needs of a network of peers: TCP between moed processes (P2p), or
/// the in-memory network of the driver's deterministic tests.
class Network {
  public:
    /// Called for every message of a handshaken peer: must not block long.
    using MessageHandler = std::function<void(const PeerId&, MessageType, core::Bytes payload)>;
    /// Called when a peer completes its handshake or goes away.
    using PeerHandler = std::function<void(const PeerId&, bool connected)>;

    virtual ~Network() = default;
    [[nodiscard]] virtual std::expected<void, std::string> start() = 0;
    virtual void stop() = 0;
    /// The bound port (0 for a network without sockets, or before start()).
    [[nodiscard]] virtual std::uint16_t listen_port() const = 0;
    [[nodiscard]] virtual const PeerId& id() const noexcept = 0;
    virtual void send(const PeerId& peer, MessageType type, core::ByteView payload) = 0;
    virtual void broadcast(MessageType type, core::ByteView payload) = 0;
    /// Sends to every peer but `from` unless this payload was gossiped already; whether it was new.
    virtual bool gossip(MessageType type, core::ByteView payload, std::optional<PeerId> from) = 0;
    virtual void disconnect(const PeerId& peer, std::string_view reason) = 0;
    [[nodiscard]] virtual std::vector<PeerInfo> peers() const = 0;
    [[nodiscard]] virtual Traffic traffic() const { return {}; }
};

/// The P2P service: one io_context on one thread of its own. Every public method but the
/// constructor, start(), stop() and the destructor may be called from any thread, the
/// handlers included (which run on the network thread).
class P2p final : public Network {
  public:
    P2p(P2pConfig config, MessageHandler on_message, PeerHandler on_peer = {});
    /// Stops.
    ~P2p();
    P2p(const P2p&) = delete;
    P2p& operator=(const P2p&) = delete;

    /// Binds, starts the network thread and dials the persistent peers; once only.
    [[nodiscard]] std::expected<void, std::string> start() override;
    /// Idempotent; closes every socket and joins the thread. Not from a handler.
    void stop() override;
    /// The bound port (the chosen one when the config said 0); 0 before start().
    [[nodiscard]] std::uint16_t listen_port() const override;
    /// Our id: the address of the node key.
    [[nodiscard]] const PeerId& id() const noexcept override;

    /// Sends to one peer; a no-op if it is not connected.
    void send(const PeerId& peer, MessageType type, core::ByteView payload) override;
    /// Sends to every connected peer.
    void broadcast(MessageType type, core::ByteView payload) override;
    /// Gossip: sends to every peer but `from` unless this payload (by keccak of type and
    /// payload) was seen among the last 65536; returns false if it was already seen. The node
    /// calls it for messages it accepted, and for its own with from = nullopt.
    bool gossip(MessageType type, core::ByteView payload, std::optional<PeerId> from) override;
    /// Drops a peer, e.g. one whose payload the node found to be garbage; logged with `reason`.
    void disconnect(const PeerId& peer, std::string_view reason) override;
    /// The connected peers.
    [[nodiscard]] std::vector<PeerInfo> peers() const override;
    [[nodiscard]] Traffic traffic() const override;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace moe::node::p2p
