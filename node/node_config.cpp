#include "node/node_config.hpp"

#include <nlohmann/json.hpp>

#include "core/host_port.hpp"

namespace moe::node {

namespace {

using nlohmann::json;

template <typename T>
std::expected<T, std::string> unsigned_field(const json& j, const char* name, T max) {
    const json& v = j.at(name);
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
        return std::unexpected(std::string("field '") + name + "' must be an integer from 0 to " + std::to_string(max));
    }
    return static_cast<T>(v.get<std::uint64_t>());
}

std::string_view level_name(log::Level l) {
    switch (l) {
        case log::Level::kTrace: return "trace";
        case log::Level::kDebug: return "debug";
        case log::Level::kInfo: return "info";
        case log::Level::kWarn: return "warn";
        case log::Level::kError: return "error";
    }
    return "info";
}

}  // namespace

std::expected<void, std::string> check_peer_address(std::string_view peer) {
    auto parsed = core::parse_host_port(peer);
    if (!parsed) return std::unexpected(parsed.error());
    return {};
}

std::expected<NodeConfig, std::string> load_node_config(const std::filesystem::path& file) {
    auto text = read_file(file, 1024 * 1024);
    if (!text) return std::unexpected(text.error());
    auto config = parse_node_config(*text);
    if (!config) return std::unexpected(file.string() + ": " + config.error());
    return config;
}

std::expected<NodeConfig, std::string> parse_node_config(std::string_view text) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {
        return std::unexpected(std::string("invalid JSON: ") + e.what());
    }
    if (!j.is_object()) return std::unexpected("must be a JSON object");

    NodeConfig c;
    auto fail = [](const std::string& why) { return std::unexpected(why); };
    for (const auto& [key, value] : j.items()) {
        if (key == "rpc_host" || key == "p2p_host") {
            if (!value.is_string() || value.get<std::string>().empty()) return fail("field '" + key + "' must be a host name or address");
            (key == "rpc_host" ? c.rpc_host : c.p2p_host) = value.get<std::string>();
        } else if (key == "rpc_port" || key == "p2p_port") {
            auto v = unsigned_field<std::uint16_t>(j, key.c_str(), 65535);
            if (!v) return fail(v.error());
            (key == "rpc_port" ? c.rpc_port : c.p2p_port) = *v;
        } else if (key == "rpc_allow_external" || key == "instant_blocks") {
            if (!value.is_boolean()) return fail("field '" + key + "' must be true or false");
            (key == "rpc_allow_external" ? c.rpc_allow_external : c.instant_blocks) = value.get<bool>();
        } else if (key == "rpc_max_connections" || key == "rpc_max_batch") {
            auto v = unsigned_field<std::uint32_t>(j, key.c_str(), 1'000'000);
            if (!v) return fail(v.error());
            if (*v == 0) return fail("field '" + key + "' must be at least 1");
            (key == "rpc_max_connections" ? c.rpc_max_connections : c.rpc_max_batch) = *v;
        } else if (key == "rpc_max_body_bytes") {
            auto v = unsigned_field<std::uint64_t>(j, key.c_str(), 1ull << 30);
            if (!v) return fail(v.error());
            if (*v < 1024) return fail("field 'rpc_max_body_bytes' must be at least 1024");
            c.rpc_max_body_bytes = *v;
        } else if (key == "rpc_max_connections_per_address") {
            auto v = unsigned_field<std::uint32_t>(j, key.c_str(), 1'000'000);
            if (!v) return fail(v.error());
            if (*v == 0) return fail("field '" + key + "' must be at least 1");
            c.rpc_max_connections_per_address = *v;
        } else if (key == "rpc_idle_timeout_ms" || key == "rpc_header_timeout_ms" || key == "rpc_body_timeout_ms") {
            auto v = unsigned_field<std::uint64_t>(j, key.c_str(), 3'600'000);
            if (!v) return fail(v.error());
            if (*v < 100) return fail("field '" + key + "' must be at least 100");
            (key == "rpc_idle_timeout_ms" ? c.rpc_idle_timeout_ms
             : key == "rpc_header_timeout_ms" ? c.rpc_header_timeout_ms : c.rpc_body_timeout_ms) = *v;
        } else if (key == "block_interval_ms") {
            auto v = unsigned_field<std::uint64_t>(j, key.c_str(), 3'600'000);
            if (!v) return fail(v.error());
            c.block_interval_ms = *v;
        } else if (key == "persistent_peers") {
            if (!value.is_array()) return fail("field 'persistent_peers' must be an array of \"host:port\" strings");
            for (const json& p : value) {
                if (!p.is_string()) return fail("field 'persistent_peers' must be an array of \"host:port\" strings");
                if (auto r = check_peer_address(p.get<std::string>()); !r) return fail("persistent_peers: " + r.error());
                c.persistent_peers.push_back(p.get<std::string>());
            }
        } else if (key == "mempool_max_transactions" || key == "mempool_max_per_sender") {
            auto v = unsigned_field<std::uint32_t>(j, key.c_str(), kMaxPooledTransactions);
            if (!v) return fail(v.error());
            if (*v == 0) return fail("field '" + key + "' must be at least 1");
            (key == "mempool_max_transactions" ? c.mempool_max_transactions : c.mempool_max_per_sender) = *v;
        } else if (key == "recovery_threads") {
            auto v = unsigned_field<std::uint32_t>(j, key.c_str(), 256);
            if (!v) return fail(v.error());
            c.recovery_threads = *v;
        } else if (key == "p2p_max_peers") {
            auto v = unsigned_field<std::uint32_t>(j, key.c_str(), 10'000);
            if (!v) return fail(v.error());
            if (*v == 0) return fail("field 'p2p_max_peers' must be at least 1");
            c.p2p_max_peers = *v;
        } else if (key == "log_level") {
            if (!value.is_string() || !log::parse_level(value.get<std::string>(), c.log_level)) {
                return fail("field 'log_level' must be one of trace, debug, info, warn, error");
            }
        } else {
            return fail("unknown field '" + key + "'");
        }
    }
    if (c.mempool_max_per_sender > c.mempool_max_transactions) {
        return fail("field 'mempool_max_per_sender' must not exceed 'mempool_max_transactions'");
    }
    return c;
}

std::expected<void, std::string> save_node_config(const NodeConfig& c, const std::filesystem::path& file) {
    json j = {
        {"rpc_host", c.rpc_host},
        {"rpc_port", c.rpc_port},
        {"rpc_allow_external", c.rpc_allow_external},
        {"rpc_max_connections", c.rpc_max_connections},
        {"rpc_max_body_bytes", c.rpc_max_body_bytes},
        {"rpc_max_batch", c.rpc_max_batch},
        {"rpc_max_connections_per_address", c.rpc_max_connections_per_address},
        {"rpc_idle_timeout_ms", c.rpc_idle_timeout_ms},
        {"rpc_header_timeout_ms", c.rpc_header_timeout_ms},
        {"rpc_body_timeout_ms", c.rpc_body_timeout_ms},
        {"p2p_host", c.p2p_host},
        {"p2p_port", c.p2p_port},
        {"persistent_peers", c.persistent_peers},
        {"p2p_max_peers", c.p2p_max_peers},
        {"block_interval_ms", c.block_interval_ms},
        {"instant_blocks", c.instant_blocks},
        {"mempool_max_transactions", c.mempool_max_transactions},
        {"mempool_max_per_sender", c.mempool_max_per_sender},
        {"recovery_threads", c.recovery_threads},
        {"log_level", std::string(level_name(c.log_level))},
    };
    return write_file_atomic(file, j.dump(2) + "\n");
}

}  // namespace moe::node
