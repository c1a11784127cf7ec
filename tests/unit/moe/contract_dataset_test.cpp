#include <gtest/gtest.h>

#include <map>
#include <set>
#include <vector>

#include "moe/offline/contract_dataset.hpp"

using namespace moe::nn;

namespace {
/// Rows of three classes: class 0 in 10 groups, class 1 in one group, class 2 in 3 groups, two rows each.
Dataset grouped_rows() {
    Dataset d;
    d.num_features = 1;
    d.num_classes = 3;
    auto add = [&](int label, std::uint64_t group) {
        for (int i = 0; i < 2; ++i) {
            d.x.push_back(0.5f);
            d.y.push_back(label);
            d.groups.push_back(group);
        }
    };
    for (std::uint64_t g = 0; g < 10; ++g) add(0, 1000 + g);
    add(1, 2000);
    for (std::uint64_t g = 0; g < 3; ++g) add(2, 3000 + g * 77);
    return d;
}
}  // namespace

TEST(ContractFolds, DealEveryClassGroupsRoundTheFoldsAndNeverValidateAClassOnlyGroup) {
    Dataset d = grouped_rows();
    std::map<std::uint64_t, int> times_validated;
    for (int k = 0; k < kContractFolds; ++k) {
        mark_contract_validation(d, 7, kContractFolds, k);
        ASSERT_EQ(d.validation.size(), d.y.size());
        std::map<std::uint64_t, std::set<int>> marks;
        int class0_groups = 0;
        for (std::size_t r = 0; r < d.y.size(); ++r) marks[d.groups[r]].insert(d.validation[r]);
        for (const auto& [g, m] : marks) {
            ASSERT_EQ(m.size(), 1u) << "group " << g << " is split between training and validation";
            if (*m.begin() == 1) {
                ++times_validated[g];
                class0_groups += g < 2000 ? 1 : 0;
            }
        }
        EXPECT_EQ(class0_groups, 2) << "fold " << k << " holds a fifth of class 0's ten groups";
    }
    for (std::uint64_t g = 0; g < 10; ++g) EXPECT_EQ(times_validated[1000 + g], 1);
    for (std::uint64_t g = 0; g < 3; ++g) EXPECT_EQ(times_validated[3000 + g * 77], 1);
    EXPECT_EQ(times_validated.count(2000), 0u) << "a class's only group must stay in training";
}

TEST(ContractFolds, TheSameSeedDealsTheSameFoldsAndAnotherSeedOthers) {
    Dataset a = grouped_rows(), b = grouped_rows(), c = grouped_rows();
    bool differs = false;
    for (int k = 0; k < kContractFolds; ++k) {
        mark_contract_validation(a, 7, kContractFolds, k);
        mark_contract_validation(b, 7, kContractFolds, k);
        mark_contract_validation(c, 8, kContractFolds, k);
        EXPECT_EQ(a.validation, b.validation);
        differs = differs || a.validation != c.validation;
    }
    EXPECT_TRUE(differs);
}

TEST(ContractFolds, ValidationPartKeepsOnlyTheMarkedRows) {
    Dataset d = grouped_rows();
    mark_contract_validation(d, 7, kContractFolds, 0);
    const Dataset v = validation_part(d);
    long marked = 0;
    for (auto m : d.validation) marked += m;
    EXPECT_EQ(v.rows(), marked);
    EXPECT_EQ(v.x.size(), static_cast<std::size_t>(marked));
    EXPECT_EQ(v.num_classes, 3);
}

TEST(ContractSplit, HoldsOutAFifthOfEveryClassAndAtLeastThreeGroupsWhereAThirdAllows) {
    // Class erc20 in 30 groups, erc721 in 12, dex in 6, erc1155 in 3, factory in 2; two codes each.
    ContractCorpus corpus;
    const std::vector<std::pair<ContractClass, int>> classes = {
        {ContractClass::kErc20, 30}, {ContractClass::kErc721, 12}, {ContractClass::kDex, 6}, {ContractClass::kErc1155, 3}, {ContractClass::kFactory, 2}};
    std::uint64_t group = 100;
    for (const auto& [c, groups] : classes) {
        for (int g = 0; g < groups; ++g, group += 13) {
            for (int i = 0; i < 2; ++i) corpus.codes.push_back({moe::core::Bytes{0x60, static_cast<std::uint8_t>(i), 0x00}, c, group, "test"});
        }
    }
    for (std::uint64_t seed : {7ull, 8ull}) {
        const std::set<std::uint64_t> held = contract_held_out_groups(corpus, seed);
        std::map<ContractClass, int> per_class;
        for (const LabelledCode& code : corpus.codes) per_class[code.label] += held.contains(code.group) ? 1 : 0;
        EXPECT_EQ(per_class[ContractClass::kErc20], 2 * 6);   // ceil(30 / 5) groups
        EXPECT_EQ(per_class[ContractClass::kErc721], 2 * 3);  // ceil(12 / 5) = 3
        EXPECT_EQ(per_class[ContractClass::kDex], 2 * 2);     // a third of 6
        EXPECT_EQ(per_class[ContractClass::kErc1155], 2 * 1);
        EXPECT_EQ(per_class[ContractClass::kFactory], 0);     // fewer than 3 groups: all trained on
        // The held-out and training parts are the two sides of one split, whole groups each.
        const Dataset h = contract_dataset(corpus, seed, true), t = contract_dataset(corpus, seed, false);
        EXPECT_EQ(h.rows() + t.rows(), static_cast<int>(corpus.codes.size()));
        for (std::uint64_t g : h.groups) EXPECT_TRUE(held.contains(g));
        for (std::uint64_t g : t.groups) EXPECT_FALSE(held.contains(g));
    }
    EXPECT_NE(contract_held_out_groups(corpus, 7), contract_held_out_groups(corpus, 8));
}
