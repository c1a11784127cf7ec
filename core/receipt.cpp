#include "core/receipt.hpp"

#include "core/keccak.hpp"
#include "core/trie.hpp"

namespace moe::core {

namespace {
template <typename F>
void bloom_bits(ByteView item, F&& f) {
    const Hash h = keccak256(item);
    for (int i = 0; i < 6; i += 2) {
        const unsigned bit = ((static_cast<unsigned>(h[static_cast<std::size_t>(i)]) << 8) | h[static_cast<std::size_t>(i) + 1]) & 2047u;
        f(static_cast<std::size_t>(255 - bit / 8), static_cast<std::uint8_t>(1u << (bit % 8)));
    }
}
}  // namespace

void add_to_bloom(Bloom& bloom, ByteView item) {
    bloom_bits(item, [&](std::size_t byte, std::uint8_t mask) { bloom[byte] |= mask; });
}

bool bloom_may_contain(const Bloom& bloom, ByteView item) {
    bool all = true;
    bloom_bits(item, [&](std::size_t byte, std::uint8_t mask) { all = all && (bloom[byte] & mask) != 0; });
    return all;
}

Bloom logs_bloom(const std::vector<Log>& logs) {
    Bloom bloom;
    for (const Log& log : logs) {
        add_to_bloom(bloom, log.address);
        for (const Hash& t : log.topics) add_to_bloom(bloom, t);
    }
    return bloom;
}

void encode_logs(Bytes& out, const std::vector<Log>& logs) {
    Bytes all;
    for (const Log& log : logs) {
        Bytes topics;
        for (const Hash& t : log.topics) rlp::encode(topics, t);
        Bytes entry;
        rlp::encode(entry, log.address);
        rlp::encode_header(entry, true, topics.size());
        entry.insert(entry.end(), topics.begin(), topics.end());
        rlp::encode(entry, ByteView{log.data});
        rlp::encode_header(all, true, entry.size());
        all.insert(all.end(), entry.begin(), entry.end());
    }
    rlp::encode_header(out, true, all.size());
    out.insert(out.end(), all.begin(), all.end());
}

Hash logs_hash(const std::vector<Log>& logs) {
    Bytes out;
    encode_logs(out, logs);
    return keccak256(out);
}

Bytes Receipt::encode() const {
    Bytes payload;
    rlp::encode(payload, std::uint64_t{success ? 1u : 0u});
    rlp::encode(payload, cumulative_gas_used);
    rlp::encode(payload, bloom);
    encode_logs(payload, logs);
    Bytes out;
    if (type != TxType::kLegacy) out.push_back(static_cast<std::uint8_t>(type));
    rlp::encode_header(out, true, payload.size());
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

std::expected<Receipt, rlp::DecodeError> decode_receipt(ByteView encoded) {
    using rlp::DecodeError;
    Receipt r;
    if (encoded.empty()) return std::unexpected(DecodeError::kInputTooShort);
    if (encoded[0] < 0x80) {
        if (encoded[0] != 1 && encoded[0] != 2) return std::unexpected(DecodeError::kUnexpectedString);
        r.type = static_cast<TxType>(encoded[0]);
        encoded = encoded.subspan(1);
    }
    auto list = rlp::decode_list(encoded);
    if (!list) return std::unexpected(list.error());
    if (!encoded.empty()) return std::unexpected(DecodeError::kInputTooLong);
    ByteView p = *list;
    auto status = rlp::decode_u64(p);
    if (!status) return std::unexpected(status.error());
    if (*status > 1) return std::unexpected(DecodeError::kOverflow);
    r.success = *status == 1;
    auto gas = rlp::decode_u64(p);
    if (!gas) return std::unexpected(gas.error());
    r.cumulative_gas_used = *gas;
    auto bloom = rlp::decode_fixed<256>(p);
    if (!bloom) return std::unexpected(bloom.error());
    r.bloom = *bloom;
    auto logs = rlp::decode_list(p);
    if (!logs) return std::unexpected(logs.error());
    if (!p.empty()) return std::unexpected(DecodeError::kListLengthMismatch);
    ByteView l = *logs;
    while (!l.empty()) {
        auto entry = rlp::decode_list(l);
        if (!entry) return std::unexpected(entry.error());
        ByteView e = *entry;
        Log log;
        auto address = rlp::decode_fixed<20>(e);
        if (!address) return std::unexpected(address.error());
        log.address = *address;
        auto topics = rlp::decode_list(e);
        if (!topics) return std::unexpected(topics.error());
        ByteView t = *topics;
        while (!t.empty()) {
            auto topic = rlp::decode_fixed<32>(t);
            if (!topic) return std::unexpected(topic.error());
            log.topics.push_back(*topic);
        }
        if (log.topics.size() > 4) return std::unexpected(DecodeError::kListLengthMismatch);
        auto data = rlp::decode_bytes(e);
        if (!data) return std::unexpected(data.error());
        log.data = std::move(*data);
        if (!e.empty()) return std::unexpected(DecodeError::kListLengthMismatch);
        r.logs.push_back(std::move(log));
    }
    return r;
}

Bytes encode_receipts(const std::vector<Receipt>& receipts) {
    Bytes payload;
    for (const Receipt& r : receipts) {
        const Bytes e = r.encode();
        if (r.type == TxType::kLegacy) payload.insert(payload.end(), e.begin(), e.end());
        else rlp::encode(payload, ByteView{e});
    }
    return rlp::wrap_list(payload);
}

std::expected<std::vector<Receipt>, rlp::DecodeError> decode_receipts(ByteView encoded) {
    auto list = rlp::decode_list(encoded);
    if (!list) return std::unexpected(list.error());
    if (!encoded.empty()) return std::unexpected(rlp::DecodeError::kInputTooLong);
    std::vector<Receipt> out;
    ByteView p = *list;
    while (!p.empty()) {
        ByteView probe = p;
        auto h = rlp::decode_header(probe);
        if (!h) return std::unexpected(h.error());
        ByteView item;
        if (h->list) {
            auto whole = rlp::take_item(p);
            if (!whole) return std::unexpected(whole.error());
            item = *whole;
        } else {
            auto s = rlp::decode_string(p);
            if (!s) return std::unexpected(s.error());
            item = *s;
        }
        auto r = decode_receipt(item);
        if (!r) return std::unexpected(r.error());
        out.push_back(std::move(*r));
    }
    return out;
}

Hash receipts_root(const std::vector<Receipt>& receipts) {
    std::vector<Bytes> items;
    items.reserve(receipts.size());
    for (const Receipt& r : receipts) items.push_back(r.encode());
    return ordered_trie_root(items);
}

}  // namespace moe::core
