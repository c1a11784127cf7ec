#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"
#include "core/uint256.hpp"

namespace moe::consensus {

/// The most account changes and impersonated transactions one block carries.
inline constexpr std::size_t kMaxDevChanges = 1024;
/// The largest code a change may set (Hardhat and Anvil set any size; this bounds a block).
inline constexpr std::size_t kMaxDevCodeSize = 128 * 1024;

/// One change of an account made outside any transaction on a devnet (hardhat_setBalance,
/// *_setNonce, *_setCode, *_setStorageAt; decision 008).
struct AccountChange {
    enum class Kind : std::uint8_t { kBalance = 1, kNonce = 2, kCode = 3, kStorage = 4 };
    Kind kind = Kind::kBalance;
    core::Address address;
    core::Hash slot;      ///< kStorage only (zero otherwise)
    core::uint256 value;  ///< the balance, the nonce (at most 2^64 - 1) or the storage word
    core::Bytes code;     ///< kCode only (empty otherwise)

    friend bool operator==(const AccountChange&, const AccountChange&) = default;
};

/// What a devnet block carries beside its transactions (decision 008): the account changes,
/// applied in order before the block's protocol operations, and the senders of its
/// impersonated transactions (sent unsigned through eth_sendTransaction from an account the
/// developer impersonates), which no signature names.
struct DevChanges {
    std::vector<AccountChange> changes;
    /// By transaction hash, strictly increasing.
    std::vector<std::pair<core::Hash, core::Address>> impersonated;

    [[nodiscard]] bool empty() const noexcept { return changes.empty() && impersonated.empty(); }
    /// rlp([[[kind, address, slot or "", value, code], ...], [[txn_hash, sender], ...]]).
    [[nodiscard]] core::Bytes encode() const;
    /// The strict inverse of encode(): known kinds, fields of other kinds zero or empty, a
    /// nonce within 64 bits, code at most kMaxDevCodeSize, at most kMaxDevChanges of each list,
    /// impersonated hashes strictly increasing, and not both lists empty.
    [[nodiscard]] static std::expected<DevChanges, std::string> decode(core::ByteView bytes);

    friend bool operator==(const DevChanges&, const DevChanges&) = default;
};

}  // namespace moe::consensus
