#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

/// JSON-RPC 2.0 (https://www.jsonrpc.org/specification) with Ethereum's error conventions.
namespace moe::rpc {

/// JSON-RPC 2.0 error codes, and the -32000 family geth uses for Ethereum errors.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kServerError = -32000;   ///< geth: most Ethereum errors (nonce too low, ...)
inline constexpr int kExecutionReverted = 3;  ///< geth: eth_call and eth_estimateGas reverts
inline constexpr int kLimitExceeded = -32005;

/// The deepest nesting of arrays and objects a request may have. nlohmann::json copies and
/// compares values recursively, so an unbounded depth lets one request exhaust the stack;
/// no Ethereum method takes parameters nested more than a few levels.
inline constexpr std::size_t kMaxJsonDepth = 64;

/// The nesting depth of JSON text, counted without parsing it (brackets inside strings are
/// skipped); stops counting and returns limit + 1 as soon as the depth passes limit, so the
/// cost of a hostile body is one linear scan up to that point.
[[nodiscard]] std::size_t json_nesting_depth(std::string_view text, std::size_t limit);

/// The number of items of a top-level JSON array, counted without parsing it (commas at depth
/// one, outside strings); 0 when the text is not an array. Stops at limit + 1, so an oversize
/// batch is refused after one scan, before it costs a parse of every request in it.
[[nodiscard]] std::size_t json_batch_items(std::string_view text, std::size_t limit);

/// An error a handler throws; the dispatcher turns it into the response's error object.
struct RpcError : std::runtime_error {
    RpcError(int c, std::string message, std::optional<nlohmann::json> d = std::nullopt)
        : std::runtime_error(std::move(message)), code(c), data(std::move(d)) {}
    int code;
    std::optional<nlohmann::json> data;
};

/// Throws -32602 with a message saying what is wrong with the params.
[[noreturn]] void invalid_params(const std::string& why);

/// Per-connection context a handler may use (subscriptions need their WebSocket session).
struct CallContext {
    /// Set on WebSocket connections: subscribes the connection to a kind of event and returns
    /// the subscription id, or throws RpcError when the connection is over its limit.
    std::function<std::string(const std::string& kind, const nlohmann::json& params)> subscribe;
    std::function<bool(const std::string& id)> unsubscribe;
};

/// A method: takes the params (an array, an object or null) and returns the result.
using Handler = std::function<nlohmann::json(const nlohmann::json& params, CallContext& context)>;

/// Calls and errors per method, and the time spent in them.
struct MethodStats {
    std::uint64_t calls = 0;
    std::uint64_t errors = 0;
    double seconds = 0;
};

/// The statistics key of calls to methods that are not registered.
inline constexpr std::string_view kUnknownMethod = "unknown";

/// A method's class for metrics: its namespace ("eth" of eth_call, "debug", "evm", "unknown").
[[nodiscard]] std::string_view method_class(std::string_view method) noexcept;

/// Maps method names to handlers and runs requests, single or batched.
class Dispatcher {
  public:
    /// Every method it will register, and kUnknownMethod, has statistics at zero from the start.
    explicit Dispatcher(std::size_t max_batch = 1000);

    /// Registers a method; a name registered already is a wiring mistake and throws
    /// std::logic_error at start-up (two handlers of one name, one silently lost).
    void add(const std::string& name, Handler handler);
    /// Replaces a method registered already, on purpose: a node with consensus answers
    /// net_peerCount and eth_syncing from it rather than eth's defaults. Throws
    /// std::logic_error when there is no such method.
    void replace(const std::string& name, Handler handler);
    [[nodiscard]] bool has(const std::string& name) const { return methods_.contains(name); }

    /// Handles a request body; returns the response text, or nullopt when the body held only
    /// notifications (nothing to send back).
    [[nodiscard]] std::optional<std::string> handle(std::string_view body, CallContext& context);

    /// Per-method statistics, for /metrics.
    [[nodiscard]] std::map<std::string, MethodStats> stats() const;
    [[nodiscard]] std::size_t max_batch() const noexcept { return max_batch_; }

  private:
    /// Runs one request object; nullopt for a notification.
    std::optional<nlohmann::json> call(const nlohmann::json& request, CallContext& context);
    void record(const std::string& method, bool error, double seconds);

    std::map<std::string, Handler> methods_;
    std::size_t max_batch_;
    mutable std::mutex stats_mutex_;
    std::map<std::string, MethodStats> stats_;
};

/// A JSON-RPC error response object with the given id.
[[nodiscard]] nlohmann::json error_response(const nlohmann::json& id, int code, const std::string& message,
                                            const std::optional<nlohmann::json>& data = std::nullopt);

}  // namespace moe::rpc
