#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "rpc/dispatcher.hpp"

namespace moe::rpc {

/// Where and how the server listens, and its limits.
struct ServerConfig {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8545;              ///< 0: any free port (tests)
    bool allow_external = false;            ///< binding a non-loopback address needs this
    std::size_t max_body_bytes = 5 * 1024 * 1024;
    /// Open connections in total and from one remote address. At either limit a newcomer
    /// takes the place of the connection that has waited longest without giving a whole
    /// request (idle keep-alive, or headers or body still arriving); only when every slot is
    /// serving a request or a WebSocket is it refused with a 503.
    std::size_t max_connections = 256;
    std::size_t max_connections_per_address = 64;
    std::size_t max_subscriptions_per_connection = 128;
    std::size_t max_ws_message_bytes = 5 * 1024 * 1024;
    unsigned threads = 2;
    /// A keep-alive connection may wait this long for the first byte of its next request
    /// (a WebSocket this long without a frame or an answered ping).
    std::chrono::milliseconds idle_timeout{60'000};
    /// From a request's first byte to the end of its headers (and a WebSocket handshake).
    std::chrono::milliseconds header_timeout{10'000};
    /// From the end of the headers to the end of the body.
    std::chrono::milliseconds body_timeout{30'000};
    std::string cors_origin = "*";
};

/// What /health reports: healthy or not, and a JSON body.
struct Health {
    bool ok = true;
    nlohmann::json body;
};

/// The probes of GET /health/live (and /health, as before) and GET /health/ready.
struct HealthChecks {
    std::function<Health()> live;   ///< the process serves; empty: always ok
    std::function<Health()> ready;  ///< it can take traffic; empty: as live
};

/// HTTP and WebSocket JSON-RPC on one port (Boost.Beast), plus GET /health, /health/live,
/// /health/ready and /metrics.
class Server {
  public:
    Server(ServerConfig config, Dispatcher& dispatcher, HealthChecks health, std::function<std::string()> metrics);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds and starts serving on the configured number of threads; a clear error when the
    /// address is refused (not loopback without allow_external, in use, unresolvable).
    [[nodiscard]] std::expected<void, std::string> start();
    /// Stops accepting and closes every connection. Idempotent.
    void stop();
    /// The bound port (useful with port 0).
    [[nodiscard]] std::uint16_t port() const;

    /// Sends an eth_subscription notification to every subscription of `kind`; `payload`
    /// gives the result for one subscription's params, or nullopt to skip it (log filters).
    void publish(const std::string& kind, const std::function<std::optional<nlohmann::json>(const nlohmann::json& params)>& payload);

    /// Open connections and subscriptions, for /metrics.
    [[nodiscard]] std::size_t open_connections() const;
    [[nodiscard]] std::size_t subscriptions() const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

/// True for 127.0.0.0/8, ::1 and "localhost".
[[nodiscard]] bool is_loopback(const std::string& host);

}  // namespace moe::rpc
