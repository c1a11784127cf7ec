#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"
#include "core/uint256.hpp"
#include "core/word.hpp"
#include "evm/state.hpp"

/// The Ethereum Virtual Machine under Cancun rules (without blob data).
namespace moe::evm {

/// Limits of the Cancun schedule.
inline constexpr int kMaxCallDepth = 1024;
inline constexpr std::size_t kMaxStackSize = 1024;
/// The gas a value-carrying call adds for its callee (EIP-150's stipend).
inline constexpr std::uint64_t kCallStipendGas = 2300;

/// What the block gives every transaction in it.
struct BlockEnv {
    std::uint64_t number = 0;
    std::uint64_t timestamp = 0;
    std::uint64_t gas_limit = 0;
    core::Address coinbase;
    core::uint256 base_fee;
    core::Hash prev_randao;
    core::uint256 blob_base_fee = 1;
    std::uint64_t chain_id = 0;
    /// The hash of an earlier block (BLOCKHASH only asks for the 256 before `number`).
    std::function<core::Hash(std::uint64_t number)> block_hash;
};

/// What one transaction gives its frames.
struct TxEnv {
    core::Address origin;
    core::uint256 gas_price;  ///< the effective price per gas
};

enum class CallKind : std::uint8_t { kCall, kCallCode, kDelegateCall, kStaticCall, kCreate, kCreate2 };

/// One call or creation frame's input.
struct Message {
    CallKind kind = CallKind::kCall;
    bool is_static = false;
    int depth = 0;
    std::int64_t gas = 0;
    core::Address recipient;     ///< whose storage and balance the code acts on
    core::Address sender;        ///< CALLER
    core::Address code_address;  ///< whose code runs (differs from recipient for CALLCODE/DELEGATECALL)
    core::uint256 value;         ///< CALLVALUE (for DELEGATECALL the parent's, not transferred)
    core::ByteView input;        ///< calldata, or init code for a creation
    core::Hash salt;             ///< CREATE2
};

/// How a frame ended. Every status but kSuccess and kRevert consumes all the frame's gas.
enum class Status : std::uint8_t {
    kSuccess,
    kRevert,
    kOutOfGas,
    kInvalidInstruction,     ///< 0xFE, or an opcode Cancun does not define
    kStackUnderflow,
    kStackOverflow,
    kBadJumpDestination,
    kReturnDataOutOfBounds,
    kStaticModeViolation,
    kCallDepthExceeded,      ///< the frame never ran; its gas is returned
    kInsufficientBalance,    ///< the frame never ran; its gas is returned
    kNonceOverflow,          ///< the frame never ran; its gas is returned
    kAddressCollision,       ///< CREATE onto an account with code, nonce or storage
    kCodeSizeExceeded,       ///< EIP-170
    kInvalidCodePrefix,      ///< EIP-3541: code starting with 0xEF
    kPrecompileFailure,
    kNotImplemented,         ///< a precompile this node cannot run: never a success
};
[[nodiscard]] std::string_view to_string(Status s) noexcept;

struct Result {
    Status status = Status::kSuccess;
    std::int64_t gas_left = 0;
    core::Bytes output;             ///< return or revert data
    core::Address created_address;  ///< creations only
};

/// JUMPDEST positions of a code, computed once per code hash and shared between threads.
class JumpdestCache {
  public:
    using Map = std::shared_ptr<const std::vector<bool>>;
    /// The JUMPDEST map of `code`, from the cache when `code_hash` is known.
    Map get(const core::Hash& code_hash, core::ByteView code);
    /// The map of code that has no hash yet (init code), not cached.
    static Map analyse(core::ByteView code);

  private:
    static constexpr std::size_t kMaxEntries = 4096;
    std::mutex mutex_;
    std::map<core::Hash, Map> maps_;
};

/// Optional native contracts a chain adds at fixed addresses (the staking contract); they
/// see the state and the message and answer like code would.
class NativeContracts {
  public:
    virtual ~NativeContracts() = default;
    /// True when `address` is served natively.
    [[nodiscard]] virtual bool serves(const core::Address& address) const = 0;
    [[nodiscard]] virtual Result call(State& state, const BlockEnv& block, const Message& msg) = 0;
};

class Tracer;

/// Runs messages against a State: the interpreter, the call and create rules, precompiles.
class Evm {
  public:
    /// `tracer` (evm/tracing.hpp) sees every frame and step; null in normal execution, where
    /// the interpreter runs a loop without hooks.
    Evm(State& state, const BlockEnv& block, const TxEnv& tx, JumpdestCache& jumpdests,
        NativeContracts* natives = nullptr, Tracer* tracer = nullptr)
        : state_(state), block_(block), tx_(tx), jumpdests_(jumpdests), natives_(natives), tracer_(tracer) {}

    /// Runs a message (a call or a creation) with Cancun's rules: value transfer, account
    /// creation, precompiles, code, and the revert of everything on failure.
    [[nodiscard]] Result execute(const Message& msg);

    [[nodiscard]] State& state() noexcept { return state_; }
    [[nodiscard]] const BlockEnv& block() const noexcept { return block_; }
    [[nodiscard]] const TxEnv& tx() const noexcept { return tx_; }
    /// How many calls reached a precompile this node cannot run (conformance must fail them).
    [[nodiscard]] int unimplemented_calls() const noexcept { return unimplemented_; }
    /// Every contract whose code a creation set (CREATE and CREATE2 at any depth, the
    /// transaction's own creation included), in the order their code was set; a creation
    /// inside a frame that failed or reverted is dropped with the frame.
    [[nodiscard]] const std::vector<core::Address>& created_contracts() const noexcept { return created_; }

  private:
    friend class Interpreter;
    [[nodiscard]] Result dispatch(const Message& msg);
    [[nodiscard]] Result call(const Message& msg);
    [[nodiscard]] Result create(const Message& msg);
    [[nodiscard]] Result run_code(const Message& msg, const Code& code, const JumpdestCache::Map& jumpdests);
    /// The stack of the frame at `depth`: one block of 1024 words per depth, allocated when a
    /// frame first reaches that depth and reused by every later frame there, uninitialised (a
    /// frame writes a slot before it reads it). Zeroing a fresh stack per frame was 5% of an
    /// ERC-20 transfer (perf of bench_evm).
    [[nodiscard]] core::Word* stack_at(int depth);

    struct FreeStack {
        void operator()(core::Word* p) const noexcept { ::operator delete(p); }
    };

    State& state_;
    const BlockEnv& block_;
    const TxEnv& tx_;
    JumpdestCache& jumpdests_;
    NativeContracts* natives_;
    Tracer* tracer_;
    int unimplemented_ = 0;
    std::vector<core::Address> created_;
    std::vector<std::unique_ptr<core::Word, FreeStack>> stacks_;  // by depth
};

/// The address of a contract created by `sender` with `nonce` (CREATE).
[[nodiscard]] core::Address create_address(const core::Address& sender, std::uint64_t nonce);
/// The address of a contract created by CREATE2.
[[nodiscard]] core::Address create2_address(const core::Address& sender, const core::Hash& salt,
                                            core::ByteView init_code);

}  // namespace moe::evm
