// The struct logger and the callTracer on small bytecode: geth's costs, depths, errors and
// bounds, and a traced run that ends exactly like an untraced one.
#include <gtest/gtest.h>

#include "core/bytes.hpp"
#include "evm/evm.hpp"
#include "evm/state.hpp"
#include "evm/tracing.hpp"
#include "test_code.hpp"

namespace moe::evm {
namespace {

using core::Address;
using core::Bytes;
using core::uint256;

using test::addr;
using test::hex;

/// PUSH1 0 x5 (out size, out offset, in size, in offset, value), PUSH20 `to`, PUSH2 0xffff, CALL, STOP.
Bytes call_code(const Address& to) { return hex("60006000600060006000" "73" + to.hex().substr(2) + "61ffff" "f1" "00"); }

class TracingTest : public ::testing::Test {
  protected:
    Result run(const Bytes& code, Tracer* tracer, std::int64_t gas = 1'000'000) {
        state.set_code(contract, code);
        state.finalize_transaction();
        state.begin_transaction();
        Message msg;
        msg.gas = gas;
        msg.sender = caller;
        msg.recipient = msg.code_address = contract;
        Evm evm(state, block, tx, jumpdests, nullptr, tracer);
        return evm.execute(msg);
    }

    core::MemoryNodeStore nodes;
    MemoryCodeStore codes;
    State state{&nodes, &codes, core::kEmptyTrieRoot};
    BlockEnv block;
    TxEnv tx;
    JumpdestCache jumpdests;
    const Address contract = addr(1);
    const Address callee = addr(3);
    const Address caller = addr(2);
};

TEST_F(TracingTest, StructLoggerRecordsEachStepWithGethsCostsStackAndStorage) {
    StructLogger logger({});
    // PUSH1 2 PUSH1 3 ADD PUSH1 0 SSTORE STOP
    const Result r = run(hex("600260030160005500"), &logger);
    ASSERT_EQ(r.status, Status::kSuccess);
    const auto& logs = logger.logs();
    ASSERT_EQ(logs.size(), 6u);
    const std::vector<std::string> ops = {"PUSH1", "PUSH1", "ADD", "PUSH1", "SSTORE", "STOP"};
    const std::vector<std::uint64_t> pcs = {0, 2, 4, 5, 7, 8};
    const std::vector<std::uint64_t> costs = {3, 3, 3, 3, 22100, 0};  // a cold slot set from zero
    std::uint64_t gas = 1'000'000;
    for (std::size_t i = 0; i < logs.size(); ++i) {
        EXPECT_EQ(opcode_name(logs[i].op), ops[i]);
        EXPECT_EQ(logs[i].pc, pcs[i]);
        EXPECT_EQ(logs[i].gas, gas) << i;
        EXPECT_EQ(logs[i].gas_cost, costs[i]) << i;
        EXPECT_EQ(logs[i].depth, 1);
        EXPECT_FALSE(logs[i].error);
        gas -= logs[i].gas_cost;
    }
    EXPECT_EQ(static_cast<std::int64_t>(gas), r.gas_left);
    EXPECT_EQ(*logs[2].stack, (std::vector<uint256>{2, 3}));
    ASSERT_TRUE(logs[4].storage);
    EXPECT_EQ(*logs[4].storage, (std::vector<std::pair<uint256, uint256>>{{0, 5}}));
    EXPECT_FALSE(logs[3].storage);
    EXPECT_FALSE(logs[0].memory);
}

TEST_F(TracingTest, ARevertInANestedCallIsItsStepAtDepthTwoAndTheCallCostsWhatItGave) {
    state.set_code(callee, hex("60006000fd"));  // PUSH1 0 PUSH1 0 REVERT
    StructLogger logger({});
    const Result r = run(call_code(callee), &logger);
    ASSERT_EQ(r.status, Status::kSuccess);
    const auto& logs = logger.logs();
    ASSERT_EQ(logs.size(), 9u + 3u);  // the caller's nine steps and the callee's three
    const StructLog& call = logs[7];
    EXPECT_EQ(opcode_name(call.op), "CALL");
    // A cold account (2600) and the 0xffff it gives the callee, as geth counts it.
    EXPECT_EQ(call.gas_cost, 2600u + 0xffffu);
    EXPECT_EQ(opcode_name(logs[8].op), "PUSH1");
    EXPECT_EQ(logs[8].depth, 2);
    EXPECT_EQ(logs[8].gas, 0xffffu);
    const StructLog& revert = logs[10];
    EXPECT_EQ(opcode_name(revert.op), "REVERT");
    EXPECT_EQ(revert.depth, 2);
    EXPECT_FALSE(revert.error);  // a revert is the frame's outcome, not a failed step
    const StructLog& stop = logs.back();
    EXPECT_EQ(opcode_name(stop.op), "STOP");
    EXPECT_EQ(stop.depth, 1);
    EXPECT_EQ(stop.gas, call.gas - 2600 - 6);  // the callee spent 6 and gave the rest back
}

TEST_F(TracingTest, ACreationCostsItsOwnGasNotWhatItGaveTheInitCode) {
    StructLogger logger({});
    const Result r = run(hex("600060006000f000"), &logger);  // CREATE with empty init code, STOP
    ASSERT_EQ(r.status, Status::kSuccess);
    ASSERT_EQ(logger.logs().size(), 5u);
    EXPECT_EQ(opcode_name(logger.logs()[3].op), "CREATE");
    EXPECT_EQ(logger.logs()[3].gas_cost, 32000u);
}

TEST_F(TracingTest, AStepThatRunsOutOfGasCarriesTheError) {
    StructLogger logger({});
    const Result r = run(hex("6002600301"), &logger, 8);  // the ADD lacks one gas
    EXPECT_EQ(r.status, Status::kOutOfGas);
    ASSERT_EQ(logger.logs().size(), 3u);
    ASSERT_TRUE(logger.logs()[2].error);
    EXPECT_EQ(*logger.logs()[2].error, Status::kOutOfGas);
    EXPECT_EQ(logger.logs()[2].gas, 2u);
    EXPECT_EQ(logger.logs()[2].gas_cost, 3u);
}

TEST_F(TracingTest, OptionsLeaveOutTheStackAndAddMemory) {
    StructLoggerConfig config;
    config.disable_stack = true;
    config.enable_memory = true;
    StructLogger logger(config);
    ASSERT_EQ(run(hex("602a60005200"), &logger).status, Status::kSuccess);  // MSTORE 42 at 0
    ASSERT_EQ(logger.logs().size(), 4u);
    EXPECT_FALSE(logger.logs()[2].stack);
    EXPECT_EQ(logger.logs()[2].memory->size(), 0u);
    ASSERT_EQ(logger.logs()[3].memory->size(), 32u);
    EXPECT_EQ((*logger.logs()[3].memory)[31], 42);
}

TEST_F(TracingTest, ALimitKeepsTheFirstStepsAndAByteBoundAbandonsTheTrace) {
    StructLoggerConfig limited;
    limited.limit = 2;
    StructLogger first(limited);
    ASSERT_EQ(run(hex("600260030160005500"), &first).status, Status::kSuccess);
    EXPECT_EQ(first.logs().size(), 2u);
    EXPECT_FALSE(first.too_large());

    // An endless loop (JUMPDEST PUSH1 0 JUMP) until the gas runs out: far past 4 KiB of steps.
    StructLoggerConfig bounded;
    bounded.max_bytes = 4096;
    StructLogger big(bounded);
    EXPECT_EQ(run(hex("5b600056"), &big, 100'000).status, Status::kOutOfGas);
    EXPECT_TRUE(big.too_large());
    EXPECT_TRUE(big.logs().empty());
}

TEST_F(TracingTest, ATracedRunEndsExactlyLikeAnUntracedOne) {
    state.set_code(callee, hex("60006000fd"));
    const Result plain = run(call_code(callee), nullptr);
    StructLogger logger({});
    const Result traced = run(call_code(callee), &logger);
    CallTracer calls(false);
    const Result traced_calls = run(call_code(callee), &calls);
    for (const Result* r : {&traced, &traced_calls}) {
        EXPECT_EQ(r->status, plain.status);
        EXPECT_EQ(r->gas_left, plain.gas_left);
        EXPECT_EQ(r->output, plain.output);
    }
}

TEST_F(TracingTest, CallTracerNestsTheRevertedCallWithItsReason) {
    // The callee reverts with Error("no"): MSTORE the ABI encoding, then REVERT(0, 0x64).
    const std::string reason_abi =
        "08c379a0"
        "0000000000000000000000000000000000000000000000000000000000000020"
        "0000000000000000000000000000000000000000000000000000000000000002"
        "6e6f000000000000000000000000000000000000000000000000000000000000";
    const Bytes data = hex(reason_abi);
    // PUSH1 100 PUSH1 12 PUSH1 0 CODECOPY PUSH1 100 PUSH1 0 REVERT, then the data at offset 12.
    Bytes code = hex("6064600c60003960646000fd");
    code.insert(code.end(), data.begin(), data.end());
    state.set_code(callee, code);

    CallTracer tracer(false);
    ASSERT_EQ(run(call_code(callee), &tracer).status, Status::kSuccess);
    ASSERT_FALSE(tracer.empty());
    const CallFrame& top = tracer.top();
    EXPECT_EQ(top.from, caller);
    EXPECT_EQ(top.to, contract);
    EXPECT_FALSE(top.error);
    ASSERT_EQ(top.calls.size(), 1u);
    const CallFrame& inner = top.calls[0];
    EXPECT_EQ(inner.kind, CallKind::kCall);
    EXPECT_EQ(inner.from, contract);
    EXPECT_EQ(inner.to, callee);
    EXPECT_EQ(inner.gas, 0xffffu);
    EXPECT_EQ(inner.error, Status::kRevert);
    EXPECT_EQ(inner.output, data);
    EXPECT_EQ(inner.revert_reason, "no");

    CallTracer only_top(true);
    ASSERT_EQ(run(call_code(callee), &only_top).status, Status::kSuccess);
    EXPECT_TRUE(only_top.top().calls.empty());
}

TEST_F(TracingTest, CallTracerAbandonsATreePastItsBound) {
    state.set_code(callee, hex("00"));
    CallTracer small(false, 500);  // room for the transaction's frame, not for its call too
    ASSERT_EQ(run(call_code(callee), &small).status, Status::kSuccess);
    EXPECT_TRUE(small.too_large());
    EXPECT_TRUE(small.top().calls.empty());

    CallTracer enough(false, 10'000);
    ASSERT_EQ(run(call_code(callee), &enough).status, Status::kSuccess);
    EXPECT_FALSE(enough.too_large());
    EXPECT_EQ(enough.top().calls.size(), 1u);
}

TEST_F(TracingTest, CallTracerShowsASelfdestructAsGethsFrameUnderItsContract) {
    state.add_balance(callee, 7);
    state.set_code(callee, hex("73" + caller.hex().substr(2) + "ff"));  // SELFDESTRUCT to the caller
    CallTracer tracer(false);
    ASSERT_EQ(run(call_code(callee), &tracer).status, Status::kSuccess);
    ASSERT_EQ(tracer.top().calls.size(), 1u);
    const CallFrame& inner = tracer.top().calls[0];
    ASSERT_EQ(inner.calls.size(), 1u);
    const CallFrame& gone = inner.calls[0];
    EXPECT_TRUE(gone.selfdestruct);
    EXPECT_EQ(gone.from, callee);
    EXPECT_EQ(gone.to, caller);
    EXPECT_EQ(gone.value, uint256{7});
    EXPECT_EQ(gone.gas, 0u);
}

TEST(RevertReason, DecodesErrorStringsAndSolidityPanics) {
    EXPECT_EQ(decode_revert_reason(hex("4e487b71" "0000000000000000000000000000000000000000000000000000000000000011")),
              "arithmetic underflow or overflow");
    EXPECT_EQ(decode_revert_reason(hex("4e487b71" "00000000000000000000000000000000000000000000000000000000000000ff")),
              "unknown panic code: 0xff");
    EXPECT_FALSE(decode_revert_reason(hex("08c379a0" "00")));  // truncated
    EXPECT_FALSE(decode_revert_reason(hex("deadbeef")));
}

TEST(OpcodeName, NamesAsGethDoes) {
    EXPECT_EQ(opcode_name(0x5f), "PUSH0");
    EXPECT_EQ(opcode_name(0x7f), "PUSH32");
    EXPECT_EQ(opcode_name(0x9f), "SWAP16");
    EXPECT_EQ(opcode_name(0xfd), "REVERT");
    EXPECT_EQ(opcode_name(0x0c), "opcode 0x0c not defined");
}

}  // namespace
}  // namespace moe::evm
