// The interpreter loop: one frame of EVM code under the Cancun gas schedule.

#include <algorithm>
#include <array>
#include <cstring>

#include "core/keccak.hpp"
#include "core/word.hpp"
#include "evm/evm.hpp"
#include "evm/opcodes.hpp"
#include "evm/tracing.hpp"

namespace moe::evm {

namespace {

using core::Address;
using core::uint256;
using core::uint512;
using core::Word;

constexpr std::int64_t kWarmAccess = 100;       // EIP-2929 warm read, the constant part
constexpr std::int64_t kColdAccountExtra = 2500;  // cold account access minus the warm part
constexpr std::int64_t kColdSloadExtra = 2000;    // cold SLOAD minus the warm part
constexpr std::int64_t kColdSload = 2100;
constexpr std::int64_t kColdAccount = 2600;
constexpr std::int64_t kCallValueGas = 9000;
constexpr std::int64_t kCallStipend = 2300;
constexpr std::int64_t kNewAccountGas = 25000;
constexpr std::uint64_t kMaxMemory = std::uint64_t{1} << 32;  // beyond this no gas limit could pay

/// Static facts of an opcode: defined in Cancun, stack items read and written, constant gas.
struct OpInfo {
    bool defined = false;
    std::uint8_t in = 0;
    std::uint8_t out = 0;
    std::int16_t gas = 0;
};

constexpr std::array<OpInfo, 256> make_table() {
    std::array<OpInfo, 256> t{};
    auto set = [&t](int op, int in, int out, int gas) {
        t[op] = OpInfo{true, static_cast<std::uint8_t>(in), static_cast<std::uint8_t>(out), static_cast<std::int16_t>(gas)};
    };
    set(OP_STOP, 0, 0, 0);
    set(OP_ADD, 2, 1, 3); set(OP_MUL, 2, 1, 5); set(OP_SUB, 2, 1, 3); set(OP_DIV, 2, 1, 5);
    set(OP_SDIV, 2, 1, 5); set(OP_MOD, 2, 1, 5); set(OP_SMOD, 2, 1, 5); set(OP_ADDMOD, 3, 1, 8);
    set(OP_MULMOD, 3, 1, 8); set(OP_EXP, 2, 1, 10); set(OP_SIGNEXTEND, 2, 1, 5);
    for (int op = OP_LT; op <= OP_EQ; ++op) set(op, 2, 1, 3);
    set(OP_ISZERO, 1, 1, 3); set(OP_AND, 2, 1, 3); set(OP_OR, 2, 1, 3); set(OP_XOR, 2, 1, 3);
    set(OP_NOT, 1, 1, 3); set(OP_BYTE, 2, 1, 3); set(OP_SHL, 2, 1, 3); set(OP_SHR, 2, 1, 3); set(OP_SAR, 2, 1, 3);
    set(OP_KECCAK256, 2, 1, 30);
    set(OP_ADDRESS, 0, 1, 2); set(OP_BALANCE, 1, 1, kWarmAccess); set(OP_ORIGIN, 0, 1, 2); set(OP_CALLER, 0, 1, 2);
    set(OP_CALLVALUE, 0, 1, 2); set(OP_CALLDATALOAD, 1, 1, 3); set(OP_CALLDATASIZE, 0, 1, 2); set(OP_CALLDATACOPY, 3, 0, 3);
    set(OP_CODESIZE, 0, 1, 2); set(OP_CODECOPY, 3, 0, 3); set(OP_GASPRICE, 0, 1, 2); set(OP_EXTCODESIZE, 1, 1, kWarmAccess);
    set(OP_EXTCODECOPY, 4, 0, kWarmAccess); set(OP_RETURNDATASIZE, 0, 1, 2); set(OP_RETURNDATACOPY, 3, 0, 3); set(OP_EXTCODEHASH, 1, 1, kWarmAccess);
    set(OP_BLOCKHASH, 1, 1, 20);
    for (int op = OP_COINBASE; op <= OP_CHAINID; ++op) set(op, 0, 1, 2);
    set(OP_SELFBALANCE, 0, 1, 5); set(OP_BASEFEE, 0, 1, 2); set(OP_BLOBHASH, 1, 1, 3); set(OP_BLOBBASEFEE, 0, 1, 2);
    set(OP_POP, 1, 0, 2); set(OP_MLOAD, 1, 1, 3); set(OP_MSTORE, 2, 0, 3); set(OP_MSTORE8, 2, 0, 3);
    set(OP_SLOAD, 1, 1, kWarmAccess); set(OP_SSTORE, 2, 0, 0); set(OP_JUMP, 1, 0, 8); set(OP_JUMPI, 2, 0, 10);
    set(OP_PC, 0, 1, 2); set(OP_MSIZE, 0, 1, 2); set(OP_GAS, 0, 1, 2); set(OP_JUMPDEST, 0, 0, 1);
    set(OP_TLOAD, 1, 1, 100); set(OP_TSTORE, 2, 0, 100); set(OP_MCOPY, 3, 0, 3); set(OP_PUSH0, 0, 1, 2);
    for (int op = OP_PUSH1; op <= OP_PUSH32; ++op) set(op, 0, 1, 3);
    for (int n = 1; n <= 16; ++n) set(OP_DUP1 - 1 + n, n, n + 1, 3);      // DUPn
    for (int n = 1; n <= 16; ++n) set(OP_SWAP1 - 1 + n, n + 1, n + 1, 3);  // SWAPn
    for (int n = 0; n <= 4; ++n) set(OP_LOG0 + n, 2 + n, 0, 375 + 375 * n);
    set(OP_CREATE, 3, 1, 32000); set(OP_CALL, 7, 1, kWarmAccess); set(OP_CALLCODE, 7, 1, kWarmAccess);
    set(OP_RETURN, 2, 0, 0); set(OP_DELEGATECALL, 6, 1, kWarmAccess); set(OP_CREATE2, 4, 1, 32000);
    set(OP_STATICCALL, 6, 1, kWarmAccess); set(OP_REVERT, 2, 0, 0); set(OP_SELFDESTRUCT, 1, 0, 5000);
    return t;
}

constexpr std::array<OpInfo, 256> kOps = make_table();

/// Division and remainder through Boost (exact; zero divisors are handled by the callers).
inline Word divide(const Word& a, const Word& b) { return core::to_uint256(a) / core::to_uint256(b); }
inline Word remainder(const Word& a, const Word& b) { return core::to_uint256(a) % core::to_uint256(b); }

Word word_of(const Address& a) { return core::word_from_big_endian(a); }
Address address_of_word(const Word& w) {
    const core::Hash h = core::word_to_bytes32(w);
    return Address::right_aligned(h.view().subspan(12));
}

/// PUSHn's immediate: `n` big-endian bytes of which the code holds `avail` (the rest, past the
/// code's end, are zero). Built in registers: a PUSH1 or PUSH2 assembled in a byte buffer and
/// loaded as a word stalled on store forwarding (perf of bench_evm's countdown loop).
inline Word immediate(const std::uint8_t* p, std::size_t n, std::size_t avail) noexcept {
    if (n <= 8) {
        std::uint64_t v = 0;
        for (std::size_t k = 0; k < n; ++k) v = (v << 8) | (k < avail ? p[k] : 0);
        return Word{v};
    }
    Word w;
    for (std::size_t k = 0; k < avail; ++k) {
        const std::size_t from_low = n - 1 - k;  // the byte's place counted from the least significant
        w.limbs[from_low / 8] |= std::uint64_t{p[k]} << (8 * (from_low % 8));
    }
    return w;
}

std::int64_t words(std::uint64_t size) { return static_cast<std::int64_t>((size + 31) / 32); }

/// Copies `size` bytes of `src` from `offset` into `dst`, zeros past its end.
void copy_padded(std::uint8_t* dst, std::uint64_t size, core::ByteView src, const Word& offset) {
    std::uint64_t copied = 0;
    if (offset.fits_u64() && offset.low64() < src.size()) {
        const std::uint64_t start = offset.low64();
        copied = std::min<std::uint64_t>(size, src.size() - start);
        std::memcpy(dst, src.data() + start, copied);
    }
    if (size > copied) std::memset(dst + copied, 0, size - copied);
}

Word signextend(const Word& b, const Word& x) {
    if (b >= 31) return x;
    const unsigned bit = static_cast<unsigned>(b.low64()) * 8 + 7;
    const Word mask = (Word(1) << (bit + 1)) - 1;
    return x.bit(bit) ? (x | ~mask) : (x & mask);
}

Word exp_wrapping(Word base, Word exponent) {
    Word result = 1;
    while (exponent != 0) {
        if (exponent.bit(0)) result *= base;
        base *= base;
        exponent = exponent >> 1;
    }
    return result;
}

}  // namespace

/// One frame of code: stack, memory, gas, and the return data of its last call.
class Interpreter {
  public:
    Interpreter(Evm& evm, const Message& msg, const core::Bytes& code, const std::vector<bool>& jumpdests)
        : evm_(evm), state_(evm.state_), msg_(msg), code_(code), jumpdests_(jumpdests), gas_(msg.gas),
          stack_(evm.stack_at(msg.depth)) {}

    /// Runs the frame; with a tracer, the loop that calls its hooks around every step.
    Result run() { return evm_.tracer_ ? loop<true>() : loop<false>(); }

  private:
    template <bool kTraced>
    Result loop();

    Word& top(std::size_t i = 0) noexcept { return stack_[sp_ - 1 - i]; }
    Word pop() noexcept { return std::move(stack_[--sp_]); }
    void push(Word v) noexcept { stack_[sp_++] = std::move(v); }

    bool charge(std::int64_t gas) noexcept {
        gas_ -= gas;
        return gas_ >= 0;
    }
    /// Grows memory to cover [offset, offset + size), charging for it; false when out of gas.
    bool grow(const Word& offset, const Word& size);
    bool grow_to(std::uint64_t end);
    /// Charges the EIP-2929 extra for a cold account.
    bool access(const Address& a) { return state_.access_account(a) ? charge(kColdAccountExtra) : true; }

    Status op_exp();
    Status op_account_query(std::uint8_t op);
    Status op_mload();
    Status op_mstore(std::uint64_t width);
    Status op_tstore();
    Status op_keccak();
    Status op_copy(core::ByteView src);
    Status op_extcodecopy();
    Status op_returndatacopy();
    Status op_mcopy();
    Status op_sload();
    Status op_sstore();
    Status op_log(int topics);
    Status op_create(CallKind kind);
    Status op_call(CallKind kind);
    Status op_selfdestruct();
    Status op_return(Status s);

    Evm& evm_;
    State& state_;
    const Message& msg_;
    const core::Bytes& code_;
    const std::vector<bool>& jumpdests_;
    std::int64_t gas_;
    Word* stack_;  // the Evm's block for this depth
    std::size_t sp_ = 0;
    core::Bytes memory_;
    core::Bytes return_data_;
    core::Bytes output_;
};

bool Interpreter::grow_to(std::uint64_t end) {
    if (end > kMaxMemory) return false;
    const std::uint64_t new_words = (end + 31) / 32;
    const std::uint64_t old_words = memory_.size() / 32;
    if (new_words <= old_words) return true;
    auto cost = [](std::uint64_t w) { return static_cast<std::int64_t>(3 * w + w * w / 512); };
    if (!charge(cost(new_words) - cost(old_words))) return false;
    memory_.resize(new_words * 32, 0);
    return true;
}

bool Interpreter::grow(const Word& offset, const Word& size) {
    if (size == 0) return true;
    if (!offset.fits_u64() || !size.fits_u64()) return false;
    const std::uint64_t o = offset.low64();
    const std::uint64_t s = size.low64();
    if (o > kMaxMemory || s > kMaxMemory) return false;
    return grow_to(o + s);
}

Status Interpreter::op_exp() {
    const Word base = pop();
    Word& e = top();
    const std::int64_t bytes = e == 0 ? 0 : static_cast<std::int64_t>((e.bit_width() + 7) / 8);
    if (!charge(50 * bytes)) return Status::kOutOfGas;
    e = exp_wrapping(base, e);
    return Status::kSuccess;
}

/// BALANCE, EXTCODESIZE and EXTCODEHASH: an account read, priced by EIP-2929 access.
Status Interpreter::op_account_query(std::uint8_t op) {
    const Address a = address_of_word(top());
    if (!access(a)) return Status::kOutOfGas;
    if (op == OP_BALANCE) {
        top() = state_.balance(a);
    } else if (op == OP_EXTCODESIZE) {
        top() = state_.code(a)->size();
    } else {
        top() = state_.is_empty(a) ? Word{} : core::word_from_big_endian(state_.code_hash(a));
    }
    return Status::kSuccess;
}

Status Interpreter::op_mload() {
    Word& offset = top();
    if (!grow(offset, 32)) return Status::kOutOfGas;
    offset = core::word_from_big_endian({memory_.data() + offset.low64(), 32});
    return Status::kSuccess;
}

/// MSTORE (a word) and MSTORE8 (its lowest byte).
Status Interpreter::op_mstore(std::uint64_t width) {
    const Word offset = pop();
    const Word value = pop();
    if (!grow(offset, width)) return Status::kOutOfGas;
    const core::Hash w = core::word_to_bytes32(value);
    std::memcpy(memory_.data() + offset.low64(), w.data() + (32 - width), width);
    return Status::kSuccess;
}

Status Interpreter::op_tstore() {
    if (msg_.is_static) return Status::kStaticModeViolation;
    const Word key = pop();
    const Word value = pop();
    state_.set_transient(msg_.recipient, core::to_uint256(key), core::to_uint256(value));
    return Status::kSuccess;
}

Status Interpreter::op_keccak() {
    const Word offset = pop();
    const Word size = pop();
    if (!grow(offset, size)) return Status::kOutOfGas;
    const std::uint64_t s = size == 0 ? 0 : size.low64();
    if (!charge(6 * words(s))) return Status::kOutOfGas;
    const core::Hash h = core::keccak256(s == 0 ? core::ByteView{} : core::ByteView{memory_.data() + offset.low64(), s});
    push(core::word_from_big_endian(h));
    return Status::kSuccess;
}

Status Interpreter::op_copy(core::ByteView src) {
    const Word dst = pop();
    const Word from = pop();
    const Word size = pop();
    if (!grow(dst, size)) return Status::kOutOfGas;
    if (size == 0) return Status::kSuccess;
    const std::uint64_t s = size.low64();
    if (!charge(3 * words(s))) return Status::kOutOfGas;
    copy_padded(memory_.data() + dst.low64(), s, src, from);
    return Status::kSuccess;
}

Status Interpreter::op_extcodecopy() {
    const Address a = address_of_word(pop());
    if (!access(a)) return Status::kOutOfGas;
    const Code code = state_.code(a);
    return op_copy(*code);  // then as CODECOPY of that code
}

Status Interpreter::op_returndatacopy() {
    const Word dst = pop();
    const Word from = pop();
    const Word size = pop();
    if (!from.fits_u64() || !size.fits_u64() || from.low64() + size.low64() < from.low64() ||
        from.low64() + size.low64() > return_data_.size()) {
        return Status::kReturnDataOutOfBounds;
    }
    if (!grow(dst, size)) return Status::kOutOfGas;
    if (size == 0) return Status::kSuccess;
    const std::uint64_t s = size.low64();
    if (!charge(3 * words(s))) return Status::kOutOfGas;
    std::memcpy(memory_.data() + dst.low64(), return_data_.data() + from.low64(), s);
    return Status::kSuccess;
}

Status Interpreter::op_mcopy() {
    const Word dst = pop();
    const Word src = pop();
    const Word size = pop();
    if (size != 0) {
        if (!grow(dst, size) || !grow(src, size)) return Status::kOutOfGas;
        const std::uint64_t s = size.low64();
        if (!charge(3 * words(s))) return Status::kOutOfGas;
        std::memmove(memory_.data() + dst.low64(), memory_.data() + src.low64(), s);
    }
    return Status::kSuccess;
}

Status Interpreter::op_sload() {
    const uint256 key = core::to_uint256(top());
    if (state_.access_storage(msg_.recipient, key) && !charge(kColdSloadExtra)) return Status::kOutOfGas;
    top() = state_.storage(msg_.recipient, key);
    return Status::kSuccess;
}

Status Interpreter::op_sstore() {
    if (msg_.is_static) return Status::kStaticModeViolation;
    if (gas_ <= kCallStipend) return Status::kOutOfGas;  // EIP-2200 sentry
    const uint256 key = core::to_uint256(pop());
    const uint256 value = core::to_uint256(pop());
    std::int64_t cost = 0;
    if (state_.access_storage(msg_.recipient, key)) cost += kColdSload;
    const uint256 current = state_.storage(msg_.recipient, key);
    const uint256 original = state_.original_storage(msg_.recipient, key);
    // EIP-2200 with the EIP-2929 prices and the EIP-3529 refunds.
    if (current == value) {
        cost += kWarmAccess;
    } else if (original == current) {
        cost += original == 0 ? 20000 : 2900;
        if (original != 0 && value == 0) state_.add_refund(4800);
    } else {
        cost += kWarmAccess;
        if (original != 0) {
            if (current == 0) {
                state_.sub_refund(4800);
            } else if (value == 0) {
                state_.add_refund(4800);
            }
        }
        if (original == value) state_.add_refund(original == 0 ? 19900 : 2800);
    }
    if (!charge(cost)) return Status::kOutOfGas;
    state_.set_storage(msg_.recipient, key, value);
    return Status::kSuccess;
}

Status Interpreter::op_log(int topics) {
    if (msg_.is_static) return Status::kStaticModeViolation;
    const Word offset = pop();
    const Word size = pop();
    if (!grow(offset, size)) return Status::kOutOfGas;
    const std::uint64_t s = size == 0 ? 0 : size.low64();
    if (!charge(8 * static_cast<std::int64_t>(s))) return Status::kOutOfGas;
    core::Log log;
    log.address = msg_.recipient;
    for (int i = 0; i < topics; ++i) log.topics.push_back(core::word_to_bytes32(pop()));
    if (s != 0) log.data.assign(memory_.begin() + static_cast<std::ptrdiff_t>(offset.low64()),
                                memory_.begin() + static_cast<std::ptrdiff_t>(offset.low64() + s));
    state_.add_log(std::move(log));
    return Status::kSuccess;
}

Status Interpreter::op_create(CallKind kind) {
    if (msg_.is_static) return Status::kStaticModeViolation;
    const Word value = pop();
    const Word offset = pop();
    const Word size = pop();
    const Word salt = kind == CallKind::kCreate2 ? pop() : Word{};
    if (!grow(offset, size)) return Status::kOutOfGas;
    const std::uint64_t s = size == 0 ? 0 : size.low64();
    if (s > core::kMaxInitCodeSize) return Status::kOutOfGas;  // EIP-3860
    std::int64_t cost = 2 * words(s);
    if (kind == CallKind::kCreate2) cost += 6 * words(s);
    if (!charge(cost)) return Status::kOutOfGas;

    return_data_.clear();
    Message sub;
    sub.kind = kind;
    sub.depth = msg_.depth + 1;
    sub.gas = gas_ - gas_ / 64;
    sub.sender = msg_.recipient;
    sub.value = core::to_uint256(value);
    sub.input = s == 0 ? core::ByteView{} : core::ByteView{memory_.data() + offset.low64(), s};
    sub.salt = core::word_to_bytes32(salt);
    gas_ -= sub.gas;
    Result r = evm_.execute(sub);
    gas_ += r.gas_left;
    push(r.status == Status::kSuccess ? word_of(r.created_address) : Word{});
    if (r.status == Status::kRevert) return_data_ = std::move(r.output);
    return Status::kSuccess;
}

Status Interpreter::op_call(CallKind kind) {
    const Word requested = pop();
    const Address target = address_of_word(pop());
    const Word value = (kind == CallKind::kCall || kind == CallKind::kCallCode) ? pop() : Word{};
    const Word in_offset = pop();
    const Word in_size = pop();
    const Word out_offset = pop();
    const Word out_size = pop();

    if (!access(target)) return Status::kOutOfGas;
    if (!grow(in_offset, in_size) || !grow(out_offset, out_size)) return Status::kOutOfGas;
    const bool transfers = value != 0;
    if (kind == CallKind::kCall && transfers && msg_.is_static) return Status::kStaticModeViolation;
    std::int64_t cost = 0;
    if (transfers) cost += kCallValueGas;
    if (kind == CallKind::kCall && transfers && state_.is_empty(target)) cost += kNewAccountGas;
    if (!charge(cost)) return Status::kOutOfGas;

    // EIP-150: at most all but one 64th of what is left.
    const std::int64_t cap = gas_ - gas_ / 64;
    std::int64_t gas = requested.fits_u64() && requested.low64() < static_cast<std::uint64_t>(cap)
                           ? static_cast<std::int64_t>(requested.low64())
                           : cap;
    gas_ -= gas;
    if (transfers) gas += kCallStipend;

    Message sub;
    sub.kind = kind;
    sub.is_static = msg_.is_static || kind == CallKind::kStaticCall;
    sub.depth = msg_.depth + 1;
    sub.gas = gas;
    sub.code_address = target;
    switch (kind) {
        case CallKind::kCall:
        case CallKind::kStaticCall:
            sub.recipient = target;
            sub.sender = msg_.recipient;
            sub.value = core::to_uint256(value);
            break;
        case CallKind::kCallCode:
            sub.recipient = msg_.recipient;
            sub.sender = msg_.recipient;
            sub.value = core::to_uint256(value);
            break;
        default:  // DELEGATECALL keeps the caller and value of this frame
            sub.recipient = msg_.recipient;
            sub.sender = msg_.sender;
            sub.value = msg_.value;
            break;
    }
    const std::uint64_t in = in_size == 0 ? 0 : in_size.low64();
    sub.input = in == 0 ? core::ByteView{} : core::ByteView{memory_.data() + in_offset.low64(), in};

    Result r = evm_.execute(sub);
    gas_ += r.gas_left;
    push(r.status == Status::kSuccess ? Word{1} : Word{});
    if ((r.status == Status::kSuccess || r.status == Status::kRevert) && out_size != 0) {
        const std::size_t n = std::min<std::size_t>(out_size.low64(), r.output.size());
        // An empty output has no buffer: memcpy from null is undefined even for 0 bytes
        // (UBSan, fuzz_evm: STATICCALL of code that returns nothing).
        if (n != 0) std::memcpy(memory_.data() + out_offset.low64(), r.output.data(), n);
    }
    return_data_ = std::move(r.output);
    return Status::kSuccess;
}

Status Interpreter::op_selfdestruct() {
    if (msg_.is_static) return Status::kStaticModeViolation;
    const Address beneficiary = address_of_word(pop());
    if (state_.access_account(beneficiary) && !charge(kColdAccount)) return Status::kOutOfGas;
    const uint256 balance = state_.balance(msg_.recipient);
    if (balance != 0 && state_.is_empty(beneficiary) && !charge(kNewAccountGas)) return Status::kOutOfGas;
    state_.sub_balance(msg_.recipient, balance);
    state_.add_balance(beneficiary, balance);
    if (state_.created_in_transaction(msg_.recipient)) state_.destruct(msg_.recipient);  // EIP-6780
    if (evm_.tracer_) evm_.tracer_->on_selfdestruct(msg_.recipient, beneficiary, balance);
    return Status::kSuccess;
}

Status Interpreter::op_return(Status s) {
    const Word offset = pop();
    const Word size = pop();
    if (!grow(offset, size)) return Status::kOutOfGas;
    if (size != 0) {
        output_.assign(memory_.begin() + static_cast<std::ptrdiff_t>(offset.low64()),
                       memory_.begin() + static_cast<std::ptrdiff_t>(offset.low64() + size.low64()));
    }
    return s;
}

template <bool kTraced>
Result Interpreter::loop() {
    const std::size_t size = code_.size();
    std::size_t pc = 0;
    Status status = Status::kSuccess;
    bool halted = false;  // STOP, RETURN, REVERT, SELFDESTRUCT
    [[maybe_unused]] bool step_open = false;  // traced: a step began and has not ended
    while (!halted && status == Status::kSuccess) {
        if (pc >= size) break;  // running off the end is STOP
        const std::uint8_t op = code_[pc];
        const OpInfo& info = kOps[op];
        if constexpr (kTraced) {
            evm_.tracer_->on_step({pc, op, gas_, msg_.depth, {stack_, sp_}, memory_, return_data_,
                                   msg_.recipient, state_});
            step_open = true;
        }
        if (!info.defined) {
            status = Status::kInvalidInstruction;
            break;
        }
        if (sp_ < info.in) {
            status = Status::kStackUnderflow;
            break;
        }
        if (sp_ - info.in + info.out > kMaxStackSize) {
            status = Status::kStackOverflow;
            break;
        }
        if (!charge(info.gas)) {
            status = Status::kOutOfGas;
            break;
        }
        ++pc;
        switch (op) {
            case OP_STOP: halted = true; break;
            case OP_ADD: { Word a = pop(); top() += a; break; }
            case OP_MUL: { Word a = pop(); top() *= a; break; }
            case OP_SUB: { Word a = pop(); top() = a - top(); break; }
            case OP_DIV: { Word a = pop(); Word& b = top(); b = b == 0 ? Word{} : divide(a, b); break; }
            case OP_SDIV: {
                Word a = pop();
                Word& b = top();
                if (b == 0) break;
                const bool neg = a.is_negative() != b.is_negative();
                const Word q = divide(a.is_negative() ? -a : a, b.is_negative() ? -b : b);
                b = neg ? -q : q;
                break;
            }
            case OP_MOD: { Word a = pop(); Word& b = top(); b = b == 0 ? Word{} : remainder(a, b); break; }
            case OP_SMOD: {
                Word a = pop();
                Word& b = top();
                if (b == 0) break;
                const Word r = remainder(a.is_negative() ? -a : a, b.is_negative() ? -b : b);
                b = a.is_negative() ? -r : r;
                break;
            }
            case OP_ADDMOD: {
                Word a = pop();
                Word b = pop();
                Word& n = top();
                n = n == 0 ? Word{} : Word(static_cast<uint256>((uint512(core::to_uint256(a)) + uint512(core::to_uint256(b))) % uint512(core::to_uint256(n))));
                break;
            }
            case OP_MULMOD: {
                Word a = pop();
                Word b = pop();
                Word& n = top();
                n = n == 0 ? Word{} : Word(static_cast<uint256>((uint512(core::to_uint256(a)) * uint512(core::to_uint256(b))) % uint512(core::to_uint256(n))));
                break;
            }
            case OP_EXP: status = op_exp(); break;
            case OP_SIGNEXTEND: { Word b = pop(); top() = signextend(b, top()); break; }
            case OP_LT: { Word a = pop(); top() = a < top() ? 1 : 0; break; }
            case OP_GT: { Word a = pop(); top() = a > top() ? 1 : 0; break; }
            case OP_SLT: {
                Word a = pop();
                Word& b = top();
                const bool na = a.is_negative(), nb = b.is_negative();
                b = (na != nb ? na : a < b) ? 1 : 0;
                break;
            }
            case OP_SGT: {
                Word a = pop();
                Word& b = top();
                const bool na = a.is_negative(), nb = b.is_negative();
                b = (na != nb ? nb : a > b) ? 1 : 0;
                break;
            }
            case OP_EQ: { Word a = pop(); top() = a == top() ? 1 : 0; break; }
            case OP_ISZERO: top() = top() == 0 ? 1 : 0; break;
            case OP_AND: { Word a = pop(); top() &= a; break; }
            case OP_OR: { Word a = pop(); top() |= a; break; }
            case OP_XOR: { Word a = pop(); top() ^= a; break; }
            case OP_NOT: top() = ~top(); break;
            case OP_BYTE: {
                Word i = pop();
                Word& x = top();
                x = i < 32 ? (x >> static_cast<unsigned>(8 * (31 - i.low64()))) & 0xff : Word{};
                break;
            }
            case OP_SHL: {
                Word s = pop();
                Word& x = top();
                x = s < 256 ? Word(x << static_cast<unsigned>(s.low64())) : Word{};
                break;
            }
            case OP_SHR: {
                Word s = pop();
                Word& x = top();
                x = s < 256 ? Word(x >> static_cast<unsigned>(s.low64())) : Word{};
                break;
            }
            case OP_SAR: {
                Word s = pop();
                Word& x = top();
                const bool neg = x.is_negative();
                if (s >= 256) {
                    x = neg ? ~Word{} : Word{};
                } else {
                    const unsigned n = static_cast<unsigned>(s.low64());
                    x = neg ? Word(~(Word(~x) >> n)) : Word(x >> n);
                }
                break;
            }
            case OP_KECCAK256: status = op_keccak(); break;
            case OP_ADDRESS: push(word_of(msg_.recipient)); break;
            case OP_BALANCE:
            case OP_EXTCODESIZE:
            case OP_EXTCODEHASH: status = op_account_query(op); break;
            case OP_ORIGIN: push(word_of(evm_.tx_.origin)); break;
            case OP_CALLER: push(word_of(msg_.sender)); break;
            case OP_CALLVALUE: push(msg_.value); break;
            case OP_CALLDATALOAD: {
                std::array<std::uint8_t, 32> word{};
                copy_padded(word.data(), 32, msg_.input, top());
                top() = core::word_from_big_endian(word);
                break;
            }
            case OP_CALLDATASIZE: push(msg_.input.size()); break;
            case OP_CALLDATACOPY: status = op_copy(msg_.input); break;
            case OP_CODESIZE: push(size); break;
            case OP_CODECOPY: status = op_copy(code_); break;
            case OP_GASPRICE: push(evm_.tx_.gas_price); break;
            case OP_EXTCODECOPY: status = op_extcodecopy(); break;
            case OP_RETURNDATASIZE: push(return_data_.size()); break;
            case OP_RETURNDATACOPY: status = op_returndatacopy(); break;
            case OP_BLOCKHASH: {
                Word& n = top();
                const std::uint64_t current = evm_.block_.number;
                if (n.fits_u64() && n.low64() < current && current - n.low64() <= 256 && evm_.block_.block_hash) {
                    n = core::word_from_big_endian(evm_.block_.block_hash(n.low64()));
                } else {
                    n = 0;
                }
                break;
            }
            case OP_COINBASE: push(word_of(evm_.block_.coinbase)); break;
            case OP_TIMESTAMP: push(evm_.block_.timestamp); break;
            case OP_NUMBER: push(evm_.block_.number); break;
            case OP_PREVRANDAO: push(core::word_from_big_endian(evm_.block_.prev_randao)); break;
            case OP_GASLIMIT: push(evm_.block_.gas_limit); break;
            case OP_CHAINID: push(evm_.block_.chain_id); break;
            case OP_SELFBALANCE: push(state_.balance(msg_.recipient)); break;
            case OP_BASEFEE: push(evm_.block_.base_fee); break;
            case OP_BLOBHASH: top() = 0; break;  // no blob transactions on this chain
            case OP_BLOBBASEFEE: push(evm_.block_.blob_base_fee); break;
            case OP_POP: --sp_; break;
            case OP_MLOAD: status = op_mload(); break;
            case OP_MSTORE:
            case OP_MSTORE8: status = op_mstore(op == OP_MSTORE8 ? 1 : 32); break;
            case OP_SLOAD: status = op_sload(); break;
            case OP_SSTORE: status = op_sstore(); break;
            case OP_JUMP:
            case OP_JUMPI: {
                const Word dest = pop();
                if (op == OP_JUMPI && pop() == 0) break;
                if (!dest.fits_u64() || dest.low64() >= size || !jumpdests_[dest.low64()]) {
                    status = Status::kBadJumpDestination;
                } else {
                    pc = dest.low64();
                }
                break;
            }
            case OP_PC: push(pc - 1); break;
            case OP_MSIZE: push(memory_.size()); break;
            case OP_GAS: push(static_cast<std::uint64_t>(gas_)); break;
            case OP_JUMPDEST: break;
            case OP_TLOAD: top() = state_.transient(msg_.recipient, core::to_uint256(top())); break;
            case OP_TSTORE: status = op_tstore(); break;
            case OP_MCOPY: status = op_mcopy(); break;
            case OP_PUSH0: push(Word{}); break;
            case OP_CREATE: status = op_create(CallKind::kCreate); break;
            case OP_CALL: status = op_call(CallKind::kCall); break;
            case OP_CALLCODE: status = op_call(CallKind::kCallCode); break;
            case OP_RETURN: status = op_return(Status::kSuccess); halted = true; break;
            case OP_DELEGATECALL: status = op_call(CallKind::kDelegateCall); break;
            case OP_CREATE2: status = op_create(CallKind::kCreate2); break;
            case OP_STATICCALL: status = op_call(CallKind::kStaticCall); break;
            case OP_REVERT: status = op_return(Status::kRevert); halted = true; break;
            case OP_SELFDESTRUCT: status = op_selfdestruct(); halted = true; break;
            default:
                if (op >= OP_PUSH1 && op <= OP_PUSH32) {
                    const std::size_t n = op - OP_PUSH0;
                    const std::size_t avail = pc < size ? std::min(n, size - pc) : 0;
                    push(immediate(code_.data() + pc, n, avail));
                    pc += n;
                } else if (op >= OP_DUP1 && op <= OP_DUP16) {
                    push(top(op - OP_DUP1));
                } else if (op >= OP_SWAP1 && op <= OP_SWAP16) {
                    std::swap(top(), top(op - OP_SWAP1 + 1));
                } else if (op >= OP_LOG0 && op <= OP_LOG4) {
                    status = op_log(op - OP_LOG0);
                }
                break;
        }
        if constexpr (kTraced) {
            evm_.tracer_->on_step_end(gas_, status);
            step_open = false;
        }
    }
    if constexpr (kTraced) {
        if (step_open) evm_.tracer_->on_step_end(gas_, status);  // the step failed its checks
    }
    Result result;
    result.status = status;
    result.gas_left = (status == Status::kSuccess || status == Status::kRevert) ? gas_ : 0;
    if (status == Status::kSuccess || status == Status::kRevert) result.output = std::move(output_);
    return result;
}

Word* Evm::stack_at(int depth) {
    const auto d = static_cast<std::size_t>(depth);
    if (stacks_.size() <= d) stacks_.resize(d + 1);
    if (!stacks_[d]) stacks_[d].reset(static_cast<Word*>(::operator new(kMaxStackSize * sizeof(Word))));
    return stacks_[d].get();
}

Result Evm::run_code(const Message& msg, const Code& code, const JumpdestCache::Map& jumpdests) {
    Interpreter interpreter(*this, msg, *code, *jumpdests);
    return interpreter.run();
}

}  // namespace moe::evm
