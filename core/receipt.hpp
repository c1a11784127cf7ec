#pragma once

#include <cstdint>
#include <expected>
#include <vector>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"
#include "core/rlp.hpp"
#include "core/transaction.hpp"

namespace moe::core {

/// A log entry emitted by LOG0..LOG4.
struct Log {
    Address address;
    std::vector<Hash> topics;
    Bytes data;
    friend bool operator==(const Log&, const Log&) = default;
};

/// The 2048-bit logs bloom of the Yellow Paper (section 4.3.1).
using Bloom = FixedBytes<256>;

/// Sets the three bits of `item` (from the first six bytes of its Keccak-256).
void add_to_bloom(Bloom& bloom, ByteView item);
/// The bloom of a set of logs: each address and each topic.
[[nodiscard]] Bloom logs_bloom(const std::vector<Log>& logs);
/// True when the bloom may contain `item` (false means surely absent).
[[nodiscard]] bool bloom_may_contain(const Bloom& bloom, ByteView item);

/// RLP list of logs, as in receipts: [[address, [topics...], data], ...].
void encode_logs(Bytes& out, const std::vector<Log>& logs);
/// keccak256(rlp(logs)), the logs hash that GeneralStateTests check.
[[nodiscard]] Hash logs_hash(const std::vector<Log>& logs);

/// The receipt of one transaction (post-Byzantium: a status instead of a state root).
struct Receipt {
    TxType type = TxType::kLegacy;
    bool success = true;
    std::uint64_t cumulative_gas_used = 0;
    Bloom bloom;
    std::vector<Log> logs;

    /// EIP-2718 encoding: RLP for legacy, type || RLP for typed receipts. This is what the
    /// receipts trie holds.
    [[nodiscard]] Bytes encode() const;
    friend bool operator==(const Receipt&, const Receipt&) = default;
};

/// Decodes a receipt from its EIP-2718 encoding.
[[nodiscard]] std::expected<Receipt, rlp::DecodeError> decode_receipt(ByteView encoded);

/// The receipts of a block as one RLP list (typed ones wrapped as strings), for storage.
[[nodiscard]] Bytes encode_receipts(const std::vector<Receipt>& receipts);
[[nodiscard]] std::expected<std::vector<Receipt>, rlp::DecodeError> decode_receipts(ByteView encoded);

/// The receipts root of a block.
[[nodiscard]] Hash receipts_root(const std::vector<Receipt>& receipts);

}  // namespace moe::core
