#include "moe/offline/fraud_dataset.hpp"

#include <algorithm>
#include <bit>
#include <unordered_map>
#include <unordered_set>

#include "moe/account_stats.hpp"
#include "moe/offline/csv_reader.hpp"
#include "moe/tasks.hpp"

namespace moe::nn {

namespace {

namespace fs = std::filesystem;

/// The key of a 0x-hex address: its first 8 bytes (address_key of the bytes). 0 if empty or bad.
std::uint64_t hex_key(std::string_view a) {
    if (a.starts_with("0x")) a.remove_prefix(2);
    if (a.size() < 16) return 0;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 16; ++i) {
        const char c = a[i];
        const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return 0;
        v = (v << 4) | static_cast<std::uint64_t>(d);
    }
    return v;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

struct Event {
    std::uint64_t block = 0;
    std::uint32_t index = 0;
    std::uint8_t kind = 0;  // 0 transaction, 1 token transfer event
    std::uint32_t seq = 0;  // read order, the last tie-break
    std::uint64_t from = 0, to = 0;
    TxFacts facts;
    bool failed = false;
    std::uint64_t gas_price_gwei = 0;
    std::vector<std::uint32_t> accounts;  // labelled accounts whose file lists it
};

std::uint64_t num(const std::string& s, const std::string& where, std::string& error, int drop = 0) {
    if (s.empty()) return 0;
    auto v = parse_decimal(s, drop);
    if (!v) {
        error = where + ": " + v.error();
        return 0;
    }
    return *v;
}

}  // namespace

std::expected<FraudCorpus, std::string> load_fraud_corpus(const fs::path& dir, const FraudOptions& o) {
    FraudCorpus corpus;
    if (!is_fraud_feature_schema(o.schema)) return std::unexpected("no fraud feature schema " + std::to_string(o.schema));
    // Labels.
    std::unordered_map<std::string, std::uint32_t> account_of;
    {
        auto reader = CsvReader::open(dir / "labels.csv");
        if (!reader) return std::unexpected(reader.error());
        auto ia = reader->column("address");
        auto ifl = reader->column("FLAG");
        if (!ia || !ifl) return std::unexpected(!ia ? ia.error() : ifl.error());
        std::vector<std::string> row;
        std::vector<std::pair<std::string, int>> labels;
        while (reader->next(row)) {
            if (row.size() <= std::max(*ia, *ifl)) continue;
            if (row[*ifl] != "0" && row[*ifl] != "1") return std::unexpected("labels.csv:" + std::to_string(reader->row_number()) + ": FLAG must be 0 or 1");
            labels.emplace_back(lower(row[*ia]), row[*ifl] == "1" ? 1 : 0);
        }
        std::sort(labels.begin(), labels.end());
        labels.erase(std::unique(labels.begin(), labels.end(), [](auto& a, auto& b) { return a.first == b.first; }), labels.end());
        if (o.max_accounts != 0 && labels.size() > o.max_accounts) labels.resize(o.max_accounts);
        for (auto& [a, f] : labels) {
            account_of.emplace(a, static_cast<std::uint32_t>(corpus.accounts.size()));
            corpus.accounts.push_back(a);
            corpus.account_label.push_back(f);
            corpus.account_group.push_back(hex_key(a));
        }
    }
    std::vector<Event> events;
    std::unordered_map<std::string, std::size_t> tx_event;  // hash -> event (transactions only)
    std::unordered_set<std::uint64_t> contracts;
    std::string error;
    std::vector<std::string> row;
    // Transactions.
    {
        auto reader = CsvReader::open(dir / "normal_txns_first200.csv.gz");
        if (!reader) return std::unexpected(reader.error());
        std::vector<std::size_t> c;
        for (const char* name : {"account", "blockNumber", "timeStamp", "hash", "transactionIndex", "from", "to", "value_wei", "gas", "gasPrice",
                                 "isError", "contractAddress", "methodId", "input_len_bytes"}) {
            auto i = reader->column(name);
            if (!i) return std::unexpected(i.error());
            c.push_back(*i);
        }
        while (reader->next(row)) {
            if (row.size() != reader->header().size()) {
                if (row.size() == 1 && row[0].empty()) continue;
                return std::unexpected("normal_txns_first200.csv.gz:" + std::to_string(reader->row_number()) + ": wrong field count");
            }
            const auto acc = account_of.find(lower(row[c[0]]));
            if (acc == account_of.end()) continue;
            if (auto it = tx_event.find(row[c[3]]); it != tx_event.end()) {
                auto& a = events[it->second].accounts;
                if (std::find(a.begin(), a.end(), acc->second) == a.end()) a.push_back(acc->second);
                continue;
            }
            const std::string where = "normal_txns_first200.csv.gz:" + std::to_string(reader->row_number());
            Event e;
            e.block = num(row[c[1]], where, error);
            e.facts.timestamp = num(row[c[2]], where, error);
            e.index = static_cast<std::uint32_t>(num(row[c[4]], where, error));
            e.from = hex_key(row[c[5]]);
            const bool create = row[c[6]].empty();
            e.to = create ? hex_key(row[c[11]]) : hex_key(row[c[6]]);
            e.facts.value_gwei = num(row[c[7]], where, error, 9);
            e.facts.gas_limit = num(row[c[8]], where, error);
            e.gas_price_gwei = num(row[c[9]], where, error, 9);
            e.failed = row[c[10]] == "1";
            e.facts.data_size = static_cast<std::uint32_t>(std::min<std::uint64_t>(UINT32_MAX, num(row[c[13]], where, error)));
            const std::string& method = row[c[12]];
            e.facts.selector = method.size() == 10 ? static_cast<std::uint32_t>(hex_key(method + "00000000") >> 32) : 0;
            e.facts.is_create = create;
            if (create) {
                e.facts.type = TxType::kDeployment;
                contracts.insert(e.to);
            } else if (e.facts.data_size >= 4 && (e.facts.selector == 0xa9059cbb || e.facts.selector == 0x23b872dd)) {
                e.facts.type = TxType::kTokenTransfer;
                e.facts.token = e.to;
            } else if (e.facts.data_size > 0) {
                e.facts.type = TxType::kContractCall;
            }
            if (e.facts.data_size > 0 && !create) contracts.insert(e.to);
            if (!error.empty()) return std::unexpected(error);
            e.kind = 0;
            e.seq = static_cast<std::uint32_t>(events.size());
            e.accounts.push_back(acc->second);
            tx_event.emplace(row[c[3]], events.size());
            events.push_back(std::move(e));
        }
    }
    const std::size_t tx_events = events.size();
    // Token transfer events.
    {
        auto reader = CsvReader::open(dir / "erc20_txns_first100.csv.gz");
        if (!reader) return std::unexpected(reader.error());
        std::vector<std::size_t> c;
        for (const char* name : {"account", "blockNumber", "timeStamp", "hash", "from", "to", "tokenContract", "value_raw", "tokenDecimal", "gas", "gasPrice"}) {
            auto i = reader->column(name);
            if (!i) return std::unexpected(i.error());
            c.push_back(*i);
        }
        std::unordered_map<std::string, std::size_t> seen;
        while (reader->next(row)) {
            if (row.size() != reader->header().size()) {
                if (row.size() == 1 && row[0].empty()) continue;
                return std::unexpected("erc20_txns_first100.csv.gz:" + std::to_string(reader->row_number()) + ": wrong field count");
            }
            const auto acc = account_of.find(lower(row[c[0]]));
            if (acc == account_of.end()) continue;
            const std::string key = row[c[3]] + row[c[4]] + row[c[5]] + row[c[6]] + row[c[7]];
            if (auto it = seen.find(key); it != seen.end()) {
                auto& a = events[it->second].accounts;
                if (std::find(a.begin(), a.end(), acc->second) == a.end()) a.push_back(acc->second);
                continue;
            }
            const std::string where = "erc20_txns_first100.csv.gz:" + std::to_string(reader->row_number());
            Event e;
            e.kind = 1;
            e.block = num(row[c[1]], where, error);
            e.facts.timestamp = num(row[c[2]], where, error);
            e.from = hex_key(row[c[4]]);
            e.to = hex_key(row[c[5]]);
            e.facts.type = TxType::kTokenTransfer;
            e.facts.token = hex_key(row[c[6]]);
            e.facts.selector = 0xa9059cbb;
            const std::uint64_t decimals = row[c[8]].empty() ? 18 : std::min<std::uint64_t>(num(row[c[8]], where, error), 77);
            if (decimals >= 9) {
                e.facts.value_gwei = num(row[c[7]], where, error, static_cast<int>(decimals - 9));
            } else {
                std::uint64_t v = num(row[c[7]], where, error);
                for (std::uint64_t k = decimals; k < 9; ++k) v = v > UINT64_MAX / 10 ? UINT64_MAX : v * 10;
                e.facts.value_gwei = v;
            }
            e.facts.gas_limit = num(row[c[9]], where, error);
            e.gas_price_gwei = num(row[c[10]], where, error, 9);
            contracts.insert(e.facts.token);
            if (!error.empty()) return std::unexpected(error);
            e.seq = static_cast<std::uint32_t>(events.size());
            e.accounts.push_back(acc->second);
            seen.emplace(key, events.size());
            events.push_back(std::move(e));
        }
    }
    std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
        return std::tie(a.block, a.index, a.kind, a.seq) < std::tie(b.block, b.index, b.kind, b.seq);
    });

    // Replay in block order: screen, then apply.
    std::unordered_map<std::uint64_t, AccountStats> stats;
    std::vector<int> rows_of(corpus.accounts.size(), 0);
    Dataset& d = corpus.rows;
    corpus.schema = o.schema;
    d.num_features = kFraudFeatures + (o.with_gas_price ? 1 : 0);
    d.num_classes = 2;
    for (Event& e : events) {
        e.facts.recipient_is_contract = contracts.contains(e.to);
        e.facts.sender_key = e.from;
        e.facts.recipient_key = e.to;
        AccountStats& sender = stats[e.from];
        AccountStats& recipient = stats[e.to];
        std::sort(e.accounts.begin(), e.accounts.end());
        bool screened = false;
        FraudFeatures f{};
        for (std::uint32_t a : e.accounts) {
            if (o.max_rows_per_account != 0 && rows_of[a] >= o.max_rows_per_account) continue;
            if (!screened) {
                f = fraud_features(e.facts, sender, recipient, o.schema);
                screened = true;
            }
            ++rows_of[a];
            for (std::uint8_t v : f) d.x.push_back(static_cast<float>(v) / 127.0f);
            if (o.with_gas_price) d.x.push_back(static_cast<float>(std::min(127, static_cast<int>(std::bit_width(e.gas_price_gwei)) * 12)) / 127.0f);
            d.y.push_back(corpus.account_label[a]);
            d.groups.push_back(corpus.account_group[a]);
            corpus.row_account.push_back(a);
            if (o.keep_events) corpus.row_event.push_back(static_cast<std::uint32_t>(corpus.events.size()));
        }
        sender.apply_sent(e.facts, e.to, e.failed);
        if (e.to != e.from) stats[e.to].apply_received(e.facts, e.from);
        if (o.keep_events) corpus.events.push_back({e.from, e.to, e.facts, e.failed, e.kind == 1, std::move(e.accounts)});
    }
    std::size_t with_rows = 0, fraud_with_rows = 0;
    for (std::size_t a = 0; a < rows_of.size(); ++a) {
        with_rows += rows_of[a] > 0 ? 1 : 0;
        fraud_with_rows += rows_of[a] > 0 && corpus.account_label[a] == 1 ? 1 : 0;
    }
    corpus.notes.push_back(std::to_string(corpus.accounts.size()) + " labelled accounts, " + std::to_string(with_rows) + " with transactions (" +
                           std::to_string(fraud_with_rows) + " fraud); " + std::to_string(tx_events) + " transactions and " +
                           std::to_string(events.size() - tx_events) + " token transfers replayed over " + std::to_string(stats.size()) +
                           " addresses; " + std::to_string(d.rows()) + " screened rows");
    return corpus;
}

Dataset fraud_split(const FraudCorpus& corpus, std::uint64_t seed, bool held_out_part, std::vector<std::size_t>* rows, int per_account) {
    Dataset d;
    d.num_features = corpus.rows.num_features;
    d.num_classes = 2;
    const auto F = static_cast<std::size_t>(d.num_features);
    std::vector<long> total(corpus.accounts.size(), 0), seen(corpus.accounts.size(), 0);
    for (std::uint32_t a : corpus.row_account) ++total[a];
    for (std::size_t r = 0; r < static_cast<std::size_t>(corpus.rows.rows()); ++r) {
        if (held_out(corpus.rows.groups[r], seed) != held_out_part) continue;
        const std::uint32_t a = corpus.row_account[r];
        const long i = seen[a]++;
        // Even spread: keep row i when floor(i * k / n) steps up.
        if (per_account > 0 && total[a] > per_account && (i * per_account) / total[a] == ((i + 1) * per_account) / total[a]) continue;
        d.x.insert(d.x.end(), corpus.rows.x.begin() + static_cast<std::ptrdiff_t>(r * F), corpus.rows.x.begin() + static_cast<std::ptrdiff_t>((r + 1) * F));
        d.y.push_back(corpus.rows.y[r]);
        d.groups.push_back(corpus.rows.groups[r]);
        if (rows != nullptr) rows->push_back(r);
    }
    return d;
}

Dataset fraud_validation(const FraudCorpus& corpus, std::uint64_t seed, double share, std::vector<std::size_t>* rows) {
    Dataset d;
    d.num_features = corpus.rows.num_features;
    d.num_classes = 2;
    const auto F = static_cast<std::size_t>(d.num_features);
    for (std::size_t r = 0; r < static_cast<std::size_t>(corpus.rows.rows()); ++r) {
        const std::uint64_t g = corpus.rows.groups[r];
        if (held_out(g, seed) || !in_validation(g, seed, share)) continue;
        d.x.insert(d.x.end(), corpus.rows.x.begin() + static_cast<std::ptrdiff_t>(r * F), corpus.rows.x.begin() + static_cast<std::ptrdiff_t>((r + 1) * F));
        d.y.push_back(corpus.rows.y[r]);
        d.groups.push_back(g);
        if (rows != nullptr) rows->push_back(r);
    }
    return d;
}

Dataset fraud_training_set(const FraudCorpus& corpus, std::uint64_t seed, const FraudTrainingOptions& o, std::vector<std::size_t>* rows,
                           std::vector<std::string>* notes) {
    Dataset data = fraud_split(corpus, seed, false, rows, o.rows_per_account);
    // Ordinary dev-chain activity, labelled benign (benign_traffic): the labelled accounts are
    // Ethereum's of 2017-2022 and show nothing like a fresh account deploying and paying out
    // within seconds. Evaluation replays other seeds.
    if (o.worlds > 0) {
        const Dataset benign = benign_rows(kTrainWorldSeed, o.worlds, kTransactionsPerWorld, corpus.schema);
        append_rows(data, benign);
        if (notes != nullptr) notes->push_back("with " + std::to_string(benign.rows()) + " rows of " + std::to_string(o.worlds) + " generated benign worlds");
    }
    // Drainers on a 1-second chain, as the labelled fraud accounts behave as recipients (many
    // senders paying once, nearly all passed on): their rows labelled fraud. The labelled
    // accounts show this only at Ethereum's pace and with senders of no history.
    if (o.drainer_worlds > 0) {
        const Dataset drained = drainer_rows(kTrainDrainerSeed, o.drainer_worlds, kTransactionsPerWorld, corpus.schema, o.drainer_family, o.drainer_visible_victims);
        append_rows(data, drained);
        if (notes != nullptr) {
            notes->push_back("with " + std::to_string(drained.rows()) + " fraud rows of the drainers of " + std::to_string(o.drainer_worlds) +
                             " generated worlds");
        }
    }
    return data;
}

}  // namespace moe::nn
