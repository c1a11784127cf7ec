#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>

#include "core/fixed_bytes.hpp"

/// The bounded structures the P2P layer keeps per peer and per node: rate limits and the
/// gossip dedupe set. Neither reads the clock: the caller passes the time in.
namespace moe::node::p2p {

/// A token bucket: `rate` tokens a second, at most `capacity` stored (the burst).
class TokenBucket {
  public:
    using Clock = std::chrono::steady_clock;

    /// Starts full.
    TokenBucket(std::uint64_t rate, std::uint64_t capacity, Clock::time_point now) noexcept;

    /// Refills for the time since the last call, then takes `tokens`; false (and nothing
    /// taken) if there are not enough.
    [[nodiscard]] bool take(std::uint64_t tokens, Clock::time_point now) noexcept;

  private:
    double rate_;
    double capacity_;
    double tokens_;
    Clock::time_point last_;
};

/// The most recent `capacity` hashes, least recently seen evicted first.
class SeenSet {
  public:
    explicit SeenSet(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

    /// Records `hash`; returns false if it was already present (and marks it recent).
    [[nodiscard]] bool insert(const core::Hash& hash);
    [[nodiscard]] std::size_t size() const noexcept { return index_.size(); }

  private:
    std::size_t capacity_;
    std::list<core::Hash> order_;  // front: most recent
    std::unordered_map<core::Hash, std::list<core::Hash>::iterator> index_;
};

}  // namespace moe::node::p2p
