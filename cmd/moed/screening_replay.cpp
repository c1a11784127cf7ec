// `moed moe replay-plan`: what scripts/screening_replay.mjs sends to a devnet to count the
// screen's verdicts on traffic it never trained on (issue 13, item 2). The plan is made here,
// from the same generator, corpus, split and model that `moed moe eval` uses, so the script
// re-implements none of them: it signs, sends and counts.
#include "cmd/moed/screening_replay.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>
#include <nlohmann/json.hpp>

#include "core/keccak.hpp"
#include "core/secp256k1.hpp"
#include "core/transaction.hpp"
#include "evm/evm.hpp"
#include "moe/account_stats.hpp"
#include "moe/engine.hpp"
#include "moe/inference.hpp"
#include "moe/model_file.hpp"
#include "moe/offline/benign_traffic.hpp"
#include "moe/offline/fraud_dataset.hpp"
#include "moe/offline/task_eval.hpp"
#include "moe/offline/trainer.hpp"
#include "moe/tasks.hpp"
#include "chain/chain_config.hpp"
#include "node/files.hpp"
#include "chain/screening.hpp"
#include "node/chain_files.hpp"

namespace moe::node {

namespace {

using nlohmann::json;


/// What a placed contract runs (hardhat_setCode, and what a replayed deployment creates):
/// accepts anything, and reverts when the value's lowest wei is set, so a planned failure
/// keeps its gwei (the features read gwei). CALLVALUE 1 AND 8 JUMPI STOP JUMPDEST 0 0 REVERT.
const core::Bytes kRuntime = {0x34, 0x60, 0x01, 0x16, 0x60, 0x08, 0x57, 0x00, 0x5b, 0x5f, 0x5f, 0xfd};

/// Init code of `size` bytes (zero padded) that opens with the original deployment's prologue
/// when it is solc's PUSH1 PUSH1 (else 0x60806040), MSTOREs as solc does, reverts when the
/// value's lowest wei is set, else returns kRuntime. Shorter sizes deploy no code.
constexpr std::size_t kInitCodeSize = 38;
core::Bytes init_code(std::uint32_t selector, std::size_t size) {
    const bool prologue = (selector >> 24) == 0x60 && ((selector >> 8) & 0xff) == 0x60;
    const std::uint8_t a = prologue ? static_cast<std::uint8_t>(selector >> 16) : 0x80;
    const std::uint8_t b = prologue ? static_cast<std::uint8_t>(selector) : 0x40;
    core::Bytes code = {0x60, a, 0x60, b, 0x52,                    // solc's prologue: mstore(b, a)
                        0x34, 0x60, 0x01, 0x16, 0x60, 0x16, 0x57,  // value & 1: jump to the revert
                        0x60, 0x0c, 0x60, 0x1a, 0x5f, 0x39,        // codecopy(0, 26, 12)
                        0x60, 0x0c, 0x5f, 0xf3,                    // return(0, 12)
                        0x5b, 0x5f, 0x5f, 0xfd};                   // 22: revert(0, 0)
    code.insert(code.end(), kRuntime.begin(), kRuntime.end());
    code.resize(size, 0);
    return code;
}

/// Calldata of `size` bytes: the selector, then zeros.
core::Bytes call_data(std::uint32_t selector, std::size_t size) {
    core::Bytes data(size, 0);
    for (std::size_t i = 0; i < 4 && i < size; ++i) data[i] = static_cast<std::uint8_t>(selector >> (24 - 8 * i));
    return data;
}

/// One original event to replay, in the terms of its source.
struct Original {
    std::uint64_t from = 0, to = 0;  ///< address keys; a deployment's `to` is the key of what it creates
    nn::TxFacts facts;               ///< timestamp: the original time
    bool failed = false;
};

/// One transaction of the plan.
struct Planned {
    int segment = 0;
    std::uint64_t block = 0;         ///< the block it goes in (numbered over the whole plan)
    std::uint64_t time = 0, dt = 0;  ///< the block's time; dt: from the first block of its segment
    core::Address from;
    core::Hash key;
    std::uint64_t nonce = 0;
    core::Transaction txn;  ///< unsigned; data in full
    std::optional<core::Address> created;
    bool failed = false;
    nn::TxType type = nn::TxType::kTransfer;
    nn::FraudFeatures row{};
    std::optional<std::uint32_t> offline;        ///< `moed moe eval`'s score of its row (batches share capacity)
    std::optional<std::uint32_t> offline_alone;  ///< the same row routed alone, as a block would
    bool offline_abstained = false;              ///< the model abstains on that row (accepts it)
    json provenance;
};

/// The chain as a replay of the plan makes it: derived keys, created and placed code, nonces,
/// and every account's statistics, moved as BlockScreening moves them (screen, then record).
class ReplayChain {
  public:
    /// `schema`: the fraud model's feature schema, which the chain screens with.
    ReplayChain(std::uint64_t gas_cap, std::uint32_t schema) : gas_cap_(gas_cap), schema_(schema) {}

    /// The key of an original address of `domain` (a world, or the labelled data).
    const core::PrivateKey& key_of(const std::string& domain, std::uint64_t key) {
        const auto id = std::make_pair(domain, key);
        auto it = keys_.find(id);
        if (it == keys_.end()) {
            char hex[17];
            std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(key));
            const std::string seed = "moechain screening replay " + domain + " " + hex;
            it = keys_.emplace(id, core::PrivateKey::from_seed(core::keccak256(core::as_bytes(seed)))).first;
        }
        return it->second;
    }
    /// The address it goes by: the contract a planned deployment created for it, else its key's.
    core::Address address_of(const std::string& domain, std::uint64_t key) {
        if (auto it = created_.find({domain, key}); it != created_.end()) return it->second;
        return key_of(domain, key).address();
    }
    void place_code(const core::Address& a) { code_.insert(a); }
    /// A segment's first transaction opens a block at its own time.
    void start_segment() { open_ = false; }
    /// Transactions whose block is later than their original time (a block before was full).
    [[nodiscard]] std::uint64_t moved() const noexcept { return moved_; }

    Planned plan(const std::string& domain, const Original& o) {
        Planned p;
        p.from = address_of(domain, o.from);
        p.key = key_of(domain, o.from).bytes();
        p.nonce = nonce_[p.from]++;
        core::Transaction& t = p.txn;
        t.nonce = p.nonce;
        t.gas_limit = std::min(o.facts.gas_limit, gas_cap_);
        bool contract = false;
        core::Address recipient;
        if (o.facts.is_create) {
            t.data = init_code(o.facts.selector, o.facts.data_size);
            p.created = evm::create_address(p.from, p.nonce);
            created_[{domain, o.to}] = *p.created;
            recipient = *p.created;
            p.failed = o.failed && o.facts.data_size >= kInitCodeSize;
        } else {
            t.to = address_of(domain, o.to);
            t.data = call_data(o.facts.selector, o.facts.data_size);
            recipient = *t.to;
            contract = code_.contains(recipient);
            p.failed = o.failed && contract;  // only code can fail a call
        }
        t.value = core::uint256(o.facts.value_gwei) * 1'000'000'000u + (p.failed ? 1u : 0u);
        // Gas for what the replay runs (the original's estimate was for other code): intrinsic
        // gas (EIP-2028, EIP-3860), the placed runtime or the init code and its deposit.
        std::uint64_t need = 21'000 + (o.facts.is_create ? 32'000 + 2 * ((t.data.size() + 31) / 32) + 3'000 : contract ? 100 : 0);
        for (std::uint8_t b : t.data) need += b == 0 ? 4 : 16;
        t.gas_limit = std::max(t.gas_limit, need);
        // The transactions of one original time share a block, as long as their gas limits fit
        // one; the rest takes the next second, and so does what follows until a gap absorbs it.
        if (!open_ || o.facts.timestamp != original_time_ || block_gas_ + t.gas_limit > gas_cap_) {
            block_time_ = open_ ? std::max(o.facts.timestamp, block_time_ + 1) : o.facts.timestamp;
            original_time_ = o.facts.timestamp;
            block_gas_ = 0;
            ++block_;
            open_ = true;
        }
        block_gas_ += t.gas_limit;
        p.block = block_;
        p.time = block_time_;
        moved_ += p.time > o.facts.timestamp ? 1 : 0;
        // Screened against both parties' statistics before it, as a block does (a deployment's
        // recipient is the zero address), then recorded.
        nn::TxFacts facts = chain::transaction_facts(t, contract, p.time);
        p.type = facts.type;
        facts.sender_key = nn::address_key(p.from.view());
        facts.recipient_key = nn::address_key(t.to.value_or(core::Address{}).view());
        p.row = nn::fraud_features(facts, stats_[p.from], stats_[t.to.value_or(core::Address{})], schema_);
        if (p.created && !p.failed && o.facts.data_size >= kInitCodeSize) code_.insert(*p.created);
        stats_[p.from].apply_sent(facts, nn::address_key(recipient.view()), p.failed);
        if (recipient != p.from) stats_[recipient].apply_received(facts, nn::address_key(p.from.view()));
        return p;
    }

  private:
    std::uint64_t gas_cap_;
    std::uint32_t schema_;
    bool open_ = false;
    std::uint64_t block_ = 0, block_time_ = 0, block_gas_ = 0, original_time_ = 0, moved_ = 0;
    std::map<std::pair<std::string, std::uint64_t>, core::PrivateKey> keys_;
    std::map<std::pair<std::string, std::uint64_t>, core::Address> created_;
    std::set<core::Address> code_;
    std::map<core::Address, std::uint64_t> nonce_;
    std::map<core::Address, nn::AccountStats> stats_;
};

std::uint32_t score_of(double probability) { return static_cast<std::uint32_t>(std::lround(probability * 10000)); }

int fail(const std::string& message, int code = 2) {
    std::fprintf(stderr, "moed moe replay-plan: %s\n", message.c_str());
    return code;
}

/// Scores of 7-bit feature rows, each routed alone as a block screens a transaction (batch 1).
std::vector<std::uint32_t> alone_scores(nn::MoeEngine& engine, const std::vector<std::uint8_t>& x) {
    std::vector<std::uint32_t> out;
    constexpr std::size_t kBatch = 4096;
    const std::size_t rows = x.size() / nn::kFraudFeatures;
    for (std::size_t from = 0; from < rows; from += kBatch) {
        const int n = static_cast<int>(std::min(kBatch, rows - from));
        const nn::Inference inf = engine.forward(x.data() + from * nn::kFraudFeatures, n, nn::MoeEngine::Rows::kAlone);
        for (int r = 0; r < n; ++r) out.push_back(nn::class_probability(engine.model(), std::span(inf.row(r), 2), 1));
    }
    return out;
}

/// The scores the chain gives the planned transactions.
std::vector<std::uint32_t> chain_scores(nn::MoeEngine& engine, const std::vector<Planned>& txs) {
    std::vector<std::uint8_t> x;
    x.reserve(txs.size() * nn::kFraudFeatures);
    for (const Planned& pl : txs) x.insert(x.end(), pl.row.begin(), pl.row.end());
    return alone_scores(engine, x);
}

/// What the plan holds before it is written.
struct Plan {
    json header;
    json accounts = json::array();  ///< the sampled labelled accounts, in the order rows name them
    std::vector<Planned> txs;
    int segments = 0;
};

/// (a) The first `worlds` held-back worlds, each a segment of its own (its parties are its own),
/// with the scores `moed moe eval --worlds N` gives their rows (the same rows, the same batches).
void plan_worlds(ReplayChain& chain, nn::MoeEngine& engine, std::uint64_t worlds, std::uint64_t transactions, Plan& plan) {
    std::vector<nn::BenignKind> kinds;
    const nn::Dataset rows = nn::benign_rows(nn::kHeldBackWorldSeed, static_cast<int>(worlds), static_cast<int>(transactions),
                                             engine.model().feature_schema_version, &kinds);
    const std::vector<double> p = nn::quantized_probabilities(engine, rows);
    const std::vector<std::uint8_t> codes = nn::quantize_features(rows.x);
    const std::vector<std::uint32_t> alone = alone_scores(engine, codes);
    std::size_t row = 0;
    for (std::uint64_t w = 0; w < worlds; ++w, ++plan.segments) {
        const std::uint64_t world_seed = nn::kHeldBackWorldSeed + w;
        const std::string domain = "world " + std::to_string(world_seed);
        const auto events = nn::benign_world(world_seed, static_cast<int>(transactions));
        const std::uint64_t first = events.empty() ? 0 : events.front().facts.timestamp;
        chain.start_segment();
        for (const nn::TrafficEvent& e : events) {
            Planned pl = chain.plan(domain, Original{e.from, e.created != 0 ? e.created : e.to, e.facts, e.failed});
            pl.segment = plan.segments;
            pl.dt = pl.time - first;
            pl.offline_alone = alone[row];
            pl.offline_abstained = nn::abstains(engine.model(), std::span(codes).subspan(row * nn::kFraudFeatures, nn::kFraudFeatures));
            pl.offline = score_of(p[2 * row++ + 1]);
            pl.provenance = {{"world", world_seed}, {"kind", std::string(nn::to_string(e.kind))}};
            plan.txs.push_back(std::move(pl));
        }
    }
}

/// (b), (c) `benign` and `fraud` held-out accounts of the split of `seed`, sampled evenly by
/// address among those with rows: one segment, their transactions in block order (a token
/// transfer event has no transaction of its own to send), with the eval's score of each row.
std::expected<void, std::string> plan_accounts(ReplayChain& chain, nn::MoeEngine& engine, const std::string& data, std::uint64_t seed,
                                               std::uint64_t benign, std::uint64_t fraud, Plan& plan) {
    nn::FraudOptions fo;
    fo.keep_events = true;
    fo.schema = engine.model().feature_schema_version;
    auto corpus = nn::load_fraud_corpus(data, fo);
    if (!corpus) return std::unexpected(corpus.error());
    std::vector<std::size_t> held_rows;
    const nn::Dataset held = nn::fraud_split(*corpus, seed, true, &held_rows);
    const std::vector<double> p = nn::quantized_probabilities(engine, held);
    const std::vector<std::uint8_t> codes = nn::quantize_features(held.x);
    const std::vector<std::uint32_t> alone = alone_scores(engine, codes);
    std::vector<std::vector<std::uint32_t>> scores_of(corpus->accounts.size());
    // event -> eval's score of its row, routed alone, and whether the model abstains on it
    std::map<std::uint32_t, std::tuple<std::uint32_t, std::uint32_t, bool>> event_score;
    for (std::size_t i = 0; i < held_rows.size(); ++i) {
        const bool abstained = nn::abstains(engine.model(), std::span(codes).subspan(i * nn::kFraudFeatures, nn::kFraudFeatures));
        const std::uint32_t s = score_of(p[2 * i + 1]);
        scores_of[corpus->row_account[held_rows[i]]].push_back(abstained ? 0 : s);  // an abstention is an accept
        event_score.emplace(corpus->row_event[held_rows[i]], std::make_tuple(s, alone[i], abstained));
    }
    std::vector<int> sampled(corpus->accounts.size(), -1);  // index in plan.accounts
    for (int label : {0, 1}) {
        const std::uint64_t want = label == 0 ? benign : fraud;
        std::vector<std::uint32_t> pool;
        for (std::uint32_t a = 0; a < corpus->accounts.size(); ++a) {
            if (corpus->account_label[a] == label && !scores_of[a].empty()) pool.push_back(a);
        }
        if (want > pool.size()) {
            return std::unexpected("asked for " + std::to_string(want) + (label == 0 ? " benign" : " fraud") +
                                   " accounts; the held-out part has " + std::to_string(pool.size()));
        }
        for (std::uint64_t i = 0; i < want; ++i) {
            const std::uint32_t a = pool[static_cast<std::size_t>(i * pool.size() / want)];
            sampled[a] = static_cast<int>(plan.accounts.size());
            plan.accounts.push_back({{"account", corpus->accounts[a]}, {"label", label}, {"offline_scores", scores_of[a]}});
        }
    }
    std::vector<std::uint32_t> chosen;
    std::set<std::uint64_t> senders, created;
    for (std::uint32_t e = 0; e < corpus->events.size(); ++e) {
        const nn::FraudEvent& ev = corpus->events[e];
        if (ev.token_event || std::none_of(ev.accounts.begin(), ev.accounts.end(), [&](std::uint32_t a) { return sampled[a] >= 0; })) continue;
        chosen.push_back(e);
        senders.insert(ev.from);
        if (ev.facts.is_create) created.insert(ev.to);
    }
    // What the data calls a contract, and no replayed transaction creates or sends from, gets
    // code before the replay.
    const std::string domain = "accounts";
    std::set<core::Address> placed;
    for (std::uint32_t e : chosen) {
        const nn::FraudEvent& ev = corpus->events[e];
        if (!ev.facts.is_create && ev.facts.recipient_is_contract && !senders.contains(ev.to) && !created.contains(ev.to)) {
            placed.insert(chain.address_of(domain, ev.to));
        }
    }
    plan.header["placed_code"] = json::array();
    for (const core::Address& a : placed) {
        chain.place_code(a);
        plan.header["placed_code"].push_back(a.hex());
    }
    const std::uint64_t first = chosen.empty() ? 0 : corpus->events[chosen.front()].facts.timestamp;
    chain.start_segment();
    for (std::uint32_t e : chosen) {
        const nn::FraudEvent& ev = corpus->events[e];
        Planned pl = chain.plan(domain, Original{ev.from, ev.to, ev.facts, ev.failed});
        pl.segment = plan.segments;
        pl.dt = pl.time - first;
        if (auto it = event_score.find(e); it != event_score.end()) {
            pl.offline = std::get<0>(it->second);
            pl.offline_alone = std::get<1>(it->second);
            pl.offline_abstained = std::get<2>(it->second);
        }
        json which = json::array();
        for (std::uint32_t a : ev.accounts) {
            if (sampled[a] >= 0) which.push_back(sampled[a]);
        }
        pl.provenance = {{"accounts", which}};
        plan.txs.push_back(std::move(pl));
    }
    plan.header["corpus_notes"] = corpus->notes;
    ++plan.segments;
    return {};
}

/// The header line, a line per sampled account, a line per transaction (its calldata up to the
/// last non-zero byte; the rest is zeros up to data_size).
void write_plan(std::ostream& out, Plan& plan, const std::vector<std::uint32_t>& expected) {
    plan.header["segments"] = plan.segments;
    plan.header["transactions"] = plan.txs.size();
    plan.header["runtime"] = core::to_hex(kRuntime);
    out << json{{"plan", plan.header}}.dump() << '\n';
    for (const json& a : plan.accounts) out << a.dump() << '\n';
    for (std::size_t i = 0; i < plan.txs.size(); ++i) {
        const Planned& pl = plan.txs[i];
        std::size_t used = pl.txn.data.size();
        while (used > 0 && pl.txn.data[used - 1] == 0) --used;
        json line{{"i", i},
                  {"segment", pl.segment},
                  {"block", pl.block},
                  {"dt", pl.dt},
                  {"from", pl.from.hex()},
                  {"key", pl.key.hex()},
                  {"nonce", pl.nonce},
                  {"to", pl.txn.to ? json(pl.txn.to->hex()) : json(nullptr)},
                  {"created", pl.created ? json(pl.created->hex()) : json(nullptr)},
                  {"value", core::to_hex_quantity(pl.txn.value)},
                  {"gas", pl.txn.gas_limit},
                  {"data", core::to_hex(core::ByteView(pl.txn.data).first(used))},
                  {"data_size", pl.txn.data.size()},
                  {"failed", pl.failed},
                  {"type", std::string(nn::to_string(pl.type))},
                  {"offline", pl.offline ? json(*pl.offline) : json(nullptr)},
                  {"offline_alone", pl.offline_alone ? json(*pl.offline_alone) : json(nullptr)},
                  {"offline_abstained", pl.offline_abstained},
                  {"expected", expected[i]}};
        line.update(pl.provenance);
        out << line.dump() << '\n';
    }
}

/// The embedded fraud model (the one `moed devnet` runs) or the file named.
std::expected<core::Bytes, std::string> model_bytes(const std::string& path) {
    if (path.empty()) {
        const core::ByteView embedded = embedded_model("fraud");
        return core::Bytes(embedded.begin(), embedded.end());
    }
    auto bytes = read_file(path);
    if (!bytes) return std::unexpected(bytes.error());
    return core::Bytes(bytes->begin(), bytes->end());
}

}  // namespace

void replay_plan_options(CLI::App& command) {
    command.footer(
        "Writes, as JSON lines, the transactions that replay on a devnet the first N held-back generated worlds (seeds "
        "from 900000, never trained on; T transactions each) and the histories of N benign and M fraud accounts "
        "sampled evenly from the held-out 20% of addresses of DIR (the split of `moed train --seed S`). Each original "
        "address gets a key derived from it; each transaction keeps its value (gwei), gas limit (at most the devnet's "
        "block gas limit), calldata size and selector, failure, and its time relative to the first of its segment. "
        "Each carries 'offline' (the score `moed moe eval` gives its row, full history) and 'expected' (the score the "
        "chain must give it when the plan is replayed exactly).");
    value_option(command, "--worlds", "N: held-back generated worlds to replay");
    value_option(command, "--transactions", "T: transactions per world (default 1000)");
    value_option(command, "--data", "DIR: ../shared/data/eth_fraud_accounts_and_txns");
    value_option(command, "--benign-accounts", "N: held-out benign accounts whose histories to replay (needs --data)");
    value_option(command, "--fraud-accounts", "M: held-out fraud accounts whose histories to replay (needs --data)");
    value_option(command, "--seed", "S: the split of `moed train --seed S` (default 7)");
    value_option(command, "--model", "MODEL: default the fraud model embedded in moed (the one `moed devnet` runs)");
    value_option(command, "--out", "FILE: where the plan goes (default stdout)");
}

int replay_plan_main(Args args) {
    std::uint64_t worlds = 0, transactions = nn::kTransactionsPerWorld, benign = 0, fraud = 0, seed = nn::kShippedSeed;
    const std::pair<const char*, std::pair<std::uint64_t*, std::uint64_t>> counts[] = {
        {"--worlds", {&worlds, 1000}}, {"--transactions", {&transactions, 100'000}}, {"--benign-accounts", {&benign, 100'000}},
        {"--fraud-accounts", {&fraud, 100'000}}, {"--seed", {&seed, 999'999'999}}};
    for (const auto& [name, target] : counts) {
        auto v = unsigned_flag(args, name, *target.first, 0, target.second);
        if (!v) return fail(v.error());
        *target.first = *v;
    }
    if (transactions == 0) return fail("--transactions must be at least 1");
    const std::string data = flag_value(args, "--data");
    if ((benign > 0 || fraud > 0) && data.empty()) return fail("--benign-accounts and --fraud-accounts need --data DIR");
    if (!data.empty() && benign == 0 && fraud == 0) return fail("--data DIR needs --benign-accounts N or --fraud-accounts M");
    if (worlds == 0 && benign == 0 && fraud == 0) return fail("nothing to plan: give --worlds N and/or --data DIR with --benign-accounts/--fraud-accounts");

    const std::string model_path = flag_value(args, "--model");
    const std::string model_name = model_path.empty() ? std::string("the embedded fraud model") : model_path;
    auto bytes = model_bytes(model_path);
    if (!bytes) return fail(bytes.error(), 1);
    auto model = nn::parse_model(*bytes);
    if (!model) return fail(model_name + ": " + model.error(), 1);
    if (model->task != nn::kTaskFraud || model->num_features != nn::kFraudFeatures || !nn::is_fraud_feature_schema(model->feature_schema_version)) {
        return fail(model_name + " is not a fraud model of a schema this moed computes", 1);
    }
    nn::MoeEngine engine(std::move(*model));
    auto preset = chain::parse_chain_config(json::parse(*preset_json("devnet")));
    if (!preset) return fail("the devnet preset does not parse", 1);

    ReplayChain chain(preset->block_gas_limit, engine.model().feature_schema_version);
    Plan plan;
    plan.header = {{"model", nn::model_hash(*bytes).hex()}, {"worlds", worlds}, {"transactions_per_world", transactions},
                   {"first_world_seed", nn::kHeldBackWorldSeed}, {"split_seed", seed}, {"gas_cap", preset->block_gas_limit}};
    if (worlds > 0) plan_worlds(chain, engine, worlds, transactions, plan);
    if (benign > 0 || fraud > 0) {
        if (auto r = plan_accounts(chain, engine, data, seed, benign, fraud, plan); !r) return fail(r.error(), 1);
    }
    const std::vector<std::uint32_t> expected = chain_scores(engine, plan.txs);
    plan.header["moved_later"] = chain.moved();

    const std::string out_path = flag_value(args, "--out");
    std::ofstream file;
    if (!out_path.empty()) {
        file.open(out_path, std::ios::trunc);
        if (!file) return fail("cannot write " + out_path, 1);
    }
    std::ostream& out = out_path.empty() ? std::cout : file;
    write_plan(out, plan, expected);
    out.flush();
    if (!out) return fail("write to " + (out_path.empty() ? std::string("stdout") : out_path) + " failed", 1);
    std::fprintf(stderr, "moed moe replay-plan: %zu transactions in %d segments, %zu accounts\n", plan.txs.size(), plan.segments, plan.accounts.size());
    return 0;
}

}  // namespace moe::node
