#include "evm/tracing.hpp"

#include <array>
#include <cstdio>

#include "evm/opcodes.hpp"

namespace moe::evm {

namespace {

constexpr std::array<std::string_view, 256> make_names() {
    std::array<std::string_view, 256> n{};
#define MOE_EVM_OPCODE_NAME(name, value, trace) n[value] = trace;
    MOE_EVM_OPCODES(MOE_EVM_OPCODE_NAME)
#undef MOE_EVM_OPCODE_NAME
    return n;
}

constexpr std::array<std::string_view, 256> kNames = make_names();

bool is_call_op(std::uint8_t op) { return op == OP_CALL || op == OP_CALLCODE || op == OP_DELEGATECALL || op == OP_STATICCALL; }
bool is_create_op(std::uint8_t op) { return op == OP_CREATE || op == OP_CREATE2; }

/// Bytes a hex string of `n` bytes takes in JSON, with its quotes and comma.
std::size_t hex_json_bytes(std::size_t n) { return 2 * n + 5; }

}  // namespace

std::string opcode_name(std::uint8_t op) {
    if (!kNames[op].empty()) return std::string(kNames[op]);
    char buf[32];
    std::snprintf(buf, sizeof buf, "opcode 0x%02x not defined", op);
    return buf;
}

void StructLogger::on_enter(const Message& msg) {
    if (!frames_.empty()) frames_.back().child_gas = msg.gas;
    frames_.push_back({});
}

void StructLogger::on_exit(const Message&, const Result& result) {
    frames_.pop_back();
    if (!frames_.empty()) frames_.back().child_gas_left = result.gas_left;
}

void StructLogger::on_step(const StepView& step) {
    Frame& frame = frames_.back();
    frame.open_step.reset();
    if (too_large_ || (config_.limit != 0 && logs_.size() >= config_.limit)) return;
    frame.gas_before = step.gas;
    frame.op = step.op;
    frame.child_gas = frame.child_gas_left = 0;

    StructLog log;
    log.pc = step.pc;
    log.op = step.op;
    log.gas = static_cast<std::uint64_t>(step.gas);
    log.depth = step.depth + 1;
    log.refund = step.state.refund();
    std::size_t bytes = 120;  // the fixed fields
    if (!config_.disable_stack) {
        log.stack.emplace();
        log.stack->reserve(step.stack.size());
        for (const core::Word& w : step.stack) log.stack->push_back(core::to_uint256(w));
        bytes += hex_json_bytes(32) * step.stack.size();
    }
    if (config_.enable_memory) {
        log.memory.emplace(step.memory.begin(), step.memory.end());
        bytes += hex_json_bytes(32) * (step.memory.size() / 32);
    }
    if (config_.enable_return_data) {
        log.return_data.assign(step.return_data.begin(), step.return_data.end());
        bytes += hex_json_bytes(step.return_data.size());
    }
    const bool sload = step.op == 0x54 && !step.stack.empty();
    const bool sstore = step.op == 0x55 && step.stack.size() >= 2;
    if (!config_.disable_storage && (sload || sstore)) {
        auto& slots = storage_[step.address];
        const core::uint256 key = core::to_uint256(step.stack.back());
        slots[key] = sload ? step.state.storage(step.address, key) : core::to_uint256(step.stack[step.stack.size() - 2]);
        log.storage.emplace(slots.begin(), slots.end());
        bytes += 2 * hex_json_bytes(32) * slots.size();
    }
    bytes_ += bytes;
    if (bytes_ > config_.max_bytes) {
        too_large_ = true;
        logs_.clear();
        logs_.shrink_to_fit();
        storage_.clear();
        return;
    }
    frame.open_step = logs_.size();
    logs_.push_back(std::move(log));
}

void StructLogger::on_step_end(std::int64_t gas_left, Status status) {
    Frame& frame = frames_.back();
    if (!frame.open_step) return;
    StructLog& log = logs_[*frame.open_step];
    // geth's cost of a call includes the gas it gave its callee (less any stipend); that of a
    // creation does not.
    std::int64_t cost = frame.gas_before - gas_left;
    if (is_call_op(frame.op)) cost += frame.child_gas_left;
    if (is_create_op(frame.op)) cost += frame.child_gas_left - frame.child_gas;
    log.gas_cost = static_cast<std::uint64_t>(cost);
    if (status != Status::kSuccess && status != Status::kRevert) log.error = status;
    frame.open_step.reset();
}

void CallTracer::on_enter(const Message& msg) {
    if (only_top_call_ && msg.depth > 0) return;
    CallFrame f;
    f.kind = msg.kind;
    f.from = msg.sender;
    const bool creation = msg.kind == CallKind::kCreate || msg.kind == CallKind::kCreate2;
    if (!creation) f.to = msg.code_address;  // geth: the code's address for DELEGATECALL and CALLCODE
    if (msg.kind != CallKind::kDelegateCall && msg.kind != CallKind::kStaticCall) f.value = msg.value;
    f.gas = static_cast<std::uint64_t>(msg.gas);
    bytes_ += 300 + 2 * msg.input.size();  // the fixed fields, and the input as hex
    too_large_ = too_large_ || bytes_ > max_bytes_;
    if (!too_large_) f.input.assign(msg.input.begin(), msg.input.end());
    stack_.push_back(std::move(f));
}

void CallTracer::on_exit(const Message& msg, const Result& result) {
    if (only_top_call_ && msg.depth > 0) return;
    CallFrame& f = stack_.back();
    const bool creation = f.kind == CallKind::kCreate || f.kind == CallKind::kCreate2;
    f.gas_used = static_cast<std::uint64_t>(msg.gas - result.gas_left);
    if (result.status == Status::kSuccess) {
        f.output = result.output;
        if (creation) f.to = result.created_address;
    } else {
        f.error = result.status;
        if (result.status == Status::kRevert && !result.output.empty()) {
            f.output = result.output;
            f.revert_reason = decode_revert_reason(result.output);
        }
    }
    bytes_ += 2 * f.output.size();
    too_large_ = too_large_ || bytes_ > max_bytes_;
    if (stack_.size() == 1) return;  // the transaction's frame stays
    CallFrame done = std::move(stack_.back());
    stack_.pop_back();
    if (too_large_) {
        stack_.back().calls.clear();  // abandoned: free what was kept
        return;
    }
    stack_.back().calls.push_back(std::move(done));
}

void CallTracer::on_selfdestruct(const core::Address& contract, const core::Address& beneficiary,
                                 const core::uint256& balance) {
    if (only_top_call_ || stack_.empty() || too_large_) return;  // geth: never the top call
    CallFrame f;  // as geth: a frame of no gas and no input under the one that self-destructed
    f.selfdestruct = true;
    f.from = contract;
    f.to = beneficiary;
    f.value = balance;
    bytes_ += 300;
    stack_.back().calls.push_back(std::move(f));
}

std::optional<std::string> decode_revert_reason(core::ByteView data) {
    if (data.size() < 4) return std::nullopt;
    const core::ByteView body = data.subspan(4);
    auto selector_is = [&data](std::uint32_t s) {
        return data[0] == (s >> 24) && data[1] == ((s >> 16) & 0xff) && data[2] == ((s >> 8) & 0xff) && data[3] == (s & 0xff);
    };
    if (selector_is(0x08c379a0)) {  // Error(string)
        if (body.size() < 64) return std::nullopt;
        const core::uint256 offset = core::uint256_from_big_endian(body.subspan(0, 32));
        if (offset > body.size() - 32) return std::nullopt;
        const std::size_t at = static_cast<std::size_t>(offset);
        const core::uint256 length = core::uint256_from_big_endian(body.subspan(at, 32));
        if (length > body.size() - at - 32) return std::nullopt;
        const auto text = body.subspan(at + 32, static_cast<std::size_t>(length));
        return std::string(text.begin(), text.end());
    }
    if (selector_is(0x4e487b71) && body.size() == 32) {  // Panic(uint256), Solidity's codes
        const core::uint256 code = core::uint256_from_big_endian(body);
        static const std::map<unsigned, std::string_view> kPanics = {
            {0x00, "generic panic"},
            {0x01, "assert(false)"},
            {0x11, "arithmetic underflow or overflow"},
            {0x12, "division or modulo by zero"},
            {0x21, "enum overflow"},
            {0x22, "invalid encoded storage byte array accessed"},
            {0x31, "out-of-bounds array access; popping on an empty array"},
            {0x32, "out-of-bounds access of an array or bytesN"},
            {0x41, "out of memory"},
            {0x51, "uninitialized function"},
        };
        if (code <= 0xff) {
            if (auto it = kPanics.find(static_cast<unsigned>(code)); it != kPanics.end()) return std::string(it->second);
        }
        return "unknown panic code: " + core::to_hex_quantity(code);
    }
    return std::nullopt;
}

}  // namespace moe::evm
