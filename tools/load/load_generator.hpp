#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/secp256k1.hpp"
#include "core/transaction.hpp"

/// Sending signed transfers to running nodes over JSON-RPC: the client, the signing and the
/// paced load of `moed load`, shared with bench/devnet_load.
namespace moe::load {

/// The mnemonic whose first accounts the devnet and localnet presets fund.
inline constexpr std::string_view kTestMnemonic = "test test test test test test test test test test test junk";
/// How many of its accounts the devnet and localnet genesis fund.
inline constexpr std::size_t kFundedAccounts = 10;

/// Where a node's JSON-RPC listens.
struct RpcEndpoint {
    std::string host;
    std::uint16_t port = 0;
};

/// Reads "http://host:port", "host:port" or a bare port (127.0.0.1).
[[nodiscard]] std::expected<RpcEndpoint, std::string> parse_rpc_endpoint(std::string_view url);

/// One keep-alive HTTP/1.1 connection posting JSON-RPC bodies. Throws std::runtime_error
/// when the connection fails (node/ throws inside, the command catches at its boundary).
class RpcClient {
  public:
    explicit RpcClient(const RpcEndpoint& endpoint);
    ~RpcClient();
    RpcClient(const RpcClient&) = delete;
    RpcClient& operator=(const RpcClient&) = delete;

    /// Posts a body and returns the response body.
    [[nodiscard]] std::string post(const std::string& body);
    /// Calls a method and returns its result; a JSON-RPC error is thrown as std::runtime_error.
    [[nodiscard]] nlohmann::json call(std::string_view method, nlohmann::json params = nlohmann::json::array());

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// A signed EIP-1559 transfer of `value` wei with the fees a load run offers (1 gwei tip,
/// 100 gwei cap, 21000 gas).
[[nodiscard]] core::Transaction signed_transfer(const core::PrivateKey& from, const core::Address& to,
                                                std::uint64_t nonce, std::uint64_t chain_id,
                                                const core::uint256& value = 1);

/// The eth_sendRawTransaction request body of a signed transaction.
[[nodiscard]] std::string send_raw_transaction_body(const core::Transaction& txn);

/// What `moed load` is asked to do.
struct LoadOptions {
    std::vector<RpcEndpoint> endpoints;
    double rate = 100;                 ///< transactions per second, over all endpoints
    double seconds = 10;
    std::uint32_t accounts = 10;       ///< senders: the first accounts of kTestMnemonic (beyond 10, funded by the first 10 before the run)
    std::uint64_t chain_id = 0;        ///< 0: ask the first endpoint that answers (eth_chainId)
    double inclusion_timeout_s = 60;   ///< how long to wait for inclusion after the last send
    std::string receipts_path;         ///< when set, one line per receipt seen: "txhash block_number block_hash"
};

/// What happened at one endpoint during a load run.
struct EndpointReport {
    std::string url;
    std::uint64_t posted = 0;       ///< transactions posted to it (first tries, failovers and rebroadcasts)
    std::uint64_t accepted = 0;     ///< of those, the ones it took into its pool
    std::uint64_t failures = 0;     ///< requests it did not answer (refused, reset, timed out, not JSON)
    std::uint64_t failed_over = 0;  ///< transactions of its senders sent to another endpoint instead
    std::string first_failure;
};

/// What a load run measured.
struct LoadReport {
    std::uint64_t sent = 0;
    std::uint64_t accepted = 0;
    std::uint64_t rejected = 0;
    std::uint64_t unsent = 0;        ///< no endpoint answered before the inclusion deadline
    std::uint64_t held_back = 0;     ///< not sent: a sender's later nonces after one of its transactions was refused (they could never run)
    std::uint64_t refused_full = 0;  ///< sends refused with "txpool is full" (sent again at the sender's next slot)
    std::string first_rejection;     ///< the error message of the first rejected transaction
    std::uint64_t committed = 0;     ///< accepted transactions seen in a block before the timeout
    std::uint64_t blocks = 0;        ///< blocks that held at least one of them
    std::uint64_t rebroadcast = 0;   ///< accepted transactions posted again because a block had not shown them
    std::uint64_t receipts = 0;      ///< receipts written to LoadOptions::receipts_path
    double send_seconds = 0;         ///< from the first send to the last
    double committed_per_second = 0; ///< committed / (first send .. last inclusion seen)
    double latency_p50_ms = 0;       ///< send to inclusion seen, over the committed ones
    double latency_p99_ms = 0;
    std::vector<EndpointReport> endpoints;
};

/// Sends `rate * seconds` transfers from the accounts of kTestMnemonic, nonces tracked locally
/// from eth_getTransactionCount(pending); each sender goes to one endpoint (sender i to
/// endpoint i mod n), so its nonces arrive in order even on nodes that share no mempool.
/// An endpoint that resets, refuses or stops answering is skipped: its senders' transactions
/// go to the next endpoint that answers, it is tried again after a pause, and once any
/// endpoint has failed, accepted transactions no block has shown after a few seconds are
/// posted again (a killed node loses its pool). Inclusion is observed by polling every
/// endpoint's new blocks. Throws std::runtime_error when no endpoint answers at the start.
[[nodiscard]] LoadReport run_load(const LoadOptions& options);

}  // namespace moe::load
