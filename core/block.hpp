#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"
#include "core/receipt.hpp"
#include "core/rlp.hpp"
#include "core/transaction.hpp"
#include "core/uint256.hpp"

namespace moe::core {

/// A block header with Ethereum's fields through Cancun, so that tools parse it unchanged.
/// The optional fields are encoded only when set, in fork order, as Ethereum does.
struct BlockHeader {
    Hash parent_hash;
    Hash ommers_hash = kEmptyListHash;
    Address beneficiary;          ///< the proposer, who receives priority fees
    Hash state_root = kEmptyTrieRoot;
    Hash transactions_root = kEmptyTrieRoot;
    Hash receipts_root = kEmptyTrieRoot;
    Bloom logs_bloom;
    uint256 difficulty;           ///< always 0 under proof of stake
    std::uint64_t number = 0;
    std::uint64_t gas_limit = 0;
    std::uint64_t gas_used = 0;
    std::uint64_t timestamp = 0;
    Bytes extra_data;
    Hash mix_hash;                ///< prev_randao after the merge
    std::array<std::uint8_t, 8> nonce{};
    std::optional<uint256> base_fee_per_gas;         // EIP-1559
    std::optional<Hash> withdrawals_root;            // EIP-4895
    std::optional<std::uint64_t> blob_gas_used;      // EIP-4844
    std::optional<std::uint64_t> excess_blob_gas;    // EIP-4844
    std::optional<Hash> parent_beacon_block_root;    // EIP-4788

    [[nodiscard]] Bytes encode() const;
    [[nodiscard]] Hash hash() const;
    friend bool operator==(const BlockHeader&, const BlockHeader&) = default;
};

/// Maximum extra data of a header (Yellow Paper).
inline constexpr std::size_t kMaxExtraDataSize = 32;

[[nodiscard]] std::expected<BlockHeader, rlp::DecodeError> decode_header(ByteView encoded);

/// The transactions of a block (no ommers and no withdrawals on this chain).
struct BlockBody {
    std::vector<Transaction> transactions;

    /// RLP([transactions, ommers = [], withdrawals = []]).
    [[nodiscard]] Bytes encode() const;
    friend bool operator==(const BlockBody&, const BlockBody&) = default;
};

enum class BodyError { kMalformedRlp, kBadTransaction, kUnexpectedOmmers, kUnexpectedWithdrawals };
[[nodiscard]] std::string_view to_string(BodyError e) noexcept;

[[nodiscard]] std::expected<BlockBody, BodyError> decode_body(ByteView encoded);

struct Block {
    BlockHeader header;
    BlockBody body;
};

/// The transactions root of a list of transactions.
[[nodiscard]] Hash transactions_root(const std::vector<Transaction>& txns);

/// EIP-1559 parameters of a chain.
struct FeeRules {
    std::uint64_t elasticity_multiplier = 2;
    std::uint64_t base_fee_max_change_denominator = 8;
};

/// The base fee of the block after `parent` (EIP-1559).
[[nodiscard]] uint256 next_base_fee(const BlockHeader& parent, const FeeRules& rules = {});

}  // namespace moe::core
