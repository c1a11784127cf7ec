#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "moe/inference.hpp"
#include "moe/offline/trainer.hpp"

/// The contract-classification corpus: runtime bytecodes from ../shared/data labelled into the
/// classifier's classes, with the groups that keep near-duplicate code on one side of a split.
namespace moe::nn {

/// One labelled runtime bytecode.
struct LabelledCode {
    core::Bytes code;
    ContractClass label = ContractClass::kOther;
    std::uint64_t group = 0;  ///< rows of a group share a code skeleton (or a salzer skeleton_id)
    std::string source;       ///< file and row, for error messages and the per-source report
};

/// The corpus and what the loader decided along the way (duplicates, conflicts, counts).
struct ContractCorpus {
    std::vector<LabelledCode> codes;
    std::vector<std::string> notes;
};

/// The corpus we compile ourselves (scripts/contract_corpus/generate.mjs), beside the shared data.
inline constexpr std::string_view kContractTemplatesFile = "chain-config/corpus/contract_templates.csv.gz";
/// The live set: contracts no training family is a copy of, deployed on a devnet by the e2e test.
inline constexpr std::string_view kContractLiveFile = "chain-config/corpus/contract_live.csv.gz";

/// Reads, from a directory laid out like ../shared/data: sadponzi_bytecode/rq1_groundtruth.csv,
/// salzer_wallets_proxies_bytecode/{wallets,proxies,verified_name_groups_codes}.csv and
/// solmigrator_erc20_erc721_bytecode/solmigrator_contracts.csv; and `templates`, our compiled
/// corpus (family,label,group,...,bytecode), whose `group` column joins its rows into groups.
/// A missing file is an error.
[[nodiscard]] std::expected<ContractCorpus, std::string> load_contract_corpus(const std::filesystem::path& data_dir,
                                                                            const std::filesystem::path& templates);

/// Reads a file in the templates' layout as it is (the live set): every row, its label, no dedup.
[[nodiscard]] std::expected<std::vector<LabelledCode>, std::string> load_labelled_codes(const std::filesystem::path& file);

/// The class a contract's dispatcher declares: ERC-1155 when it answers balanceOfBatch and
/// safeBatchTransferFrom, ERC-721 when it answers ownerOf and a transfer or approval-for-all
/// selector, ERC-20 when it answers transfer, balanceOf and transferFrom or approve, dex when
/// it answers getReserves and swap, factory when createPair and getPair; otherwise `fallback`.
[[nodiscard]] ContractClass interface_class(core::ByteView code, ContractClass fallback);

/// A code skeleton: keccak of the code with its Solidity metadata trailer removed and every
/// PUSH operand zeroed (first 8 bytes), so recompiled or re-parameterised copies collide.
[[nodiscard]] std::uint64_t code_skeleton(core::ByteView code);

/// The held-out skeleton groups (decision 010): per class (of a group's first code) its groups
/// ordered by held_out_rank, and the first max(ceil(n / 5), min(3, floor(n / 3))) of its n taken,
/// never more than floor(n / 3): a thin class is held out in at least 3 groups where a third of
/// its groups allows, and a class of fewer than 3 groups stays in training.
[[nodiscard]] std::set<std::uint64_t> contract_held_out_groups(const ContractCorpus& corpus, std::uint64_t seed);

/// The corpus as a training set: the feature rows (kContractFeatures, scaled to [0, 1]),
/// labels and groups; `held_out_part` selects the held-out groups (true) or the rest (false).
[[nodiscard]] Dataset contract_dataset(const ContractCorpus& corpus, std::uint64_t seed, bool held_out_part);

/// How many folds the training part's skeleton groups are dealt into for cross-validation.
inline constexpr int kContractFolds = 5;

/// Marks the rows of the training part `d` that the trainer validates on (`Dataset::validation`):
/// fold `fold` of `folds`, whole skeleton groups as the held-out split takes them, so that
/// validation measures codes of skeletons the model has not seen, not near-copies of its
/// training rows. Per class (of a group's first row) its groups are ordered by a hash of the
/// group and the seed and dealt round the folds, so every fold holds about 1/folds of every
/// class's groups; a class's only group is never validated on. `folds` 0: no row is.
void mark_contract_validation(Dataset& d, std::uint64_t seed, int folds, int fold);

/// The rows of `d` its `validation` marks, as a dataset of their own.
[[nodiscard]] Dataset validation_part(const Dataset& d);


}  // namespace moe::nn
