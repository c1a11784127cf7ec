#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include "moe/account_stats.hpp"
#include "moe/offline/benign_traffic.hpp"
#include "moe/offline/trainer.hpp"

/// The fraud-screening training set: the labelled accounts' histories from
/// ../shared/data/eth_fraud_accounts_and_txns replayed into AccountStats in block order, one
/// row per transaction to or from a labelled account, screened with both parties' statistics
/// as they stood before it.
namespace moe::nn {

struct FraudOptions {
    bool with_gas_price = false;      ///< append the gas-price level (an era feature; for the leak experiment only)
    std::size_t max_accounts = 0;     ///< keep only the first N labelled accounts (by address); 0: all
    int max_rows_per_account = 0;     ///< keep an account's first N screened rows; 0: all
    bool keep_events = false;         ///< keep the replayed events (FraudCorpus::events), for a replay on a chain
    std::uint32_t schema = kFraudFeatureSchema;  ///< the rows' fraud feature schema (fraud_features)
};

/// One transaction or token transfer of the data, as the corpus replayed it.
struct FraudEvent {
    std::uint64_t from = 0, to = 0;        ///< address keys; a deployment's `to` is the created contract
    TxFacts facts;                         ///< as screened (recipient_is_contract from the whole data)
    bool failed = false;
    bool token_event = false;              ///< a token transfer event (no transaction of its own)
    std::vector<std::uint32_t> accounts;   ///< the labelled accounts whose files list it (indices, ascending)
};

/// Rows with the account each screens and that account's label.
struct FraudCorpus {
    Dataset rows;                          ///< labels: the FLAG of the account; groups: its address key
    std::vector<std::uint32_t> row_account;  ///< per row, an index into `accounts`
    std::vector<std::string> accounts;     ///< addresses, 0x-hex
    std::vector<int> account_label;
    std::vector<std::uint64_t> account_group;
    std::vector<std::string> notes;
    std::uint32_t schema = kFraudFeatureSchema;  ///< the rows' fraud feature schema (FraudOptions::schema)
    /// With FraudOptions::keep_events: every event in the order it was replayed, and per row
    /// the event it screens.
    std::vector<FraudEvent> events;
    std::vector<std::uint32_t> row_event;
};

/// Reads labels.csv, normal_txns_first200.csv.gz and erc20_txns_first100.csv.gz from `dir`.
[[nodiscard]] std::expected<FraudCorpus, std::string> load_fraud_corpus(const std::filesystem::path& dir, const FraudOptions& options);

/// The rows of held-out accounts (true) or of the others (false), and their indices; with
/// `per_account` > 0, at most that many rows of each account, spread evenly over its history.
[[nodiscard]] Dataset fraud_split(const FraudCorpus& corpus, std::uint64_t seed, bool held_out_part, std::vector<std::size_t>* rows = nullptr,
                                  int per_account = 0);

/// The training accounts the trainer validates on (not held out, and `in_validation` of their
/// group with `seed` and `share`, as train_moe splits): all their rows, and their indices.
[[nodiscard]] Dataset fraud_validation(const FraudCorpus& corpus, std::uint64_t seed, double share, std::vector<std::size_t>* rows = nullptr);

/// What `moed train --task fraud` adds to the labelled training accounts, and how many of each
/// account's rows it keeps.
struct FraudTrainingOptions {
    int rows_per_account = 64;                  ///< spread over each account's history; 0: all
    int worlds = kTrainWorlds;                  ///< generated worlds of ordinary activity, benign rows
    int drainer_worlds = kTrainDrainerWorlds;   ///< generated worlds whose drainers' visible rows are fraud rows
    int drainer_family = kDrainerFamily;        ///< how their victims pay (drainer_world)
    int drainer_visible_victims = kDrainerVisibleVictims;  ///< distinct victims before a drainer's rows are fraud rows
    std::uint32_t schema = kFraudFeatureSchema;  ///< `--fraud-schema`: the schema to load the corpus with (FraudOptions::schema)
};

/// The rows `moed train --task fraud` trains on (and validates on: train_moe takes 20% of the
/// groups, accounts and worlds alike, by `in_validation`): the training accounts' rows (at most
/// `rows_per_account` each; their corpus indices in `rows`, in order), then the benign worlds'
/// rows, then the drainers'. `moed moe features` writes the same rows, so the gradient-boosting
/// baseline trains on what the MoE trains on. `notes` gets a line per part added.
[[nodiscard]] Dataset fraud_training_set(const FraudCorpus& corpus, std::uint64_t seed, const FraudTrainingOptions& options,
                                         std::vector<std::size_t>* rows = nullptr, std::vector<std::string>* notes = nullptr);

}  // namespace moe::nn
