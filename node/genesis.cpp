#include "node/genesis.hpp"

#include "node/world_state.hpp"

namespace moe::node {

Genesis build_genesis(const ChainConfig& config) {
    core::MemoryNodeStore nodes;
    WorldState state(nullptr, core::kEmptyTrieRoot);
    for (const GenesisAccount& a : config.alloc) {
        core::Account account;
        account.balance = a.balance;
        state.set_account(a.address, account);
    }
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
    return g;
}

}  // namespace moe::node
