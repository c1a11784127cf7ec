#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

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
};

/// Rows with the account each screens and that account's label.
struct FraudCorpus {
    Dataset rows;                          ///< labels: the FLAG of the account; groups: its address key
    std::vector<std::uint32_t> row_account;  ///< per row, an index into `accounts`
    std::vector<std::string> accounts;     ///< addresses, 0x-hex
    std::vector<int> account_label;
    std::vector<std::uint64_t> account_group;
    std::vector<std::string> notes;
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

}  // namespace moe::nn
