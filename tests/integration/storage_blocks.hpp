#pragma once
// Deterministic block contents for the storage tests: block n is always the same bytes, so a
// reader can check every part of every block without having seen the writer.
#include "core/keccak.hpp"
#include "node/storage/chain_db.hpp"

namespace moe::test {

inline core::Hash part_hash(std::uint64_t number, std::string_view part, std::size_t i = 0) {
    core::Bytes seed = node::number_key(number);
    seed.insert(seed.end(), part.begin(), part.end());
    for (int s = 0; s < 32; s += 8) seed.push_back(static_cast<std::uint8_t>(i >> s));
    return core::keccak256(seed);
}

inline core::Bytes filler(std::uint64_t number, std::string_view part, std::size_t size) {
    core::Bytes out;
    std::size_t i = 0;
    while (out.size() < size) {
        const core::Hash h = part_hash(number, part, i++);
        out.insert(out.end(), h.bytes.begin(), h.bytes.end());
    }
    out.resize(size);
    return out;
}

inline constexpr std::size_t kTxnsPerBlock = 40;
inline constexpr std::size_t kNodesPerBlock = 60;

inline node::BlockWrite make_block(std::uint64_t number) {
    node::BlockWrite b;
    b.number = number;
    b.hash = part_hash(number, "hash");
    b.header_rlp = filler(number, "header", 540);
    b.body_rlp = filler(number, "body", kTxnsPerBlock * 110);
    b.receipts_rlp = filler(number, "receipts", kTxnsPerBlock * 300);
    for (std::size_t i = 0; i < kTxnsPerBlock; ++i) b.tx_hashes.push_back(part_hash(number, "txn", i));
    for (std::size_t i = 0; i < kNodesPerBlock; ++i) {
        b.trie_nodes.emplace_back(part_hash(number, "node", i), filler(number, "node-bytes", 100 + i));
    }
    b.certificate = filler(number, "cert", 200);
    return b;
}

inline node::ChainIdentity test_identity() { return {4224, core::keccak256(core::as_bytes("storage test genesis"))}; }

}  // namespace moe::test
