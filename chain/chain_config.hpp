#pragma once

#include <cstdint>
#include <expected>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/tendermint.hpp"
#include "core/block.hpp"
#include "core/fixed_bytes.hpp"
#include "core/secp256k1.hpp"
#include "core/uint256.hpp"
#include "evm/staking.hpp"

namespace moe::chain {

/// An account funded at genesis.
struct GenesisAccount {
    core::Address address;
    core::uint256 balance;
};

/// A validator of the genesis set.
struct GenesisValidator {
    core::Address address;     ///< of its validator key
    core::PublicKey public_key;
    std::uint64_t power = 1;
    std::vector<std::uint32_t> experts;  ///< hosted from genesis (decision 004), as registerExperts
};

/// A protocol model the chain runs (DESIGN.md, Models and data): its file must hash to this.
struct ModelRequirement {
    core::Hash sha256;
};

/// Fraud screening thresholds on the 0..10000 risk score: at or above `flag_score` a
/// transaction is included and marked; at or above `reject_score` it never enters a block.
struct ScreeningThresholds {
    std::uint32_t flag_score = 7000;
    std::uint32_t reject_score = 9000;
};

/// Expert routing (issue 8, decision 004): validators host experts of the fraud model and
/// their committees give verdicts in vote extensions. Absent from the genesis: routing is off.
struct RoutingConfig {
    std::uint32_t min_committee_size = 1;  ///< hosts an expert needs to be served
    std::uint32_t top_k = 2;               ///< experts each transaction is routed to
    /// An expert's room in a block, in percent of its fair share of the transactions placed so
    /// far (consensus::RoutingRule); 0: no limit, the gate alone decides. 0 or 100..10000.
    std::uint32_t capacity_percent = 125;
    std::uint32_t failover_heights = 3;    ///< silent heights before the next-ranked expert takes over
    std::uint32_t quorum_bps = 6667;       ///< committee power whose answers make a verdict
    /// Share (percent) of signed verdicts each validator recomputes with the protocol model to
    /// catch a wrong one (decision 004, Wrong-verdict evidence); 0: none.
    std::uint32_t sample_percent = 10;
    /// Who may replace the routing gate with `setRoutingGate(bytes)` on the staking contract;
    /// absent: nobody, the gate stays the genesis model's.
    std::optional<core::Address> governance;
};

/// The most a block's transactions may take, encoded, whatever the gas limit: a proposal (the
/// block and its consensus data) then fits one 4 MiB P2P frame (decision 003). 30M gas fits
/// anyway (at most 1.9 MB of calldata); a chain with a larger gas limit is bounded by bytes too.
inline constexpr std::size_t kMaxBlockTransactionBytes = 3 * 1024 * 1024;

/// The parameters of a chain: what its genesis says, identical on every node.
struct ChainConfig {
    /// Whether this is a devnet of one validator: the only chain whose blocks may carry dev
    /// changes and whose head may be rewound (decision 008).
    [[nodiscard]] bool is_dev_chain() const noexcept { return name == "devnet" && validators.size() == 1; }
    /// Whether two blocks may carry the same timestamp second: only a chain whose genesis asks
    /// for blocks under a second (decision 003); every other block is a second after its parent.
    [[nodiscard]] bool blocks_may_share_a_second() const noexcept { return block_interval_ms < 1000; }

    std::string name;
    std::uint64_t chain_id = 0;
    std::uint64_t block_interval_ms = 1000;
    std::uint64_t block_gas_limit = 30'000'000;
    std::uint64_t genesis_timestamp = 0;
    core::uint256 initial_base_fee;
    core::FeeRules fee_rules;
    std::vector<GenesisAccount> alloc;  ///< in address order, duplicates merged
    /// The keys `alloc_mnemonic` derives, in order: on a devnet, the accounts eth_accounts lists
    /// and eth_sendTransaction signs for, as Anvil's (decision 008).
    std::vector<core::PrivateKey> mnemonic_keys;
    std::uint64_t epoch_length = 100;
    std::uint64_t unbonding_blocks = 100;  ///< blocks between unstake and withdraw (staking contract)
    core::uint256 min_stake_wei = core::uint256(1'000'000'000'000'000'000ull);  ///< to enter the validator set
    std::uint64_t max_validators = 100;          ///< the largest validator set, by power
    std::uint32_t slash_fraction_bps = 500;      ///< share of stake burnt for double-signing evidence
    std::uint64_t jail_blocks = 50;              ///< how long a jail lasts before unjail() succeeds
    std::uint64_t downtime_window = 50;          ///< blocks over which missed commits are counted
    std::uint32_t downtime_max_missed_bps = 5000;  ///< more missed than this share of a window jails
    consensus::TimeoutConfig consensus_timeouts;  ///< Tendermint round timeouts, growing per round
    std::optional<ModelRequirement> fraud_model;     ///< absent: no screening
    std::optional<ModelRequirement> contract_model;  ///< absent: no contract classes
    ScreeningThresholds screening;
    std::optional<RoutingConfig> routing;  ///< needs fraud_model; absent: no expert routing
    std::vector<GenesisValidator> validators;
    nlohmann::json source;  ///< the document it was read from, written back by `moed init`
};

/// What a genesis validator stakes in the genesis state: its power in whole ether.
[[nodiscard]] core::uint256 genesis_stake_wei(const GenesisValidator& validator);

/// The staking contract's rules of a chain.
[[nodiscard]] evm::StakingRules staking_rules(const ChainConfig& config);
/// The downtime rules of a chain, for evm::record_commit.
[[nodiscard]] evm::DowntimeRules downtime_rules(const ChainConfig& config);

/// Reads and validates a chain config; every bad or missing field is a clear error.
[[nodiscard]] std::expected<ChainConfig, std::string> parse_chain_config(const nlohmann::json& doc);

/// The genesis header of a chain: number 0, the state root of its allocations, and the
/// validator set committed in extra_data (keccak of its RLP), so each chain instance has its
/// own genesis hash.
[[nodiscard]] core::Hash validator_set_hash(const std::vector<GenesisValidator>& validators);

}  // namespace moe::chain
