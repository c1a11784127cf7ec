#include <gtest/gtest.h>

#include "moe/engine.hpp"
#include "moe/model_file.hpp"
#include "moe/offline/trainer.hpp"

using namespace moe::nn;

namespace {
TrainOptions small_options() {
    TrainOptions o;
    o.seed = 7;
    o.max_epochs = 120;
    o.patience = 10;
    return o;
}
}  // namespace

// The synthetic task has four regions, each with its own linear rule: a gated mixture can
// learn it, one expert of the same size cannot as well. Stated accuracy: >= 0.80 quantized.
TEST(Trainer, LearnsTheSyntheticTaskAndQuantizesFaithfully) {
    const Dataset data = synthetic_task(8000, 11);
    const TrainResult moe_result = train_moe(data, small_options());
    EXPECT_GE(moe_result.quantized_validation_accuracy, 0.80);
    EXPECT_NEAR(moe_result.quantized_validation_accuracy, moe_result.float_validation_accuracy, 0.02);
    EXPECT_LT(moe_result.epochs_run, 120) << "early stopping should end training before the cap";

    TrainOptions single = small_options();
    single.experts = 1;
    single.top_k = 1;
    const TrainResult dense = train_moe(data, single);
    EXPECT_GT(moe_result.quantized_validation_accuracy, dense.quantized_validation_accuracy + 0.02);

    // The shipped artefact is the quantized model, and it loads back as it was.
    const auto file = serialize_model(moe_result.model);
    auto parsed = parse_model(file);
    ASSERT_TRUE(parsed.has_value()) << parsed.error();
}

TEST(Trainer, SameDataAndSeedGiveTheSameFileBitForBit) {
    const Dataset data = synthetic_task(3000, 12);
    TrainOptions o = small_options();
    o.max_epochs = 15;
    const auto a = serialize_model(train_moe(data, o).model);
    const auto b = serialize_model(train_moe(data, o).model);
    EXPECT_EQ(a, b);
    o.seed = 8;
    EXPECT_NE(serialize_model(train_moe(data, o).model), a) << "the seed must matter";
}

TEST(Trainer, SplitsByGroupWhenGroupsAreGiven) {
    Dataset data = synthetic_task(2000, 13);
    for (int r = 0; r < data.rows(); ++r) data.groups.push_back(static_cast<std::uint64_t>(r / 50));  // 40 groups
    TrainOptions o = small_options();
    o.max_epochs = 2;
    std::vector<EpochReport> reports;
    const auto result = train_moe(data, o, [&](const EpochReport& r) { reports.push_back(r); });
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_GT(result.quantized_validation_accuracy, 0.0);
}

// A dataset that marks its validation rows decides the split: with every row of class 0 marked
// (and so none trained on), the model never answers 0 and validates at accuracy 0.
TEST(Trainer, ValidatesOnTheRowsTheDatasetMarks) {
    Dataset data = synthetic_task(2000, 14);
    for (int y : data.y) data.validation.push_back(y == 0 ? 1 : 0);
    TrainOptions o = small_options();
    o.max_epochs = 3;
    const auto result = train_moe(data, o);
    EXPECT_EQ(result.quantized_validation_accuracy, 0.0);
    EXPECT_EQ(result.float_validation_accuracy, 0.0);
}

// Without early stopping every epoch runs, whatever the validation loss does, and with no
// validation rows at all the model still calibrates (on the training rows) and classifies.
TEST(Trainer, WithoutEarlyStoppingRunsEveryEpochAndNeedsNoValidationRows) {
    // One task (its rules come from the seed): 3000 rows to train on, 1000 to check.
    Dataset data = synthetic_task(4000, 15);
    Dataset check;
    check.num_features = data.num_features;
    check.num_classes = data.num_classes;
    const auto F = static_cast<std::ptrdiff_t>(data.num_features);
    check.x.assign(data.x.begin() + 3000 * F, data.x.end());
    check.y.assign(data.y.begin() + 3000, data.y.end());
    data.x.resize(static_cast<std::size_t>(3000 * F));
    data.y.resize(3000);
    data.validation.assign(data.y.size(), 0);
    TrainOptions o = small_options();
    o.max_epochs = 6;
    o.patience = 1;
    o.early_stopping = false;
    const auto result = train_moe(data, o);
    EXPECT_EQ(result.epochs_run, 6);
    MoeEngine engine(result.model);
    const auto codes = quantize_features(check.x);
    const Inference inf = engine.forward(codes.data(), check.rows());
    int right = 0;
    for (int r = 0; r < check.rows(); ++r) right += inf.argmax(r) == check.y[static_cast<std::size_t>(r)] ? 1 : 0;
    EXPECT_GT(right, check.rows() * 2 / 5) << "a model calibrated on its training rows classifies far above chance (1 in 4)";
}

// The regularisers (weight averaging, label smoothing, input noise on the codes, dropout) draw
// from seeded generators only: the same options give the same file, and each changes it.
TEST(Trainer, RegularisersAndTheInitSeedAreDeterministic) {
    const Dataset data = synthetic_task(4000, 16);
    TrainOptions o = small_options();
    o.max_epochs = 12;
    const auto plain = serialize_model(train_moe(data, o).model);
    TrainOptions r = o;
    r.weight_average = 0.99f;
    r.label_smoothing = 0.05f;
    r.code_noise = 2;
    r.dropout = 0.1f;
    const TrainResult a = train_moe(data, r);
    EXPECT_EQ(serialize_model(a.model), serialize_model(train_moe(data, r).model));
    EXPECT_NE(serialize_model(a.model), plain);
    EXPECT_GE(a.quantized_validation_accuracy, 0.5) << "a regularised model still learns the task (chance: 1 in 4)";
    for (auto set : std::initializer_list<void (*)(TrainOptions&)>{[](TrainOptions& x) { x.weight_average = 0.99f; },
                                                                   [](TrainOptions& x) { x.label_smoothing = 0.05f; },
                                                                   [](TrainOptions& x) { x.code_noise = 2; },
                                                                   [](TrainOptions& x) { x.dropout = 0.1f; }}) {
        TrainOptions one = o;
        set(one);
        EXPECT_NE(serialize_model(train_moe(data, one).model), plain);
    }
    // The init seed: another model; the seed itself as init seed is the model of the seed.
    TrainOptions other = o;
    other.init_seed = 99;
    EXPECT_NE(serialize_model(train_moe(data, other).model), plain);
    TrainOptions same = o;
    same.init_seed = o.seed;
    EXPECT_EQ(serialize_model(train_moe(data, same).model), plain);
}

