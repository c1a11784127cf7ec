#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/transaction.hpp"
#include "evm/state.hpp"
#include "moe/account_stats.hpp"
#include "moe/engine.hpp"
#include "moe/inference.hpp"
#include "chain/chain_config.hpp"

/// The chain's models at work (issue "Fraud screening and contract classification"; decision
/// 005): every transaction of a block is screened against the statistics of its sender and
/// recipient as they stood before it; every contract created is classified. Statistics and
/// classes live in the state, under the moe registry account.
namespace moe::chain {

/// The registry system account: contract classes and account statistics in its storage.
[[nodiscard]] const core::Address& moe_registry_address() noexcept;

/// What screening decided for a transaction.
enum class Decision : std::uint8_t { kAccept = 0, kFlag = 1, kReject = 2 };
[[nodiscard]] std::string_view to_string(Decision d) noexcept;

/// The most feature contributions a verdict carries.
inline constexpr std::size_t kTopContributions = 5;

/// Whether a verdict says which features pushed its score.
enum class Explain : std::uint8_t {
    kWhenFlagged,  ///< only a flagged or rejected one: what a block stores (a cost only the rare pay)
    kAlways,       ///< every one (moe_scoreTransaction)
};

/// A transaction's screening: its risk score, what the thresholds made of it, the experts
/// the gate chose, and (when explained) the features that pushed the score most.
struct TransactionVerdict {
    std::uint32_t score = 0;
    Decision decision = Decision::kAccept;
    nn::TxType type = nn::TxType::kTransfer;
    std::vector<nn::ExpertWeight> experts;
    /// nn::explain_screening: at most kTopContributions, largest push first.
    std::vector<nn::FeatureContribution> contributions;
    /// The row was too far outside the model's envelope (nn::abstains): accepted whatever the
    /// score, and counted.
    bool abstained = false;

    /// rlp([score, decision, type, [[expert, weight], ...]]) and, only when there are
    /// contributions, a fifth item [[feature, contribution], ...] (weights and contributions
    /// as the uint32 of their two's complement), so an unexplained record keeps its bytes; an
    /// abstention adds a sixth item 1 (after a fifth, empty when there are no contributions).

    [[nodiscard]] core::Bytes encode() const;
    [[nodiscard]] static std::expected<TransactionVerdict, std::string> decode(core::ByteView bytes);
};

/// The class the contract classifier gave a contract at its creation.
struct ContractClassRecord {
    nn::ContractClass contract_class = nn::ContractClass::kOther;
    std::uint32_t confidence = 0;  ///< 0..10000
};

/// What moe_getContractClass reports: the class given at creation and, for a proxy, the
/// implementation it delegates to now (read at query time, since it may be set or changed
/// after the proxy was created) with that implementation's class.
struct ContractClassReport {
    ContractClassRecord record;
    std::optional<core::Address> implementation;
    std::optional<ContractClassRecord> implementation_class;
};

/// One model as moe_getModels reports it.
struct ModelInfo {
    std::string name;
    core::Hash sha256;
    std::string source;  ///< "embedded" or the file it was read from
    int task = 0, experts = 0, top_k = 0, features = 0, classes = 0;
};

/// The chain's models, loaded once and checked against the hashes its genesis requires.
/// Thread-safe: inference is serialised (the engines keep scratch buffers).
class ChainModels {
  public:
    /// A model's file as its reader found it: the bytes, and where they came from ("embedded"
    /// or a path), for moe_getModels.
    struct File {
        core::Bytes bytes;
        std::string source;
    };
    /// Reads the model file of a name ("fraud", "contract"); the node supplies it (its home's
    /// models folder, else the copy embedded in moed).
    using Reader = std::function<std::expected<File, std::string>(std::string_view name)>;
    /// Loads each model the chain names through `read`; a model whose SHA-256 differs from the
    /// genesis's is refused.
    [[nodiscard]] static std::expected<std::unique_ptr<ChainModels>, std::string> load(const ChainConfig& chain,
                                                                                       const Reader& read);

    [[nodiscard]] bool screens() const noexcept { return fraud_ != nullptr; }
    [[nodiscard]] bool classifies() const noexcept { return contract_ != nullptr; }
    [[nodiscard]] const ScreeningThresholds& thresholds() const noexcept { return thresholds_; }
    [[nodiscard]] const std::vector<ModelInfo>& info() const noexcept { return info_; }

    /// The verdict on a feature row (screens() must hold).
    [[nodiscard]] std::expected<TransactionVerdict, std::string> screen(const nn::FraudFeatures& row, nn::TxType type,
                                                                        Explain explain = Explain::kWhenFlagged);
    /// The fraud gate's integer logits on a feature row, one per expert: the routing gate of
    /// decision 004 (screens() must hold; a hierarchical gate is refused).
    [[nodiscard]] std::expected<std::vector<std::int32_t>, std::string> gate_logits(const nn::FraudFeatures& row,
                                                                                    const std::optional<core::Bytes>& gate = std::nullopt);
    /// The feature schema the fraud model was trained on, which its rows are computed with
    /// (nn::fraud_features; screens() must hold).
    [[nodiscard]] std::uint32_t fraud_feature_schema() const { return fraud_->model().feature_schema_version; }
    /// How many experts the fraud model has (screens() must hold).
    [[nodiscard]] std::size_t fraud_experts() const { return fraud_->model().experts.size(); }
    /// Expert `expert`'s own verdict on a row: the class-1 probability (0..10000) of its output
    /// alone, integer and identical on every node (screens() must hold).
    [[nodiscard]] std::expected<std::uint32_t, std::string> expert_score(std::uint32_t expert, const nn::FraudFeatures& row);
    /// expert_score of each row, in one batch through the expert (the same integers).
    [[nodiscard]] std::expected<std::vector<std::uint32_t>, std::string> expert_scores(std::uint32_t expert,
                                                                                      std::span<const nn::FraudFeatures> rows);
    /// The class of runtime code (classifies() must hold).
    [[nodiscard]] std::expected<ContractClassRecord, std::string> classify(core::ByteView runtime_code);

  private:
    ChainModels() = default;
    std::mutex mutex_;
    std::unique_ptr<nn::MoeEngine> fraud_;
    std::unique_ptr<nn::MoeEngine> contract_;
    ScreeningThresholds thresholds_;
    std::vector<ModelInfo> info_;
};

/// The statistics of one account as the registry holds them (a fresh account has none).
[[nodiscard]] std::expected<nn::AccountStats, std::string> read_account_stats(evm::State& state, const evm::CodeStore& blobs,
                                                                             const core::Address& account);
/// The class the registry holds for a contract, if it was classified.
[[nodiscard]] std::optional<ContractClassRecord> read_contract_class(evm::State& state, const core::Address& contract);

/// The implementation a proxy delegates to: the EIP-1967 implementation slot when it is set,
/// else the address inside an EIP-1167 forwarder's code; nullopt for anything else.
[[nodiscard]] std::optional<core::Address> proxy_implementation(evm::State& state, const core::Address& proxy);
/// The class the registry holds for a contract and, for a proxy, its implementation's.
[[nodiscard]] std::optional<ContractClassReport> read_contract_class_report(evm::State& state, const core::Address& contract);

/// The facts screening uses about a transaction, with the recipient's code known.
[[nodiscard]] nn::TxFacts transaction_facts(const core::Transaction& txn, bool recipient_is_contract, std::uint64_t timestamp);

/// Screening and classification across one block, in transaction order. Statistics changed
/// by the block are kept here and written into the registry by finish().
class BlockScreening {
  public:
    BlockScreening(ChainModels& models, const evm::CodeStore& blobs, std::uint64_t timestamp)
        : models_(models), blobs_(blobs), timestamp_(timestamp) {}

    /// The fraud feature row of the next transaction, from its parties' statistics before it.
    [[nodiscard]] std::expected<nn::FraudFeatures, std::string> features(evm::State& state, const core::Transaction& txn,
                                                                         const core::Address& sender);
    /// The verdict on the next transaction, from its parties' statistics before it.
    [[nodiscard]] std::expected<TransactionVerdict, std::string> screen(evm::State& state, const core::Transaction& txn,
                                                                        const core::Address& sender,
                                                                        Explain explain = Explain::kWhenFlagged);
    /// After the transaction ran: its parties' statistics (`created`: the address a deployment
    /// was given, even if it failed), and the class of every contract it created, however
    /// (`contracts`: evm::TxOutcome::created_contracts, in execution order).
    [[nodiscard]] std::expected<void, std::string> record(evm::State& state, const core::Transaction& txn,
                                                          const core::Address& sender, bool success,
                                                          const std::optional<core::Address>& created,
                                                          std::span<const core::Address> contracts);
    /// After a devnet change set `contract`'s code (hardhat_setCode, decision 008): its class,
    /// as if it had been created with that code; none when the code was removed.
    [[nodiscard]] std::expected<void, std::string> record_code_change(evm::State& state, const core::Address& contract);
    /// Writes the changed statistics into the registry (inside a transaction of the state's
    /// own); returns the encoded statistics to store by hash beside the contract code.
    [[nodiscard]] std::vector<std::pair<core::Hash, core::Bytes>> finish(evm::State& state);

  private:
    [[nodiscard]] std::expected<nn::AccountStats*, std::string> stats_of(evm::State& state, const core::Address& a);

    ChainModels& models_;
    const evm::CodeStore& blobs_;  ///< statistics are stored by hash beside contract code
    std::uint64_t timestamp_;
    std::map<core::Address, nn::AccountStats> stats_;
    std::set<core::Address> changed_;
    std::vector<std::pair<core::Address, std::optional<ContractClassRecord>>> classes_;  // none: code removed
};

}  // namespace moe::chain
