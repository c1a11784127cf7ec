#pragma once

#include <expected>
#include <string>
#include <utility>
#include <vector>

#include "chain/chain_config.hpp"
#include "consensus/validator_set.hpp"
#include "core/block.hpp"

namespace moe::chain {

/// The genesis block of a chain and the state trie nodes it commits.
struct Genesis {
    core::Block block;
    std::vector<std::pair<core::Hash, core::Bytes>> trie_nodes;
    std::vector<std::pair<core::Hash, core::Bytes>> code;
};

/// Builds the genesis block: the state root of the allocations and of the staking contract
/// with every genesis validator staked (power * 10^18 wei), the chain's gas limit and initial
/// base fee, the genesis timestamp, and the validator set hash in extra_data. The same
/// config gives the same block, byte for byte, on every machine.
[[nodiscard]] Genesis build_genesis(const ChainConfig& config);

/// The validator set of height 1: the genesis validators, as staked in the genesis state.
[[nodiscard]] std::expected<consensus::ValidatorSet, std::string> genesis_validator_set(const ChainConfig& chain);

}  // namespace moe::chain
