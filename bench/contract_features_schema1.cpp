// The contract classifier's features as schema 1 computed them (moe/contract_features.cpp at
// commit 81bc102, frozen here): the baseline that bench_moe measures schema 2's cost against in
// the same run (issue 14: classification may cost at most 2x per KiB of what it did). Not used
// by the node; do not change it (its opcode groups are schema 2's, which kept them).
#include "bench/contract_features_schema1.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <span>

#include "moe/contract_features.hpp"

namespace moe::bench::schema1 {

namespace {

struct Summary {
    std::size_t size = 0;
    std::size_t instructions = 0;
    std::array<std::uint32_t, kOpcodeGroups> groups{};
    std::array<std::uint32_t, kBigramBuckets> bigrams{};
    std::set<std::uint32_t> selectors;
    bool minimal_proxy = false;
    bool eip1967_slot = false;
    bool forwards_calldata = false;
};



/// The opcode groups (schema 2 kept schema 1's), read into a table as schema 1 had it.
const std::array<std::uint8_t, 256> kGroup = [] {
    std::array<std::uint8_t, 256> g{};
    for (int op = 0; op < 256; ++op) g[static_cast<std::size_t>(op)] = nn::opcode_group(static_cast<std::uint8_t>(op));
    return g;
}();

constexpr std::uint8_t kEq = 0x14;
constexpr std::uint8_t kCalldataCopy = 0x37;
constexpr std::uint8_t kReturndataCopy = 0x3e;
constexpr std::uint8_t kDelegateCall = 0xf4;
constexpr std::uint8_t kPush4 = 0x63;
constexpr std::uint8_t kPush32 = 0x7f;

// EIP-1167: 363d3d373d3d3d363d73 <address> 5af43d82803e903d91602b57fd5bf3.
constexpr std::array<std::uint8_t, 10> kMinimalProxyHead = {0x36, 0x3d, 0x3d, 0x37, 0x3d, 0x3d, 0x3d, 0x36, 0x3d, 0x73};
constexpr std::array<std::uint8_t, 15> kMinimalProxyTail = {0x5a, 0xf4, 0x3d, 0x82, 0x80, 0x3e, 0x90, 0x3d,
                                                            0x91, 0x60, 0x2b, 0x57, 0xfd, 0x5b, 0xf3};

/// The first 8 bytes of the proxy storage slots (EIP-1967 implementation, admin, beacon,
/// and OpenZeppelin's earlier zos implementation slot): enough to recognise a PUSH32 of them.
constexpr std::array<std::uint64_t, 4> kProxySlots = {0x360894a13ba1a321ull, 0xb53127684a568b31ull,
                                                      0xa3f0ad74e5423aebull, 0x7050c9e0f4ca769cull};

/// Selector families of well-known interfaces; a feature is the share of a family present.
struct Family {
    std::initializer_list<std::uint32_t> selectors;
};
const std::array<Family, 10> kFamilies = {{
    {{0x18160ddd, 0x70a08231, 0xa9059cbb, 0x23b872dd, 0x095ea7b3, 0xdd62ed3e}},  // ERC-20
    {{0x06fdde03, 0x95d89b41, 0x313ce567}},                                      // ERC-20 metadata
    {{0x6352211e, 0x42842e0e, 0xb88d4fde, 0xa22cb465, 0x081812fc, 0xe985e9c5}},  // ERC-721
    {{0xc87b56dd, 0x2f745c59, 0x4f6ccce7}},                                      // ERC-721 metadata, enumerable
    {{0x01ffc9a7}},                                                              // ERC-165
    {{0x4e1273f4, 0x2eb2c2d6, 0xf242432a, 0x0e89341c}},                          // ERC-1155
    {{0xc6427474, 0xc01a8c84, 0xee22610b, 0x20ea8d86, 0xa0e67e2b, 0x2f54bf6e, 0xdc8452cd, 0x7065cb48}},  // multisig
    {{0x6a761202, 0xe75235b8, 0xaffed0e0, 0xb61d27f6, 0x1626ba7e}},              // Safe and smart wallets
    {{0x5c60da1b, 0x3659cfe6, 0x4f1ef286, 0xf851a440, 0x8f283970}},              // upgradeable proxy admin
    {{0x8da5cb5b, 0xf2fde38b, 0x715018a6}},                                      // Ownable
}};
const std::initializer_list<std::uint32_t> kPayoutSelectors = {0x3ccfd60b, 0xd0e30db0, 0xe8b5e51f, 0xa6f2ae3a, 0x12065fe0};

std::uint8_t share(std::uint64_t count, std::uint64_t total, std::uint64_t boost) {
    if (total == 0) return 0;
    return static_cast<std::uint8_t>(std::min<std::uint64_t>(127, count * 127 * boost / total));
}

std::uint8_t flag(bool b) { return b ? 127 : 0; }

std::uint8_t width_code(std::size_t n) {
    return static_cast<std::uint8_t>(std::min<std::size_t>(127, std::bit_width(n) * 127 / 16));
}

std::uint32_t bigram_bucket(std::uint8_t prev, std::uint8_t op) {
    const std::uint32_t mixed = ((std::uint32_t{prev} << 8) | op) * 2654435761u;  // Knuth's multiplicative hash
    return mixed >> 27;                                                            // 32 buckets
}


Summary summarize(core::ByteView code) {
    Summary s;
    s.size = code.size();
    s.minimal_proxy = code.size() == 45 && std::equal(kMinimalProxyHead.begin(), kMinimalProxyHead.end(), code.begin()) &&
                      std::equal(kMinimalProxyTail.begin(), kMinimalProxyTail.end(), code.begin() + 30);
    int forwarding_stage = 0;  // 1: CALLDATACOPY seen, 2: then DELEGATECALL, 3: then RETURNDATACOPY
    std::uint8_t prev = 0;
    std::uint32_t pending_selector = 0;
    int selector_window = 0;  // instructions left in which an EQ makes the last PUSH4 a selector
    for (std::size_t pc = 0; pc < code.size(); ++pc) {
        const std::uint8_t op = code[pc];
        ++s.instructions;
        ++s.groups[kGroup[op]];
        ++s.bigrams[bigram_bucket(prev, op)];
        prev = op;

        if (op == kEq && selector_window > 0) s.selectors.insert(pending_selector);
        selector_window = selector_window > 0 ? selector_window - 1 : 0;
        if (op == kCalldataCopy && forwarding_stage == 0) forwarding_stage = 1;
        if (op == kDelegateCall && forwarding_stage == 1) forwarding_stage = 2;
        if (op == kReturndataCopy && forwarding_stage == 2) forwarding_stage = 3;

        if (op >= 0x60 && op <= 0x7f) {
            const std::size_t n = op - 0x5f;
            const std::size_t avail = std::min(n, code.size() - pc - 1);
            if (op == kPush4 && avail == 4) {
                pending_selector = (std::uint32_t{code[pc + 1]} << 24) | (std::uint32_t{code[pc + 2]} << 16) |
                                   (std::uint32_t{code[pc + 3]} << 8) | code[pc + 4];
                selector_window = 3;  // PUSH4 sel [DUP/SWAP] EQ
            }
            if (op == kPush32 && avail == 32) {
                std::uint64_t head = 0;
                for (int i = 0; i < 8; ++i) head = (head << 8) | code[pc + 1 + i];
                if (std::find(kProxySlots.begin(), kProxySlots.end(), head) != kProxySlots.end()) s.eip1967_slot = true;
            }
            pc += avail;
        }
    }
    s.forwards_calldata = forwarding_stage == 3;
    return s;
}

Features features(const Summary& s) {
    Features f{};
    std::size_t i = 0;
    // Shape.
    f[i++] = width_code(s.size);
    f[i++] = width_code(s.instructions);
    f[i++] = flag(s.minimal_proxy);
    f[i++] = flag(s.eip1967_slot);
    f[i++] = flag(s.forwards_calldata);
    f[i++] = flag(s.groups[39] != 0);  // CALLCODE or DELEGATECALL
    f[i++] = flag(!s.selectors.empty());
    f[i++] = share(s.groups[27], s.instructions, 8);  // JUMPDEST density
    // Opcode mix: the share of each group, a quarter of all instructions saturating.
    for (std::size_t g = 0; g < kOpcodeGroups; ++g) f[i++] = share(s.groups[g], s.instructions, 4);
    // Interfaces answered by the dispatcher.
    for (const Family& family : kFamilies) {
        std::uint64_t present = 0;
        for (std::uint32_t sel : family.selectors) present += s.selectors.contains(sel) ? 1 : 0;
        f[i++] = share(present, family.selectors.size(), 1);
    }
    std::uint64_t payouts = 0;
    for (std::uint32_t sel : kPayoutSelectors) payouts += s.selectors.contains(sel) ? 1 : 0;
    f[i++] = share(payouts, kPayoutSelectors.size(), 1);
    f[i++] = static_cast<std::uint8_t>(std::min<std::size_t>(127, s.selectors.size() * 4));
    // Opcode bigrams, hashed.
    for (std::size_t b = 0; b < kBigramBuckets; ++b) f[i++] = share(s.bigrams[b], s.instructions, 8);
    return f;
}

}  // namespace

Features features(core::ByteView code) { return features(summarize(code)); }

}  // namespace moe::bench::schema1
