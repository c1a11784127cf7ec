#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
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

/// Reads, from a directory laid out like ../shared/data: sadponzi_bytecode/rq1_groundtruth.csv,
/// salzer_wallets_proxies_bytecode/{wallets,proxies,verified_name_groups_codes}.csv and
/// solmigrator_erc20_erc721_bytecode/solmigrator_contracts.csv. A missing file is an error.
[[nodiscard]] std::expected<ContractCorpus, std::string> load_contract_corpus(const std::filesystem::path& data_dir);

/// The class a contract's dispatcher declares: ERC-721 when it answers ownerOf and a transfer
/// or approval-for-all selector, ERC-20 when it answers transfer, balanceOf and transferFrom or
/// approve; otherwise `fallback`.
[[nodiscard]] ContractClass interface_class(core::ByteView code, ContractClass fallback);

/// A code skeleton: keccak of the code with its Solidity metadata trailer removed and every
/// PUSH operand zeroed (first 8 bytes), so recompiled or re-parameterised copies collide.
[[nodiscard]] std::uint64_t code_skeleton(core::ByteView code);

/// The corpus as a training set: the feature rows (kContractFeatures, scaled to [0, 1]),
/// labels and groups; `held_out_part` selects the held-out groups (true) or the rest (false).
[[nodiscard]] Dataset contract_dataset(const ContractCorpus& corpus, std::uint64_t seed, bool held_out_part);

}  // namespace moe::nn
