#include "moe/contract_features.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <span>

namespace moe::nn {

namespace {

/// The opcode group of each byte (kOpcodeGroups - 1 collects INVALID, SELFDESTRUCT and
/// every undefined byte).
constexpr std::array<std::uint8_t, 256> make_groups() {
    std::array<std::uint8_t, 256> g{};
    for (auto& x : g) x = kOpcodeGroups - 1;
    auto range = [&g](int from, int to, int group) {
        for (int op = from; op <= to; ++op) g[op] = static_cast<std::uint8_t>(group);
    };
    range(0x00, 0x00, 0);
    range(0x01, 0x01, 1); range(0x03, 0x03, 1);
    range(0x02, 0x02, 2); range(0x04, 0x07, 2);
    range(0x08, 0x0b, 3);
    range(0x10, 0x13, 4);
    range(0x14, 0x14, 5);
    range(0x15, 0x15, 6);
    range(0x16, 0x19, 7);
    range(0x1a, 0x1d, 8);
    range(0x20, 0x20, 9);
    range(0x30, 0x30, 10); range(0x32, 0x33, 10);
    range(0x34, 0x34, 11);
    range(0x35, 0x35, 12);
    range(0x36, 0x37, 13);
    range(0x38, 0x39, 14);
    range(0x3a, 0x3a, 15);
    range(0x3b, 0x3c, 16); range(0x3f, 0x3f, 16);
    range(0x3d, 0x3e, 17);
    range(0x31, 0x31, 18); range(0x47, 0x47, 18);
    range(0x40, 0x46, 19); range(0x48, 0x4a, 19);
    range(0x50, 0x50, 20);
    range(0x51, 0x51, 21);
    range(0x52, 0x53, 22);
    range(0x54, 0x54, 23);
    range(0x55, 0x55, 24);
    range(0x56, 0x56, 25);
    range(0x57, 0x57, 26);
    range(0x5b, 0x5b, 27);
    range(0x58, 0x5a, 28);
    range(0x5c, 0x5f, 29);
    range(0x60, 0x63, 30);
    range(0x64, 0x7e, 31);
    range(0x7f, 0x7f, 32);
    range(0x80, 0x8f, 33);
    range(0x90, 0x9f, 34);
    range(0xa0, 0xa2, 35);
    range(0xa3, 0xa4, 36);
    range(0xf0, 0xf0, 37); range(0xf5, 0xf5, 37);
    range(0xf1, 0xf1, 38);
    range(0xf2, 0xf2, 39); range(0xf4, 0xf4, 39);
    range(0xfa, 0xfa, 40);
    range(0xf3, 0xf3, 41);
    range(0xfd, 0xfd, 42);
    return g;
}
constexpr std::array<std::uint8_t, 256> kGroup = make_groups();

constexpr std::uint8_t kEq = 0x14;
constexpr std::uint8_t kCaller = 0x33;
constexpr std::uint8_t kCalldataCopy = 0x37;
constexpr std::uint8_t kReturndataCopy = 0x3e;
constexpr std::uint8_t kMstore = 0x52;
constexpr std::uint8_t kPush1 = 0x60;
constexpr std::uint8_t kPush4 = 0x63;
constexpr std::uint8_t kPush32 = 0x7f;
constexpr std::uint8_t kLog0 = 0xa0;
constexpr std::uint8_t kLog4 = 0xa4;
constexpr std::uint8_t kCreate = 0xf0;
constexpr std::uint8_t kCall = 0xf1;
constexpr std::uint8_t kDelegateCall = 0xf4;
constexpr std::uint8_t kCreate2 = 0xf5;
constexpr std::uint8_t kSelfDestruct = 0xff;

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
const std::array<Family, 15> kFamilies = {{
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
    // A constant-product pair: getReserves, swap, mint, burn, skim, sync, token0, token1,
    // price0CumulativeLast, kLast, initialize.
    {{0x0902f1ac, 0x022c0d9f, 0x6a627842, 0x89afcb44, 0xbc25cf77, 0xfff6cae9, 0x0dfe1681, 0xd21220a7, 0x5909c0d5, 0x7464fc3d, 0x485cc955}},
    // A router: swapExactTokensForTokens, swapTokensForExactTokens, swapExactETHForTokens,
    // addLiquidity, addLiquidityETH, removeLiquidity, getAmountsOut, getAmountsIn, quote,
    // getAmountOut, WETH.
    {{0x38ed1739, 0x8803dbee, 0x7ff36ab5, 0xe8e33700, 0xf305d719, 0xbaa2abde, 0xd06ca61f, 0x1f00ca74, 0xad615dec, 0x054d50d4, 0xad5c4648}},
    // A pool of another design: exchange, get_dy, add_liquidity, remove_liquidity, coins,
    // balances, A, get_virtual_price, slot0, swap (v3), liquidity.
    {{0x3df02124, 0x5e0d443f, 0x0b4c7e4d, 0x5b36389c, 0xc6610657, 0x4903b0d1, 0xf446c1d0, 0xbb7b8b80, 0x3850c7bd, 0x128acb08, 0x1a686502}},
    // A factory: createPair, getPair, allPairs, allPairsLength, feeTo, setFeeTo, createPool,
    // getPool, deploy(bytes,bytes32), clone().
    {{0xc9c65396, 0xe6a43905, 0x1e3dd18b, 0x574f2ba3, 0x017e7e58, 0xf46901ed, 0xa1671295, 0x1698ee82, 0x4af63f02, 0x09ed4607}},
    {{0xd0e30db0, 0x2e1a7d4d}},                                                  // wrapped ether: deposit, withdraw
}};
const std::initializer_list<std::uint32_t> kPayoutSelectors = {0x3ccfd60b, 0xd0e30db0, 0xe8b5e51f, 0xa6f2ae3a, 0x12065fe0};

/// Event topic families (the first 8 bytes of keccak of the signature), pushed before LOGn.
const std::array<std::initializer_list<std::uint64_t>, kEventFeatures - 1> kEventFamilies = {{
    {0xddf252ad1be2c89bull, 0x8c5be1e5ebec7d5bull},                          // Transfer, Approval
    {0x17307eab39ab6107ull},                                                 // ApprovalForAll
    {0xc3d58168c5ae7397ull, 0x4a39dc06d4c0dbc6ull, 0x6bb7ff708619ba06ull},   // TransferSingle, TransferBatch, URI
    {0xd78ad95fa46c994bull, 0x1c411e9a96e07124ull, 0x4c209b5fc8ad5075ull, 0xdccd412f0b125281ull},  // pair Swap, Sync, Mint, Burn
    // pool TokenExchange, AddLiquidity, v3 Swap, v1 TokenPurchase, EthPurchase
    {0x8b3e96f2b889fa77ull, 0x26f55a85081d2497ull, 0xc42079f94a6350d7ull, 0xcd60aa75dea3072full, 0x7f4091b46c33e918ull},
    {0x0d3648bd0f6ba801ull, 0x783cca1c0412dd0dull, 0x9d42cb017eb05bd8ull},   // PairCreated, PoolCreated, NewExchange
    {0xbc7cd75a20ee27fdull, 0x7e644d79422f17c0ull, 0x1cf3b03a6cf19fa2ull},   // Upgraded, AdminChanged, BeaconUpgraded
    {0xe1fffcc4923d04b5ull, 0x7fcf532c15f0a6dbull},                          // Deposit, Withdrawal
    {0xc0ba8fe4b176c171ull, 0x4a504a94899432a9ull, 0x33e13ecb54c3076dull},   // Submission, Confirmation, Execution
    {0x442e715f626346e8ull, 0x23428b18acfb3ea6ull},                          // ExecutionSuccess, ExecutionFailure
    {0x8be0079c53165914ull},                                                 // OwnershipTransferred
}};

static_assert(std::tuple_size_v<decltype(kFamilies)> + 2 == kInterfaceFeatures);
static_assert(std::tuple_size_v<decltype(kEventFamilies)> + 1 == kEventFeatures);

std::uint8_t share(std::uint64_t count, std::uint64_t total, std::uint64_t boost) {
    if (total == 0) return 0;
    return static_cast<std::uint8_t>(std::min<std::uint64_t>(127, count * 127 * boost / total));
}

std::uint8_t flag(bool b) { return b ? 127 : 0; }

std::uint8_t scaled(std::uint64_t count, std::uint64_t per_unit) {
    return static_cast<std::uint8_t>(std::min<std::uint64_t>(127, count * per_unit));
}

std::uint8_t width_code(std::size_t n) {
    return static_cast<std::uint8_t>(std::min<std::size_t>(127, std::bit_width(n) * 127 / 16));
}

std::uint32_t bigram_bucket(std::uint8_t prev, std::uint8_t op) {
    const std::uint32_t mixed = ((std::uint32_t{prev} << 8) | op) * 2654435761u;  // Knuth's multiplicative hash
    return mixed >> 27;                                                            // 32 buckets
}


}  // namespace

std::uint8_t opcode_group(std::uint8_t op) { return kGroup[op]; }

std::size_t metadata_start(core::ByteView code) {
    const std::size_t end = code.size();
    if (end < 2) return end;
    const std::size_t len = (std::size_t{code[end - 2]} << 8) | code[end - 1];
    if (len + 2 <= end && len >= 8 && code[end - 2 - len] >= 0xa1 && code[end - 2 - len] <= 0xa5) return end - len - 2;
    return end;
}

/// The first prologue (PUSH1 0x80|0x60 PUSH1 0x40 MSTORE) at or after `from` that ends by `end`,
/// or `end`. memchr finds each MSTORE, the rarest of its bytes, and the four before it are
/// compared: far faster than testing every byte.
std::size_t next_prologue(core::ByteView code, std::size_t from, std::size_t end) {
    for (std::size_t at = from + 4; at < end;) {
        const void* hit = std::memchr(code.data() + at, kMstore, end - at);
        if (hit == nullptr) break;
        at = static_cast<std::size_t>(static_cast<const std::uint8_t*>(hit) - code.data());
        const std::size_t start = at - 4;
        if (code[start] == kPush1 && (code[start + 1] == 0x80 || code[start + 1] == 0x60) && code[start + 2] == kPush1 &&
            code[start + 3] == 0x40) {
            return start;
        }
        ++at;
    }
    return end;
}

std::size_t own_code_size(core::ByteView code) { return next_prologue(code, 1, metadata_start(code)); }

CodeSummary summarize_code(core::ByteView whole) {
    CodeSummary s;
    s.size = whole.size();
    s.own_size = own_code_size(whole);
    for (std::size_t at = next_prologue(whole, s.own_size, whole.size()); at < whole.size(); at = next_prologue(whole, at + 1, whole.size())) {
        ++s.carried_codes;
    }
    s.minimal_proxy = whole.size() == 45 && std::equal(kMinimalProxyHead.begin(), kMinimalProxyHead.end(), whole.begin()) &&
                      std::equal(kMinimalProxyTail.begin(), kMinimalProxyTail.end(), whole.begin() + 30);
    const core::ByteView code = whole.first(s.own_size);
    int forwarding_stage = 0;  // 1: CALLDATACOPY seen, 2: then DELEGATECALL, 3: then RETURNDATACOPY
    std::uint8_t prev = 0;
    std::uint32_t pending_selector = 0;
    // An EQ at most 3 instructions after a PUSH4 makes its value a selector (PUSH4 sel
    // [DUP/SWAP] EQ); one at most 6 after CALLER is an owner guard.
    std::int64_t at = 0, last_push4 = -100, last_caller = -100;
    std::array<std::uint32_t, 256> ops{};  // instructions per opcode; the counts below come from it
    for (std::size_t pc = 0; pc < code.size(); ++pc, ++at) {
        const std::uint8_t op = code[pc];
        ++ops[op];
        ++s.bigrams[bigram_bucket(prev, op)];
        prev = op;

        if (op == kEq) {
            if (at - last_push4 <= 3) s.selectors.insert(pending_selector);
            if (at - last_caller <= 6) ++s.caller_checks;
        }
        if (op == kCaller) last_caller = at;
        if (op == kCalldataCopy && forwarding_stage == 0) forwarding_stage = 1;
        if (op == kDelegateCall && forwarding_stage == 1) forwarding_stage = 2;
        if (op == kReturndataCopy && forwarding_stage == 2) forwarding_stage = 3;

        if (op >= 0x60 && op <= 0x7f) {
            const std::size_t n = op - 0x5f;
            const std::size_t avail = std::min(n, code.size() - pc - 1);
            if (op == kPush4 && avail == 4) {
                pending_selector = (std::uint32_t{code[pc + 1]} << 24) | (std::uint32_t{code[pc + 2]} << 16) |
                                   (std::uint32_t{code[pc + 3]} << 8) | code[pc + 4];
                last_push4 = at;
            }
            if (op == kPush32 && avail == 32) {
                std::uint64_t head = 0;
                for (int i = 0; i < 8; ++i) head = (head << 8) | code[pc + 1 + i];
                s.topics.insert(head);
                if (std::find(kProxySlots.begin(), kProxySlots.end(), head) != kProxySlots.end()) s.eip1967_slot = true;
            }
            pc += avail;
        }
    }
    s.forwards_calldata = forwarding_stage == 3;
    for (int op = 0; op < 256; ++op) {
        s.instructions += ops[static_cast<std::size_t>(op)];
        s.groups[kGroup[static_cast<std::size_t>(op)]] += ops[static_cast<std::size_t>(op)];
    }
    s.creates = ops[kCreate];
    s.creates2 = ops[kCreate2];
    s.delegatecalls = ops[kDelegateCall];
    s.calls = ops[kCall];
    for (int op = kLog0; op <= kLog4; ++op) s.logs += ops[static_cast<std::size_t>(op)];
    s.selfdestruct = ops[kSelfDestruct] != 0;
    return s;
}

ContractFeatures contract_features(const CodeSummary& s) {
    ContractFeatures f{};
    std::size_t i = 0;
    // Shape.
    f[i++] = width_code(s.own_size);
    f[i++] = width_code(s.instructions);
    f[i++] = flag(s.minimal_proxy);
    f[i++] = flag(s.eip1967_slot);
    f[i++] = flag(s.forwards_calldata);
    f[i++] = flag(s.delegatecalls != 0);
    f[i++] = flag(!s.selectors.empty());
    f[i++] = share(s.groups[27], s.instructions, 8);  // JUMPDEST density
    f[i++] = scaled(s.carried_codes, 32);
    f[i++] = share(s.size - s.own_size, s.size, 1);
    // What creates, delegates, guards and logs.
    f[i++] = flag(s.creates != 0);
    f[i++] = flag(s.creates2 != 0);
    f[i++] = scaled(s.creates + s.creates2, 16);
    f[i++] = scaled(s.delegatecalls, 16);
    f[i++] = flag(s.selfdestruct);
    f[i++] = scaled(s.caller_checks, 8);
    f[i++] = scaled(s.logs, 4);
    f[i++] = scaled(s.calls, 4);
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
    f[i++] = scaled(s.selectors.size(), 4);
    // Events it can emit.
    for (const auto& family : kEventFamilies) {
        std::uint64_t present = 0;
        for (std::uint64_t topic : family) present += s.topics.contains(topic) ? 1 : 0;
        f[i++] = share(present, family.size(), 1);
    }
    f[i++] = scaled(s.topics.size(), 4);
    // Opcode bigrams, hashed.
    for (std::size_t b = 0; b < kBigramBuckets; ++b) f[i++] = share(s.bigrams[b], s.instructions, 8);
    return f;
}

ContractFeatures contract_features(core::ByteView code) { return contract_features(summarize_code(code)); }

}  // namespace moe::nn
