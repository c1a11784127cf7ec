#include "moe/inference.hpp"

#include <algorithm>

#include "moe/account_stats.hpp"
#include "moe/contract_features.hpp"
#include "moe/router.hpp"
#include "moe/tasks.hpp"

namespace moe::nn {

std::string_view to_string(ContractClass c) noexcept {
    switch (c) {
        case ContractClass::kErc20: return "erc20";
        case ContractClass::kErc721: return "erc721";
        case ContractClass::kProxy: return "proxy";
        case ContractClass::kWallet: return "wallet";
        case ContractClass::kPonzi: return "ponzi";
        case ContractClass::kOther: return "other";
        case ContractClass::kErc1155: return "erc1155";
        case ContractClass::kDex: return "dex";
        case ContractClass::kFactory: return "factory";
    }
    return "other";
}

std::optional<ContractClass> contract_class_named(std::string_view name) noexcept {
    for (int c = 0; c < kContractClasses; ++c) {
        if (to_string(static_cast<ContractClass>(c)) == name) return static_cast<ContractClass>(c);
    }
    return std::nullopt;
}

std::string_view to_string(InferenceError e) noexcept {
    switch (e) {
        case InferenceError::kWrongTask: return "the model is for another task";
        case InferenceError::kWrongSchema: return "the model was trained on another feature schema";
        case InferenceError::kWrongShape: return "the model's input or output size does not match the task";
    }
    return "inference error";
}

std::uint32_t class_probability(const MoeModel& model, std::span<const std::int32_t> logits, int cls) {
    if (logits.empty() || cls < 0 || static_cast<std::size_t>(cls) >= logits.size()) return 0;
    if (model.output_temperature <= 0) {
        for (std::int32_t v : logits) {
            if (v > logits[static_cast<std::size_t>(cls)]) return 0;
        }
        return 10000;
    }
    std::vector<Choice> all;
    for (std::size_t j = 0; j < logits.size(); ++j) all.push_back({static_cast<int>(j), logits[j]});
    const auto w = combine_weights(all, model.output_temperature);
    return static_cast<std::uint32_t>((static_cast<std::int64_t>(w[static_cast<std::size_t>(cls)]) * 10000 + 16384) / 32768);
}

namespace {

std::expected<void, InferenceError> check(const MoeModel& m, std::uint32_t task, std::uint32_t schema, int features, int outputs) {
    if (m.task != task) return std::unexpected(InferenceError::kWrongTask);
    // A fraud model may be of any schema fraud_features computes (the caller computes its rows
    // with the model's schema); the contract model of this one only.
    const bool schema_ok = task == kTaskFraud ? is_fraud_feature_schema(m.feature_schema_version) : m.feature_schema_version == schema;
    if (!schema_ok) return std::unexpected(InferenceError::kWrongSchema);
    if (m.num_features != features || m.output_dim != outputs || m.output_kind != OutputKind::kClass) {
        return std::unexpected(InferenceError::kWrongShape);
    }
    return {};
}

}  // namespace

std::expected<std::vector<ContractVerdict>, InferenceError> classify_contracts(MoeEngine& engine, std::span<const core::ByteView> codes) {
    const MoeModel& m = engine.model();
    if (auto ok = check(m, kTaskContract, kContractFeatureSchema, kContractFeatures, kContractClasses); !ok) return std::unexpected(ok.error());
    std::vector<ContractVerdict> out;
    if (codes.empty()) return out;
    std::vector<std::uint8_t> x;
    x.reserve(codes.size() * kContractFeatures);
    for (core::ByteView c : codes) {
        const ContractFeatures f = contract_features(c);
        x.insert(x.end(), f.begin(), f.end());
    }
    const Inference inf = engine.forward(x.data(), static_cast<int>(codes.size()));
    for (int r = 0; r < inf.rows; ++r) {
        const int cls = inf.argmax(r);
        out.push_back({static_cast<ContractClass>(cls),
                       class_probability(m, std::span(inf.row(r), static_cast<std::size_t>(inf.output_dim)), cls)});
    }
    return out;
}

std::expected<ContractVerdict, InferenceError> classify_contract(MoeEngine& engine, core::ByteView code) {
    auto v = classify_contracts(engine, std::span(&code, 1));
    if (!v) return std::unexpected(v.error());
    return v->front();
}

std::expected<ContractVerdict, InferenceError> classify_contract(const MoeModel& model, core::ByteView code) {
    MoeEngine engine(model);
    return classify_contract(engine, code);
}

std::uint32_t envelope_excess(const MoeModel& model, std::span<const std::uint8_t> row) {
    if (!model.envelope) return 0;
    const Envelope& e = *model.envelope;
    std::uint32_t excess = 0;
    for (std::size_t i = 0; i < row.size() && i < e.low.size(); ++i) {
        if (row[i] < e.low[i]) excess += e.low[i] - row[i];
        if (row[i] > e.high[i]) excess += row[i] - e.high[i];
    }
    return excess;
}

bool abstains(const MoeModel& model, std::span<const std::uint8_t> row) {
    return model.envelope && envelope_excess(model, row) > model.envelope->max_excess;
}

std::expected<std::vector<ScreeningVerdict>, InferenceError> screen_transactions(MoeEngine& engine, std::span<const std::uint8_t> rows) {
    const MoeModel& m = engine.model();
    if (auto ok = check(m, kTaskFraud, kFraudFeatureSchema, kFraudFeatures, 2); !ok) return std::unexpected(ok.error());
    if (rows.size() % kFraudFeatures != 0) return std::unexpected(InferenceError::kWrongShape);
    std::vector<ScreeningVerdict> out;
    const int n = static_cast<int>(rows.size() / kFraudFeatures);
    if (n == 0) return out;
    const Inference inf = engine.forward(rows.data(), n);
    for (int r = 0; r < n; ++r) {
        ScreeningVerdict v;
        v.score = class_probability(m, std::span(inf.row(r), 2), 1);
        v.abstained = abstains(m, rows.subspan(static_cast<std::size_t>(r) * kFraudFeatures, kFraudFeatures));
        const auto& route = inf.routes[static_cast<std::size_t>(r)];
        for (std::size_t i = 0; i < route.size(); ++i) {
            v.experts.push_back({route[i].expert, inf.weights[static_cast<std::size_t>(r)][i]});
        }
        out.push_back(std::move(v));
    }
    return out;
}

std::expected<ScreeningVerdict, InferenceError> screen_transaction(MoeEngine& engine, std::span<const std::uint8_t> row) {
    if (auto ok = check(engine.model(), kTaskFraud, kFraudFeatureSchema, kFraudFeatures, 2); !ok) return std::unexpected(ok.error());
    if (row.size() != static_cast<std::size_t>(kFraudFeatures)) return std::unexpected(InferenceError::kWrongShape);
    auto v = screen_transactions(engine, row);
    if (!v) return std::unexpected(v.error());
    return std::move(v->front());
}

std::expected<std::vector<FeatureContribution>, InferenceError> explain_screening(MoeEngine& engine,
                                                                                  std::span<const std::uint8_t> row,
                                                                                  std::uint32_t score, std::size_t top) {
    const MoeModel& m = engine.model();
    if (auto ok = check(m, kTaskFraud, kFraudFeatureSchema, kFraudFeatures, 2); !ok) return std::unexpected(ok.error());
    if (row.size() != static_cast<std::size_t>(kFraudFeatures)) return std::unexpected(InferenceError::kWrongShape);
    // One batch of variants: variant i is the row with feature i at the baseline. Only
    // features not already at it can move the score.
    std::vector<int> varied;
    std::vector<std::uint8_t> batch;
    for (int i = 0; i < kFraudFeatures; ++i) {
        if (row[static_cast<std::size_t>(i)] == 0) continue;
        varied.push_back(i);
        batch.insert(batch.end(), row.begin(), row.end());
        batch[batch.size() - row.size() + static_cast<std::size_t>(i)] = 0;
    }
    std::vector<FeatureContribution> out;
    if (varied.empty()) return out;
    const Inference inf = engine.forward(batch.data(), static_cast<int>(varied.size()), MoeEngine::Rows::kAlone);
    for (std::size_t v = 0; v < varied.size(); ++v) {
        const auto without = static_cast<std::int32_t>(class_probability(m, std::span(inf.row(static_cast<int>(v)), 2), 1));
        const std::int32_t c = static_cast<std::int32_t>(score) - without;
        if (c != 0) out.push_back({varied[v], c});
    }
    std::sort(out.begin(), out.end(), [](const FeatureContribution& a, const FeatureContribution& b) {
        const std::int32_t x = a.contribution < 0 ? -a.contribution : a.contribution;
        const std::int32_t y = b.contribution < 0 ? -b.contribution : b.contribution;
        return x != y ? x > y : a.feature < b.feature;
    });
    if (out.size() > top) out.resize(top);
    return out;
}

std::expected<ScreeningVerdict, InferenceError> screen_transaction(const MoeModel& model, std::span<const std::uint8_t> row) {
    MoeEngine engine(model);
    return screen_transaction(engine, row);
}

}  // namespace moe::nn
