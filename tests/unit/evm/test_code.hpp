#pragma once

#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"

/// Shorthands the EVM unit tests write their accounts and bytecode with.
namespace moe::evm::test {

/// A test account: 0xcc00..00 with its last byte `b`.
inline core::Address addr(std::uint8_t b) {
    core::Address a;
    a[0] = 0xcc;
    a[19] = b;
    return a;
}

/// Bytecode or data from hex without a 0x prefix.
inline core::Bytes hex(std::string_view h) { return *core::from_hex(h, {.require_prefix = false}); }

}  // namespace moe::evm::test
