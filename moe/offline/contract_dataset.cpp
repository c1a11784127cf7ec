#include "moe/offline/contract_dataset.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <numeric>
#include <set>
#include <unordered_map>
#include <utility>

#include "core/keccak.hpp"
#include "moe/contract_features.hpp"
#include "moe/offline/csv_reader.hpp"
#include "moe/offline/synthetic.hpp"
#include "moe/tasks.hpp"

namespace moe::nn {

namespace {

namespace fs = std::filesystem;

constexpr std::uint8_t kDelegateCall = 0xf4;
constexpr std::uint8_t kCallCode = 0xf2;

/// Verified contract names (salzer's name groups) whose family is clear. Every other name is
/// read from its interface, as the DApps are.
const std::map<std::string, ContractClass, std::less<>> kNameFamilies = {
    {"BNB", ContractClass::kErc20},           {"CCXTokenERC20", ContractClass::kErc20},
    {"CommonERC20", ContractClass::kErc20},   {"Comp", ContractClass::kErc20},
    {"DSToken", ContractClass::kErc20},       {"Dollar", ContractClass::kErc20},
    {"ERC20", ContractClass::kErc20},         {"ERC20Token", ContractClass::kErc20},
    {"ERC20ext", ContractClass::kErc20},      {"ERC223Token", ContractClass::kErc20},
    {"FixedSupplyToken", ContractClass::kErc20}, {"JUST", ContractClass::kErc20},
    {"MintableERC20", ContractClass::kErc20}, {"REFLECT", ContractClass::kErc20},
    {"SimpleToken", ContractClass::kErc20},   {"SmartToken", ContractClass::kErc20},
    {"SoloToken", ContractClass::kErc20},     {"Token", ContractClass::kErc20},
    {"TokenContract", ContractClass::kErc20}, {"TokenMintERC20MintableToken", ContractClass::kErc20},
    {"UFragments", ContractClass::kErc20},    {"VMembersCoin", ContractClass::kErc20},
    {"YfinToken", ContractClass::kErc20},     {"Wallet", ContractClass::kWallet},
    {"AuthereumAccount", ContractClass::kWallet}, {"EthPyramid", ContractClass::kPonzi},
};

/// A delegatecall forwarder: the whole code is a short stub around DELEGATECALL or CALLCODE.
bool is_forwarder_stub(core::ByteView code, const CodeSummary& s) {
    if (s.minimal_proxy) return true;
    if (code.size() > 256) return false;
    return std::find(code.begin(), code.end(), kDelegateCall) != code.end() ||
           std::find(code.begin(), code.end(), kCallCode) != code.end();
}

std::expected<core::Bytes, std::string> hex_code(std::string_view text, const std::string& where) {
    if (text.starts_with("0x")) text.remove_prefix(2);
    auto bytes = core::from_hex(text, core::HexRules{.require_prefix = false, .allow_odd = false});
    if (!bytes) return std::unexpected(where + ": bad bytecode hex (" + std::string(core::to_string(bytes.error())) + ")");
    return std::move(*bytes);
}

struct Raw {
    core::Bytes code;
    ContractClass label;
    std::string source;
    std::string named_group;  ///< salzer's skeleton_id ("s..."), our corpus's group ("t..."); else empty
};

/// Reads the listed columns of every row of one CSV.
std::expected<void, std::string> each_row(const fs::path& file, const std::vector<std::string_view>& columns,
                                          const std::function<std::expected<void, std::string>(const std::vector<std::string>&, const std::string&)>& f) {
    auto reader = CsvReader::open(file);
    if (!reader) return std::unexpected(reader.error());
    std::vector<std::size_t> idx;
    for (auto c : columns) {
        auto i = reader->column(c);
        if (!i) return std::unexpected(i.error());
        idx.push_back(*i);
    }
    std::vector<std::string> row, picked(columns.size());
    while (reader->next(row)) {
        if (row.size() == 1 && row[0].empty()) continue;
        const std::string where = file.filename().string() + ":" + std::to_string(reader->row_number());
        if (row.size() != reader->header().size()) return std::unexpected(where + ": " + std::to_string(row.size()) + " fields, header has " + std::to_string(reader->header().size()));
        for (std::size_t i = 0; i < idx.size(); ++i) picked[i] = row[idx[i]];
        if (auto r = f(picked, where); !r) return r;
    }
    return {};
}

std::size_t find_root(std::vector<std::size_t>& parent, std::size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
}

}  // namespace

ContractClass interface_class(core::ByteView code, ContractClass fallback) {
    const CodeSummary s = summarize_code(code);
    auto has = [&](std::uint32_t sel) { return s.selectors.contains(sel); };
    const bool nft_move = has(0x42842e0e) || has(0xb88d4fde) || has(0xa22cb465) || has(0x081812fc) || has(0xe985e9c5) || has(0x23b872dd);
    if (has(0x4e1273f4) && has(0x2eb2c2d6)) return ContractClass::kErc1155;
    if (has(0x0902f1ac) && has(0x022c0d9f)) return ContractClass::kDex;
    if (has(0xc9c65396) && has(0xe6a43905)) return ContractClass::kFactory;
    if (has(0x6352211e) && nft_move) return ContractClass::kErc721;
    if (has(0xa9059cbb) && has(0x70a08231) && (has(0x23b872dd) || has(0x095ea7b3))) return ContractClass::kErc20;
    return fallback;
}

std::uint64_t code_skeleton(core::ByteView code) {
    const std::size_t end = metadata_start(code);
    core::Bytes sk(code.begin(), code.begin() + static_cast<std::ptrdiff_t>(end));
    for (std::size_t pc = 0; pc < sk.size(); ++pc) {
        const std::uint8_t op = sk[pc];
        if (op >= 0x60 && op <= 0x7f) {
            const std::size_t n = std::min<std::size_t>(op - 0x5f, sk.size() - pc - 1);
            std::fill_n(sk.begin() + static_cast<std::ptrdiff_t>(pc + 1), n, 0);
            pc += n;
        }
    }
    while (!sk.empty() && sk.back() == 0) sk.pop_back();
    const core::Hash h = core::keccak256(sk);
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | h[static_cast<std::size_t>(i)];
    return v;
}

std::expected<std::vector<LabelledCode>, std::string> load_labelled_codes(const fs::path& file) {
    std::vector<LabelledCode> out;
    std::map<std::string, std::uint64_t> groups;
    auto r = each_row(file, {"label", "group", "name", "bytecode"}, [&](const auto& f, const std::string& where) -> std::expected<void, std::string> {
        auto code = hex_code(f[3], where);
        if (!code) return std::unexpected(code.error());
        const auto label = contract_class_named(f[0]);
        if (!label) return std::unexpected(where + ": unknown class '" + f[0] + "'");
        const auto [it, inserted] = groups.emplace(f[1], groups.size());
        out.push_back({std::move(*code), *label, it->second, where + " " + f[2]});
        return {};
    });
    if (!r) return std::unexpected(r.error());
    if (out.empty()) return std::unexpected(file.string() + ": no rows");
    return out;
}

std::expected<ContractCorpus, std::string> load_contract_corpus(const fs::path& dir, const fs::path& templates) {
    std::vector<Raw> raw;
    ContractCorpus corpus;
    std::map<std::string, int> forwarders_as_proxy;
    // Proxies first: where a code is listed twice, the first listing wins.
    const fs::path salzer = dir / "salzer_wallets_proxies_bytecode";
    auto r = each_row(salzer / "proxies.csv", {"skeleton_id", "bytecode"}, [&](const auto& f, const std::string& where) -> std::expected<void, std::string> {
        auto code = hex_code(f[1], where);
        if (!code) return std::unexpected(code.error());
        raw.push_back({std::move(*code), ContractClass::kProxy, where, "s" + f[0]});
        return {};
    });
    if (!r) return std::unexpected(r.error());
    r = each_row(salzer / "wallets.csv", {"skeleton_id", "wallet_type", "bytecode"}, [&](const auto& f, const std::string& where) -> std::expected<void, std::string> {
        auto code = hex_code(f[2], where);
        if (!code) return std::unexpected(code.error());
        // A wallet whose code is only a delegatecall stub keeps its wallet logic elsewhere: by its
        // code it is a proxy. BitGo forwarders (Forwarder.sol) run their own code, CALLing the
        // received ether on to the parent wallet, and stay wallets.
        const CodeSummary s = summarize_code(*code);
        const bool stub = is_forwarder_stub(*code, s);
        if (stub) ++forwarders_as_proxy[f[1]];
        raw.push_back({std::move(*code), stub ? ContractClass::kProxy : ContractClass::kWallet, where, "s" + f[0]});
        return {};
    });
    if (!r) return std::unexpected(r.error());
    r = each_row(dir / "sadponzi_bytecode" / "rq1_groundtruth.csv", {"label", "bytecode"}, [&](const auto& f, const std::string& where) -> std::expected<void, std::string> {
        auto code = hex_code(f[1], where);
        if (!code) return std::unexpected(code.error());
        if (f[0] != "ponzi" && f[0] != "dapp_non_ponzi") return std::unexpected(where + ": unknown label '" + f[0] + "'");
        const ContractClass c = f[0] == "ponzi" ? ContractClass::kPonzi : interface_class(*code, ContractClass::kOther);
        raw.push_back({std::move(*code), c, where, {}});
        return {};
    });
    if (!r) return std::unexpected(r.error());
    r = each_row(dir / "solmigrator_erc20_erc721_bytecode" / "solmigrator_contracts.csv", {"label", "runtime_bytecode"},
                 [&](const auto& f, const std::string& where) -> std::expected<void, std::string> {
                     auto code = hex_code(f[1], where);
                     if (!code) return std::unexpected(code.error());
                     if (f[0] != "ERC20" && f[0] != "ERC721") return std::unexpected(where + ": unknown label '" + f[0] + "'");
                     raw.push_back({std::move(*code), f[0] == "ERC20" ? ContractClass::kErc20 : ContractClass::kErc721, where, {}});
                     return {};
                 });
    if (!r) return std::unexpected(r.error());
    r = each_row(salzer / "verified_name_groups_codes.csv", {"name", "bin"}, [&](const auto& f, const std::string& where) -> std::expected<void, std::string> {
        auto code = hex_code(f[1], where);
        if (!code) return std::unexpected(code.error());
        const auto it = kNameFamilies.find(f[0]);
        const ContractClass c = it != kNameFamilies.end() ? it->second : interface_class(*code, ContractClass::kOther);
        raw.push_back({std::move(*code), c, where, {}});
        return {};
    });
    if (!r) return std::unexpected(r.error());
    // Our compiled corpus: its group (a family, or a subfamily) joins its rows like a skeleton.
    r = each_row(templates, {"label", "group", "bytecode"}, [&](const auto& f, const std::string& where) -> std::expected<void, std::string> {
        auto code = hex_code(f[2], where);
        if (!code) return std::unexpected(code.error());
        const auto label = contract_class_named(f[0]);
        if (!label) return std::unexpected(where + ": unknown class '" + f[0] + "'");
        raw.push_back({std::move(*code), *label, where, "t" + f[1]});
        return {};
    });
    if (!r) return std::unexpected(r.error());

    // Exact duplicates: keep the first listing; count label conflicts.
    std::unordered_map<std::string, std::size_t> seen;
    std::vector<Raw> unique;
    int duplicates = 0, conflicts = 0, empty = 0;
    for (Raw& x : raw) {
        if (x.code.empty()) {
            ++empty;
            continue;
        }
        const std::string key(x.code.begin(), x.code.end());
        auto [it, inserted] = seen.emplace(key, unique.size());
        if (!inserted) {
            ++duplicates;
            conflicts += unique[it->second].label != x.label ? 1 : 0;
            continue;
        }
        unique.push_back(std::move(x));
    }
    // Groups: rows sharing a computed skeleton or a named group are one group.
    std::vector<std::size_t> parent(unique.size());
    std::iota(parent.begin(), parent.end(), 0);
    std::vector<std::uint64_t> skeleton(unique.size());
    std::unordered_map<std::uint64_t, std::size_t> by_skeleton;
    std::unordered_map<std::string, std::size_t> by_named_group;
    for (std::size_t i = 0; i < unique.size(); ++i) {
        skeleton[i] = code_skeleton(unique[i].code);
        auto join = [&](std::size_t j) {
            const std::size_t a = find_root(parent, i), b = find_root(parent, j);
            if (a != b) parent[std::max(a, b)] = std::min(a, b);
        };
        if (auto [it, ins] = by_skeleton.emplace(skeleton[i], i); !ins) join(it->second);
        if (!unique[i].named_group.empty()) {
            if (auto [it, ins] = by_named_group.emplace(unique[i].named_group, i); !ins) join(it->second);
        }
    }
    std::set<std::uint64_t> groups;
    std::array<int, kContractClasses> per_class{};
    for (std::size_t i = 0; i < unique.size(); ++i) {
        const std::uint64_t g = skeleton[find_root(parent, i)];
        groups.insert(g);
        ++per_class[static_cast<std::size_t>(unique[i].label)];
        corpus.codes.push_back({std::move(unique[i].code), unique[i].label, g, std::move(unique[i].source)});
    }
    corpus.notes.push_back(std::to_string(raw.size()) + " listings, " + std::to_string(corpus.codes.size()) + " distinct codes (" +
                           std::to_string(duplicates) + " duplicates dropped, " + std::to_string(conflicts) + " of them with another label; " +
                           std::to_string(empty) + " empty codes), " + std::to_string(groups.size()) + " skeleton groups");
    std::string counts = "per class:";
    for (int c = 0; c < kContractClasses; ++c) {
        counts += " " + std::string(to_string(static_cast<ContractClass>(c))) + "=" + std::to_string(per_class[static_cast<std::size_t>(c)]);
    }
    corpus.notes.push_back(counts);
    for (const auto& [type, n] : forwarders_as_proxy) corpus.notes.push_back("wallets.csv '" + type + "': " + std::to_string(n) + " delegatecall stubs labelled proxy");
    return corpus;
}

namespace {

/// Each class's groups (a group's class: its first row's, `group_class` holds them), in the
/// order of `rank` (a seeded hash; ties by group): what the held-out split and the folds deal.
template <typename Rank>
std::vector<std::vector<std::uint64_t>> groups_by_class(const std::map<std::uint64_t, int>& group_class, int classes, Rank rank) {
    std::vector<std::vector<std::pair<std::uint64_t, std::uint64_t>>> ranked(static_cast<std::size_t>(classes));
    for (const auto& [group, c] : group_class) ranked[static_cast<std::size_t>(c)].emplace_back(rank(group), group);
    std::vector<std::vector<std::uint64_t>> out(ranked.size());
    for (std::size_t c = 0; c < ranked.size(); ++c) {
        std::sort(ranked[c].begin(), ranked[c].end());
        for (const auto& [r, group] : ranked[c]) out[c].push_back(group);
    }
    return out;
}

}  // namespace

std::set<std::uint64_t> contract_held_out_groups(const ContractCorpus& corpus, std::uint64_t seed) {
    std::map<std::uint64_t, int> group_class;
    for (const LabelledCode& c : corpus.codes) group_class.emplace(c.group, static_cast<int>(c.label));
    std::set<std::uint64_t> held;
    for (const auto& groups : groups_by_class(group_class, kContractClasses, [seed](std::uint64_t g) { return held_out_rank(g, seed); })) {
        const std::size_t n = groups.size();
        const std::size_t take = std::min(std::max((n + 4) / 5, std::min<std::size_t>(3, n / 3)), n / 3);
        held.insert(groups.begin(), groups.begin() + static_cast<std::ptrdiff_t>(take));
    }
    return held;
}

Dataset contract_dataset(const ContractCorpus& corpus, std::uint64_t seed, bool held_out_part) {
    Dataset d;
    d.num_features = kContractFeatures;
    d.num_classes = kContractClasses;
    const std::set<std::uint64_t> held = contract_held_out_groups(corpus, seed);
    for (const LabelledCode& c : corpus.codes) {
        if (held.contains(c.group) != held_out_part) continue;
        const ContractFeatures f = contract_features(c.code);
        for (std::uint8_t v : f) d.x.push_back(static_cast<float>(v) / 127.0f);
        d.y.push_back(static_cast<int>(c.label));
        d.groups.push_back(c.group);
    }
    return d;
}

void mark_contract_validation(Dataset& d, std::uint64_t seed, int folds, int fold) {
    // Per class, its groups dealt round-robin into the folds in the order of a seeded hash.
    std::map<std::uint64_t, int> group_class;
    for (std::size_t r = 0; r < d.groups.size(); ++r) group_class.emplace(d.groups[r], d.y[r]);
    const auto fold_rank = [seed](std::uint64_t g) { return SplitMix64(g ^ (seed * 0x9e3779b97f4a7c15ull)).next(); };
    std::set<std::uint64_t> validated;
    for (const auto& groups : groups_by_class(group_class, d.num_classes, fold_rank)) {
        if (folds <= 0 || groups.size() < 2) continue;
        for (std::size_t i = 0; i < groups.size(); ++i) {
            if (static_cast<int>(i % static_cast<std::size_t>(folds)) == fold) validated.insert(groups[i]);
        }
    }
    d.validation.assign(d.groups.size(), 0);
    for (std::size_t r = 0; r < d.groups.size(); ++r) d.validation[r] = validated.contains(d.groups[r]) ? 1 : 0;
}

Dataset validation_part(const Dataset& d) {
    Dataset v;
    v.num_features = d.num_features;
    v.num_classes = d.num_classes;
    const auto F = static_cast<std::size_t>(d.num_features);
    for (std::size_t r = 0; r < d.validation.size(); ++r) {
        if (d.validation[r] == 0) continue;
        v.x.insert(v.x.end(), d.x.begin() + static_cast<std::ptrdiff_t>(r * F), d.x.begin() + static_cast<std::ptrdiff_t>((r + 1) * F));
        v.y.push_back(d.y[r]);
        if (!d.groups.empty()) v.groups.push_back(d.groups[r]);
    }
    return v;
}

}  // namespace moe::nn
