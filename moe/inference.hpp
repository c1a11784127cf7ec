#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "moe/engine.hpp"
#include "moe/model.hpp"

/// What the node calls: contract classification at deployment and transaction screening.
/// Integer and deterministic: every validator gets the same verdict from the same model.
namespace moe::nn {

/// The classes of the contract classifier (the model's output index).
/// The classes of the contract classifier. The numbers are stored in the registry and carried
/// in verdicts, so a class keeps its number; new ones are appended.
enum class ContractClass : std::uint8_t {
    kErc20 = 0,
    kErc721 = 1,
    kProxy = 2,
    kWallet = 3,  ///< wallets and multisigs
    kPonzi = 4,
    kOther = 5,
    kErc1155 = 6,
    kDex = 7,      ///< pairs, pools, routers
    kFactory = 8,  ///< contracts whose job is to create contracts
};
inline constexpr int kContractClasses = 9;

/// A short name for logs and RPC ("erc20", "erc721", "proxy", "wallet", "ponzi", "other",
/// "erc1155", "dex", "factory").
[[nodiscard]] std::string_view to_string(ContractClass c) noexcept;
/// The class of a name to_string gives.
[[nodiscard]] std::optional<ContractClass> contract_class_named(std::string_view name) noexcept;

/// Why a model cannot do the job asked.
enum class InferenceError { kWrongTask, kWrongSchema, kWrongShape };
[[nodiscard]] std::string_view to_string(InferenceError e) noexcept;

/// A contract's class and the model's integer confidence in it (0..10000).
struct ContractVerdict {
    ContractClass contract_class = ContractClass::kOther;
    std::uint32_t confidence = 0;
};

/// An expert the gate chose for a transaction and its Q15 combine weight.
struct ExpertWeight {
    int expert = 0;
    std::int32_t weight = 0;
};

/// A screening result: risk score 0..10000 and the experts that produced it.
struct ScreeningVerdict {
    std::uint32_t score = 0;
    std::vector<ExpertWeight> experts;
    /// The row lies too far outside the model's envelope: the score is the model's, but no
    /// decision may rest on it (the chain accepts, and counts it).
    bool abstained = false;
};

/// How far a feature row lies outside the model's envelope of its training rows: the sum over
/// features of the distance of the row's code to the range [low, high] (0 without an envelope).
[[nodiscard]] std::uint32_t envelope_excess(const MoeModel& model, std::span<const std::uint8_t> row);
/// Whether the model abstains on a row: its envelope_excess is above the envelope's max_excess.
[[nodiscard]] bool abstains(const MoeModel& model, std::span<const std::uint8_t> row);

/// Classifies runtime bytecode with a contract model (task kTaskContract).
[[nodiscard]] std::expected<ContractVerdict, InferenceError> classify_contract(MoeEngine& engine, core::ByteView runtime_code);
/// Classifies several codes in one batch (one gate and one matmul per expert for all).
[[nodiscard]] std::expected<std::vector<ContractVerdict>, InferenceError> classify_contracts(
    MoeEngine& engine, std::span<const core::ByteView> runtime_codes);
/// Convenience for one-off calls: builds an engine (oneDNN primitives) for this call only.
[[nodiscard]] std::expected<ContractVerdict, InferenceError> classify_contract(const MoeModel& model, core::ByteView runtime_code);

/// Screens feature rows (moe/account_stats.hpp `fraud_features`) with a fraud model (task kTaskFraud).
[[nodiscard]] std::expected<std::vector<ScreeningVerdict>, InferenceError> screen_transactions(
    MoeEngine& engine, std::span<const std::uint8_t> rows);
/// Screens one feature row.
[[nodiscard]] std::expected<ScreeningVerdict, InferenceError> screen_transaction(MoeEngine& engine,
                                                                               std::span<const std::uint8_t> row);
/// Convenience for one-off calls: builds an engine for this call only.
[[nodiscard]] std::expected<ScreeningVerdict, InferenceError> screen_transaction(const MoeModel& model,
                                                                               std::span<const std::uint8_t> row);

/// One feature's push on a risk score: the score minus the score of the same row with this
/// feature at the baseline 0 ("absent"), in score units (-10000..10000).
struct FeatureContribution {
    int feature = 0;
    std::int32_t contribution = 0;

    friend bool operator==(const FeatureContribution&, const FeatureContribution&) = default;
};

/// Why a row scores what it scores: leave-one-feature-out through the whole quantized model
/// (gate, experts, combine), every variant routed alone so that each figure is exactly the
/// score that row would get, in integers identical on every node. The `top` largest in
/// magnitude, ties to the lower feature, zeros left out. `score` is the row's own score.
[[nodiscard]] std::expected<std::vector<FeatureContribution>, InferenceError> explain_screening(
    MoeEngine& engine, std::span<const std::uint8_t> row, std::uint32_t score, std::size_t top);

/// The probability (0..10000) of class `cls` from integer logits: an integer softmax with the
/// model's output temperature (the argmax gets 10000 when the model has none).
[[nodiscard]] std::uint32_t class_probability(const MoeModel& model, std::span<const std::int32_t> logits, int cls);

}  // namespace moe::nn
