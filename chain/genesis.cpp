#include "chain/genesis.hpp"

#include "evm/staking.hpp"
#include "evm/state.hpp"
#include "chain/screening.hpp"

namespace moe::chain {

Genesis build_genesis(const ChainConfig& config) {
    core::MemoryNodeStore nodes;
    evm::State state(nullptr, nullptr, core::kEmptyTrieRoot);
    for (const GenesisAccount& a : config.alloc) state.set_balance(a.address, a.balance);
    state.set_code(evm::staking_address(), core::Bytes{evm::kStakingCode});
    // The moe registry (decision 005): a system account whose storage only the protocol writes.
    state.set_code(moe_registry_address(), core::Bytes{evm::kStakingCode});
    for (const GenesisValidator& v : config.validators) {
        evm::genesis_stake(state, v.address, core::compress_public_key(v.public_key), genesis_stake_wei(v));
        if (!v.experts.empty()) evm::genesis_register_experts(state, v.address, v.experts);
    }
    state.finalize_transaction();
    // A fresh state holds every node in memory, so the commit cannot miss one.
    const core::Hash root = state.commit(nodes).value_or(core::kEmptyTrieRoot);

    Genesis g;
    core::BlockHeader& h = g.block.header;
    h.state_root = root;
    h.number = 0;
    h.gas_limit = config.block_gas_limit;
    h.timestamp = config.genesis_timestamp;
    h.extra_data = validator_set_hash(config.validators).to_bytes();
    h.base_fee_per_gas = config.initial_base_fee;
    h.withdrawals_root = core::kEmptyTrieRoot;
    h.blob_gas_used = 0;
    h.excess_blob_gas = 0;
    h.parent_beacon_block_root = core::Hash{};
    g.trie_nodes.assign(nodes.nodes().begin(), nodes.nodes().end());
    for (const auto& [hash, code] : state.new_code()) g.code.emplace_back(hash, *code);
    return g;
}

std::expected<consensus::ValidatorSet, std::string> genesis_validator_set(const ChainConfig& chain) {
    std::vector<consensus::Validator> validators;
    for (const GenesisValidator& v : chain.validators) {
        validators.push_back(consensus::Validator{v.address, core::compress_public_key(v.public_key), v.power, 0});
    }
    auto set = consensus::ValidatorSet::make(std::move(validators));
    if (!set) return std::unexpected(set.error());
    set->advance(1);
    return set;
}

}  // namespace moe::chain
