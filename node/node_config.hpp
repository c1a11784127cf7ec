#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include "node/files.hpp"
#include "node/log.hpp"

namespace moe::node {

/// The settings of one node (not of the chain): where it listens and how it logs.
/// Stored as HOME/config.json; every field has a default, unknown fields are an error.
struct NodeConfig {
    std::string rpc_host = "127.0.0.1";
    std::uint16_t rpc_port = 8545;
    bool rpc_allow_external = false;     ///< binding a non-loopback address needs this
    std::uint32_t rpc_max_connections = 256;
    std::uint64_t rpc_max_body_bytes = 5 * 1024 * 1024;
    std::uint32_t rpc_max_batch = 1000;
    std::uint32_t rpc_max_connections_per_address = 64;
    std::uint64_t rpc_idle_timeout_ms = 60'000;    ///< keep-alive wait for the next request
    std::uint64_t rpc_header_timeout_ms = 10'000;  ///< first byte of a request to its last header
    std::uint64_t rpc_body_timeout_ms = 30'000;    ///< last header to the end of the body
    std::string p2p_host = "127.0.0.1";
    std::uint16_t p2p_port = 26656;
    std::vector<std::string> persistent_peers;  ///< "host:port" of peers to dial and keep dialling
    std::uint32_t p2p_max_peers = 50;           ///< inbound and outbound connections together
    std::uint64_t block_interval_ms = 0;  ///< 0: the chain's interval from the genesis
    /// Propose as soon as a transaction is pooled; block_interval_ms then spaces only empty
    /// blocks (decision 007). `moed init --preset devnet` writes true.
    bool instant_blocks = false;
    /// Pooled transactions in all and of one sender (`moed init --preset devnet` writes 65536
    /// and 4096: a developer's script never meets them by accident).
    std::uint32_t mempool_max_transactions = 8192;
    std::uint32_t mempool_max_per_sender = 64;
    /// Threads that recover the senders of a peer's gossip batch, the transaction thread among
    /// them (0: one per core). Each recovery is a secp256k1 public-key recovery, the largest
    /// cost of admitting a transaction.
    std::uint32_t recovery_threads = 0;
    log::Level log_level = log::Level::kInfo;
};

/// The largest pool config.json may ask for (mempool_max_transactions).
inline constexpr std::uint32_t kMaxPooledTransactions = 1'048'576;

/// Checks a "host:port" peer address (a host name or IPv4 address, a port from 1 to 65535).
[[nodiscard]] std::expected<void, std::string> check_peer_address(std::string_view peer);

/// Reads a config file; every malformed or unknown field is a clear error.
[[nodiscard]] std::expected<NodeConfig, std::string> load_node_config(const std::filesystem::path& file);
/// Parses the text of a config file (what load_node_config reads), with the same errors
/// without the file's name.
[[nodiscard]] std::expected<NodeConfig, std::string> parse_node_config(std::string_view text);

/// Writes a config file (pretty JSON), atomically (temp file then rename).
[[nodiscard]] std::expected<void, std::string> save_node_config(const NodeConfig& config,
                                                                const std::filesystem::path& file);

/// The files of a node's home directory.
struct HomeLayout {
    std::filesystem::path root;
    [[nodiscard]] std::filesystem::path config() const { return root / "config.json"; }
    [[nodiscard]] std::filesystem::path genesis() const { return root / "genesis.json"; }
    [[nodiscard]] std::filesystem::path node_key() const { return root / "keys" / "node_key.json"; }
    [[nodiscard]] std::filesystem::path validator_key() const { return root / "keys" / "validator_key.json"; }
    [[nodiscard]] std::filesystem::path data() const { return root / "data"; }
};

}  // namespace moe::node
