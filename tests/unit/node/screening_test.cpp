#include "node/screening.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/keccak.hpp"

namespace moe::node {
namespace {

namespace fs = std::filesystem;

nlohmann::json preset() { return nlohmann::json::parse(*preset_json("devnet")); }

ChainConfig chain_with(const nlohmann::json& doc) {
    auto c = parse_chain_config(doc);
    EXPECT_TRUE(c) << c.error();
    return *c;
}

TEST(ChainModels, LoadsTheEmbeddedModelsTheGenesisNames) {
    auto m = ChainModels::load(chain_with(preset()), fs::path("/nonexistent"));
    ASSERT_TRUE(m) << m.error();
    EXPECT_TRUE((*m)->screens());
    EXPECT_TRUE((*m)->classifies());
    ASSERT_EQ((*m)->info().size(), 2u);
    EXPECT_EQ((*m)->info()[0].sha256, core::sha256(embedded_model("fraud")));
}

TEST(ChainModels, RefusesAModelWhoseHashDiffersFromTheGenesis) {
    nlohmann::json doc = preset();
    doc["models"]["fraud"]["sha256"] = core::Hash{}.hex();
    auto m = ChainModels::load(chain_with(doc), fs::path("/nonexistent"));
    ASSERT_FALSE(m);
    EXPECT_NE(m.error().find("refusing"), std::string::npos) << m.error();

    // A file in the home's models/ folder replaces the embedded copy, and must match too.
    const fs::path dir = fs::temp_directory_path() / ("moe_models_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    core::Bytes changed(embedded_model("contract").begin(), embedded_model("contract").end());
    changed[changed.size() / 2] ^= 1;
    std::ofstream(dir / "contract.moe", std::ios::binary).write(reinterpret_cast<const char*>(changed.data()),
                                                                static_cast<std::streamsize>(changed.size()));
    auto again = ChainModels::load(chain_with(preset()), dir);
    fs::remove_all(dir);
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().find("contract.moe"), std::string::npos) << again.error();
}

TEST(ChainModels, AChainWithoutModelsScreensNothing) {
    nlohmann::json doc = preset();
    doc.erase("models");
    auto m = ChainModels::load(chain_with(doc), fs::path("/nonexistent"));
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
        auto c = parse_chain_config(doc);
        ASSERT_FALSE(c) << bad;
        EXPECT_NE(c.error().find("models"), std::string::npos) << c.error();
    }
}

TEST(TransactionVerdict, RoundTripsAndRefusesDamage) {
    TransactionVerdict v{9123, Decision::kFlag, nn::TxType::kContractCall, {{3, 20000}, {5, 12768}}};
    const core::Bytes bytes = v.encode();
    auto back = TransactionVerdict::decode(bytes);
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(back->score, v.score);
    EXPECT_EQ(back->decision, v.decision);
    EXPECT_EQ(back->type, v.type);
    ASSERT_EQ(back->experts.size(), 2u);
    EXPECT_EQ(back->experts[1].expert, 5);
    EXPECT_EQ(back->experts[1].weight, 12768);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        EXPECT_FALSE(TransactionVerdict::decode(core::ByteView(bytes).subspan(0, n))) << "truncated to " << n;
    }
    core::Bytes longer = bytes;
    longer.push_back(0);
    EXPECT_FALSE(TransactionVerdict::decode(longer));
}

TEST(TransactionFacts, TypesFollowTheTrainingRows) {
    core::Transaction t;
    t.to = core::Address{};
    EXPECT_EQ(transaction_facts(t, false, 0).type, nn::TxType::kTransfer);
    t.data = {0xa9, 0x05, 0x9c, 0xbb, 0, 0};
    EXPECT_EQ(transaction_facts(t, true, 0).type, nn::TxType::kTokenTransfer);
    t.data = {0x12, 0x34, 0x56, 0x78};
    EXPECT_EQ(transaction_facts(t, true, 0).type, nn::TxType::kContractCall);
    EXPECT_EQ(transaction_facts(t, true, 0).selector, 0x12345678u);
    t.to.reset();
    EXPECT_EQ(transaction_facts(t, false, 0).type, nn::TxType::kDeployment);
    t.value = core::uint256(3'000'000'000ull);
    EXPECT_EQ(transaction_facts(t, false, 0).value_gwei, 3u);
}

}  // namespace
}  // namespace moe::node
