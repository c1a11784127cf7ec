#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"
#include "core/word.hpp"
#include "core/uint256.hpp"
#include "core/word.hpp"
#include "evm/evm.hpp"

/// Execution tracing: the hooks the interpreter calls when a tracer is attached, and geth's
/// two standard tracers (the struct logger and the callTracer). Without a tracer the
/// interpreter runs a loop compiled without any hook, so tracing costs nothing when off.
namespace moe::evm {

/// Geth's name of an opcode ("PUSH1", "SSTORE"); "opcode 0x0c not defined" for the others.
[[nodiscard]] std::string opcode_name(std::uint8_t op);

/// What a step shows a tracer, before the opcode runs.
struct StepView {
    std::uint64_t pc = 0;
    std::uint8_t op = 0;
    std::int64_t gas = 0;  ///< the frame's gas before the step
    int depth = 0;         ///< the frame's depth, 0 for the transaction's own
    std::span<const core::Word> stack;  ///< bottom first
    core::ByteView memory;
    core::ByteView return_data;  ///< of the frame's last call
    const core::Address& address;  ///< whose storage the frame acts on
    State& state;
};

/// Receives a run's frames and steps. Every message gets on_enter and on_exit (precompiles,
/// accounts without code and calls that never start included); every step of code gets
/// on_step before it runs and on_step_end after it.
class Tracer {
  public:
    virtual ~Tracer() = default;
    virtual void on_enter(const Message& msg) = 0;
    virtual void on_exit(const Message& msg, const Result& result) = 0;
    virtual void on_step(const StepView& step) = 0;
    /// `gas_left`: the frame's gas after the step (below zero when it ran out); a status other
    /// than kSuccess ends the frame at this step.
    virtual void on_step_end(std::int64_t gas_left, Status status) = 0;
    /// A SELFDESTRUCT of the contract sent its balance to the beneficiary.
    virtual void on_selfdestruct(const core::Address& /*contract*/, const core::Address& /*beneficiary*/,
                                 const core::uint256& /*balance*/) {}
};

/// geth's struct logger options (disableStack, disableStorage, enableMemory,
/// enableReturnData, limit) and this node's bound on one trace.
struct StructLoggerConfig {
    bool disable_stack = false;
    bool disable_storage = false;
    bool enable_memory = false;
    bool enable_return_data = false;
    std::size_t limit = 0;  ///< the most steps kept, as geth's limit (0: no limit)
    /// The most bytes the steps may take as JSON; past it the trace is abandoned (too_large).
    std::size_t max_bytes = 64u << 20;
};

/// One step as geth's struct logger reports it.
struct StructLog {
    std::uint64_t pc = 0;
    std::uint8_t op = 0;
    std::uint64_t gas = 0;
    std::uint64_t gas_cost = 0;
    int depth = 1;  ///< 1 for the transaction's own frame, as geth
    std::uint64_t refund = 0;
    std::optional<std::vector<core::uint256>> stack;
    std::optional<core::Bytes> memory;
    core::Bytes return_data;
    /// The slots of the frame's contract read or written so far, at SLOAD and SSTORE steps.
    std::optional<std::vector<std::pair<core::uint256, core::uint256>>> storage;
    std::optional<Status> error;  ///< the step failed (a REVERT is the frame's outcome, not an error)
};

/// geth's default tracer: every step with gas, cost, depth, stack, and optionally memory,
/// storage and return data.
class StructLogger final : public Tracer {
  public:
    explicit StructLogger(StructLoggerConfig config) : config_(config) {}

    void on_enter(const Message& msg) override;
    void on_exit(const Message& msg, const Result& result) override;
    void on_step(const StepView& step) override;
    void on_step_end(std::int64_t gas_left, Status status) override;

    [[nodiscard]] const std::vector<StructLog>& logs() const noexcept { return logs_; }
    /// Whether the steps outgrew config.max_bytes (the logs are then incomplete).
    [[nodiscard]] bool too_large() const noexcept { return too_large_; }
    /// The bytes the steps kept take as JSON, as counted against config.max_bytes.
    [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }

  private:
    struct Frame {
        std::optional<std::size_t> open_step;  ///< index in logs_ of the step under way
        std::int64_t gas_before = 0;
        std::int64_t child_gas = 0;       ///< given to a frame the step started
        std::int64_t child_gas_left = 0;  ///< what that frame gave back
        std::uint8_t op = 0;
    };

    StructLoggerConfig config_;
    std::vector<StructLog> logs_;
    std::vector<Frame> frames_;
    std::map<core::Address, std::map<core::uint256, core::uint256>> storage_;
    std::size_t bytes_ = 0;
    bool too_large_ = false;
};

/// One frame as geth's callTracer reports it.
struct CallFrame {
    CallKind kind = CallKind::kCall;
    bool selfdestruct = false;  ///< geth's SELFDESTRUCT frame (kind is then meaningless)
    core::Address from;
    std::optional<core::Address> to;  ///< absent for a creation that failed before its address
    std::optional<core::uint256> value;  ///< absent for DELEGATECALL and STATICCALL
    std::uint64_t gas = 0;
    std::uint64_t gas_used = 0;
    core::Bytes input;
    core::Bytes output;
    std::optional<Status> error;
    std::optional<std::string> revert_reason;
    std::vector<CallFrame> calls;
};

/// geth's callTracer: the tree of calls and creations, with tracerConfig.onlyTopCall.
class CallTracer final : public Tracer {
  public:
    /// `max_bytes`: the most the frames may take as JSON (a call's input is free to repeat, so
    /// a loop of calls could otherwise fill the memory); past it the trace is abandoned.
    explicit CallTracer(bool only_top_call, std::size_t max_bytes = 64u << 20)
        : only_top_call_(only_top_call), max_bytes_(max_bytes) {}

    void on_enter(const Message& msg) override;
    void on_exit(const Message& msg, const Result& result) override;
    void on_step(const StepView&) override {}
    void on_step_end(std::int64_t, Status) override {}
    void on_selfdestruct(const core::Address& contract, const core::Address& beneficiary,
                         const core::uint256& balance) override;

    /// The transaction's frame; its gas and gasUsed are the caller's to set to the
    /// transaction's (geth reports the gas limit and the receipt's gas there).
    [[nodiscard]] CallFrame& top() { return stack_.front(); }
    [[nodiscard]] bool empty() const noexcept { return stack_.empty(); }
    /// Whether the frames outgrew max_bytes (the tree is then incomplete).
    [[nodiscard]] bool too_large() const noexcept { return too_large_; }
    /// The bytes the frames take as JSON, as counted against max_bytes.
    [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }

  private:
    bool only_top_call_;
    std::size_t max_bytes_;
    std::size_t bytes_ = 0;
    bool too_large_ = false;
    std::vector<CallFrame> stack_;  ///< the frames under way, outermost first (kept at the end)
};

/// The reason of revert data as geth's abi.UnpackRevert reads it: Error(string), or
/// Panic(uint256) as "assert(false)", "division or modulo by zero" and the others.
[[nodiscard]] std::optional<std::string> decode_revert_reason(core::ByteView data);

}  // namespace moe::evm
