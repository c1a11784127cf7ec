#include "chain/screening.hpp"

#include "moe/contract_features.hpp"

#include "core/keccak.hpp"
#include "core/rlp.hpp"
#include "moe/int8_matmul.hpp"
#include "moe/model_file.hpp"
#include "moe/tasks.hpp"

namespace moe::chain {

namespace {

namespace rlp = core::rlp;

// Registry storage: one slot per account and field, at keccak(address . field), as Solidity
// lays out `mapping(address => ...)`.
enum RegistryField : std::uint8_t { kClassField = 0, kStatsField = 1 };

core::uint256 registry_slot(const core::Address& a, RegistryField f) {
    std::array<std::uint8_t, 64> buf{};
    std::copy(a.bytes.begin(), a.bytes.end(), buf.begin() + 12);
    buf[63] = f;
    return core::uint256_from_big_endian(core::keccak256(buf));
}

constexpr std::uint32_t kTransferSelector = 0xa9059cbb;      // transfer(address,uint256)
constexpr std::uint32_t kTransferFromSelector = 0x23b872dd;  // transferFrom(address,address,uint256)

std::uint64_t gwei_of(const core::uint256& wei) {
    const core::uint256 g = wei / 1'000'000'000u;
    return g > core::uint256(UINT64_MAX) ? UINT64_MAX : static_cast<std::uint64_t>(g);
}

std::uint64_t key_of(const core::Address& a) { return nn::address_key(a.view()); }

}  // namespace

const core::Address& moe_registry_address() noexcept {
    static const core::Address a = *core::Address::from_hex("0x0000000000000000000000000000000000001001");
    return a;
}

std::string_view to_string(Decision d) noexcept {
    switch (d) {
        case Decision::kAccept: return "accept";
        case Decision::kFlag: return "flag";
        case Decision::kReject: return "reject";
    }
    return "unknown";
}

namespace {

/// rlp([[a, b], ...]) of integer pairs, signed values as the uint32 of their two's complement.
core::Bytes pair_list(const std::vector<std::pair<std::uint64_t, std::int32_t>>& pairs) {
    core::Bytes list;
    for (const auto& [a, b] : pairs) {
        core::Bytes pair;
        rlp::encode(pair, a);
        rlp::encode(pair, static_cast<std::uint64_t>(static_cast<std::uint32_t>(b)));
        const core::Bytes item = rlp::wrap_list(pair);
        list.insert(list.end(), item.begin(), item.end());
    }
    return rlp::wrap_list(list);
}

}  // namespace

core::Bytes TransactionVerdict::encode() const {
    core::Bytes payload;
    rlp::encode(payload, std::uint64_t{score});
    rlp::encode(payload, static_cast<std::uint64_t>(decision));
    rlp::encode(payload, static_cast<std::uint64_t>(type));
    std::vector<std::pair<std::uint64_t, std::int32_t>> pairs;
    for (const nn::ExpertWeight& e : experts) pairs.emplace_back(static_cast<std::uint64_t>(e.expert), e.weight);
    const core::Bytes chosen = pair_list(pairs);
    payload.insert(payload.end(), chosen.begin(), chosen.end());
    if (!contributions.empty() || abstained) {
        pairs.clear();
        for (const nn::FeatureContribution& c : contributions) pairs.emplace_back(static_cast<std::uint64_t>(c.feature), c.contribution);
        const core::Bytes parts = pair_list(pairs);
        payload.insert(payload.end(), parts.begin(), parts.end());
    }
    if (abstained) rlp::encode(payload, std::uint64_t{1});
    return rlp::wrap_list(payload);
}

std::expected<TransactionVerdict, std::string> TransactionVerdict::decode(core::ByteView bytes) {
    auto fail = [](std::string_view what) { return std::unexpected("verdict record: " + std::string(what)); };
    auto list = rlp::decode_list(bytes);
    if (!list || !bytes.empty()) return fail("not one RLP list");
    core::ByteView in = *list;
    auto score = rlp::decode_u64(in);
    auto decision = rlp::decode_u64(in);
    auto type = rlp::decode_u64(in);
    if (!score || !decision || !type || *score > 10'000 || *decision > 2 || *type >= nn::kTxTypes) return fail("bad fields");
    TransactionVerdict v{static_cast<std::uint32_t>(*score), static_cast<Decision>(*decision), static_cast<nn::TxType>(*type), {}, {}};
    auto experts = rlp::decode_list(in);
    if (!experts) return fail("bad experts");
    if (!in.empty()) {
        auto parts = rlp::decode_list(in);
        if (!parts) return fail("bad contributions");
        if (!in.empty()) {
            auto mark = rlp::decode_u64(in);
            if (!mark || *mark != 1 || !in.empty()) return fail("bad abstention mark");
            v.abstained = true;
        }
        if (parts->empty() && !v.abstained) return fail("bad contributions");
        core::ByteView c = *parts;
        while (!c.empty()) {
            auto pair = rlp::decode_list(c);
            if (!pair) return fail("bad contribution");
            core::ByteView p = *pair;
            auto feature = rlp::decode_u64(p);
            auto value = rlp::decode_u64(p);
            if (!feature || !value || !p.empty() || *feature >= static_cast<std::uint64_t>(nn::kFraudFeatures) || *value > UINT32_MAX) {
                return fail("bad contribution");
            }
            const auto signed_value = static_cast<std::int32_t>(static_cast<std::uint32_t>(*value));
            if (signed_value > 10'000 || signed_value < -10'000) return fail("bad contribution");
            v.contributions.push_back({static_cast<int>(*feature), signed_value});
        }
        if (v.contributions.size() > kTopContributions) return fail("too many contributions");
    }
    core::ByteView e = *experts;
    while (!e.empty()) {
        auto pair = rlp::decode_list(e);
        if (!pair) return fail("bad expert");
        core::ByteView p = *pair;
        auto id = rlp::decode_u64(p);
        auto weight = rlp::decode_u64(p);
        if (!id || !weight || !p.empty() || *id > 1'000'000 || *weight > UINT32_MAX) return fail("bad expert");
        v.experts.push_back({static_cast<int>(*id), static_cast<std::int32_t>(static_cast<std::uint32_t>(*weight))});
    }
    return v;
}

// ---- Models --------------------------------------------------------------------------------

std::expected<std::unique_ptr<ChainModels>, std::string> ChainModels::load(const ChainConfig& chain, const Reader& read) {
    std::unique_ptr<ChainModels> m(new ChainModels());
    m->thresholds_ = chain.screening;
    struct Wanted {
        std::string_view name;
        const std::optional<ModelRequirement>* requirement;
        std::uint32_t task;
        std::unique_ptr<nn::MoeEngine>* engine;
    };
    for (const Wanted& w : {Wanted{"fraud", &chain.fraud_model, 1, &m->fraud_}, Wanted{"contract", &chain.contract_model, 2, &m->contract_}}) {
        if (!*w.requirement) continue;
        auto file = read(w.name);
        if (!file) return std::unexpected(file.error());
        const core::Bytes& bytes = file->bytes;
        const std::string& source = file->source;
        const core::Hash digest = core::sha256(bytes);
        if (digest != (*w.requirement)->sha256) {
            return std::unexpected("the " + std::string(w.name) + " model (" + source + ") has SHA-256 " + digest.hex() +
                                   " but the genesis requires " + (*w.requirement)->sha256.hex() + "; refusing it");
        }
        auto model = nn::parse_model(bytes);
        if (!model) return std::unexpected("the " + std::string(w.name) + " model: " + model.error());
        if (model->task != w.task) return std::unexpected("the " + std::string(w.name) + " model is for another task");
        if (model->task == nn::kTaskFraud && !nn::is_fraud_feature_schema(model->feature_schema_version)) {
            return std::unexpected("the fraud model's feature schema " + std::to_string(model->feature_schema_version) +
                                   " is not one this moed computes");
        }
        m->info_.push_back(ModelInfo{std::string(w.name), digest, source, static_cast<int>(model->task),
                                     static_cast<int>(model->experts.size()), model->top_k, model->num_features,
                                     model->output_dim});
        *w.engine = std::make_unique<nn::MoeEngine>(std::move(*model));
    }
    return m;
}

std::expected<TransactionVerdict, std::string> ChainModels::screen(const nn::FraudFeatures& row, nn::TxType type,
                                                                   Explain explain) {
    std::lock_guard lock(mutex_);
    auto v = nn::screen_transaction(*fraud_, row);
    if (!v) return std::unexpected("screening: " + std::string(nn::to_string(v.error())));
    TransactionVerdict out{v->score, Decision::kAccept, type, std::move(v->experts), {}, v->abstained};
    if (out.abstained) {
        // Far from anything the model trained on: no decision rests on its score (DESIGN.md).
    } else if (out.score >= thresholds_.reject_score) {
        out.decision = Decision::kReject;
    } else if (out.score >= thresholds_.flag_score) {
        out.decision = Decision::kFlag;
    }
    if (explain == Explain::kAlways || out.decision != Decision::kAccept) {
        auto c = nn::explain_screening(*fraud_, row, out.score, kTopContributions);
        if (!c) return std::unexpected("screening: " + std::string(nn::to_string(c.error())));
        out.contributions = std::move(*c);
    }
    return out;
}

std::expected<std::vector<std::int32_t>, std::string> ChainModels::gate_logits(const nn::FraudFeatures& row,
                                                                               const std::optional<core::Bytes>& gate) {
    const nn::MoeModel& m = fraud_->model();
    if (gate) {
        // A gate governance set (evm/staking.hpp): int8 weights [features][experts], then
        // int32 big-endian biases; the contract accepted only this shape.
        const std::size_t e = m.experts.size(), f = row.size();
        if (gate->size() != f * e + 4 * e) return std::unexpected("the routing gate in the state has another shape");
        std::vector<std::int8_t> weights(f * e);
        std::transform(gate->begin(), gate->begin() + static_cast<std::ptrdiff_t>(f * e), weights.begin(),
                       [](std::uint8_t b) { return static_cast<std::int8_t>(b); });
        std::vector<std::int32_t> logits(e);
        nn::reference_matmul(row.data(), 1, static_cast<int>(f), static_cast<int>(e), weights.data(), logits.data());
        for (std::size_t j = 0; j < e; ++j) {
            const std::uint8_t* b = gate->data() + f * e + 4 * j;
            logits[j] += static_cast<std::int32_t>((std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) |
                                                   (std::uint32_t{b[2]} << 8) | b[3]);
        }
        return logits;
    }
    if (m.hierarchical()) return std::unexpected("the fraud model's gate is hierarchical: it cannot route to validators");
    const nn::QuantLinear& g = m.gate.linear;
    if (g.in != static_cast<int>(row.size())) return std::unexpected("the fraud gate does not take the feature row");
    // The plain integer matmul: the same sums as the engine's oneDNN kernel (int8_matmul.hpp).
    std::vector<std::int32_t> logits(static_cast<std::size_t>(g.out));
    nn::reference_matmul(row.data(), 1, g.in, g.out, g.weights.data(), logits.data());
    for (std::size_t j = 0; j < logits.size(); ++j) logits[j] += g.bias[j];
    return logits;
}

std::expected<std::uint32_t, std::string> ChainModels::expert_score(std::uint32_t expert, const nn::FraudFeatures& row) {
    auto scores = expert_scores(expert, std::span(&row, 1));
    if (!scores) return std::unexpected(scores.error());
    return scores->front();
}

std::expected<std::vector<std::uint32_t>, std::string> ChainModels::expert_scores(std::uint32_t expert,
                                                                                std::span<const nn::FraudFeatures> rows) {
    std::lock_guard lock(mutex_);
    const nn::MoeModel& m = fraud_->model();
    if (expert >= m.experts.size()) return std::unexpected("the fraud model has no expert " + std::to_string(expert));
    if (m.num_features != nn::kFraudFeatures || m.output_dim != 2) return std::unexpected("the fraud model's shape");
    std::vector<std::uint32_t> out;
    if (rows.empty()) return out;
    // FraudFeatures rows are contiguous bytes: the batch the expert's matmuls take.
    static_assert(sizeof(nn::FraudFeatures) == nn::kFraudFeatures);
    std::vector<std::int32_t> logits(rows.size() * 2);
    fraud_->run_expert(static_cast<int>(expert), rows.front().data(), static_cast<int>(rows.size()), logits.data());
    for (std::size_t r = 0; r < rows.size(); ++r) out.push_back(nn::class_probability(m, std::span(logits).subspan(2 * r, 2), 1));
    return out;
}

std::expected<ContractClassRecord, std::string> ChainModels::classify(core::ByteView runtime_code) {
    std::lock_guard lock(mutex_);
    auto v = nn::classify_contract(*contract_, runtime_code);
    if (!v) return std::unexpected("classification: " + std::string(nn::to_string(v.error())));
    return ContractClassRecord{v->contract_class, v->confidence};
}

// ---- The registry ----------------------------------------------------------------------------

std::expected<nn::AccountStats, std::string> read_account_stats(evm::State& state, const evm::CodeStore& blobs, const core::Address& account) {
    const core::uint256 word = state.storage(moe_registry_address(), registry_slot(account, kStatsField));
    if (word == 0) return nn::AccountStats{};
    const core::Hash hash = core::uint256_to_bytes32(word);
    auto blob = blobs.get_code(hash);
    if (!blob) return std::unexpected("the statistics " + hash.hex() + " of " + account.hex() + " are missing from the database");
    return nn::AccountStats::decode(*blob);
}

std::optional<ContractClassRecord> read_contract_class(evm::State& state, const core::Address& contract) {
    const core::uint256 word = state.storage(moe_registry_address(), registry_slot(contract, kClassField));
    if (word == 0) return std::nullopt;
    const auto w = static_cast<std::uint64_t>(word & core::uint256(UINT64_MAX));
    const std::uint64_t cls = (w & 0xff) - 1;
    if (cls >= nn::kContractClasses) return std::nullopt;
    return ContractClassRecord{static_cast<nn::ContractClass>(cls), static_cast<std::uint32_t>(w >> 8)};
}

std::optional<core::Address> proxy_implementation(evm::State& state, const core::Address& proxy) {
    // EIP-1967: bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1).
    static const core::uint256 kImplementationSlot = core::uint256_from_big_endian(
        *core::Hash::from_hex("0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc"));
    const core::uint256 word = state.storage(proxy, kImplementationSlot);
    if (word != 0) return core::Address::right_aligned(core::uint256_to_bytes32(word).view().subspan(12));
    // EIP-1167: 363d3d373d3d3d363d73 <address> 5af43d82803e903d91602b57fd5bf3.
    const evm::Code code = state.code(proxy);
    if (code && nn::summarize_code(*code).minimal_proxy) return core::Address::right_aligned(core::ByteView(*code).subspan(10, 20));
    return std::nullopt;
}

std::optional<ContractClassReport> read_contract_class_report(evm::State& state, const core::Address& contract) {
    const auto record = read_contract_class(state, contract);
    if (!record) return std::nullopt;
    ContractClassReport out{*record, std::nullopt, std::nullopt};
    if (record->contract_class != nn::ContractClass::kProxy) return out;
    out.implementation = proxy_implementation(state, contract);
    if (out.implementation) out.implementation_class = read_contract_class(state, *out.implementation);
    return out;
}

nn::TxFacts transaction_facts(const core::Transaction& txn, bool recipient_is_contract, std::uint64_t timestamp) {
    nn::TxFacts f;
    f.value_gwei = gwei_of(txn.value);
    f.gas_limit = txn.gas_limit;
    f.data_size = static_cast<std::uint32_t>(std::min<std::size_t>(txn.data.size(), UINT32_MAX));
    if (txn.data.size() >= 4) {
        f.selector = (std::uint32_t{txn.data[0]} << 24) | (std::uint32_t{txn.data[1]} << 16) |
                     (std::uint32_t{txn.data[2]} << 8) | txn.data[3];
    }
    f.is_create = txn.is_create();
    f.recipient_is_contract = recipient_is_contract;
    f.timestamp = timestamp;
    // The same typing as the training rows (moe/offline/fraud_dataset.cpp).
    if (f.is_create) {
        f.type = nn::TxType::kDeployment;
    } else if (f.data_size >= 4 && (f.selector == kTransferSelector || f.selector == kTransferFromSelector)) {
        f.type = nn::TxType::kTokenTransfer;
        f.token = key_of(*txn.to);
    } else if (f.data_size > 0) {
        f.type = nn::TxType::kContractCall;
    }
    return f;
}

// ---- One block --------------------------------------------------------------------------------

std::expected<nn::AccountStats*, std::string> BlockScreening::stats_of(evm::State& state, const core::Address& a) {
    auto it = stats_.find(a);
    if (it == stats_.end()) {
        auto s = read_account_stats(state, blobs_, a);
        if (!s) return std::unexpected(s.error());
        it = stats_.emplace(a, std::move(*s)).first;
    }
    return &it->second;
}

std::expected<nn::FraudFeatures, std::string> BlockScreening::features(evm::State& state, const core::Transaction& txn,
                                                                        const core::Address& sender) {
    const core::Address recipient = txn.to.value_or(core::Address{});
    const bool contract = txn.to && state.code_hash(*txn.to) != core::kEmptyCodeHash;
    nn::TxFacts facts = transaction_facts(txn, contract, timestamp_);
    facts.sender_key = key_of(sender);
    facts.recipient_key = key_of(recipient);
    auto from = stats_of(state, sender);
    if (!from) return std::unexpected(from.error());
    auto to = stats_of(state, recipient);
    if (!to) return std::unexpected(to.error());
    return nn::fraud_features(facts, **from, **to, models_.fraud_feature_schema());
}

std::expected<TransactionVerdict, std::string> BlockScreening::screen(evm::State& state, const core::Transaction& txn,
                                                                      const core::Address& sender, Explain explain) {
    auto row = features(state, txn, sender);
    if (!row) return std::unexpected(row.error());
    const bool contract = txn.to && state.code_hash(*txn.to) != core::kEmptyCodeHash;
    return models_.screen(*row, transaction_facts(txn, contract, timestamp_).type, explain);
}

std::expected<void, std::string> BlockScreening::record(evm::State& state, const core::Transaction& txn, const core::Address& sender,
                                                        bool success, const std::optional<core::Address>& created,
                                                        std::span<const core::Address> contracts) {
    const core::Address recipient = created ? *created : txn.to.value_or(core::Address{});
    const bool contract = state.code_hash(recipient) != core::kEmptyCodeHash;
    const nn::TxFacts facts = transaction_facts(txn, contract, timestamp_);
    auto from = stats_of(state, sender);
    if (!from) return std::unexpected(from.error());
    (*from)->apply_sent(facts, key_of(recipient), !success);
    changed_.insert(sender);
    if (recipient != sender) {
        auto to = stats_of(state, recipient);
        if (!to) return std::unexpected(to.error());
        (*to)->apply_received(facts, key_of(sender));
        changed_.insert(recipient);
    }
    if (!models_.classifies()) return {};
    // A contract created and self-destructed in the same transaction (EIP-6780) has no code left.
    for (const core::Address& a : contracts) {
        const evm::Code code = state.code(a);
        if (!code || code->empty()) continue;
        auto cls = models_.classify(*code);
        if (!cls) return std::unexpected(cls.error());
        classes_.emplace_back(a, *cls);
    }
    return {};
}

std::expected<void, std::string> BlockScreening::record_code_change(evm::State& state, const core::Address& contract) {
    if (!models_.classifies()) return {};
    const evm::Code code = state.code(contract);
    if (!code || code->empty()) {
        classes_.emplace_back(contract, std::nullopt);
        return {};
    }
    auto cls = models_.classify(*code);
    if (!cls) return std::unexpected(cls.error());
    classes_.emplace_back(contract, *cls);
    return {};
}

std::vector<std::pair<core::Hash, core::Bytes>> BlockScreening::finish(evm::State& state) {
    std::vector<std::pair<core::Hash, core::Bytes>> blobs;
    state.begin_transaction();
    for (const core::Address& a : changed_) {
        core::Bytes blob = stats_.at(a).encode();
        const core::Hash hash = core::keccak256(blob);
        state.set_storage(moe_registry_address(), registry_slot(a, kStatsField), core::uint256_from_big_endian(hash));
        blobs.emplace_back(hash, std::move(blob));
    }
    for (const auto& [a, c] : classes_) {
        // Zero: no class (the code a devnet change removed).
        const core::uint256 word = !c ? core::uint256{}
                                      : core::uint256(static_cast<std::uint64_t>(c->contract_class) + 1) |
                                            (core::uint256(c->confidence) << 8);
        state.set_storage(moe_registry_address(), registry_slot(a, kClassField), word);
    }
    state.finalize_transaction();
    return blobs;
}

}  // namespace moe::chain
