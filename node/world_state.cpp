#include "node/world_state.hpp"

#include "core/keccak.hpp"

namespace moe::node {

std::expected<core::Account, core::TrieError> WorldState::account(const core::Address& address) {
    if (auto it = dirty_.find(address); it != dirty_.end()) return it->second;
    auto raw = trie_.get(core::keccak256(address));
    if (!raw) return std::unexpected(raw.error());
    if (!*raw) return core::Account{};
    auto decoded = core::decode_account(**raw);
    if (!decoded) return std::unexpected(core::TrieError::kCorruptNode);
    return *decoded;
}

void WorldState::set_account(const core::Address& address, const core::Account& account) { dirty_[address] = account; }

std::expected<void, core::TrieError> WorldState::flush() {
    for (const auto& [address, account] : dirty_) {
        const core::Hash key = core::keccak256(address);
        auto r = account.is_empty() ? trie_.erase(key) : trie_.put(key, account.encode());
        if (!r) return r;
    }
    dirty_.clear();
    return {};
}

std::expected<core::Hash, core::TrieError> WorldState::commit(core::NodeStore& out) {
    if (auto r = flush(); !r) return std::unexpected(r.error());
    return trie_.commit(out);
}

std::expected<core::Hash, core::TrieError> WorldState::root() {
    if (auto r = flush(); !r) return std::unexpected(r.error());
    return trie_.root_hash();
}

}  // namespace moe::node
