// The interpreter on hostile code: every way a frame can end, none of which may crash the
// node or leave changes behind.
#include <gtest/gtest.h>

#include "core/bytes.hpp"
#include "core/keccak.hpp"
#include "evm/evm.hpp"
#include "evm/state.hpp"
#include "evm/transition.hpp"
#include "test_code.hpp"

namespace moe::evm {
namespace {

using core::Address;
using core::Bytes;
using core::uint256;

using test::addr;
using test::hex;

class EvmTest : public ::testing::Test {
  protected:
    Result run(const Bytes& code, std::int64_t gas = 1'000'000, bool is_static = false) {
        state.set_code(contract, code);
        Message msg = call_contract(gas);
        msg.is_static = is_static;
        Evm evm(state, block, tx, jumpdests);
        return evm.execute(msg);
    }

    /// Ends the transaction that set the code so far and returns a call from `caller` to `contract`.
    Message call_contract(std::int64_t gas = 1'000'000) {
        state.finalize_transaction();
        state.begin_transaction();
        Message msg;
        msg.gas = gas;
        msg.sender = caller;
        msg.recipient = msg.code_address = contract;
        return msg;
    }

    core::MemoryNodeStore nodes;
    MemoryCodeStore codes;
    State state{&nodes, &codes, core::kEmptyTrieRoot};
    BlockEnv block;
    TxEnv tx;
    JumpdestCache jumpdests;
    const Address contract = addr(1);
    const Address caller = addr(2);
};

TEST_F(EvmTest, AddStoresItsSum) {
    // PUSH1 2 PUSH1 3 ADD PUSH1 0 SSTORE STOP
    const Result r = run(hex("600260030160005500"));
    EXPECT_EQ(r.status, Status::kSuccess);
    EXPECT_EQ(state.storage(contract, 0), 5);
    EXPECT_EQ(r.gas_left, 1'000'000 - (3 + 3 + 3 + 3 + 2100 + 20000));
}

TEST_F(EvmTest, StackUnderflowConsumesAllGasAndChangesNothing) {
    const Result r = run(hex("6001600055" "01"));  // SSTORE 1 at 0, then ADD on an empty stack
    EXPECT_EQ(r.status, Status::kStackUnderflow);
    EXPECT_EQ(r.gas_left, 0);
    EXPECT_EQ(state.storage(contract, 0), 0);
}

TEST_F(EvmTest, StackOverflowAt1025Items) {
    Bytes code;
    for (int i = 0; i < 1025; ++i) code.push_back(0x5f);  // PUSH0
    EXPECT_EQ(run(code).status, Status::kStackOverflow);
    code.resize(1024);
    EXPECT_EQ(run(code).status, Status::kSuccess);
}

TEST_F(EvmTest, JumpIntoPushDataIsRefused) {
    // PUSH1 3 JUMP PUSH1 0x5b: offset 3 holds 0x5b but inside push data.
    EXPECT_EQ(run(hex("600356605b")).status, Status::kBadJumpDestination);
    // PUSH1 4 JUMP INVALID JUMPDEST STOP
    EXPECT_EQ(run(hex("600456fe5b00")).status, Status::kSuccess);
    EXPECT_EQ(run(hex("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff56")).status,
              Status::kBadJumpDestination);
}

TEST_F(EvmTest, UndefinedOpcodeAndInvalidAreExceptionalHalts) {
    EXPECT_EQ(run(hex("0c")).status, Status::kInvalidInstruction);
    EXPECT_EQ(run(hex("fe")).status, Status::kInvalidInstruction);
    EXPECT_EQ(run(hex("ef")).status, Status::kInvalidInstruction);
}

TEST_F(EvmTest, TruncatedPushReadsZerosAndStops) {
    const Result r = run(hex("7f0102"));  // PUSH32 with two bytes of data
    EXPECT_EQ(r.status, Status::kSuccess);
}

// Every PUSH width, returned as a word: the immediate right-aligned, most significant byte first.
TEST_F(EvmTest, PushOfEveryWidthIsItsImmediateAsAWord) {
    for (std::uint8_t n = 1; n <= 32; ++n) {
        Bytes code{static_cast<std::uint8_t>(0x5f + n)};
        for (std::uint8_t k = 0; k < n; ++k) code.push_back(static_cast<std::uint8_t>(0xf1 - 7 * k));
        const Bytes tail = hex("5f52" "60205ff3");  // PUSH0 MSTORE, PUSH1 32 PUSH0 RETURN
        code.insert(code.end(), tail.begin(), tail.end());
        const Result r = run(code);
        ASSERT_EQ(r.status, Status::kSuccess);
        Bytes expected(32 - n, 0);
        expected.insert(expected.end(), code.begin() + 1, code.begin() + 1 + n);
        EXPECT_EQ(r.output, expected) << "PUSH" << int{n};
    }
}

TEST_F(EvmTest, InfiniteLoopRunsOutOfGas) {
    const Result r = run(hex("5b600056"), 100'000);  // JUMPDEST PUSH1 0 JUMP
    EXPECT_EQ(r.status, Status::kOutOfGas);
    EXPECT_EQ(r.gas_left, 0);
}

TEST_F(EvmTest, HugeMemoryOffsetRunsOutOfGasInsteadOfAllocating) {
    // PUSH1 1 PUSH8 0xffffffffffffffff MSTORE
    EXPECT_EQ(run(hex("600167ffffffffffffffff52")).status, Status::kOutOfGas);
    // RETURN with a 2^255 size.
    EXPECT_EQ(run(hex("7f800000000000000000000000000000000000000000000000000000000000000060" "00f3")).status,
              Status::kOutOfGas);
}

TEST_F(EvmTest, RevertKeepsGasAndReturnsItsData) {
    // PUSH1 0xaa PUSH1 0 MSTORE8 PUSH1 1 PUSH1 0 REVERT
    const Result r = run(hex("60aa60005360016000fd"));
    EXPECT_EQ(r.status, Status::kRevert);
    EXPECT_GT(r.gas_left, 0);
    EXPECT_EQ(r.output, Bytes{0xaa});
}

TEST_F(EvmTest, StaticCallRefusesWrites) {
    EXPECT_EQ(run(hex("6001600055"), 1'000'000, true).status, Status::kStaticModeViolation);
    EXPECT_EQ(run(hex("60006000a0"), 1'000'000, true).status, Status::kStaticModeViolation);
}

TEST_F(EvmTest, DeepRecursionStopsAtDepth1024WithoutCrashing) {
    // Calls itself with all gas and counts the depth in storage slot 0 each time:
    // SLOAD(0)+1 -> SSTORE(0); CALL(gas, self, 0, 0, 0, 0, 0); STOP
    const Bytes code = hex("600054600101600055" "6000600060006000600030" "5a" "f1" "00");
    // Enough gas that the 63/64 rule does not stop it first: frames at depths 0..1024 run.
    const Result r = run(code, 1'000'000'000'000'000);
    EXPECT_EQ(r.status, Status::kSuccess);
    EXPECT_EQ(state.storage(contract, 0), 1025);
}

TEST_F(EvmTest, ContractAddressesMatchTheYellowPaper) {
    const Address sender = *core::parse_address("0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0");
    EXPECT_EQ(create_address(sender, 0), *core::parse_address("0xcd234a471b72ba2f1ccf0a70fcaba648a5eecd8d"));
    EXPECT_EQ(create_address(sender, 1), *core::parse_address("0x343c43a37d37dff08ae8c4a11544c718abb4fcf8"));
    // EIP-1014 example 1: zero address, zero salt, init code 0x00.
    EXPECT_EQ(create2_address(Address{}, core::Hash{}, Bytes{0x00}),
              *core::parse_address("0x4D1A2e2bB4F88F0250f26Ffff098B0b30B26BF38"));
}

// Init code returning the one-byte runtime 0x5b: CODECOPY(0, 12, 1) RETURN(0, 1) JUMPDEST.
constexpr std::string_view kChildInit = "6001600c60003960016000f3" "5b";
// A factory: the child's init code in memory (bytes 19..31 of word 0), then CREATE and
// CREATE2 (salt 1) of it.
constexpr std::string_view kFactory = "6c6001600c60003960016000f35b600052"
                                      "600d60136000f050"
                                      "6001600d60136000f550";

TEST_F(EvmTest, CreationsInsideACallAreReportedInTheOrderTheirCodeIsSet) {
    state.set_code(contract, hex(std::string(kFactory) + "00"));
    const Message msg = call_contract();
    Evm evm(state, block, tx, jumpdests);
    ASSERT_EQ(evm.execute(msg).status, Status::kSuccess);
    core::Hash salt;
    salt[31] = 1;
    const std::vector<Address> expected = {create_address(contract, 0), create2_address(contract, salt, hex(kChildInit))};
    EXPECT_EQ(evm.created_contracts(), expected);
    for (const Address& a : expected) EXPECT_EQ(*state.code(a), Bytes{0x5b});
}

TEST_F(EvmTest, CreationsOfAFrameThatRevertsAreDropped) {
    // The factory's frame reverts after both creations; its caller then creates one of its own.
    const Address factory = addr(3);
    state.set_code(factory, hex(std::string(kFactory) + "60006000fd"));
    // CALL(gas, factory, 0, 0, 0, 0, 0) POP, then the same CREATE as the factory's.
    Bytes caller_code = hex("6000600060006000600073");
    caller_code.insert(caller_code.end(), factory.view().begin(), factory.view().end());
    const Bytes tail = hex("5af150" "6c6001600c60003960016000f35b600052" "600d60136000f050" "00");
    caller_code.insert(caller_code.end(), tail.begin(), tail.end());
    state.set_code(contract, caller_code);
    const Message msg = call_contract();
    Evm evm(state, block, tx, jumpdests);
    ASSERT_EQ(evm.execute(msg).status, Status::kSuccess);
    EXPECT_EQ(evm.created_contracts(), std::vector<Address>{create_address(contract, 0)});
    EXPECT_TRUE(state.code(create_address(factory, 0))->empty());

    // A top-level frame that reverts leaves nothing created.
    state.set_code(contract, hex(std::string(kFactory) + "60006000fd"));
    const Message top = call_contract();
    Evm again(state, block, tx, jumpdests);
    EXPECT_EQ(again.execute(top).status, Status::kRevert);
    EXPECT_TRUE(again.created_contracts().empty());
}

TEST_F(EvmTest, JournalRevertRestoresAccountsStorageAndLogs) {
    state.set_balance(caller, 100);
    state.finalize_transaction();
    state.begin_transaction();
    const std::size_t snap = state.snapshot();
    state.sub_balance(caller, 40);
    state.add_balance(contract, 40);
    state.set_storage(contract, 7, 9);
    state.add_log(core::Log{contract, {}, {}});
    state.create_contract(addr(9));
    state.revert(snap);
    EXPECT_EQ(state.balance(caller), 100);
    EXPECT_EQ(state.balance(contract), 0);
    EXPECT_EQ(state.storage(contract, 7), 0);
    EXPECT_TRUE(state.logs().empty());
    EXPECT_FALSE(state.exists(addr(9)));
}

TEST_F(EvmTest, StateRootOfOneAccountIsTheTrieOfItsEncoding) {
    state.set_balance(caller, 1);
    state.finalize_transaction();
    core::Trie expected;
    core::Account a;
    a.balance = 1;
    ASSERT_TRUE(expected.put(core::keccak256(caller), a.encode()));
    EXPECT_EQ(state.root().value(), expected.root_hash());
}

TEST(Transition, TransferChargesGasAndPaysTheTipToTheCoinbase) {
    core::MemoryNodeStore nodes;
    MemoryCodeStore codes;
    State state(&nodes, &codes, core::kEmptyTrieRoot);
    const Address from = addr(1), to = addr(2), coinbase = addr(3);
    state.set_balance(from, uint256(1'000'000'000'000'000'000ull));
    state.finalize_transaction();
    BlockEnv block;
    block.gas_limit = 30'000'000;
    block.base_fee = 7;
    block.coinbase = coinbase;
    block.chain_id = 1;
    JumpdestCache jumpdests;
    core::Transaction txn;
    txn.chain_id = 1;
    txn.to = to;
    txn.value = 1000;
    txn.gas_limit = 21000;
    txn.max_fee_per_gas = 10;
    txn.max_priority_fee_per_gas = 2;
    auto out = apply_transaction(state, ExecutionContext{block, jumpdests, nullptr}, txn, from, 0);
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_TRUE(out->receipt.success);
    EXPECT_EQ(out->gas_used, 21000u);
    EXPECT_EQ(state.balance(to), 1000);
    EXPECT_EQ(state.balance(coinbase), 2 * 21000);
    EXPECT_EQ(state.balance(from), uint256(1'000'000'000'000'000'000ull) - 1000 - 9 * 21000);
    EXPECT_EQ(state.nonce(from), 1u);

    auto again = apply_transaction(state, ExecutionContext{block, jumpdests, nullptr}, txn, from, 21000);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().message, "nonce too low");
}

TEST(Transition, AContractSenderIsRefusedUnlessADevnetImpersonatesIt) {
    core::MemoryNodeStore nodes;
    MemoryCodeStore codes;
    State state(&nodes, &codes, core::kEmptyTrieRoot);
    const Address contract = addr(1), to = addr(2);
    state.set_balance(contract, uint256(1'000'000'000'000'000'000ull));
    state.set_code(contract, core::Bytes{0x00});
    state.finalize_transaction();
    BlockEnv block;
    block.gas_limit = 30'000'000;
    block.chain_id = 1;
    JumpdestCache jumpdests;
    core::Transaction txn;
    txn.chain_id = 1;
    txn.to = to;
    txn.value = 5;
    txn.gas_limit = 21000;
    txn.max_fee_per_gas = 10;
    auto refused = apply_transaction(state, ExecutionContext{block, jumpdests, nullptr}, txn, contract, 0);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message, "sender not an eoa");  // EIP-3607
    ExecutionContext impersonated{block, jumpdests, nullptr};
    impersonated.sender_may_have_code = true;  // decision 008
    auto sent = apply_transaction(state, impersonated, txn, contract, 0);
    ASSERT_TRUE(sent) << sent.error().message;
    EXPECT_TRUE(sent->receipt.success);
    EXPECT_EQ(state.balance(to), 5);
}

}  // namespace
}  // namespace moe::evm
