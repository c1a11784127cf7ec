#include "core/host_port.hpp"

#include <algorithm>

namespace moe::core {

namespace {

bool name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'; }
bool ipv6_char(char c) { return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') || c == ':' || c == '.'; }

}  // namespace

std::expected<HostPort, std::string> parse_host_port(std::string_view text) {
    const std::string quoted = "'" + std::string(text) + "'";
    HostPort out;
    std::string_view port;
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return std::unexpected(quoted + " is not host:port");
        }
        const std::string_view host = text.substr(1, close - 1);
        if (host.empty() || host.find(':') == std::string_view::npos || !std::all_of(host.begin(), host.end(), ipv6_char)) {
            return std::unexpected(quoted + ": the brackets must hold an IPv6 address");
        }
        out.host = std::string(host);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos || colon == 0) return std::unexpected(quoted + " is not host:port");
        const std::string_view host = text.substr(0, colon);
        if (!std::all_of(host.begin(), host.end(), name_char)) {
            return std::unexpected(quoted + ": the host may hold only letters, digits, '.' and '-' (an IPv6 address goes in brackets)");
        }
        out.host = std::string(host);
        port = text.substr(colon + 1);
    }
    unsigned long value = 0;
    const bool digits = !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    for (char c : digits ? port : std::string_view{}) value = value * 10 + static_cast<unsigned long>(c - '0');
    if (!digits || value == 0 || value > 65535) return std::unexpected(quoted + ": the port must be 1 to 65535");
    out.port = static_cast<std::uint16_t>(value);
    return out;
}

}  // namespace moe::core
