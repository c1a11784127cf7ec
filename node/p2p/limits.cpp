#include "node/p2p/limits.hpp"

#include <algorithm>

namespace moe::node::p2p {

TokenBucket::TokenBucket(std::uint64_t rate, std::uint64_t capacity, Clock::time_point now) noexcept
    : rate_(static_cast<double>(rate)),
      capacity_(static_cast<double>(capacity)),
      tokens_(static_cast<double>(capacity)),
      last_(now) {}

bool TokenBucket::take(std::uint64_t tokens, Clock::time_point now) noexcept {
    if (now > last_) {
        const double seconds = std::chrono::duration<double>(now - last_).count();
        tokens_ = std::min(capacity_, tokens_ + seconds * rate_);
        last_ = now;
    }
    const auto wanted = static_cast<double>(tokens);
    if (wanted > tokens_) return false;
    tokens_ -= wanted;
    return true;
}

bool SeenSet::insert(const core::Hash& hash) {
    if (const auto it = index_.find(hash); it != index_.end()) {
        order_.splice(order_.begin(), order_, it->second);
        return false;
    }
    order_.push_front(hash);
    index_.emplace(hash, order_.begin());
    if (index_.size() > capacity_) {
        index_.erase(order_.back());
        order_.pop_back();
    }
    return true;
}

}  // namespace moe::node::p2p
