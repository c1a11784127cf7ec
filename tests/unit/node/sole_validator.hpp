// A chain of one validator in node tests: its commit certificate for a block, and a block built
// from the pool and committed with it.
#pragma once

#include <expected>
#include <string>

#include "consensus/vote.hpp"
#include "node/node.hpp"

namespace moe::node::testing {

/// The commit certificate of `b` on a chain whose only validator is `validator`: its precommit,
/// carrying `extension` (routing verdicts, or none), signed with the extension signature.
inline consensus::CommitCertificate sole_validator_certificate(const ExecutedBlock& b, const core::PrivateKey& validator,
                                                              std::uint64_t chain_id, core::Bytes extension = {}) {
    consensus::Vote v;
    v.type = consensus::VoteType::kPrecommit;
    v.height = b.block.header.number;
    v.round = 0;
    v.block_hash = b.block.header.hash();
    v.validator = validator.address();
    v.extension = std::move(extension);
    v.signature = validator.sign(v.signing_digest(chain_id));
    v.extension_signature = validator.sign(v.extension_digest(chain_id));
    return consensus::CommitCertificate{v.height, 0, v.block_hash, {{v.validator, v.signature, v.extension, v.extension_signature}}};
}

/// Builds the next block from `node`'s pool (on its head, one second later) and commits it with
/// the sole validator's certificate; the error of whichever step failed.
inline std::expected<ExecutedBlock, std::string> build_and_commit(Node& node, const core::PrivateKey& validator,
                                                                  core::Bytes extension = {}) {
    consensus::ConsensusData data;
    if (node.head().number > 0) data.last_commit = *node.certificate(node.head().number);
    auto b = node.build_block(validator.address(), data, node.head_header().timestamp + 1);
    if (!b) return std::unexpected("build: " + b.error().message);
    auto r = node.commit_block(*b, sole_validator_certificate(*b, validator, node.chain().chain_id, std::move(extension)));
    if (!r) return std::unexpected("commit: " + r.error().message);
    return std::move(*b);
}

}  // namespace moe::node::testing
