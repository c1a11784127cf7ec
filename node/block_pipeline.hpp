#pragma once

#include <expected>
#include <string>
#include <utility>
#include <vector>

#include "consensus/staking_rules.hpp"
#include "consensus/validator_set.hpp"
#include "core/block.hpp"
#include "core/receipt.hpp"
#include "evm/staking.hpp"
#include "chain/chain_config.hpp"
#include "node/storage/chain_db.hpp"

/// Pieces of the block pipeline that node.cpp, the consensus driver and block sync share.
namespace moe::node {

/// The batch that commits a block: header, body, receipts, indexes, trie nodes and code.
[[nodiscard]] BlockWrite block_write(const core::Block& block, const std::vector<core::Receipt>& receipts,
                                     std::vector<std::pair<core::Hash, core::Bytes>> nodes,
                                     std::vector<std::pair<core::Hash, core::Bytes>> code);

/// A whole block on the wire: rlp([header, body]).
[[nodiscard]] core::Bytes encode_block(const core::Block& block);
[[nodiscard]] std::expected<core::Block, std::string> decode_block(core::ByteView encoded);

/// Seconds since the Unix epoch, from the system clock (block timestamps only).
[[nodiscard]] std::uint64_t unix_seconds();
/// Milliseconds of a steady clock (local latencies for observability, never in a block).
[[nodiscard]] std::uint64_t steady_ms();

}  // namespace moe::node
