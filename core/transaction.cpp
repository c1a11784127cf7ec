#include "core/transaction.hpp"

#include <limits>

#include "core/keccak.hpp"

namespace moe::core {

std::string_view to_string(TxError e) noexcept {
    switch (e) {
        case TxError::kMalformedRlp: return "rlp: malformed transaction";
        case TxError::kUnsupportedType: return "transaction type not supported";
        case TxError::kInvalidV: return "invalid transaction v value";
        case TxError::kInvalidSignature: return "invalid transaction v, r, s values";
        case TxError::kHighS: return "invalid transaction v, r, s values (s above n/2)";
        case TxError::kNonceMax: return "nonce has max value";
        case TxError::kIntrinsicGasTooLow: return "intrinsic gas too low";
        case TxError::kTipAboveFeeCap: return "max priority fee per gas higher than max fee per gas";
        case TxError::kInitCodeTooLarge: return "max initcode size exceeded";
        case TxError::kWrongChainId: return "invalid chain id for signer";
        case TxError::kGasLimitTooHigh: return "gas * price overflows";
    }
    return "invalid transaction";
}

namespace {

void encode_to(Bytes& out, const std::optional<Address>& to) {
    if (to) rlp::encode(out, *to);
    else rlp::encode(out, ByteView{});
}

void encode_access_list(Bytes& out, const AccessList& list) {
    Bytes entries;
    for (const AccessListEntry& e : list) {
        Bytes keys;
        for (const Hash& k : e.storage_keys) rlp::encode(keys, k);
        Bytes entry;
        rlp::encode(entry, e.address);
        rlp::encode_header(entry, true, keys.size());
        entry.insert(entry.end(), keys.begin(), keys.end());
        rlp::encode_header(entries, true, entry.size());
        entries.insert(entries.end(), entry.begin(), entry.end());
    }
    rlp::encode_header(out, true, entries.size());
    out.insert(out.end(), entries.begin(), entries.end());
}

uint256 legacy_v(const Transaction& t) {
    if (!t.chain_id) return uint256{27u + t.signature.y_parity};
    return uint256{*t.chain_id} * 2 + 35 + t.signature.y_parity;  // EIP-155
}

/// The RLP list payload of the fields, with the signature (`signed_form`) or in the form
/// that is signed.
Bytes payload_of(const Transaction& t, bool signed_form) {
    Bytes p;
    if (t.type != TxType::kLegacy) rlp::encode(p, *t.chain_id);
    rlp::encode(p, t.nonce);
    if (t.type == TxType::kDynamicFee) rlp::encode(p, t.max_priority_fee_per_gas);
    rlp::encode(p, t.max_fee_per_gas);
    rlp::encode(p, t.gas_limit);
    encode_to(p, t.to);
    rlp::encode(p, t.value);
    rlp::encode(p, ByteView{t.data});
    if (t.type != TxType::kLegacy) encode_access_list(p, t.access_list);
    if (signed_form) {
        if (t.type == TxType::kLegacy) rlp::encode(p, legacy_v(t));
        else rlp::encode(p, std::uint64_t{t.signature.y_parity});
        rlp::encode(p, t.signature.r);
        rlp::encode(p, t.signature.s);
    } else if (t.type == TxType::kLegacy && t.chain_id) {
        rlp::encode(p, *t.chain_id);  // EIP-155: chain id, 0, 0
        rlp::encode(p, std::uint64_t{0});
        rlp::encode(p, std::uint64_t{0});
    }
    return p;
}

Bytes envelope(const Transaction& t, bool signed_form) {
    Bytes payload = payload_of(t, signed_form);
    Bytes out;
    out.reserve(payload.size() + 10);
    if (t.type != TxType::kLegacy) out.push_back(static_cast<std::uint8_t>(t.type));
    rlp::encode_header(out, true, payload.size());
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

template <typename T>
bool take(rlp::Result<T> r, T& out) {
    if (!r) return false;
    out = std::move(*r);
    return true;
}

bool decode_to(ByteView& from, std::optional<Address>& to) {
    auto s = rlp::decode_string(from);
    if (!s) return false;
    if (s->empty()) {
        to.reset();
        return true;
    }
    auto a = Address::from_view(*s);
    if (!a) return false;
    to = *a;
    return true;
}

bool decode_access_list(ByteView& from, AccessList& list) {
    auto payload = rlp::decode_list(from);
    if (!payload) return false;
    ByteView rest = *payload;
    while (!rest.empty()) {
        auto entry = rlp::decode_list(rest);
        if (!entry) return false;
        ByteView e = *entry;
        AccessListEntry item;
        if (!take(rlp::decode_fixed<20>(e), item.address)) return false;
        auto keys = rlp::decode_list(e);
        if (!keys || !e.empty()) return false;
        ByteView k = *keys;
        while (!k.empty()) {
            Hash key;
            if (!take(rlp::decode_fixed<32>(k), key)) return false;
            item.storage_keys.push_back(key);
        }
        list.push_back(std::move(item));
    }
    return true;
}

std::expected<Transaction, TxError> decode_typed_payload(TxType type, ByteView body) {
    const auto malformed = std::unexpected(TxError::kMalformedRlp);
    auto list = rlp::decode_list(body);
    if (!list || !body.empty()) return malformed;
    ByteView p = *list;
    Transaction t;
    t.type = type;
    std::uint64_t chain_id = 0;
    if (!take(rlp::decode_u64(p), chain_id)) return malformed;
    t.chain_id = chain_id;
    if (!take(rlp::decode_u64(p), t.nonce)) return malformed;
    if (type == TxType::kDynamicFee) {
        if (!take(rlp::decode_uint256(p), t.max_priority_fee_per_gas)) return malformed;
        if (!take(rlp::decode_uint256(p), t.max_fee_per_gas)) return malformed;
    } else {
        if (!take(rlp::decode_uint256(p), t.max_fee_per_gas)) return malformed;
        t.max_priority_fee_per_gas = t.max_fee_per_gas;
    }
    if (!take(rlp::decode_u64(p), t.gas_limit)) return malformed;
    if (!decode_to(p, t.to)) return malformed;
    if (!take(rlp::decode_uint256(p), t.value)) return malformed;
    if (!take(rlp::decode_bytes(p), t.data)) return malformed;
    if (!decode_access_list(p, t.access_list)) return malformed;
    std::uint64_t y = 0;
    if (!take(rlp::decode_u64(p), y)) return malformed;
    if (y > 1) return std::unexpected(TxError::kInvalidSignature);
    t.signature.y_parity = static_cast<std::uint8_t>(y);
    if (!take(rlp::decode_uint256(p), t.signature.r)) return malformed;
    if (!take(rlp::decode_uint256(p), t.signature.s)) return malformed;
    if (!p.empty()) return malformed;
    return t;
}

std::expected<Transaction, TxError> decode_legacy(ByteView in) {
    const auto malformed = std::unexpected(TxError::kMalformedRlp);
    auto list = rlp::decode_list(in);
    if (!list || !in.empty()) return malformed;
    ByteView p = *list;
    Transaction t;
    t.type = TxType::kLegacy;
    if (!take(rlp::decode_u64(p), t.nonce)) return malformed;
    if (!take(rlp::decode_uint256(p), t.max_fee_per_gas)) return malformed;
    t.max_priority_fee_per_gas = t.max_fee_per_gas;
    if (!take(rlp::decode_u64(p), t.gas_limit)) return malformed;
    if (!decode_to(p, t.to)) return malformed;
    if (!take(rlp::decode_uint256(p), t.value)) return malformed;
    if (!take(rlp::decode_bytes(p), t.data)) return malformed;
    uint256 v;
    if (!take(rlp::decode_uint256(p), v)) return malformed;
    if (!take(rlp::decode_uint256(p), t.signature.r)) return malformed;
    if (!take(rlp::decode_uint256(p), t.signature.s)) return malformed;
    if (!p.empty()) return malformed;
    if (v == 27 || v == 28) {
        t.signature.y_parity = static_cast<std::uint8_t>(v - 27);
    } else if (v >= 35) {  // EIP-155
        const uint256 id = (v - 35) / 2;
        if (id > std::numeric_limits<std::uint64_t>::max()) return std::unexpected(TxError::kInvalidV);
        t.chain_id = static_cast<std::uint64_t>(id);
        t.signature.y_parity = static_cast<std::uint8_t>((v - 35) % 2);
    } else {
        return std::unexpected(TxError::kInvalidV);
    }
    return t;
}

}  // namespace

Bytes Transaction::encode() const { return envelope(*this, true); }

Hash Transaction::hash() const { return keccak256(encode()); }

Hash Transaction::signing_hash() const { return keccak256(envelope(*this, false)); }

void Transaction::sign(const PrivateKey& key) { signature = key.sign(signing_hash()); }

std::expected<Address, TxError> Transaction::sender() const {
    auto a = recover_address(signing_hash(), signature, false);
    if (!a) return std::unexpected(a.error() == KeyError::kHighS ? TxError::kHighS : TxError::kInvalidSignature);
    return *a;
}

std::optional<uint256> Transaction::effective_gas_price(const uint256& base_fee) const {
    if (max_fee_per_gas < base_fee) return std::nullopt;
    const uint256 tip = std::min(max_priority_fee_per_gas, max_fee_per_gas - base_fee);
    return base_fee + tip;
}

std::optional<uint256> Transaction::effective_priority_fee(const uint256& base_fee) const {
    if (max_fee_per_gas < base_fee) return std::nullopt;
    return std::min(max_priority_fee_per_gas, max_fee_per_gas - base_fee);
}

std::expected<Transaction, TxError> decode_transaction(ByteView encoded) {
    if (encoded.empty()) return std::unexpected(TxError::kMalformedRlp);
    const std::uint8_t first = encoded[0];
    if (first >= 0xc0) return decode_legacy(encoded);
    if (first >= 0x80) return std::unexpected(TxError::kMalformedRlp);  // an RLP string, not a transaction
    if (first == 1 || first == 2) return decode_typed_payload(static_cast<TxType>(first), encoded.subspan(1));
    return std::unexpected(TxError::kUnsupportedType);
}

void encode_in_list(Bytes& out, const Transaction& txn) {
    const Bytes e = txn.encode();
    if (txn.type == TxType::kLegacy) out.insert(out.end(), e.begin(), e.end());
    else rlp::encode(out, ByteView{e});
}

std::expected<Transaction, TxError> decode_from_list(ByteView& from) {
    ByteView probe = from;
    auto h = rlp::decode_header(probe);
    if (!h) return std::unexpected(TxError::kMalformedRlp);
    if (h->list) {
        ByteView rest = from;
        auto item = rlp::take_item(rest);
        if (!item) return std::unexpected(TxError::kMalformedRlp);
        auto t = decode_legacy(*item);
        if (t) from = rest;
        return t;
    }
    auto s = rlp::decode_string(from);
    if (!s || s->empty() || (*s)[0] >= 0x80) return std::unexpected(TxError::kMalformedRlp);
    return decode_transaction(*s);
}

std::uint64_t intrinsic_gas(const Transaction& txn) noexcept {
    // Summed in 256 bits: a huge access list cannot wrap the total.
    uint256 gas = txn.is_create() ? kTxCreateGas : kTxGas;
    for (std::uint8_t b : txn.data) gas += b == 0 ? kTxDataZeroGas : kTxDataNonZeroGas;  // EIP-2028
    for (const AccessListEntry& e : txn.access_list) {                                   // EIP-2930
        gas += kAccessListAddressGas + uint256{kAccessListStorageKeyGas} * e.storage_keys.size();
    }
    if (txn.is_create()) gas += uint256{kInitCodeWordGas} * ((txn.data.size() + 31) / 32);  // EIP-3860
    const auto max = std::numeric_limits<std::uint64_t>::max();
    return gas > max ? max : static_cast<std::uint64_t>(gas);
}

std::expected<void, TxError> validate_unsigned(const Transaction& txn, std::optional<std::uint64_t> chain_id) {
    if (txn.nonce == std::numeric_limits<std::uint64_t>::max()) return std::unexpected(TxError::kNonceMax);  // EIP-2681
    if (txn.max_priority_fee_per_gas > txn.max_fee_per_gas) return std::unexpected(TxError::kTipAboveFeeCap);
    if (txn.is_create() && txn.data.size() > kMaxInitCodeSize) return std::unexpected(TxError::kInitCodeTooLarge);
    if (intrinsic_gas(txn) > txn.gas_limit) return std::unexpected(TxError::kIntrinsicGasTooLow);
    // gas * price must fit 256 bits (the balance check would otherwise wrap).
    if (txn.max_fee_per_gas != 0 &&
        uint512(txn.max_fee_per_gas) * txn.gas_limit > uint512(std::numeric_limits<uint256>::max())) {
        return std::unexpected(TxError::kGasLimitTooHigh);
    }
    if (chain_id && txn.chain_id && *txn.chain_id != *chain_id) return std::unexpected(TxError::kWrongChainId);
    return {};
}

std::expected<Address, TxError> validate_static(const Transaction& txn, std::optional<std::uint64_t> chain_id) {
    if (auto ok = validate_unsigned(txn, chain_id); !ok) return std::unexpected(ok.error());
    return txn.sender();
}

}  // namespace moe::core
