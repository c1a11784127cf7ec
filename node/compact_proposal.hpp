#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "consensus/evidence.hpp"
#include "consensus/vote.hpp"
#include "core/block.hpp"
#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"

/// Compact blocks (issue 17; decision 003, "Proposals"): a proposal travels between validators
/// with its block's header and the hashes of its transactions, not the transactions. Every
/// validator holds nearly all of them in its pool already (gossip brought them there), takes
/// them from it, and asks the peer that sent the proposal for the few it lacks. A transaction
/// crosses each link once, in gossip, instead of twice.
namespace moe::node {

/// A proposal on the wire between validators: rlp([proposal, header, hashes, consensus data]),
/// each a byte string; `hashes` is the 32-byte transaction hashes of the block, in block order,
/// one after the other. The proposer's signature covers the block hash alone, so what a
/// compact proposal says about the body is trusted only once the transactions it names hash to
/// the header's transactions root (assemble_block).
struct CompactProposal {
    consensus::Proposal proposal;
    core::BlockHeader header;
    std::vector<core::Hash> transaction_hashes;
    consensus::ConsensusData data;
    // The items as they came, so that the full message is put together without encoding again.
    core::Bytes proposal_rlp, header_rlp, data_rlp;

    [[nodiscard]] core::Bytes encode() const;
    /// Refuses what is not one such message, a header whose hash is not the proposal's block
    /// hash, and a hash list that is not whole hashes.
    [[nodiscard]] static std::expected<CompactProposal, std::string> decode(core::ByteView payload);
};

/// A full proposal message (ProposalMessage's bytes: rlp([proposal, block, consensus data]))
/// split into its compact form and its block's transactions, each as its raw encoding (the
/// bytes its hash is the Keccak of), in block order. Walks the block's RLP without decoding a
/// transaction; refused, like CompactProposal::decode, when the header is not the proposed block's.
struct SplitProposal {
    CompactProposal compact;
    std::vector<core::Bytes> transactions;
    core::Bytes block_rlp;  ///< the block as the message holds it (encode_block's bytes)
};
[[nodiscard]] std::expected<SplitProposal, std::string> split_proposal(core::ByteView full_message);

/// The transactions of an encoded block (encode_block's bytes), each as its raw encoding, in
/// block order; an error when the block is not a header and a body.
[[nodiscard]] std::expected<std::vector<core::Bytes>, std::string> block_transactions(core::ByteView block_rlp);

/// The block of `compact` with `transactions` (raw, in block order: the one at i hashes to
/// transaction_hashes[i]) as its body, encoded as encode_block does; refused unless they hash to
/// the header's transactions root.
[[nodiscard]] std::expected<core::Bytes, std::string> assemble_block(const CompactProposal& compact,
                                                                      const std::vector<core::Bytes>& transactions);

/// The full proposal message (ProposalMessage's bytes) of `compact` and its assembled block.
[[nodiscard]] core::Bytes full_message(const CompactProposal& compact, core::ByteView block_rlp);

/// The transactions of a proposed block a validator lacks: rlp([block hash, [index, ...]]), the
/// indices strictly increasing; and the answer, rlp([block hash, [raw transaction, ...]]) in the
/// order asked.
[[nodiscard]] core::Bytes transactions_request(const core::Hash& block_hash, const std::vector<std::uint32_t>& indices);
struct TransactionsRequest {
    core::Hash block_hash;
    std::vector<std::uint32_t> indices;
};
[[nodiscard]] std::expected<TransactionsRequest, std::string> decode_transactions_request(core::ByteView payload);
[[nodiscard]] core::Bytes proposal_transactions(const core::Hash& block_hash, const std::vector<core::Bytes>& raw);
struct ProposalTransactions {
    core::Hash block_hash;
    std::vector<core::Bytes> raw;
};
[[nodiscard]] std::expected<ProposalTransactions, std::string> decode_proposal_transactions(core::ByteView payload);

}  // namespace moe::node
