#pragma once

#include <expected>
#include <string>

#include "core/fixed_bytes.hpp"

namespace moe::core {

/// 32 bytes from the kernel's random source (getrandom(2), which waits until the source is
/// seeded): the one source of randomness of the node, for keys and handshake challenges.
/// Never used for anything a block depends on.
[[nodiscard]] std::expected<Hash, std::string> random_hash();

}  // namespace moe::core
