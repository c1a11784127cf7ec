#pragma once

#include <cstdint>
#include <expected>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"
#include "core/rlp.hpp"
#include "core/uint256.hpp"

namespace moe::core {

/// An account of the state trie: RLP([nonce, balance, storage_root, code_hash]).
struct Account {
    std::uint64_t nonce = 0;
    uint256 balance;
    Hash storage_root = kEmptyTrieRoot;
    Hash code_hash = kEmptyCodeHash;

    /// Empty in the sense of EIP-161: no nonce, no balance, no code.
    [[nodiscard]] bool is_empty() const noexcept {
        return nonce == 0 && balance == 0 && code_hash == kEmptyCodeHash;
    }
    [[nodiscard]] Bytes encode() const;
    friend bool operator==(const Account&, const Account&) = default;
};

/// Decodes an account from its state-trie value; anything non-canonical is an error.
[[nodiscard]] std::expected<Account, rlp::DecodeError> decode_account(ByteView encoded);

}  // namespace moe::core
