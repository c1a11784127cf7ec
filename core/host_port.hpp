#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace moe::core {

/// A network address as configs and command lines write it.
struct HostPort {
    std::string host;  ///< a name, an IPv4 address, or an IPv6 address (without its brackets)
    std::uint16_t port = 0;
};

/// Parses "host:port": a host name or IPv4 address of letters, digits, '.' and '-', or an IPv6
/// address in brackets ("[::1]:26656"); a port from 1 to 65535. The error quotes `text` and
/// says what is wrong. The one parser of peers (config.json, the P2P dialler) and RPC
/// addresses (moed load).
[[nodiscard]] std::expected<HostPort, std::string> parse_host_port(std::string_view text);

}  // namespace moe::core
