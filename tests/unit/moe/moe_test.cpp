#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "moe/engine.hpp"
#include "moe/inference.hpp"
#include "moe/model_file.hpp"
#include "moe/offline/quantize.hpp"
#include "moe/requant.hpp"
#include "moe/router.hpp"
#include "moe/offline/synthetic.hpp"

using namespace moe::nn;

// ---- Requantization against a reference written plainly ---------------------------------

namespace {
__extension__ typedef __int128 Int128;

/// round(x * m / 2^(31 + shift)), half away from zero, by exact long division.
std::int64_t plain_scale(std::int64_t x, std::int64_t m, int shift) {
    const Int128 num = static_cast<Int128>(x) * m;
    const Int128 den = static_cast<Int128>(1) << (31 + shift);
    const Int128 mag = num < 0 ? -num : num;
    Int128 q = mag / den;
    if ((mag % den) * 2 >= den) ++q;
    return static_cast<std::int64_t>(num < 0 ? -q : q);
}
}  // namespace

TEST(Requant, MatchesThePlainReference) {
    SplitMix64 rng(1);
    for (int i = 0; i < 200000; ++i) {
        const std::int64_t x = rng.range(-(1ll << 31), (1ll << 31) - 1);
        const FixedPointScale s{static_cast<std::int32_t>(rng.range(1 << 30, (1ll << 31) - 1)), static_cast<std::int32_t>(rng.range(0, 31))};
        ASSERT_EQ(apply_scale(x, s), plain_scale(x, s.multiplier, s.shift)) << x << " " << s.multiplier << " " << s.shift;
    }
    EXPECT_EQ(requantize_relu(-500, 0, FixedPointScale{1 << 30, 0}), 0);
    EXPECT_EQ(requantize_relu(1 << 20, 0, FixedPointScale{1 << 30, 0}), 127);
    EXPECT_EQ(requantize_relu(100, 0, scale_from_real(0.5)), 50);
    EXPECT_EQ(requantize_relu(101, 0, scale_from_real(0.5)), 51) << "half rounds away from zero";
}

TEST(Requant, TheVectorizedRowsEqualTheScalarFunction) {
    SplitMix64 rng(3);
    const int rows = 37, cols = 61;
    std::vector<std::int32_t> acc(static_cast<std::size_t>(rows * cols)), bias(static_cast<std::size_t>(cols));
    std::vector<FixedPointScale> scales(static_cast<std::size_t>(cols));
    // Accumulators as wide as a 65536-input layer gives, biases at the model limit.
    for (auto& a : acc) a = static_cast<std::int32_t>(rng.range(-65536ll * 127 * 128, 65536ll * 127 * 127));
    for (auto& b : bias) b = static_cast<std::int32_t>(rng.range(-kMaxBias, kMaxBias));
    for (auto& s : scales) s = FixedPointScale{static_cast<std::int32_t>(rng.range(1 << 30, (1ll << 31) - 1)), static_cast<std::int32_t>(rng.range(0, 31))};
    std::vector<std::uint8_t> out(acc.size());
    requantize_rows(acc.data(), bias.data(), scales.data(), rows, cols, out.data());
    for (int r = 0; r < rows; ++r) {
        for (int j = 0; j < cols; ++j) {
            ASSERT_EQ(out[static_cast<std::size_t>(r * cols + j)], requantize_relu(acc[static_cast<std::size_t>(r * cols + j)], bias[static_cast<std::size_t>(j)], scales[static_cast<std::size_t>(j)]));
        }
    }
}

TEST(Requant, ScaleFromRealIsAccurate) {
    for (double r : {0.9, 0.5, 0.123, 1e-3, 3.7e-6}) {
        const FixedPointScale s = scale_from_real(r);
        EXPECT_GE(s.multiplier, 1 << 30);
        EXPECT_NEAR(static_cast<double>(apply_scale(1'000'000, s)), 1e6 * r, 1.0) << r;
    }
}

// ---- oneDNN kernel against the triple loop ----------------------------------------------

TEST(Int8Matmul, EqualsTheTripleLoopForEveryBatchSize) {
    Device device;
    SplitMix64 rng(2);
    for (auto [k, n] : {std::pair{32, 64}, std::pair{7, 3}, std::pair{128, 1}}) {
        std::vector<std::int8_t> w(static_cast<std::size_t>(k * n));
        for (auto& v : w) v = static_cast<std::int8_t>(rng.range(-128, 127));
        Int8Matmul mm(device, k, n, w);
        for (int rows : {1, 3, 64, 100, 1024, 5}) {
            const auto x = synthetic_inputs(rows, k, static_cast<std::uint64_t>(rows * 31 + k));
            std::vector<std::int32_t> got(static_cast<std::size_t>(rows * n)), want(got.size());
            mm.run(x.data(), rows, got.data());
            reference_matmul(x.data(), rows, k, n, w.data(), want.data());
            ASSERT_EQ(got, want) << k << "x" << n << " rows " << rows;
        }
    }
}

// ---- Routing ----------------------------------------------------------------------------

TEST(Router, TopKWithTiesToTheLowerExpert) {
    const std::int32_t logits[] = {5, 9, 9, -1, 5};
    const auto r = rank_experts(logits);
    ASSERT_EQ(r.size(), 5u);
    EXPECT_EQ(r[0].expert, 1);
    EXPECT_EQ(r[1].expert, 2);
    EXPECT_EQ(r[2].expert, 0);
    EXPECT_EQ(r[3].expert, 4);
    EXPECT_EQ(r[4].expert, 3);
}

TEST(Router, CapacityOverflowGoesToTheNextRankedExpert) {
    // Three rows all prefer expert 0, then 1, then 2; capacity 1 per expert, top-1.
    std::vector<std::vector<Choice>> rankings(3, std::vector<Choice>{{0, 30}, {1, 20}, {2, 10}});
    const auto chosen = assign_with_capacity(rankings, 1, 3, 1);
    EXPECT_EQ(chosen[0][0].expert, 0);
    EXPECT_EQ(chosen[1][0].expert, 1);
    EXPECT_EQ(chosen[2][0].expert, 2);
    // Top-2 with capacity 2: first choices are served before any second choice.
    const auto two = assign_with_capacity(rankings, 2, 3, 2);
    EXPECT_EQ(two[0][0].expert, 0);
    EXPECT_EQ(two[1][0].expert, 0);
    EXPECT_EQ(two[2][0].expert, 1);
    EXPECT_EQ(two[0][1].expert, 1);
    EXPECT_EQ(two[1][1].expert, 2);
    EXPECT_EQ(two[2][1].expert, 2);
    // When nothing has room, a row gets fewer experts, never a full one.
    const auto none = assign_with_capacity(rankings, 2, 3, 1);
    std::size_t total = 0;
    for (const auto& c : none) total += c.size();
    EXPECT_EQ(total, 3u);
    EXPECT_EQ(expert_capacity(10, 2, 8, 100), 3);
    EXPECT_EQ(expert_capacity(1, 1, 64, 100), 1);
}

TEST(Router, CombineWeightsAreIntegerSoftmax) {
    const Choice equal[] = {{0, 100}, {1, 100}};
    const auto w = combine_weights(equal, 256);
    EXPECT_EQ(w[0], 16384);
    EXPECT_EQ(w[1], 16384);
    const Choice octave[] = {{0, 612}, {1, 100}};  // two temperatures apart: 4 : 1
    const auto w2 = combine_weights(octave, 256);
    EXPECT_EQ(w2[0], 26214);
    EXPECT_EQ(w2[1], 6554);
    const Choice far[] = {{0, 1 << 30}, {1, -(1 << 30)}};
    const auto w3 = combine_weights(far, 1);
    EXPECT_GE(w3[1], 1);
    EXPECT_LE(w3[0] + w3[1], 32769);
}

// ---- The whole MoE layer against a row-by-row reference ---------------------------------

namespace {
/// One row through one expert with the plain loop and the same integer requantization.
std::vector<std::int32_t> reference_expert(const Expert& e, const std::uint8_t* x) {
    std::vector<std::uint8_t> in(x, x + e.layers[0].in);
    std::vector<std::int32_t> acc;
    for (std::size_t li = 0; li < e.layers.size(); ++li) {
        const QuantLinear& l = e.layers[li];
        acc.assign(static_cast<std::size_t>(l.out), 0);
        reference_matmul(in.data(), 1, l.in, l.out, l.weights.data(), acc.data());
        if (li + 1 == e.layers.size()) {
            for (int j = 0; j < l.out; ++j) acc[static_cast<std::size_t>(j)] += l.bias[static_cast<std::size_t>(j)];
            return acc;
        }
        in.assign(static_cast<std::size_t>(l.out), 0);
        for (int j = 0; j < l.out; ++j) in[static_cast<std::size_t>(j)] = requantize_relu(acc[static_cast<std::size_t>(j)], l.bias[static_cast<std::size_t>(j)], l.scales[static_cast<std::size_t>(j)]);
    }
    return acc;
}

void expect_matches_reference(const MoeModel& model, int rows) {
    MoeEngine engine(model);
    const auto x = synthetic_inputs(rows, model.num_features, 77);
    const Inference out = engine.forward(x.data(), rows);
    for (int r = 0; r < rows; ++r) {
        const auto& route = out.routes[static_cast<std::size_t>(r)];
        ASSERT_FALSE(route.empty());
        if (model.combine == Combine::kHard) {
            ASSERT_EQ(route.size(), 1u);
        }
        std::vector<std::int64_t> sum(static_cast<std::size_t>(model.output_dim), 0);
        for (std::size_t i = 0; i < route.size(); ++i) {
            const auto y = reference_expert(model.experts[static_cast<std::size_t>(route[i].expert)], x.data() + static_cast<std::ptrdiff_t>(r) * model.num_features);
            for (int j = 0; j < model.output_dim; ++j) sum[static_cast<std::size_t>(j)] += static_cast<std::int64_t>(out.weights[static_cast<std::size_t>(r)][i]) * y[static_cast<std::size_t>(j)];
        }
        for (int j = 0; j < model.output_dim; ++j) {
            const std::int64_t v = sum[static_cast<std::size_t>(j)];
            const auto want = static_cast<std::int32_t>(v >= 0 ? (v + 16384) >> 15 : -((-v + 16384) >> 15));
            ASSERT_EQ(out.row(r)[j], want) << "row " << r;
        }
    }
}
}  // namespace

TEST(MoeEngine, SoftTopTwoEqualsTheReference) {
    SyntheticSpec spec;
    spec.output_dim = 3;
    expect_matches_reference(synthetic_model(spec, 5), 300);
}

TEST(MoeEngine, HardTopOneEqualsTheReference) {
    SyntheticSpec spec;
    spec.top_k = 1;
    spec.combine = Combine::kHard;
    spec.hidden = {48, 24};
    expect_matches_reference(synthetic_model(spec, 6), 257);
}

TEST(MoeEngine, HierarchicalGatingRoutesInsideTheChosenGroup) {
    SyntheticSpec spec;
    spec.num_experts = 12;
    spec.num_groups = 3;
    const MoeModel model = synthetic_model(spec, 7);
    expect_matches_reference(model, 200);
    MoeEngine engine(model);
    const auto x = synthetic_inputs(200, spec.num_features, 78);
    const auto out = engine.forward(x.data(), 200);
    int full = 0;
    for (const auto& route : out.routes) {
        // Every expert of a row comes from one group (experts e with the same e % 3); a row
        // gets fewer than two only when its group's experts are at capacity.
        ASSERT_FALSE(route.empty());
        for (const auto& c : route) EXPECT_EQ(c.expert % 3, route[0].expert % 3);
        full += route.size() == 2 ? 1 : 0;
    }
    EXPECT_GT(full, 100);
}

TEST(MoeEngine, SameBitsForAnyBatchSplit) {
    const MoeModel model = synthetic_model(SyntheticSpec{}, 8);
    MoeEngine engine(model);
    const auto x = synthetic_inputs(64, model.num_features, 79);
    const auto whole = engine.forward(x.data(), 64);
    for (int r = 0; r < 64; r += 7) {
        // One row alone gets the experts of its own ranking (capacity is never short for one row).
        const auto single = engine.forward(x.data() + static_cast<std::ptrdiff_t>(r) * model.num_features, 1);
        if (single.routes[0][0].expert == whole.routes[static_cast<std::size_t>(r)][0].expert &&
            single.routes[0].size() == whole.routes[static_cast<std::size_t>(r)].size() &&
            single.routes[0].back().expert == whole.routes[static_cast<std::size_t>(r)].back().expert) {
            EXPECT_EQ(single.row(0)[0], whole.row(r)[0]) << r;
        }
    }
}

// ---- Quantized against float ------------------------------------------------------------

TEST(Quantize, IntegerLayerTracksTheFloatLayer) {
    SplitMix64 rng(9);
    FloatLinear hidden{48, 32, {}, {}};
    FloatLinear output{32, 4, {}, {}};
    for (auto* l : {&hidden, &output}) {
        l->weights.resize(static_cast<std::size_t>(l->in * l->out));
        for (auto& w : l->weights) w = static_cast<float>(rng.range(-1000, 1000)) / 4000.0f;
        l->bias.resize(static_cast<std::size_t>(l->out));
        for (auto& b : l->bias) b = static_cast<float>(rng.range(-1000, 1000)) / 10000.0f;
    }
    const float in_scale = 1.0f / 127.0f;  // inputs are real values in [0, 1]
    const float hidden_scale = 4.0f / 127.0f;
    std::vector<double> unit;
    const QuantLinear qh = quantize_linear(hidden, in_scale, hidden_scale);
    const QuantLinear qo = quantize_linear(output, hidden_scale, 0, &unit);
    Expert e{{qh, qo}};

    double worst = 0;
    double range = 0;
    for (int trial = 0; trial < 200; ++trial) {
        const auto x = synthetic_inputs(1, 48, static_cast<std::uint64_t>(trial + 100));
        // The float model on the same inputs.
        std::vector<double> h(32), y(4);
        for (int j = 0; j < 32; ++j) {
            double s = hidden.bias[static_cast<std::size_t>(j)];
            for (int i = 0; i < 48; ++i) s += x[static_cast<std::size_t>(i)] * in_scale * hidden.weights[static_cast<std::size_t>(i * 32 + j)];
            h[static_cast<std::size_t>(j)] = std::min(std::max(s, 0.0), 127.0 * hidden_scale);
        }
        for (int j = 0; j < 4; ++j) {
            double s = output.bias[static_cast<std::size_t>(j)];
            for (int i = 0; i < 32; ++i) s += h[static_cast<std::size_t>(i)] * output.weights[static_cast<std::size_t>(i * 4 + j)];
            y[static_cast<std::size_t>(j)] = s;
        }
        const auto q = reference_expert(e, x.data());
        for (int j = 0; j < 4; ++j) {
            worst = std::max(worst, std::fabs(q[static_cast<std::size_t>(j)] * unit[static_cast<std::size_t>(j)] - y[static_cast<std::size_t>(j)]));
            range = std::max(range, std::fabs(y[static_cast<std::size_t>(j)]));
        }
    }
    // Stated tolerance: within 3% of the output range.
    EXPECT_LT(worst, 0.03 * range) << "worst " << worst << " range " << range;
}

// ---- Model files ------------------------------------------------------------------------

TEST(ModelFile, RoundTripsAndDescribesItself) {
    SyntheticSpec spec;
    spec.num_groups = 2;
    const MoeModel m = synthetic_model(spec, 10);
    const auto file = serialize_model(m);
    auto back = parse_model(file);
    ASSERT_TRUE(back.has_value()) << back.error();
    EXPECT_EQ(serialize_model(*back), file);
    EXPECT_NE(describe_model(*back).find("hierarchical, 2 groups"), std::string::npos);
}

TEST(ModelFile, AnEnvelopeMakesVersion3AndAModelWithoutOneKeepsItsVersion2Bytes) {
    SyntheticSpec spec;
    spec.num_features = 6;
    spec.hidden = {5};
    spec.num_experts = 3;
    MoeModel m = synthetic_model(spec, 13);
    const auto plain = serialize_model(m);
    EXPECT_EQ(plain[8], 2) << "no envelope: written as version 2, so existing model hashes stay";
    m.envelope = Envelope{{0, 10, 20, 30, 40, 50}, {100, 110, 120, 127, 127, 60}, 7};
    const auto file = serialize_model(m);
    EXPECT_EQ(file[8], 3);
    EXPECT_EQ(file.size(), plain.size() + 2 * 6 + 4);
    auto back = parse_model(file);
    ASSERT_TRUE(back.has_value()) << back.error();
    ASSERT_TRUE(back->envelope.has_value());
    EXPECT_EQ(*back->envelope, *m.envelope);
    EXPECT_EQ(serialize_model(*back), file);
    EXPECT_FALSE(parse_model(plain)->envelope.has_value());
    for (std::size_t n = 0; n < file.size(); ++n) ASSERT_FALSE(parse_model(moe::core::ByteView(file).subspan(0, n)).has_value()) << n;
    // A range upside down, or beyond the 7-bit codes: refused even with a valid checksum.
    MoeModel bad = m;
    bad.envelope->low[2] = 121;
    auto r = parse_model(serialize_model(bad));
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().find("envelope of feature 2"), std::string::npos) << r.error();
    bad = m;
    bad.envelope->high[0] = 128;
    EXPECT_FALSE(parse_model(serialize_model(bad)).has_value());
}

TEST(Envelope, AbstainsOnlyBeyondTheAllowanceSummedOverFeatures) {
    MoeModel m;
    const std::array<std::uint8_t, 3> inside{5, 50, 100};
    EXPECT_EQ(envelope_excess(m, inside), 0u);
    EXPECT_FALSE(abstains(m, inside)) << "no envelope: never abstains";
    m.envelope = Envelope{{5, 20, 0}, {10, 60, 100}, 4};
    EXPECT_EQ(envelope_excess(m, inside), 0u);
    const std::array<std::uint8_t, 3> edge{3, 62, 100};  // 2 below, 2 above: 4, the allowance
    EXPECT_EQ(envelope_excess(m, edge), 4u);
    EXPECT_FALSE(abstains(m, edge));
    const std::array<std::uint8_t, 3> beyond{3, 62, 101};
    EXPECT_EQ(envelope_excess(m, beyond), 5u);
    EXPECT_TRUE(abstains(m, beyond));
}

TEST(ModelFile, EveryTruncationAndAFlippedByteAreRefused) {
    SyntheticSpec spec;
    spec.num_features = 6;
    spec.hidden = {5};
    spec.num_experts = 3;
    const auto file = serialize_model(synthetic_model(spec, 11));
    for (std::size_t n = 0; n < file.size(); ++n) {
        ASSERT_FALSE(parse_model(moe::core::ByteView(file).subspan(0, n)).has_value()) << n;
    }
    for (std::size_t i = 0; i < file.size(); ++i) {
        auto bad = file;
        bad[i] ^= 0x10;
        ASSERT_FALSE(parse_model(bad).has_value()) << i;
    }
}

TEST(ModelFile, MismatchedShapesAreRefusedEvenWithAValidChecksum) {
    SyntheticSpec spec;
    MoeModel m = synthetic_model(spec, 12);
    m.experts[3].layers[0].in = 31;  // no longer chains from the features
    m.experts[3].layers[0].weights.resize(31 * 64);
    auto r = parse_model(serialize_model(m));
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().find("do not chain"), std::string::npos) << r.error();

    MoeModel k = synthetic_model(spec, 12);
    k.top_k = 9;
    EXPECT_FALSE(parse_model(serialize_model(k)).has_value());
}
