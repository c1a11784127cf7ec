#include "node/compact_proposal.hpp"

#include "consensus/codec.hpp"
#include "core/keccak.hpp"
#include "core/rlp.hpp"
#include "core/trie.hpp"
#include "node/consensus_messages.hpp"

namespace moe::node {

namespace rlp = core::rlp;
using messages::list_of;
using messages::strings_of;

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
    return list_of({proposal_rlp, header_rlp, hashes, data_rlp});
}

std::expected<CompactProposal, std::string> CompactProposal::decode(core::ByteView payload) {
    auto parts = strings_of(payload, 4);
    if (!parts) return std::unexpected("compact proposal: " + parts.error());
    const core::ByteView proposal_rlp = (*parts)[0], header_rlp = (*parts)[1], hashes = (*parts)[2], data_rlp = (*parts)[3];
    CompactProposal c;
    auto proposal = consensus::Proposal::decode(proposal_rlp);
    if (!proposal) return std::unexpected("proposal: " + proposal.error());
    auto header = core::decode_header(header_rlp);
    if (!header) return std::unexpected(rlp_error("block header", header.error()));
    if (header->hash() != proposal->block_hash) return std::unexpected("compact proposal: the header is not the proposed block's");
    if (hashes.size() % 32 != 0) return std::unexpected("compact proposal: transaction hashes are not whole hashes");
    auto data = consensus::ConsensusData::decode(data_rlp);
    if (!data) return std::unexpected("consensus data: " + data.error());
    c.proposal = *proposal;
    c.header = std::move(*header);
    c.transaction_hashes.resize(hashes.size() / 32);
    for (std::size_t i = 0; i < c.transaction_hashes.size(); ++i) {
        std::copy_n(hashes.begin() + static_cast<std::ptrdiff_t>(32 * i), 32, c.transaction_hashes[i].bytes.begin());
    }
    c.data = std::move(*data);
    c.proposal_rlp.assign(proposal_rlp.begin(), proposal_rlp.end());
    c.header_rlp.assign(header_rlp.begin(), header_rlp.end());
    c.data_rlp.assign(data_rlp.begin(), data_rlp.end());
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
    auto parts = strings_of(full_message, 3);
    if (!parts) return std::unexpected("proposal message: " + parts.error());
    const core::ByteView proposal_rlp = (*parts)[0], block_rlp = (*parts)[1], data_rlp = (*parts)[2];
    auto block = block_items(block_rlp);
    if (!block) return std::unexpected(block.error());
    auto proposal = consensus::Proposal::decode(proposal_rlp);
    if (!proposal) return std::unexpected("proposal: " + proposal.error());
    auto header = core::decode_header(block->header);
    if (!header) return std::unexpected(rlp_error("block header", header.error()));
    if (header->hash() != proposal->block_hash) return std::unexpected("proposal message: the block is not the proposed one");
    auto data = consensus::ConsensusData::decode(data_rlp);
    if (!data) return std::unexpected("consensus data: " + data.error());
    SplitProposal out;
    out.compact.proposal = *proposal;
    out.compact.header = std::move(*header);
    out.compact.data = std::move(*data);
    out.compact.proposal_rlp.assign(proposal_rlp.begin(), proposal_rlp.end());
    out.compact.header_rlp.assign(block->header.begin(), block->header.end());
    out.compact.data_rlp.assign(data_rlp.begin(), data_rlp.end());
    out.compact.transaction_hashes.reserve(block->transactions.size());
    for (const core::Bytes& raw : block->transactions) out.compact.transaction_hashes.push_back(core::keccak256(raw));
    out.transactions = std::move(block->transactions);
    out.block_rlp.assign(block_rlp.begin(), block_rlp.end());
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
    return list_of({compact.proposal_rlp, block_rlp, compact.data_rlp});
}

namespace {

/// rlp([block hash, list]), `list` already encoded: the shape of a request and its answer.
core::Bytes hash_and_list(const core::Hash& block_hash, core::ByteView list) {
    core::Bytes payload;
    rlp::encode(payload, block_hash);
    payload.insert(payload.end(), list.begin(), list.end());
    return rlp::wrap_list(payload);
}

/// The block hash and the encoded list of rlp([block hash, list]).
std::expected<std::pair<core::Hash, core::ByteView>, std::string> read_hash_and_list(core::ByteView payload, std::string_view what) {
    auto list = rlp::decode_list(payload);
    if (!list || !payload.empty()) return std::unexpected(std::string(what) + ": not one list");
    core::ByteView items = *list;
    auto hash = rlp::decode_fixed<32>(items);
    if (!hash) return std::unexpected(rlp_error(std::string(what) + ": block hash", hash.error()));
    auto inner = rlp::take_item(items);
    if (!inner || !items.empty()) return std::unexpected(std::string(what) + ": expected a block hash and a list");
    return std::pair{*hash, *inner};
}

}  // namespace

core::Bytes transactions_request(const core::Hash& block_hash, const std::vector<std::uint32_t>& indices) {
    core::Bytes list;
    for (std::uint32_t i : indices) rlp::encode(list, std::uint64_t{i});
    return hash_and_list(block_hash, rlp::wrap_list(list));
}

std::expected<TransactionsRequest, std::string> decode_transactions_request(core::ByteView payload) {
    auto parts = read_hash_and_list(payload, "transactions request");
    if (!parts) return std::unexpected(parts.error());
    auto indices = messages::items_of(parts->second, std::nullopt, [](core::ByteView& from) { return rlp::decode_u64(from); });
    if (!indices) return std::unexpected("transactions request: " + indices.error());
    TransactionsRequest r{parts->first, {}};
    for (std::uint64_t i : *indices) {
        if (i > UINT32_MAX) return std::unexpected("transactions request: an index past any block");
        if (!r.indices.empty() && i <= r.indices.back()) return std::unexpected("transactions request: indices not increasing");
        r.indices.push_back(static_cast<std::uint32_t>(i));
    }
    if (r.indices.empty()) return std::unexpected("transactions request: asks for nothing");
    return r;
}

core::Bytes proposal_transactions(const core::Hash& block_hash, const std::vector<core::Bytes>& raw) {
    return hash_and_list(block_hash, messages::pooled_transactions(raw));
}

std::expected<ProposalTransactions, std::string> decode_proposal_transactions(core::ByteView payload) {
    auto parts = read_hash_and_list(payload, "proposal transactions");
    if (!parts) return std::unexpected(parts.error());
    auto raw = messages::pooled_transactions_of(parts->second);
    if (!raw) return std::unexpected("proposal transactions: " + raw.error());
    ProposalTransactions out{parts->first, {}};
    out.raw.reserve(raw->size());
    for (core::ByteView t : *raw) out.raw.emplace_back(t.begin(), t.end());
    return out;
}

}  // namespace moe::node
