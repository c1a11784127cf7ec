#pragma once

#include <array>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"

/// Ethereum's hexary Merkle Patricia Trie (Yellow Paper, appendix D).
namespace moe::core {

/// Where trie nodes live, by the Keccak-256 of their RLP. The node keeps state tries in
/// RocksDB behind this interface; tests and transaction/receipt roots use the memory one.
class NodeStore {
  public:
    virtual ~NodeStore() = default;
    /// The RLP of the node with this hash, if stored.
    [[nodiscard]] virtual std::optional<Bytes> get_node(const Hash& hash) const = 0;
    /// Stores a node; storing the same node twice is harmless.
    virtual void put_node(const Hash& hash, ByteView rlp) = 0;
    /// Whether get_node answers only bytes whose Keccak-256 is the hash asked for (a store that
    /// checks what it reads itself, and answers a node that fails as absent); the trie then does
    /// not hash them again. Otherwise the trie checks every node it loads.
    [[nodiscard]] virtual bool checks_hashes() const noexcept { return false; }
};

/// A node store in memory (ordered map, so iteration is deterministic).
class MemoryNodeStore final : public NodeStore {
  public:
    [[nodiscard]] std::optional<Bytes> get_node(const Hash& hash) const override;
    void put_node(const Hash& hash, ByteView rlp) override;
    [[nodiscard]] std::size_t size() const noexcept { return nodes_.size(); }
    /// Every stored node, by hash.
    [[nodiscard]] const std::map<Hash, Bytes>& nodes() const noexcept { return nodes_; }

  private:
    std::map<Hash, Bytes> nodes_;
};

enum class TrieError {
    kMissingNode,  ///< a node referenced by hash is not in the store
    kCorruptNode,  ///< a stored node is not a valid trie node
};
[[nodiscard]] std::string_view to_string(TrieError e) noexcept;

/// A trie over a node store. Changes stay in memory until commit() writes the new nodes;
/// unchanged subtrees are never re-hashed.
class Trie {
  public:
    /// An empty trie, or the trie with this root read from `store` (nullptr: memory only).
    explicit Trie(const NodeStore* store = nullptr, const Hash& root = kEmptyTrieRoot);
    ~Trie();
    Trie(Trie&&) noexcept;
    Trie& operator=(Trie&&) noexcept;
    Trie(const Trie&) = delete;
    Trie& operator=(const Trie&) = delete;

    /// The value under `key`, or nullopt.
    [[nodiscard]] std::expected<std::optional<Bytes>, TrieError> get(ByteView key);
    /// Sets `key` to `value`; an empty value erases the key, as in Ethereum.
    [[nodiscard]] std::expected<void, TrieError> put(ByteView key, ByteView value);
    /// Removes `key` (absent keys are not an error).
    [[nodiscard]] std::expected<void, TrieError> erase(ByteView key);

    /// Visits every key and value in ascending key order (loading nodes as needed).
    [[nodiscard]] std::expected<void, TrieError> for_each(
        const std::function<void(ByteView key, ByteView value)>& visit);

    /// The root hash (kEmptyTrieRoot when empty).
    [[nodiscard]] Hash root_hash();

    /// Writes every node created since the last commit (and the root node, even if small,
    /// so the trie can be reopened by its root) and returns the root hash.
    Hash commit(NodeStore& out);

    struct Node;

  private:
    const NodeStore* store_;
    std::unique_ptr<Node> root_;
};

/// The root of a trie whose keys are RLP(index) and values the given items: the
/// transactions root and receipts root of a block.
[[nodiscard]] Hash ordered_trie_root(const std::vector<Bytes>& items);

}  // namespace moe::core
