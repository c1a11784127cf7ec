#include "node/compact_proposal.hpp"

#include "consensus/codec.hpp"
#include "core/keccak.hpp"
#include "core/rlp.hpp"
#include "core/trie.hpp"

namespace moe::node {

namespace rlp = core::rlp;

namespace {

std::string rlp_error(std::string_view what, rlp::DecodeError e) { return std::string(what) + ": " + std::string(rlp::to_string(e)); }

/// Appends a transaction's raw encoding as a block body holds it: a legacy transaction is an RLP
/// list and goes in as it is, a typed one (type byte, then payload) as a byte string.
void append_body_item(core::Bytes& out, core::ByteView raw) {
    if (!raw.empty() && raw[0] >= 0xc0) out.insert(out.end(), raw.begin(), raw.end());
    else rlp::encode(out, raw);
}

}  // namespace

core::Bytes CompactProposal::encode() const {
    core::Bytes hashes;
    hashes.reserve(transaction_hashes.size() * 32);
    for (const core::Hash& h : transaction_hashes) hashes.insert(hashes.end(), h.bytes.begin(), h.bytes.end());
    core::Bytes payload;
    rlp::encode(payload, core::ByteView(proposal_rlp));
    rlp::encode(payload, core::ByteView(header_rlp));
    rlp::encode(payload, core::ByteView(hashes));
    rlp::encode(payload, core::ByteView(data_rlp));
    return rlp::wrap_list(payload);
}

std::expected<CompactProposal, std::string> CompactProposal::decode(core::ByteView payload) {
    auto list = rlp::decode_list(payload);
    if (!list || !payload.empty()) return std::unexpected("compact proposal: not one list");
    core::ByteView items = *list;
    core::ByteView parts[4];
    for (core::ByteView& part : parts) {
        auto s = rlp::decode_string(items);
        if (!s) return std::unexpected("compact proposal: expected 4 byte strings");
        part = *s;
    }
    if (!items.empty()) return std::unexpected("compact proposal: expected 4 items");
    CompactProposal c;
    auto proposal = consensus::Proposal::decode(parts[0]);
    if (!proposal) return std::unexpected("proposal: " + proposal.error());
    auto header = core::decode_header(parts[1]);
    if (!header) return std::unexpected(rlp_error("block header", header.error()));
    if (header->hash() != proposal->block_hash) return std::unexpected("compact proposal: the header is not the proposed block's");
    if (parts[2].size() % 32 != 0) return std::unexpected("compact proposal: transaction hashes are not whole hashes");
    auto data = consensus::ConsensusData::decode(parts[3]);
    if (!data) return std::unexpected("consensus data: " + data.error());
    c.proposal = *proposal;
    c.header = std::move(*header);
    c.transaction_hashes.resize(parts[2].size() / 32);
    for (std::size_t i = 0; i < c.transaction_hashes.size(); ++i) {
        std::copy_n(parts[2].begin() + static_cast<std::ptrdiff_t>(32 * i), 32, c.transaction_hashes[i].bytes.begin());
    }
    c.data = std::move(*data);
    c.proposal_rlp.assign(parts[0].begin(), parts[0].end());
    c.header_rlp.assign(parts[1].begin(), parts[1].end());
    c.data_rlp.assign(parts[3].begin(), parts[3].end());
    return c;
}

namespace {

/// A block's header item and its transactions' raw encodings.
struct BlockItems {
    core::ByteView header;
    std::vector<core::Bytes> transactions;
};

std::expected<BlockItems, std::string> block_items(core::ByteView block_rlp) {
    // rlp([header, rlp([[transaction, ...], [], []])])
    auto block_list = rlp::decode_list(block_rlp);
    if (!block_list || !block_rlp.empty()) return std::unexpected("block: not one list");
    core::ByteView b = *block_list;
    auto header_raw = consensus::codec::take_item(b, "block header");
    if (!header_raw) return std::unexpected(header_raw.error());
    auto body = rlp::decode_list(b);
    if (!body || !b.empty()) return std::unexpected("block: expected a header and a body");
    auto txns = rlp::decode_list(*body);
    if (!txns) return std::unexpected("block body: no transaction list");
    BlockItems out{*header_raw, {}};
    core::ByteView t = *txns;
    while (!t.empty()) {
        core::ByteView probe = t;
        auto h = rlp::decode_header(probe);
        if (!h) return std::unexpected(rlp_error("block transaction", h.error()));
        // A legacy transaction is the list itself; a typed one the string's payload.
        auto raw = h->list ? rlp::take_item(t) : rlp::decode_string(t);
        if (!raw) return std::unexpected(rlp_error("block transaction", raw.error()));
        out.transactions.emplace_back(raw->begin(), raw->end());
    }
    return out;
}

}  // namespace

std::expected<std::vector<core::Bytes>, std::string> block_transactions(core::ByteView block_rlp) {
    auto items = block_items(block_rlp);
    if (!items) return std::unexpected(items.error());
    return std::move(items->transactions);
}

std::expected<SplitProposal, std::string> split_proposal(core::ByteView full_message) {
    core::ByteView in = full_message;
    auto list = rlp::decode_list(in);
    if (!list || !in.empty()) return std::unexpected("proposal message: not one list");
    core::ByteView items = *list;
    auto proposal_rlp = rlp::decode_string(items);
    auto block_rlp = proposal_rlp ? rlp::decode_string(items) : proposal_rlp;
    auto data_rlp = block_rlp ? rlp::decode_string(items) : block_rlp;
    if (!data_rlp || !items.empty()) return std::unexpected("proposal message: expected 3 items");
    auto block = block_items(*block_rlp);
    if (!block) return std::unexpected(block.error());
    auto proposal = consensus::Proposal::decode(*proposal_rlp);
    if (!proposal) return std::unexpected("proposal: " + proposal.error());
    auto header = core::decode_header(block->header);
    if (!header) return std::unexpected(rlp_error("block header", header.error()));
    if (header->hash() != proposal->block_hash) return std::unexpected("proposal message: the block is not the proposed one");
    auto data = consensus::ConsensusData::decode(*data_rlp);
    if (!data) return std::unexpected("consensus data: " + data.error());
    SplitProposal out;
    out.compact.proposal = *proposal;
    out.compact.header = std::move(*header);
    out.compact.data = std::move(*data);
    out.compact.proposal_rlp.assign(proposal_rlp->begin(), proposal_rlp->end());
    out.compact.header_rlp.assign(block->header.begin(), block->header.end());
    out.compact.data_rlp.assign(data_rlp->begin(), data_rlp->end());
    out.compact.transaction_hashes.reserve(block->transactions.size());
    for (const core::Bytes& raw : block->transactions) out.compact.transaction_hashes.push_back(core::keccak256(raw));
    out.transactions = std::move(block->transactions);
    return out;
}

std::expected<core::Bytes, std::string> assemble_block(const CompactProposal& compact, const std::vector<core::Bytes>& transactions) {
    if (transactions.size() != compact.transaction_hashes.size()) return std::unexpected("block: transactions missing");
    if (core::ordered_trie_root(transactions) != compact.header.transactions_root) {
        return std::unexpected("block: the transactions do not hash to the header's transactions root");
    }
    core::Bytes list;
    for (const core::Bytes& raw : transactions) append_body_item(list, raw);
    core::Bytes body;
    rlp::encode_header(body, true, list.size());
    body.insert(body.end(), list.begin(), list.end());
    body.push_back(0xc0);  // ommers
    body.push_back(0xc0);  // withdrawals
    core::Bytes payload = compact.header_rlp;
    const core::Bytes wrapped = rlp::wrap_list(body);
    payload.insert(payload.end(), wrapped.begin(), wrapped.end());
    return rlp::wrap_list(payload);
}

core::Bytes full_message(const CompactProposal& compact, core::ByteView block_rlp) {
    core::Bytes payload;
    rlp::encode(payload, core::ByteView(compact.proposal_rlp));
    rlp::encode(payload, block_rlp);
    rlp::encode(payload, core::ByteView(compact.data_rlp));
    return rlp::wrap_list(payload);
}

core::Bytes transactions_request(const core::Hash& block_hash, const std::vector<std::uint32_t>& indices) {
    core::Bytes list;
    for (std::uint32_t i : indices) rlp::encode(list, std::uint64_t{i});
    core::Bytes payload;
    rlp::encode(payload, block_hash);
    rlp::encode_header(payload, true, list.size());
    payload.insert(payload.end(), list.begin(), list.end());
    return rlp::wrap_list(payload);
}

std::expected<TransactionsRequest, std::string> decode_transactions_request(core::ByteView payload) {
    auto list = rlp::decode_list(payload);
    if (!list || !payload.empty()) return std::unexpected("transactions request: not one list");
    core::ByteView items = *list;
    auto hash = rlp::decode_fixed<32>(items);
    if (!hash) return std::unexpected(rlp_error("transactions request: block hash", hash.error()));
    auto indices = rlp::decode_list(items);
    if (!indices || !items.empty()) return std::unexpected("transactions request: expected a block hash and a list");
    TransactionsRequest r{*hash, {}};
    core::ByteView in = *indices;
    while (!in.empty()) {
        auto i = consensus::codec::decode_u32(in);
        if (!i) return std::unexpected("transactions request: " + i.error());
        if (!r.indices.empty() && *i <= r.indices.back()) return std::unexpected("transactions request: indices not increasing");
        r.indices.push_back(*i);
    }
    if (r.indices.empty()) return std::unexpected("transactions request: asks for nothing");
    return r;
}

core::Bytes proposal_transactions(const core::Hash& block_hash, const std::vector<core::Bytes>& raw) {
    core::Bytes list;
    for (const core::Bytes& t : raw) rlp::encode(list, core::ByteView(t));
    core::Bytes payload;
    rlp::encode(payload, block_hash);
    rlp::encode_header(payload, true, list.size());
    payload.insert(payload.end(), list.begin(), list.end());
    return rlp::wrap_list(payload);
}

std::expected<ProposalTransactions, std::string> decode_proposal_transactions(core::ByteView payload) {
    auto list = rlp::decode_list(payload);
    if (!list || !payload.empty()) return std::unexpected("proposal transactions: not one list");
    core::ByteView items = *list;
    auto hash = rlp::decode_fixed<32>(items);
    if (!hash) return std::unexpected(rlp_error("proposal transactions: block hash", hash.error()));
    auto raw = rlp::decode_list(items);
    if (!raw || !items.empty()) return std::unexpected("proposal transactions: expected a block hash and a list");
    ProposalTransactions out{*hash, {}};
    core::ByteView in = *raw;
    while (!in.empty()) {
        auto s = rlp::decode_string(in);
        if (!s) return std::unexpected(rlp_error("proposal transactions", s.error()));
        out.raw.emplace_back(s->begin(), s->end());
    }
    return out;
}

}  // namespace moe::node
