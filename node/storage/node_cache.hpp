#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"

namespace moe::node {

/// Trie nodes the node has read and checked, or written, by hash: every admission, verdict and
/// block reads the same upper nodes of the state trie, and each read from RocksDB cost a lookup
/// and a Keccak-256 of the node (scripts/profile.sh). A node is named by the hash of its bytes,
/// so an entry is never stale. Direct-mapped (a slot per hash prefix, a newer node replaces an
/// older one in its slot), so its size is fixed: `slots` entries. Thread-safe.
class NodeCache {
  public:
    explicit NodeCache(std::size_t slots = std::size_t{1} << 16);

    /// The node's bytes, if cached.
    [[nodiscard]] std::optional<core::Bytes> get(const core::Hash& hash) const;
    /// Caches a node whose bytes hash to `hash` (the caller checked, or computed, that).
    void put(const core::Hash& hash, core::ByteView rlp);

  private:
    struct Slot {
        core::Hash hash;
        std::shared_ptr<const core::Bytes> rlp;  ///< empty: no node
    };
    static constexpr std::size_t kShards = 64;
    [[nodiscard]] std::size_t slot_of(const core::Hash& hash) const noexcept;

    std::vector<Slot> slots_;
    mutable std::array<std::mutex, kShards> shards_;
};

}  // namespace moe::node
