#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "core/bytes.hpp"

/// Per-account statistics the node keeps as blocks commit, and the fraud-screening feature row
/// built from them and the transaction (DESIGN.md, task 1). Integer only; no absolute time,
/// block number or gas-price level enters a feature (those date the data, ../shared/data/README.md).
namespace moe::nn {

/// Bumped whenever the meaning of a fraud feature changes (the model records it). A chain
/// screens with the schema its fraud model records; fraud_features computes each one listed.
/// Schema 3 (what `moed train --task fraud` trains on): the same 64 features as schema 2 with
/// finer integer codes (counts, sizes and spans a quarter to a sixteenth of a halving instead of
/// whole halvings; amounts a third of one) and, per party, the share of its receipts that came
/// from distinct senders in place of the "active" flag.
inline constexpr std::uint32_t kFraudFeatureSchema = 3;
/// Schema 2: whole halvings (log2 codes), the models before schema 3.
inline constexpr std::uint32_t kFraudFeatureSchemaWhole = 2;
/// Schema 4: schema 3 with the four slots that repeated other features (5: value is 0, 8: a
/// token selector, 32 and 56: each party's idle span) given to what the parties hold and owe
/// each other: 5 the share of the sender's net inflow the value moves (a sweep), 8 the
/// recipient's net holdings, 32 whether the sender has paid the recipient before, 56 whether
/// the recipient has paid the sender before (TxFacts::sender_key, recipient_key).
inline constexpr std::uint32_t kFraudFeatureSchemaPairs = 4;
/// Whether fraud_features computes `schema`.
[[nodiscard]] constexpr bool is_fraud_feature_schema(std::uint32_t schema) noexcept {
    return schema == kFraudFeatureSchema || schema == kFraudFeatureSchemaWhole || schema == kFraudFeatureSchemaPairs;
}

/// What a transaction is, for the gate: experts specialise by type.
enum class TxType : std::uint8_t { kTransfer = 0, kContractCall = 1, kDeployment = 2, kTokenTransfer = 3 };
inline constexpr int kTxTypes = 4;
/// The type's name in RPC answers and reports: transfer, contractCall, deployment, tokenTransfer.
[[nodiscard]] std::string_view to_string(TxType t) noexcept;

/// The facts of one transaction that screening and the statistics use.
struct TxFacts {
    TxType type = TxType::kTransfer;
    std::uint64_t value_gwei = 0;    ///< ether value in gwei (token transfers: the amount in 1e-9 token units)
    std::uint64_t gas_limit = 0;
    std::uint32_t data_size = 0;     ///< calldata bytes
    std::uint32_t selector = 0;      ///< first four calldata bytes, big-endian (0 when fewer)
    bool is_create = false;
    bool recipient_is_contract = false;
    std::uint64_t token = 0;         ///< token transfers: a key of the token contract (address_key)
    std::uint64_t timestamp = 0;     ///< block time: only differences to an account's last activity are used
    /// The parties' address keys (address_key; a deployment's recipient as screened). Only
    /// schema 4's pair features read them.
    std::uint64_t sender_key = 0, recipient_key = 0;
};

/// A bounded, deterministic distinct counter: the K smallest distinct 64-bit keys seen
/// (a K-minimum-values sketch); exact below K, an estimate above.
class DistinctSketch {
  public:
    static constexpr std::size_t kSize = 16;
    void add(std::uint64_t key);
    [[nodiscard]] std::uint64_t estimate() const;
    /// Whether `key` was added: kept, or certainly never (the sketch is not full, or the key
    /// ranks below the largest kept value, so it would still be kept), or unknown.
    enum class Seen : std::uint8_t { kNever, kYes, kUnknown };
    [[nodiscard]] Seen seen(std::uint64_t key) const;
    [[nodiscard]] std::size_t size() const noexcept { return n_; }
    [[nodiscard]] const std::array<std::uint64_t, kSize>& values() const noexcept { return v_; }
    /// Restores a sketch from stored values (sorted, distinct, at most kSize).
    [[nodiscard]] bool assign(const std::uint64_t* values, std::size_t n);
    bool operator==(const DistinctSketch&) const = default;

  private:
    std::array<std::uint64_t, kSize> v_{};  ///< ascending, the first n_ used
    std::size_t n_ = 0;
};

/// The key of an address for the sketches: its first 8 bytes, big-endian.
[[nodiscard]] std::uint64_t address_key(core::ByteView address20);

inline constexpr int kGapBuckets = 8;

/// One account's history in a fixed size: counts, value sums and maxima (gwei, saturating),
/// distinct counterparties, selectors and tokens, gaps between activities (log2 buckets).
struct AccountStats {
    std::uint32_t sent = 0, received = 0;
    std::uint32_t sent_zero_value = 0, received_zero_value = 0;
    std::uint32_t sent_with_data = 0, failures = 0, creations = 0;
    std::uint32_t tokens_sent = 0, tokens_received = 0;
    std::uint64_t sent_gwei = 0, received_gwei = 0, max_sent_gwei = 0, max_received_gwei = 0;
    std::uint64_t first_time = 0, last_time = 0;  ///< block times; 0 before any activity
    std::array<std::uint32_t, kGapBuckets> gaps{};  ///< gaps between successive activities, log2 buckets of seconds
    DistinctSketch out_peers, in_peers, selectors, tokens;

    /// The account sent `tx` to `counterparty` (an address_key); `failed` if it reverted.
    void apply_sent(const TxFacts& tx, std::uint64_t counterparty, bool failed);
    /// The account received `tx` from `counterparty`.
    void apply_received(const TxFacts& tx, std::uint64_t counterparty);

    /// A versioned little-endian encoding for the node's state.
    [[nodiscard]] core::Bytes encode() const;
    [[nodiscard]] static std::expected<AccountStats, std::string> decode(core::ByteView bytes);

    bool operator==(const AccountStats&) const = default;

  private:
    void touch(std::uint64_t time);
};

inline constexpr int kTxFeatures = 16;
inline constexpr int kAccountFeatures = 24;
inline constexpr int kFraudFeatures = kTxFeatures + 2 * kAccountFeatures;

/// The screening model's input: 7-bit codes (0..127).
using FraudFeatures = std::array<std::uint8_t, kFraudFeatures>;

/// The feature row of a transaction from its facts and both parties' statistics before it.
/// Features 0..3 are the transaction type (one-hot), which the gate routes on. `schema` is one
/// that is_fraud_feature_schema accepts (the model's).
[[nodiscard]] FraudFeatures fraud_features(const TxFacts& tx, const AccountStats& sender, const AccountStats& recipient,
                                           std::uint32_t schema);

}  // namespace moe::nn
