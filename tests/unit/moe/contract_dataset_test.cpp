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
