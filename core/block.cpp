#include "core/block.hpp"

#include "core/keccak.hpp"
#include "core/trie.hpp"

namespace moe::core {

Bytes BlockHeader::encode() const {
    Bytes p;
    rlp::encode(p, parent_hash);
    rlp::encode(p, ommers_hash);
    rlp::encode(p, beneficiary);
    rlp::encode(p, state_root);
    rlp::encode(p, transactions_root);
    rlp::encode(p, receipts_root);
    rlp::encode(p, logs_bloom);
    rlp::encode(p, difficulty);
    rlp::encode(p, number);
    rlp::encode(p, gas_limit);
    rlp::encode(p, gas_used);
    rlp::encode(p, timestamp);
    rlp::encode(p, ByteView{extra_data});
    rlp::encode(p, mix_hash);
    rlp::encode(p, ByteView(nonce.data(), nonce.size()));
    if (base_fee_per_gas) rlp::encode(p, *base_fee_per_gas);
    if (withdrawals_root) rlp::encode(p, *withdrawals_root);
    if (blob_gas_used) rlp::encode(p, *blob_gas_used);
    if (excess_blob_gas) rlp::encode(p, *excess_blob_gas);
    if (parent_beacon_block_root) rlp::encode(p, *parent_beacon_block_root);
    return rlp::wrap_list(p);
}

Hash BlockHeader::hash() const { return keccak256(encode()); }

std::expected<BlockHeader, rlp::DecodeError> decode_header(ByteView encoded) {
    using rlp::DecodeError;
    auto list = rlp::decode_list(encoded);
    if (!list) return std::unexpected(list.error());
    if (!encoded.empty()) return std::unexpected(DecodeError::kInputTooLong);
    ByteView p = *list;
    BlockHeader h;
    DecodeError err{};
    auto ok = [&](auto result, auto& field) {
        if (!result) {
            err = result.error();
            return false;
        }
        field = std::move(*result);
        return true;
    };
    Bytes nonce;
    if (!ok(rlp::decode_fixed<32>(p), h.parent_hash) || !ok(rlp::decode_fixed<32>(p), h.ommers_hash) ||
        !ok(rlp::decode_fixed<20>(p), h.beneficiary) || !ok(rlp::decode_fixed<32>(p), h.state_root) ||
        !ok(rlp::decode_fixed<32>(p), h.transactions_root) || !ok(rlp::decode_fixed<32>(p), h.receipts_root) ||
        !ok(rlp::decode_fixed<256>(p), h.logs_bloom) || !ok(rlp::decode_uint256(p), h.difficulty) ||
        !ok(rlp::decode_u64(p), h.number) || !ok(rlp::decode_u64(p), h.gas_limit) ||
        !ok(rlp::decode_u64(p), h.gas_used) || !ok(rlp::decode_u64(p), h.timestamp) ||
        !ok(rlp::decode_bytes(p), h.extra_data) || !ok(rlp::decode_fixed<32>(p), h.mix_hash) ||
        !ok(rlp::decode_bytes(p), nonce)) {
        return std::unexpected(err);
    }
    if (nonce.size() != 8) return std::unexpected(DecodeError::kUnexpectedLength);
    std::copy(nonce.begin(), nonce.end(), h.nonce.begin());
    // Fork fields, each present only if the one before it is.
    if (!p.empty()) {
        uint256 fee;
        if (!ok(rlp::decode_uint256(p), fee)) return std::unexpected(err);
        h.base_fee_per_gas = fee;
    }
    if (!p.empty()) {
        Hash root;
        if (!ok(rlp::decode_fixed<32>(p), root)) return std::unexpected(err);
        h.withdrawals_root = root;
    }
    if (!p.empty()) {
        std::uint64_t used = 0;
        std::uint64_t excess = 0;
        if (!ok(rlp::decode_u64(p), used) || !ok(rlp::decode_u64(p), excess)) return std::unexpected(err);
        h.blob_gas_used = used;
        h.excess_blob_gas = excess;
    }
    if (!p.empty()) {
        Hash root;
        if (!ok(rlp::decode_fixed<32>(p), root)) return std::unexpected(err);
        h.parent_beacon_block_root = root;
    }
    if (!p.empty()) return std::unexpected(DecodeError::kListLengthMismatch);
    return h;
}

Bytes BlockBody::encode() const {
    Bytes txns;
    for (const Transaction& t : transactions) encode_in_list(txns, t);
    Bytes p;
    rlp::encode_header(p, true, txns.size());
    p.insert(p.end(), txns.begin(), txns.end());
    p.push_back(0xc0);  // ommers
    p.push_back(0xc0);  // withdrawals
    return rlp::wrap_list(p);
}

std::string_view to_string(BodyError e) noexcept {
    switch (e) {
        case BodyError::kMalformedRlp: return "malformed block body";
        case BodyError::kBadTransaction: return "malformed transaction in block body";
        case BodyError::kUnexpectedOmmers: return "block body has ommers";
        case BodyError::kUnexpectedWithdrawals: return "block body has withdrawals";
    }
    return "invalid block body";
}

std::expected<BlockBody, BodyError> decode_body(ByteView encoded) {
    auto list = rlp::decode_list(encoded);
    if (!list || !encoded.empty()) return std::unexpected(BodyError::kMalformedRlp);
    ByteView p = *list;
    auto txns = rlp::decode_list(p);
    if (!txns) return std::unexpected(BodyError::kMalformedRlp);
    BlockBody body;
    ByteView t = *txns;
    while (!t.empty()) {
        auto txn = decode_from_list(t);
        if (!txn) return std::unexpected(BodyError::kBadTransaction);
        body.transactions.push_back(std::move(*txn));
    }
    auto ommers = rlp::decode_list(p);
    if (!ommers) return std::unexpected(BodyError::kMalformedRlp);
    if (!ommers->empty()) return std::unexpected(BodyError::kUnexpectedOmmers);
    auto withdrawals = rlp::decode_list(p);
    if (!withdrawals || !p.empty()) return std::unexpected(BodyError::kMalformedRlp);
    if (!withdrawals->empty()) return std::unexpected(BodyError::kUnexpectedWithdrawals);
    return body;
}

Hash transactions_root(const std::vector<Transaction>& txns) {
    std::vector<Bytes> items;
    items.reserve(txns.size());
    for (const Transaction& t : txns) items.push_back(t.encode());
    return ordered_trie_root(items);
}

uint256 next_base_fee(const BlockHeader& parent, const FeeRules& rules) {
    const uint256 parent_fee = parent.base_fee_per_gas.value_or(0);
    const std::uint64_t target = parent.gas_limit / rules.elasticity_multiplier;
    if (target == 0 || parent.gas_used == target) return parent_fee;
    if (parent.gas_used > target) {
        const uint256 delta = parent_fee * (parent.gas_used - target) / target / rules.base_fee_max_change_denominator;
        return parent_fee + std::max(delta, uint256{1});
    }
    const uint256 delta = parent_fee * (target - parent.gas_used) / target / rules.base_fee_max_change_denominator;
    return parent_fee > delta ? parent_fee - delta : uint256{0};
}

}  // namespace moe::core
