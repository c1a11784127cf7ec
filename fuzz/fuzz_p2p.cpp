// P2P frames before and during the handshake (the length prefix, hello and auth payloads), and
// the payloads of compact proposals (node/compact_proposal.hpp): the compact proposal, a full
// proposal split, a request for a proposal's transactions and its answer. Each decoder of a
// compact payload is the strict inverse of its encoder, so what decodes encodes back to the input.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fuzz/fuzz.hpp"
#include "node/compact_proposal.hpp"
#include "node/p2p/wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace moe::node::p2p::wire;
    namespace node = moe::node;
    const moe::core::ByteView in(data, size);
    if (size >= kLengthBytes) {
        std::uint8_t prefix[kLengthBytes];
        std::memcpy(prefix, data, kLengthBytes);
        (void)parse_length(prefix, 4u << 20);
    }
    (void)decode_hello(in);
    (void)decode_auth(in);
    if (auto c = node::CompactProposal::decode(in)) {
        if (!moe::fuzz::same(c->encode(), in)) __builtin_trap();
    }
    if (auto split = node::split_proposal(in)) {
        if (split->transactions.size() != split->compact.transaction_hashes.size()) __builtin_trap();
        (void)node::assemble_block(split->compact, split->transactions);
    }
    (void)node::block_transactions(in);
    if (auto r = node::decode_transactions_request(in)) {
        if (!moe::fuzz::same(node::transactions_request(r->block_hash, r->indices), in)) __builtin_trap();
    }
    if (auto a = node::decode_proposal_transactions(in)) {
        if (!moe::fuzz::same(node::proposal_transactions(a->block_hash, a->raw), in)) __builtin_trap();
    }
    return 0;
}
