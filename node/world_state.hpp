#pragma once

#include <expected>
#include <map>

#include "core/account.hpp"
#include "core/trie.hpp"

namespace moe::node {

/// The accounts of one state root, with changes held in memory until commit. Keys of the
/// state trie are keccak(address) (the secure trie of the Yellow Paper).
class WorldState {
  public:
    WorldState(const core::NodeStore* store, const core::Hash& root) : trie_(store, root) {}

    /// The account at an address (an empty account when absent).
    [[nodiscard]] std::expected<core::Account, core::TrieError> account(const core::Address& address);
    /// Replaces an account; an empty account (EIP-161) is removed at commit.
    void set_account(const core::Address& address, const core::Account& account);

    /// Writes the changes into the trie (in address order) and its new nodes into `out`;
    /// returns the new state root.
    [[nodiscard]] std::expected<core::Hash, core::TrieError> commit(core::NodeStore& out);
    /// The root the changes would give, without writing nodes anywhere.
    [[nodiscard]] std::expected<core::Hash, core::TrieError> root();

  private:
    [[nodiscard]] std::expected<void, core::TrieError> flush();

    core::Trie trie_;
    std::map<core::Address, core::Account> dirty_;
};

}  // namespace moe::node
