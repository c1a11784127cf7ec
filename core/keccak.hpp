#pragma once

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"

namespace moe::core {

/// Keccak-256 as Ethereum uses it (the original padding, not SHA3-256), from Crypto++.
[[nodiscard]] Hash keccak256(ByteView data);

/// SHA-256 (FIPS 180-4), from Crypto++.
[[nodiscard]] Hash sha256(ByteView data);

/// Feeds several pieces into one Keccak-256 without joining them first.
class Keccak256 {
  public:
    Keccak256();
    ~Keccak256();
    Keccak256(const Keccak256&) = delete;
    Keccak256& operator=(const Keccak256&) = delete;

    void update(ByteView data);
    [[nodiscard]] Hash finish();

  private:
    struct Impl;
    Impl* impl_;
};

}  // namespace moe::core
