// Bytecode features: what the classifier sees of a contract, computed the same way everywhere.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "core/bytes.hpp"
#include "moe/contract_features.hpp"

namespace moe::nn {
namespace {

core::Bytes hex(std::string_view h) { return *core::from_hex(h, {.require_prefix = false}); }

// A dispatcher as solc writes it: selector from calldata, then DUP1 PUSH4 sel EQ PUSH2 dest JUMPI.
core::Bytes dispatcher(std::initializer_list<std::string_view> selectors) {
    core::Bytes code = hex("60003560e01c");
    for (std::string_view s : selectors) {
        const core::Bytes part = hex(std::string("8063") + std::string(s) + "14610100" + "57");
        code.insert(code.end(), part.begin(), part.end());
    }
    code.push_back(0x00);
    return code;
}

TEST(ContractFeatures, RecognisesTheMinimalProxyOfEip1167) {
    const core::Bytes proxy =
        hex("363d3d373d3d3d363d73bebebebebebebebebebebebebebebebebebebebe5af43d82803e903d91602b57fd5bf3");
    const CodeSummary s = summarize_code(proxy);
    EXPECT_TRUE(s.minimal_proxy);
    EXPECT_TRUE(s.forwards_calldata);
    const ContractFeatures f = contract_features(proxy);
    EXPECT_EQ(f[2], 127);
    EXPECT_EQ(f[5], 127);  // DELEGATECALL present

    core::Bytes other = proxy;
    other[44] = 0x00;
    EXPECT_FALSE(summarize_code(other).minimal_proxy);
}

TEST(ContractFeatures, ReadsTheDispatcherSelectors) {
    const CodeSummary s = summarize_code(dispatcher({"18160ddd", "70a08231", "a9059cbb", "23b872dd", "095ea7b3", "dd62ed3e"}));
    EXPECT_EQ(s.selectors.size(), 6u);
    const ContractFeatures f = contract_features(s);
    const int interfaces = kShapeFeatures + kGuardFeatures + kOpcodeGroups;
    EXPECT_EQ(f[interfaces + 0], 127);                      // every ERC-20 selector
    EXPECT_EQ(f[interfaces + 2], 0);                        // no ERC-721 one
    EXPECT_EQ(f[interfaces + kInterfaceFeatures - 1], 24);  // six selectors, four codes each
}

TEST(ContractFeatures, TheCreationCodeAFactoryCarriesIsNotItsInterface) {
    // A factory answering createPair, then the creation code of its product (a Solidity
    // prologue) whose dispatcher answers the ERC-20 selectors, then the factory's metadata.
    const core::Bytes own = dispatcher({"c9c65396"});
    const core::Bytes product = dispatcher({"a9059cbb", "70a08231", "23b872dd"});
    core::Bytes code = own;
    code.push_back(0xfe);
    const core::Bytes prologue = hex("6080604052");
    code.insert(code.end(), prologue.begin(), prologue.end());
    code.insert(code.end(), product.begin(), product.end());
    const core::Bytes metadata = hex("a2646970667358221220" "1111111111111111111111111111111111111111111111111111111111111111" "64736f6c634300081c0033");
    code.insert(code.end(), metadata.begin(), metadata.end());

    EXPECT_EQ(own_code_size(code), own.size() + 1);
    EXPECT_EQ(metadata_start(code), code.size() - metadata.size());
    const CodeSummary s = summarize_code(code);
    EXPECT_EQ(s.selectors, std::set<std::uint32_t>{0xc9c65396});
    EXPECT_EQ(s.carried_codes, 1u);
    EXPECT_EQ(s.own_size, own.size() + 1);
    // Without the product, the same factory gives the same interface but nothing carried.
    EXPECT_EQ(summarize_code(own).selectors, s.selectors);
    EXPECT_EQ(summarize_code(own).carried_codes, 0u);
}

TEST(ContractFeatures, SeesEventTopicsAndTheOpcodesThatCreateDelegateAndGuard) {
    // PUSH32 Transfer's topic, LOG3; CALLER PUSH20 0 EQ; CREATE2; DELEGATECALL; STOP.
    const core::Bytes code = hex("7fddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef" "a3"
                                 "3373" "0000000000000000000000000000000000000000" "14" "f5" "f4" "00");
    const CodeSummary s = summarize_code(code);
    EXPECT_TRUE(s.topics.contains(0xddf252ad1be2c89bull));
    EXPECT_EQ(s.logs, 1u);
    EXPECT_EQ(s.caller_checks, 1u);
    EXPECT_EQ(s.creates2, 1u);
    EXPECT_EQ(s.creates, 0u);
    EXPECT_EQ(s.delegatecalls, 1u);
    const ContractFeatures f = contract_features(s);
    EXPECT_EQ(f[kShapeFeatures + 1], 127);  // CREATE2 present
    EXPECT_EQ(f[kShapeFeatures + 0], 0);    // no CREATE
    const int events = kShapeFeatures + kGuardFeatures + kOpcodeGroups + kInterfaceFeatures;
    EXPECT_EQ(f[events + 0], 63);  // Transfer without Approval: half of the family
}

TEST(ContractFeatures, AConstantThatIsNotComparedIsNoSelector) {
    // PUSH4 a9059cbb POP: pushed but never compared.
    EXPECT_TRUE(summarize_code(hex("63a9059cbb50")).selectors.empty());
}

TEST(ContractFeatures, SeesTheEip1967ImplementationSlot) {
    const core::Bytes code = hex("7f360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc54");
    EXPECT_TRUE(summarize_code(code).eip1967_slot);
}

TEST(ContractFeatures, EveryCodeGivesSevenBitCodesAndTruncatedPushesAreSafe) {
    for (const core::Bytes& code : {core::Bytes{}, hex("7f"), hex("63a905"), hex("fefefe"), dispatcher({"6352211e"})}) {
        const ContractFeatures f = contract_features(code);
        for (std::uint8_t v : f) EXPECT_LE(v, 127);
        EXPECT_EQ(f, contract_features(code));
    }
    EXPECT_EQ(contract_features(core::Bytes{}), ContractFeatures{});
}

TEST(ContractFeatures, FindsEveryCarriedPrologueWhereverItSits) {
    // The search jumps from MSTORE to MSTORE; a byte-by-byte walk is the reference. Prologues at
    // offset 1, at the very end, back to back, behind a near miss, and in random filler.
    const auto walked = [](core::ByteView code, std::size_t from, std::size_t end) {
        std::vector<std::size_t> at;
        for (std::size_t i = from; i + 5 <= end; ++i) {
            if (code[i] == 0x60 && (code[i + 1] == 0x80 || code[i + 1] == 0x60) && code[i + 2] == 0x60 && code[i + 3] == 0x40 &&
                code[i + 4] == 0x52) {
                at.push_back(i);
            }
        }
        return at;
    };
    std::uint64_t seed = 14;
    for (int round = 0; round < 200; ++round) {
        core::Bytes code(static_cast<std::size_t>(6 + round * 7));
        for (auto& b : code) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            b = static_cast<std::uint8_t>(seed >> 56);
            if ((seed >> 40) % 5 == 0) b = 0x52;  // many MSTOREs, few of them prologues
        }
        const core::Bytes prologue = hex(round % 2 ? "6080604052" : "6060604052");
        const auto plant = [&](std::size_t at) {
            if (at + 5 <= code.size()) std::copy(prologue.begin(), prologue.end(), code.begin() + static_cast<std::ptrdiff_t>(at));
        };
        if (round % 3 == 0) plant(1);
        if (round % 4 == 0) plant(code.size() - 5);
        if (round % 5 == 0 && code.size() > 20) {
            plant(8);
            plant(13);
            code[7] = 0x60;  // a PUSH1 0x60 before the first: 60 60 80 60 40 52
        }
        const auto reference = walked(code, 1, metadata_start(code));
        EXPECT_EQ(own_code_size(code), reference.empty() ? metadata_start(code) : reference.front()) << "round " << round;
        const std::size_t own = own_code_size(code);
        EXPECT_EQ(summarize_code(code).carried_codes, walked(code, own, code.size()).size()) << "round " << round;
    }
}

TEST(ContractFeatures, ASelectorIsComparedWithinThreeInstructionsAndAnOwnerWithinSix) {
    // PUSH4 sel, then 2 or 3 instructions (DUP/SWAP), then EQ: a selector at a distance of 3, not 4.
    EXPECT_EQ(summarize_code(hex("63a9059cbb808014")).selectors.size(), 1u);
    EXPECT_EQ(summarize_code(hex("63a9059cbb80808014")).selectors.size(), 0u);
    // A later PUSH4 restarts the count and is the one compared.
    EXPECT_EQ(summarize_code(hex("63a9059cbb808063095ea7b314")).selectors, (std::set<std::uint32_t>{0x095ea7b3}));
    // CALLER, then five instructions, then EQ: a guard at 6, not 7.
    EXPECT_EQ(summarize_code(hex("338080808080" "14")).caller_checks, 1u);
    EXPECT_EQ(summarize_code(hex("33808080808080" "14")).caller_checks, 0u);
}

}  // namespace
}  // namespace moe::nn
