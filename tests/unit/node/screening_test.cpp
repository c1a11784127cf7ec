#include "chain/screening.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/keccak.hpp"
#include "core/rlp.hpp"
#include "moe/model_file.hpp"
#include "node/chain_files.hpp"

namespace moe::node {
namespace {

namespace fs = std::filesystem;

nlohmann::json preset() { return nlohmann::json::parse(*preset_json("devnet")); }

nn::MoeModel embedded_fraud_model() {
    auto m = nn::parse_model(embedded_model("fraud"));
    EXPECT_TRUE(m) << m.error();
    return m ? *m : nn::MoeModel{};
}

chain::ChainConfig chain_with(const nlohmann::json& doc) {
    auto c = chain::parse_chain_config(doc);
    EXPECT_TRUE(c) << c.error();
    return *c;
}

TEST(ChainModels, LoadsTheEmbeddedModelsTheGenesisNames) {
    auto m = load_chain_models(chain_with(preset()), fs::path("/nonexistent"));
    ASSERT_TRUE(m) << m.error();
    EXPECT_TRUE((*m)->screens());
    EXPECT_TRUE((*m)->classifies());
    ASSERT_EQ((*m)->info().size(), 2u);
    EXPECT_EQ((*m)->info()[0].sha256, core::sha256(embedded_model("fraud")));
}

TEST(ChainModels, RefusesAModelWhoseHashDiffersFromTheGenesis) {
    nlohmann::json doc = preset();
    doc["models"]["fraud"]["sha256"] = core::Hash{}.hex();
    auto m = load_chain_models(chain_with(doc), fs::path("/nonexistent"));
    ASSERT_FALSE(m);
    EXPECT_NE(m.error().find("refusing"), std::string::npos) << m.error();

    // A file in the home's models/ folder replaces the embedded copy, and must match too.
    const fs::path dir = fs::temp_directory_path() / ("moe_models_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    core::Bytes changed(embedded_model("contract").begin(), embedded_model("contract").end());
    changed[changed.size() / 2] ^= 1;
    std::ofstream(dir / "contract.moe", std::ios::binary).write(reinterpret_cast<const char*>(changed.data()),
                                                                static_cast<std::streamsize>(changed.size()));
    auto again = load_chain_models(chain_with(preset()), dir);
    fs::remove_all(dir);
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().find("contract.moe"), std::string::npos) << again.error();
}

TEST(ChainModels, AChainWithoutModelsScreensNothing) {
    nlohmann::json doc = preset();
    doc.erase("models");
    auto m = load_chain_models(chain_with(doc), fs::path("/nonexistent"));
    ASSERT_TRUE(m);
    EXPECT_FALSE((*m)->screens());
    EXPECT_FALSE((*m)->classifies());
}

TEST(ChainConfigModels, BadModelSectionsAreClearErrors) {
    for (const char* bad : {R"({"other": {"sha256": "0x00"}})", R"({"fraud": {"sha256": "0x1234"}})",
                            R"({"fraud": {"sha256": "0x0000000000000000000000000000000000000000000000000000000000000000", "flag_score": 9000, "reject_score": 8000}})",
                            R"({"contract": {"sha256": "0x0000000000000000000000000000000000000000000000000000000000000000", "flag_score": 1}})",
                            R"([])"}) {
        nlohmann::json doc = preset();
        doc["models"] = nlohmann::json::parse(bad);
        auto c = chain::parse_chain_config(doc);
        ASSERT_FALSE(c) << bad;
        EXPECT_NE(c.error().find("models"), std::string::npos) << c.error();
    }
}

TEST(ChainConfigRouting, AbsentIsOffAndFieldsDefault) {
    EXPECT_FALSE(chain_with(preset()).routing);
    nlohmann::json doc = preset();
    doc["routing"] = nlohmann::json::object();
    const chain::ChainConfig c = chain_with(doc);
    ASSERT_TRUE(c.routing);
    EXPECT_EQ(c.routing->min_committee_size, 1u);
    EXPECT_EQ(c.routing->top_k, 2u);
    EXPECT_EQ(c.routing->capacity_percent, 125u);
    EXPECT_EQ(c.routing->failover_heights, 3u);
    EXPECT_EQ(c.routing->quorum_bps, 6667u);
    EXPECT_EQ(c.routing->sample_percent, 10u);
    doc["routing"] = {{"min_committee_size", 2}, {"top_k", 1}, {"capacity_percent", 150}, {"failover_heights", 0}, {"quorum_bps", 10000}, {"sample_percent", 100}};
    const chain::ChainConfig d = chain_with(doc);
    ASSERT_TRUE(d.routing);
    EXPECT_EQ(d.routing->min_committee_size, 2u);
    EXPECT_EQ(d.routing->top_k, 1u);
    EXPECT_EQ(d.routing->capacity_percent, 150u);
    EXPECT_EQ(d.routing->failover_heights, 0u);
    EXPECT_EQ(d.routing->quorum_bps, 10000u);
    EXPECT_EQ(d.routing->sample_percent, 100u);
}

TEST(ChainConfigRouting, BadRoutingSectionsAreClearErrors) {
    for (const char* bad : {R"([])", R"({"top_k": 0})", R"({"top_k": 17})", R"({"quorum_bps": 10001})", R"({"quorum_bps": 0})", R"({"sample_percent": 101})",
                            R"({"min_committee_size": 0})", R"({"capacity_percent": 50})", R"({"slack": 1})", R"({"top_k": "2"})"}) {
        nlohmann::json doc = preset();
        doc["routing"] = nlohmann::json::parse(bad);
        auto c = chain::parse_chain_config(doc);
        EXPECT_FALSE(c) << bad;
        if (!c) {
            EXPECT_NE(c.error().find("routing"), std::string::npos) << c.error();
        }
    }
    nlohmann::json doc = preset();
    doc.erase("models");
    doc["routing"] = nlohmann::json::object();
    auto c = chain::parse_chain_config(doc);
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().find("fraud"), std::string::npos) << c.error();
}

TEST(ChainModels, TheRoutingGateIsTheModelsGate) {
    auto m = load_chain_models(chain_with(preset()), fs::path("/nonexistent"));
    ASSERT_TRUE(m) << m.error();
    // Rows of each transaction type, varied: the gate's top experts are the ones screening
    // combined (the engine's oneDNN gate and the plain integer one agree).
    for (int t = 0; t < nn::kTxTypes; ++t) {
        for (int v = 0; v < 16; ++v) {
            nn::FraudFeatures row{};
            row[static_cast<std::size_t>(t)] = 127;
            for (std::size_t i = nn::kTxTypes; i < row.size(); ++i) row[i] = static_cast<std::uint8_t>((i * 37 + static_cast<std::size_t>(v) * 11) % 128);
            auto logits = (*m)->gate_logits(row);
            ASSERT_TRUE(logits) << logits.error();
            ASSERT_EQ(logits->size(), static_cast<std::size_t>((*m)->info()[0].experts));
            std::vector<int> order(logits->size());
            for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
            std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return (*logits)[static_cast<std::size_t>(a)] > (*logits)[static_cast<std::size_t>(b)]; });
            auto verdict = (*m)->screen(row, static_cast<nn::TxType>(t));
            ASSERT_TRUE(verdict) << verdict.error();
            for (std::size_t i = 0; i < verdict->experts.size(); ++i) EXPECT_EQ(verdict->experts[i].expert, order[i]);
        }
    }
}

TEST(ChainModels, AnExpertsScoreIsItsOwnAndRepeatable) {
    auto m = load_chain_models(chain_with(preset()), fs::path("/nonexistent"));
    ASSERT_TRUE(m) << m.error();
    nn::FraudFeatures row{};
    row[0] = 127;
    for (std::size_t i = nn::kTxTypes; i < row.size(); ++i) row[i] = static_cast<std::uint8_t>((i * 53) % 128);
    std::set<std::uint32_t> distinct;
    for (std::uint32_t e = 0; e < 8; ++e) {
        auto a = (*m)->expert_score(e, row);
        auto b = (*m)->expert_score(e, row);
        ASSERT_TRUE(a && b);
        EXPECT_EQ(*a, *b);
        EXPECT_LE(*a, 10000u);
        distinct.insert(*a);
    }
    EXPECT_GT(distinct.size(), 1u) << "every expert gave the same score: not their own outputs";
    EXPECT_FALSE((*m)->expert_score(8, row));

    // A batch gives each row the score it gets alone (integer matmuls, zero-padded buckets).
    std::vector<nn::FraudFeatures> rows(37);
    for (std::size_t r = 0; r < rows.size(); ++r) {
        rows[r][r % nn::kTxTypes] = 127;
        for (std::size_t i = nn::kTxTypes; i < rows[r].size(); ++i) rows[r][i] = static_cast<std::uint8_t>((i * 29 + r * 71) % 128);
    }
    for (std::uint32_t e : {0u, 5u}) {
        auto batch = (*m)->expert_scores(e, rows);
        ASSERT_TRUE(batch) << batch.error();
        ASSERT_EQ(batch->size(), rows.size());
        for (std::size_t r = 0; r < rows.size(); ++r) EXPECT_EQ((*batch)[r], *(*m)->expert_score(e, rows[r])) << "row " << r;
    }
    auto none = (*m)->expert_scores(0, {});
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
}

TEST(ChainModels, ContributionsAreTheScoreLessTheScoreWithoutTheFeature) {
    auto m = load_chain_models(chain_with(preset()), fs::path("/nonexistent"));
    ASSERT_TRUE(m) << m.error();
    std::size_t explained = 0;
    for (std::size_t r = 0; r < 24; ++r) {
        nn::FraudFeatures row{};
        row[r % nn::kTxTypes] = 127;
        for (std::size_t i = nn::kTxTypes; i < row.size(); ++i) row[i] = static_cast<std::uint8_t>((i * 37 + r * 59) % 128 * ((i + r) % 3 != 0));
        auto v = (*m)->screen(row, nn::TxType::kTransfer, chain::Explain::kAlways);
        ASSERT_TRUE(v) << v.error();
        ASSERT_LE(v->contributions.size(), chain::kTopContributions);
        // Each figure is exactly the score minus the score of the row with that feature at 0,
        // each row screened alone; largest magnitude first, then the lower feature.
        std::vector<std::pair<std::int32_t, int>> all;
        for (int f = 0; f < nn::kFraudFeatures; ++f) {
            if (row[static_cast<std::size_t>(f)] == 0) continue;
            nn::FraudFeatures without = row;
            without[static_cast<std::size_t>(f)] = 0;
            auto w = (*m)->screen(without, nn::TxType::kTransfer);
            ASSERT_TRUE(w);
            const std::int32_t c = static_cast<std::int32_t>(v->score) - static_cast<std::int32_t>(w->score);
            if (c != 0) all.emplace_back(-std::abs(c), f);
        }
        std::sort(all.begin(), all.end());
        ASSERT_EQ(v->contributions.size(), std::min(all.size(), chain::kTopContributions)) << "row " << r;
        for (std::size_t i = 0; i < v->contributions.size(); ++i) {
            EXPECT_EQ(v->contributions[i].feature, all[i].second) << "row " << r;
            EXPECT_EQ(std::abs(v->contributions[i].contribution), -all[i].first) << "row " << r;
        }
        explained += v->contributions.empty() ? 0 : 1;
        // Accepted and not asked: no contributions (a block stores them only when flagged).
        auto quiet = (*m)->screen(row, nn::TxType::kTransfer);
        ASSERT_TRUE(quiet);
        EXPECT_EQ(quiet->score, v->score);
        // Flagged or rejected: the same figures as when asked (none when the score is
        // saturated and no single feature moves it).
        if (quiet->decision == chain::Decision::kAccept) {
            EXPECT_TRUE(quiet->contributions.empty());
        } else {
            EXPECT_EQ(quiet->contributions, v->contributions);
        }
    }
    EXPECT_GT(explained, 0u) << "no row had a feature that moved its score: nothing was tested";
}

TEST(TransactionVerdict, ContributionsRoundTripAndAnUnexplainedRecordKeepsItsBytes) {
    chain::TransactionVerdict v{9123, chain::Decision::kFlag, nn::TxType::kContractCall, {{3, 20000}}, {}};
    const core::Bytes plain = v.encode();
    v.contributions = {{17, 4100}, {2, -350}, {40, 12}};
    const core::Bytes bytes = v.encode();
    EXPECT_EQ(core::ByteView(bytes).size(), plain.size() + 16);  // one list of three pairs, appended
    auto back = chain::TransactionVerdict::decode(bytes);
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(back->contributions, v.contributions);
    auto old = chain::TransactionVerdict::decode(plain);
    ASSERT_TRUE(old);
    EXPECT_TRUE(old->contributions.empty());
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        EXPECT_FALSE(chain::TransactionVerdict::decode(core::ByteView(bytes).subspan(0, n))) << "truncated to " << n;
    }
    // A feature out of range, a contribution beyond +-10000, an empty list: refused.
    for (const auto& bad : std::vector<std::vector<nn::FeatureContribution>>{{{nn::kFraudFeatures, 1}}, {{1, 10001}}, {{1, -10001}}}) {
        chain::TransactionVerdict w = v;
        w.contributions = bad;
        EXPECT_FALSE(chain::TransactionVerdict::decode(w.encode()));
    }
    core::Bytes payload(plain.begin() + 1, plain.end());
    payload.push_back(0xc0);
    EXPECT_FALSE(chain::TransactionVerdict::decode(core::rlp::wrap_list(payload)));
}

TEST(TransactionVerdict, AnAbstentionIsASixthItemAndOtherRecordsKeepTheirBytes) {
    chain::TransactionVerdict v{9999, chain::Decision::kAccept, nn::TxType::kTransfer, {{3, 20000}}, {}};
    const core::Bytes plain = v.encode();
    v.abstained = true;
    const core::Bytes bytes = v.encode();
    EXPECT_EQ(bytes.size(), plain.size() + 2);  // an empty fifth list, then 1
    auto back = chain::TransactionVerdict::decode(bytes);
    ASSERT_TRUE(back) << back.error();
    EXPECT_TRUE(back->abstained);
    EXPECT_TRUE(back->contributions.empty());
    EXPECT_FALSE(chain::TransactionVerdict::decode(plain)->abstained);
    v.contributions = {{17, 4100}};
    auto explained = chain::TransactionVerdict::decode(v.encode());
    ASSERT_TRUE(explained);
    EXPECT_TRUE(explained->abstained);
    EXPECT_EQ(explained->contributions, v.contributions);
    // A mark other than 1, or anything after it: refused.
    for (std::uint8_t mark : {0x80, 0x02}) {
        core::Bytes payload(bytes.begin() + 1, bytes.end());
        payload.back() = mark;
        EXPECT_FALSE(chain::TransactionVerdict::decode(core::rlp::wrap_list(payload))) << int{mark};
    }
    core::Bytes payload(bytes.begin() + 1, bytes.end());
    payload.push_back(0x01);
    EXPECT_FALSE(chain::TransactionVerdict::decode(core::rlp::wrap_list(payload)));
}

TEST(ChainModels, ARowFarOutsideTheTrainingRowsIsAcceptedAndMarkedWhateverItsScore) {
    nlohmann::json doc = preset();
    doc["models"]["fraud"]["flag_score"] = 0;
    doc["models"]["fraud"]["reject_score"] = 0;  // every score rejects, unless the model abstains
    auto m = load_chain_models(chain_with(doc), fs::path("/nonexistent"));
    ASSERT_TRUE(m) << m.error();
    // A plain ether transfer between fresh accounts: what the model trained on most.
    nn::TxFacts t;
    t.value_gwei = 1'000'000'000;
    t.gas_limit = 21'000;
    const nn::FraudFeatures ordinary = nn::fraud_features(t, {}, {}, nn::kFraudFeatureSchema);
    auto v = (*m)->screen(ordinary, nn::TxType::kTransfer);
    ASSERT_TRUE(v) << v.error();
    EXPECT_FALSE(v->abstained);
    EXPECT_EQ(v->decision, chain::Decision::kReject);
    // Every feature at its highest code at once (every type, every flag): nothing like it was trained on.
    nn::FraudFeatures far{};
    far.fill(127);
    auto a = (*m)->screen(far, nn::TxType::kTransfer);
    ASSERT_TRUE(a) << a.error();
    EXPECT_TRUE(a->abstained) << "excess " << nn::envelope_excess(embedded_fraud_model(), far);
    EXPECT_EQ(a->decision, chain::Decision::kAccept);
    auto back = chain::TransactionVerdict::decode(a->encode());
    ASSERT_TRUE(back);
    EXPECT_TRUE(back->abstained);
}

TEST(TransactionVerdict, RoundTripsAndRefusesDamage) {
    chain::TransactionVerdict v{9123, chain::Decision::kFlag, nn::TxType::kContractCall, {{3, 20000}, {5, 12768}}, {}};
    const core::Bytes bytes = v.encode();
    auto back = chain::TransactionVerdict::decode(bytes);
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(back->score, v.score);
    EXPECT_EQ(back->decision, v.decision);
    EXPECT_EQ(back->type, v.type);
    ASSERT_EQ(back->experts.size(), 2u);
    EXPECT_EQ(back->experts[1].expert, 5);
    EXPECT_EQ(back->experts[1].weight, 12768);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        EXPECT_FALSE(chain::TransactionVerdict::decode(core::ByteView(bytes).subspan(0, n))) << "truncated to " << n;
    }
    core::Bytes longer = bytes;
    longer.push_back(0);
    EXPECT_FALSE(chain::TransactionVerdict::decode(longer));
}

TEST(TransactionFacts, TypesFollowTheTrainingRows) {
    core::Transaction t;
    t.to = core::Address{};
    EXPECT_EQ(chain::transaction_facts(t, false, 0).type, nn::TxType::kTransfer);
    t.data = {0xa9, 0x05, 0x9c, 0xbb, 0, 0};
    EXPECT_EQ(chain::transaction_facts(t, true, 0).type, nn::TxType::kTokenTransfer);
    t.data = {0x12, 0x34, 0x56, 0x78};
    EXPECT_EQ(chain::transaction_facts(t, true, 0).type, nn::TxType::kContractCall);
    EXPECT_EQ(chain::transaction_facts(t, true, 0).selector, 0x12345678u);
    t.to.reset();
    EXPECT_EQ(chain::transaction_facts(t, false, 0).type, nn::TxType::kDeployment);
    t.value = core::uint256(3'000'000'000ull);
    EXPECT_EQ(chain::transaction_facts(t, false, 0).value_gwei, 3u);
}

}  // namespace
}  // namespace moe::node

namespace moe::node {
namespace {

TEST(ChainModels, AGateFromTheStateReplacesTheModelsGate) {
    auto m = load_chain_models(chain_with(preset()), fs::path("/nonexistent"));
    ASSERT_TRUE(m) << m.error();
    const std::size_t experts = (*m)->fraud_experts();
    nn::FraudFeatures row{};
    row[0] = 127;  // a transfer
    row[10] = 40;
    auto model_logits = (*m)->gate_logits(row);
    ASSERT_TRUE(model_logits) << model_logits.error();
    ASSERT_EQ(model_logits->size(), experts);

    // Weights on feature 10 only, and biases that favour expert 5.
    core::Bytes gate(row.size() * experts + 4 * experts, 0);
    for (std::size_t e = 0; e < experts; ++e) gate[10 * experts + e] = static_cast<std::uint8_t>(e);
    gate[row.size() * experts + 4 * 5 + 3] = 100;
    auto logits = (*m)->gate_logits(row, gate);
    ASSERT_TRUE(logits) << logits.error();
    for (std::size_t e = 0; e < experts; ++e) {
        EXPECT_EQ((*logits)[e], static_cast<std::int32_t>(40 * e + (e == 5 ? 100 : 0))) << "expert " << e;
    }
    EXPECT_NE(*logits, *model_logits);
    gate.pop_back();
    EXPECT_FALSE((*m)->gate_logits(row, gate));
}

}  // namespace
}  // namespace moe::node
