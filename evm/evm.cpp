#include "evm/evm.hpp"

#include "core/keccak.hpp"
#include "core/rlp.hpp"
#include "evm/opcodes.hpp"
#include "evm/precompiles.hpp"
#include "evm/tracing.hpp"

namespace moe::evm {

using core::Address;
using core::Hash;
using core::uint256;

std::string_view to_string(Status s) noexcept {
    switch (s) {
        case Status::kSuccess: return "success";
        case Status::kRevert: return "execution reverted";
        case Status::kOutOfGas: return "out of gas";
        case Status::kInvalidInstruction: return "invalid opcode";
        case Status::kStackUnderflow: return "stack underflow";
        case Status::kStackOverflow: return "stack limit reached 1024";
        case Status::kBadJumpDestination: return "invalid jump destination";
        case Status::kReturnDataOutOfBounds: return "return data out of bounds";
        case Status::kStaticModeViolation: return "write protection";
        case Status::kCallDepthExceeded: return "max call depth exceeded";
        case Status::kInsufficientBalance: return "insufficient balance for transfer";
        case Status::kNonceOverflow: return "nonce uint64 overflow";
        case Status::kAddressCollision: return "contract address collision";
        case Status::kCodeSizeExceeded: return "max code size exceeded";
        case Status::kInvalidCodePrefix: return "invalid code: must not begin with 0xef";
        case Status::kPrecompileFailure: return "precompiled contract failed";
        case Status::kNotImplemented: return "precompiled contract not implemented by this node";
    }
    return "unknown status";
}

JumpdestCache::Map JumpdestCache::analyse(core::ByteView code) {
    auto map = std::make_shared<std::vector<bool>>(code.size(), false);
    for (std::size_t pc = 0; pc < code.size(); ++pc) {
        const std::uint8_t op = code[pc];
        if (op == OP_JUMPDEST) {
            (*map)[pc] = true;
        } else if (op >= OP_PUSH1 && op <= OP_PUSH32) {
            pc += op - OP_PUSH0;  // skip the push data
        }
    }
    return map;
}

JumpdestCache::Map JumpdestCache::get(const Hash& code_hash, core::ByteView code) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = maps_.find(code_hash); it != maps_.end()) return it->second;
    }
    Map map = analyse(code);
    std::lock_guard lock(mutex_);
    if (maps_.size() >= kMaxEntries) maps_.erase(maps_.begin());  // a bound, not a policy: misses only cost time
    maps_.emplace(code_hash, map);
    return map;
}

Address create_address(const Address& sender, std::uint64_t nonce) {
    core::Bytes payload;
    core::rlp::encode(payload, sender);
    core::rlp::encode(payload, nonce);
    const Hash hash = core::keccak256(core::rlp::wrap_list(payload));
    return Address::right_aligned(hash.view().subspan(12));
}

Address create2_address(const Address& sender, const Hash& salt, core::ByteView init_code) {
    core::Keccak256 hasher;
    const std::uint8_t prefix = 0xff;
    hasher.update({&prefix, 1});
    hasher.update(sender);
    hasher.update(salt);
    hasher.update(core::keccak256(init_code));
    return Address::right_aligned(hasher.finish().view().subspan(12));
}

Result Evm::execute(const Message& msg) {
    if (!tracer_) return dispatch(msg);
    tracer_->on_enter(msg);
    Result result = dispatch(msg);
    const bool created = (msg.kind == CallKind::kCreate || msg.kind == CallKind::kCreate2) && result.status == Status::kSuccess;
    if (created) {
        Result shown = result;  // a creation's output is the code it set, as geth's tracers see it
        shown.output = *state_.code(result.created_address);
        tracer_->on_exit(msg, shown);
    } else {
        tracer_->on_exit(msg, result);
    }
    return result;
}

Result Evm::dispatch(const Message& msg) {
    if (msg.kind == CallKind::kCreate || msg.kind == CallKind::kCreate2) return create(msg);
    return call(msg);
}

namespace {

Result run_precompile_call(Precompile p, const Message& msg) {
    const std::uint64_t cost = precompile_gas(p, msg.input);
    if (cost > static_cast<std::uint64_t>(msg.gas)) return {Status::kOutOfGas, 0, {}, {}};
    auto out = run_precompile(p, msg.input);
    if (!out) {
        const Status s = out.error() == PrecompileError::kNotImplemented ? Status::kNotImplemented
                                                                         : Status::kPrecompileFailure;
        return {s, 0, {}, {}};
    }
    return {Status::kSuccess, msg.gas - static_cast<std::int64_t>(cost), std::move(*out), {}};
}

bool consumes_all_gas(Status s) noexcept { return s != Status::kSuccess && s != Status::kRevert; }

}  // namespace

Result Evm::call(const Message& msg) {
    if (msg.depth > kMaxCallDepth) return {Status::kCallDepthExceeded, msg.gas, {}, {}};
    const bool transfers = msg.kind == CallKind::kCall || msg.kind == CallKind::kCallCode;
    if (transfers && msg.value != 0 && state_.balance(msg.sender) < msg.value) {
        return {Status::kInsufficientBalance, msg.gas, {}, {}};
    }
    const std::size_t snapshot = state_.snapshot();
    const std::size_t created_before = created_.size();
    const auto precompile = precompile_at(msg.code_address);
    const bool native = natives_ && natives_->serves(msg.code_address);

    if (msg.kind == CallKind::kCall) {
        if (!state_.exists(msg.recipient) && !precompile && !native && msg.value == 0) {
            return {Status::kSuccess, msg.gas, {}, {}};  // EIP-161: a zero-value call creates nothing
        }
        state_.sub_balance(msg.sender, msg.value);
        state_.add_balance(msg.recipient, msg.value);
    } else if (msg.kind == CallKind::kStaticCall) {
        state_.touch(msg.recipient);
    }

    Result result;
    if (precompile) {
        result = run_precompile_call(*precompile, msg);
        if (result.status == Status::kNotImplemented) ++unimplemented_;
    } else if (native) {
        result = natives_->call(state_, block_, msg);
    } else {
        const Code code = state_.code(msg.code_address);
        if (code->empty()) return {Status::kSuccess, msg.gas, {}, {}};
        result = run_code(msg, code, jumpdests_.get(state_.code_hash(msg.code_address), *code));
    }
    if (result.status != Status::kSuccess) {
        state_.revert(snapshot);
        created_.resize(created_before);
        if (consumes_all_gas(result.status)) result.gas_left = 0;
    }
    return result;
}

Result Evm::create(const Message& msg) {
    if (msg.depth > kMaxCallDepth) return {Status::kCallDepthExceeded, msg.gas, {}, {}};
    if (msg.value != 0 && state_.balance(msg.sender) < msg.value) {
        return {Status::kInsufficientBalance, msg.gas, {}, {}};
    }
    const std::uint64_t nonce = state_.nonce(msg.sender);
    if (nonce == UINT64_MAX) return {Status::kNonceOverflow, msg.gas, {}, {}};
    state_.set_nonce(msg.sender, nonce + 1);

    const Address address = msg.kind == CallKind::kCreate ? create_address(msg.sender, nonce)
                                                          : create2_address(msg.sender, msg.salt, msg.input);
    state_.access_account(address);  // EIP-2929: warm even when the creation fails
    if (state_.nonce(address) != 0 || state_.code_hash(address) != core::kEmptyCodeHash ||
        state_.has_storage(address)) {
        return {Status::kAddressCollision, 0, {}, address};
    }

    const std::size_t snapshot = state_.snapshot();
    const std::size_t created_before = created_.size();
    state_.create_contract(address);
    state_.set_nonce(address, 1);  // EIP-161
    state_.sub_balance(msg.sender, msg.value);
    state_.add_balance(address, msg.value);

    Message frame = msg;
    frame.recipient = address;
    frame.code_address = address;
    frame.input = {};
    const auto init_code = std::make_shared<const core::Bytes>(msg.input.begin(), msg.input.end());
    Result result = run_code(frame, init_code, JumpdestCache::analyse(*init_code));
    result.created_address = address;

    if (result.status == Status::kSuccess) {
        const std::uint64_t deposit = 200 * static_cast<std::uint64_t>(result.output.size());
        if (result.output.size() > core::kMaxCodeSize) {
            result.status = Status::kCodeSizeExceeded;
        } else if (!result.output.empty() && result.output[0] == 0xef) {
            result.status = Status::kInvalidCodePrefix;
        } else if (deposit > static_cast<std::uint64_t>(result.gas_left)) {
            result.status = Status::kOutOfGas;
        } else {
            result.gas_left -= static_cast<std::int64_t>(deposit);
            state_.set_code(address, std::move(result.output));
            result.output.clear();
            created_.push_back(address);
        }
    }
    if (result.status != Status::kSuccess) {
        state_.revert(snapshot);
        created_.resize(created_before);
        if (consumes_all_gas(result.status)) result.gas_left = 0;
    }
    return result;
}

}  // namespace moe::evm
