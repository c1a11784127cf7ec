#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "core/account.hpp"
#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"
#include "core/receipt.hpp"
#include "core/trie.hpp"
#include "core/uint256.hpp"

namespace moe::evm {

/// Where contract code lives, by its Keccak-256. The node keeps it in a RocksDB column;
/// tests and conformance keep it in memory.
class CodeStore {
  public:
    virtual ~CodeStore() = default;
    [[nodiscard]] virtual std::optional<core::Bytes> get_code(const core::Hash& code_hash) const = 0;
};

class MemoryCodeStore final : public CodeStore {
  public:
    [[nodiscard]] std::optional<core::Bytes> get_code(const core::Hash& code_hash) const override;
    void put_code(const core::Hash& code_hash, core::Bytes code) { codes_[code_hash] = std::move(code); }

  private:
    std::map<core::Hash, core::Bytes> codes_;
};

/// Why the state could not be read: the database lacks what a root promised. This is the
/// node's failure, never the transaction's, so it aborts the block instead of failing a call.
enum class StateError { kMissingNode, kCorruptNode, kMissingCode };
[[nodiscard]] std::string_view to_string(StateError e) noexcept;

using Code = std::shared_ptr<const core::Bytes>;

/// The world state as the EVM sees it during a block: accounts, code and storage read
/// lazily from the tries of a state root, changed in memory with a journal so that a
/// reverted call frame undoes exactly its own changes, and written back as a new root.
/// It also holds what lives for one transaction only: the EIP-2929 access lists, EIP-1153
/// transient storage, logs, the refund counter, the accounts created (EIP-6780) and
/// touched (EIP-161).
///
/// A read that fails (a missing trie node or code) returns an empty value and sets a sticky
/// error(); the state transition checks it after each transaction and aborts the block.
class State {
  public:
    State(const core::NodeStore* nodes, const CodeStore* codes, const core::Hash& root);
    State(const State&) = delete;
    State& operator=(const State&) = delete;
    ~State();

    [[nodiscard]] std::optional<StateError> error() const noexcept { return error_; }

    // --- accounts -------------------------------------------------------------------
    [[nodiscard]] bool exists(const core::Address& address);
    /// Empty in the sense of EIP-161 (no nonce, balance or code), or absent.
    [[nodiscard]] bool is_empty(const core::Address& address);
    /// The account (all zero when absent).
    [[nodiscard]] const core::Account& account(const core::Address& address);
    [[nodiscard]] const core::uint256& balance(const core::Address& address) { return account(address).balance; }
    [[nodiscard]] std::uint64_t nonce(const core::Address& address) { return account(address).nonce; }
    [[nodiscard]] const core::Hash& code_hash(const core::Address& address) { return account(address).code_hash; }
    [[nodiscard]] Code code(const core::Address& address);
    /// True when the account has a storage trie that is not empty (EIP-7610 collisions).
    [[nodiscard]] bool has_storage(const core::Address& address);

    void add_balance(const core::Address& address, const core::uint256& amount);
    /// The caller has checked that the balance covers `amount`.
    void sub_balance(const core::Address& address, const core::uint256& amount);
    void set_balance(const core::Address& address, const core::uint256& amount);
    void set_nonce(const core::Address& address, std::uint64_t nonce);
    void set_code(const core::Address& address, core::Bytes code);
    /// Counts as a change for EIP-161 without changing anything (a zero-value transfer).
    void touch(const core::Address& address);
    /// Makes a fresh account for a contract at `address`: the balance stays, everything else
    /// (nonce, code, storage) starts over; marks it created in this transaction.
    void create_contract(const core::Address& address);
    [[nodiscard]] bool created_in_transaction(const core::Address& address) const;
    /// Marks an account to be deleted when the transaction ends (EIP-6780: only accounts
    /// created in the same transaction are deleted; the caller decides).
    void destruct(const core::Address& address);

    // --- storage --------------------------------------------------------------------
    [[nodiscard]] core::uint256 storage(const core::Address& address, const core::uint256& key);
    /// The value at the start of the transaction (EIP-2200 pricing).
    [[nodiscard]] core::uint256 original_storage(const core::Address& address, const core::uint256& key);
    void set_storage(const core::Address& address, const core::uint256& key, const core::uint256& value);
    [[nodiscard]] core::uint256 transient(const core::Address& address, const core::uint256& key) const;
    void set_transient(const core::Address& address, const core::uint256& key, const core::uint256& value);

    // --- per transaction ------------------------------------------------------------
    /// Warms an address (EIP-2929); returns true when it was cold.
    bool access_account(const core::Address& address);
    /// Warms a storage slot; returns true when it was cold.
    bool access_storage(const core::Address& address, const core::uint256& key);
    [[nodiscard]] bool is_warm(const core::Address& address) const { return warm_accounts_.contains(address); }
    [[nodiscard]] const std::set<core::Address>& warm_accounts() const noexcept { return warm_accounts_; }
    [[nodiscard]] const std::set<std::pair<core::Address, core::uint256>>& warm_slots() const noexcept {
        return warm_slots_;
    }

    void add_refund(std::uint64_t gas);
    void sub_refund(std::uint64_t gas);
    [[nodiscard]] std::uint64_t refund() const noexcept { return refund_; }

    void add_log(core::Log log);
    [[nodiscard]] const std::vector<core::Log>& logs() const noexcept { return logs_; }

    /// A point to revert to; revert() undoes every change made since, in reverse order.
    [[nodiscard]] std::size_t snapshot() const noexcept { return journal_.size(); }
    void revert(std::size_t snapshot);

    /// Starts a transaction: clears access lists, transient storage, logs, the refund.
    void begin_transaction();
    /// Ends one: deletes destructed accounts and touched empty ones (EIP-161) and makes the
    /// current storage the original one for the next transaction.
    void finalize_transaction();

    // --- the new root ---------------------------------------------------------------
    /// The state root the changes give, without storing anything.
    [[nodiscard]] std::expected<core::Hash, StateError> root();
    /// Writes the changed trie nodes into `out` and returns the new root.
    [[nodiscard]] std::expected<core::Hash, StateError> commit(core::NodeStore& out);
    /// Code deployed since the state was opened, for the database to store beside the nodes.
    [[nodiscard]] const std::map<core::Hash, Code>& new_code() const noexcept { return new_code_; }

  private:
    struct Slot {
        core::uint256 base;      ///< in the storage trie of the opened root
        core::uint256 original;  ///< at the start of the transaction
        core::uint256 current;
    };
    struct Object {
        bool base_exists = false;
        core::Account base;  ///< as in the opened root
        bool exists = false;
        core::Account current;
        Code code;                     ///< loaded on demand
        bool storage_cleared = false;  ///< the base storage trie no longer applies
        bool dirty = false;
        std::map<core::uint256, Slot> storage;
    };
    /// One undoable change. Each kind uses the fields it needs.
    struct JournalEntry {
        enum class Kind : std::uint8_t {
            kAccount,      ///< exists/account/code of `address` before a change
            kObject,       ///< the whole object before create_contract
            kStorage,      ///< slot `key` held `value`
            kTransient,    ///< transient slot `key` held `value`
            kWarmAccount,  ///< `address` was cold
            kWarmSlot,     ///< slot `key` of `address` was cold
            kRefund,       ///< the refund counter was `refund`
            kLog,          ///< a log was appended
            kCreated,      ///< `address` was not created in this transaction
            kDestructed,   ///< `address` was not destructed
            kTouched,      ///< `address` was not touched
        };
        Kind kind = Kind::kTouched;
        core::Address address;
        core::uint256 key;
        core::uint256 value;
        bool exists = false;
        core::Account account;
        Code code;
        std::unique_ptr<Object> object;
        std::uint64_t refund = 0;
    };
    static JournalEntry entry(JournalEntry::Kind kind, const core::Address& address, const core::uint256& key = {},
                              const core::uint256& value = {});
    static JournalEntry refund_entry(std::uint64_t refund);

    Object& object(const core::Address& address);
    Slot& slot(Object& obj, const core::uint256& key);
    void save_account(const core::Address& address, Object& obj);
    void set_error(StateError e) noexcept;
    void remove(Object& obj);
    [[nodiscard]] std::expected<core::Hash, StateError> compute(core::NodeStore* out);

    const core::NodeStore* nodes_;
    const CodeStore* codes_;
    core::Trie accounts_;
    std::optional<StateError> error_;

    std::map<core::Address, Object> objects_;
    std::map<core::Hash, Code> new_code_;
    std::vector<JournalEntry> journal_;

    std::set<core::Address> warm_accounts_;
    std::set<std::pair<core::Address, core::uint256>> warm_slots_;
    std::map<std::pair<core::Address, core::uint256>, core::uint256> transient_;
    std::set<core::Address> created_;
    std::set<core::Address> destructed_;
    std::set<core::Address> touched_;
    std::vector<core::Log> logs_;
    std::uint64_t refund_ = 0;
};

}  // namespace moe::evm
