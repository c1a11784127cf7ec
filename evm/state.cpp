#include "evm/state.hpp"

#include "core/keccak.hpp"
#include "core/rlp.hpp"

namespace moe::evm {

using core::Account;
using core::Address;
using core::Hash;
using core::uint256;

std::optional<core::Bytes> MemoryCodeStore::get_code(const Hash& code_hash) const {
    if (auto it = codes_.find(code_hash); it != codes_.end()) return it->second;
    return std::nullopt;
}

std::string_view to_string(StateError e) noexcept {
    switch (e) {
        case StateError::kMissingNode: return "a state trie node is missing from the database";
        case StateError::kCorruptNode: return "a state trie node or account does not decode";
        case StateError::kMissingCode: return "contract code is missing from the database";
    }
    return "state error";
}

State::JournalEntry State::entry(JournalEntry::Kind kind, const Address& address, const uint256& key, const uint256& value) {
    JournalEntry e;
    e.kind = kind;
    e.address = address;
    e.key = key;
    e.value = value;
    return e;
}

State::JournalEntry State::refund_entry(std::uint64_t refund) {
    JournalEntry e;
    e.kind = JournalEntry::Kind::kRefund;
    e.refund = refund;
    return e;
}

State::State(const core::NodeStore* nodes, const CodeStore* codes, const Hash& root)
    : nodes_(nodes), codes_(codes), accounts_(nodes, root) {}

State::~State() = default;

void State::set_error(StateError e) noexcept {
    if (!error_) error_ = e;
}

State::Object& State::object(const Address& address) {
    auto it = objects_.find(address);
    if (it != objects_.end()) return it->second;
    Object obj;
    auto raw = accounts_.get(core::keccak256(address));
    if (!raw) {
        set_error(raw.error() == core::TrieError::kMissingNode ? StateError::kMissingNode : StateError::kCorruptNode);
    } else if (*raw) {
        auto decoded = core::decode_account(**raw);
        if (decoded) {
            obj.base_exists = obj.exists = true;
            obj.base = obj.current = *decoded;
        } else {
            set_error(StateError::kCorruptNode);
        }
    }
    return objects_.emplace(address, std::move(obj)).first->second;
}

bool State::exists(const Address& address) { return object(address).exists; }

bool State::is_empty(const Address& address) {
    const Object& obj = object(address);
    return !obj.exists || obj.current.is_empty();
}

const Account& State::account(const Address& address) { return object(address).current; }

Code State::code(const Address& address) {
    Object& obj = object(address);
    if (obj.code) return obj.code;
    static const Code kEmpty = std::make_shared<const core::Bytes>();
    if (obj.current.code_hash == core::kEmptyCodeHash) return kEmpty;
    if (auto it = new_code_.find(obj.current.code_hash); it != new_code_.end()) return obj.code = it->second;
    auto loaded = codes_ ? codes_->get_code(obj.current.code_hash) : std::nullopt;
    if (!loaded) {
        set_error(StateError::kMissingCode);
        return kEmpty;
    }
    obj.code = std::make_shared<const core::Bytes>(std::move(*loaded));
    return obj.code;
}

bool State::has_storage(const Address& address) {
    const Object& obj = object(address);
    if (!obj.storage_cleared && obj.exists && obj.current.storage_root != core::kEmptyTrieRoot) return true;
    for (const auto& [key, s] : obj.storage) {
        if (s.current != 0) return true;
    }
    return false;
}

void State::save_account(const Address& address, Object& obj) {
    JournalEntry e = entry(JournalEntry::Kind::kAccount, address);
    e.exists = obj.exists;
    e.account = obj.current;
    e.code = obj.code;
    journal_.push_back(std::move(e));
    obj.dirty = true;
    if (touched_.insert(address).second) {
        journal_.push_back(entry(JournalEntry::Kind::kTouched, address));
    }
}

void State::add_balance(const Address& address, const uint256& amount) {
    Object& obj = object(address);
    save_account(address, obj);
    obj.exists = true;
    obj.current.balance += amount;
}

void State::sub_balance(const Address& address, const uint256& amount) {
    Object& obj = object(address);
    save_account(address, obj);
    obj.exists = true;
    obj.current.balance -= amount;
}

void State::set_balance(const Address& address, const uint256& amount) {
    Object& obj = object(address);
    save_account(address, obj);
    obj.exists = true;
    obj.current.balance = amount;
}

void State::set_nonce(const Address& address, std::uint64_t nonce) {
    Object& obj = object(address);
    save_account(address, obj);
    obj.exists = true;
    obj.current.nonce = nonce;
}

void State::set_code(const Address& address, core::Bytes code) {
    Object& obj = object(address);
    save_account(address, obj);
    obj.exists = true;
    obj.current.code_hash = core::keccak256(code);
    obj.code = std::make_shared<const core::Bytes>(std::move(code));
    if (obj.current.code_hash != core::kEmptyCodeHash) new_code_.emplace(obj.current.code_hash, obj.code);
}

void State::touch(const Address& address) {
    Object& obj = object(address);
    save_account(address, obj);
}

void State::create_contract(const Address& address) {
    Object& obj = object(address);
    JournalEntry e = entry(JournalEntry::Kind::kObject, address);
    e.object = std::make_unique<Object>(obj);
    journal_.push_back(std::move(e));
    if (touched_.insert(address).second) {
        journal_.push_back(entry(JournalEntry::Kind::kTouched, address));
    }
    if (created_.insert(address).second) {
        journal_.push_back(entry(JournalEntry::Kind::kCreated, address));
    }
    const uint256 balance = obj.exists ? obj.current.balance : uint256{};
    obj.exists = true;
    obj.current = Account{};
    obj.current.balance = balance;
    obj.code.reset();
    obj.storage_cleared = true;
    obj.dirty = true;
    for (auto& [key, s] : obj.storage) s.original = s.current = 0;
}

bool State::created_in_transaction(const Address& address) const { return created_.contains(address); }

void State::destruct(const Address& address) {
    if (destructed_.insert(address).second) {
        journal_.push_back(entry(JournalEntry::Kind::kDestructed, address));
    }
}

State::Slot& State::slot(Object& obj, const uint256& key) {
    auto it = obj.storage.find(key);
    if (it != obj.storage.end()) return it->second;
    Slot s;
    if (!obj.storage_cleared && obj.base_exists && obj.base.storage_root != core::kEmptyTrieRoot) {
        core::Trie trie(nodes_, obj.base.storage_root);
        auto raw = trie.get(core::keccak256(core::uint256_to_bytes32(key)));
        if (!raw) {
            set_error(raw.error() == core::TrieError::kMissingNode ? StateError::kMissingNode
                                                                   : StateError::kCorruptNode);
        } else if (*raw) {
            core::ByteView in = **raw;
            auto value = core::rlp::decode_uint256(in);
            if (value && in.empty()) {
                s.base = s.original = s.current = *value;
            } else {
                set_error(StateError::kCorruptNode);
            }
        }
    }
    return obj.storage.emplace(key, s).first->second;
}

uint256 State::storage(const Address& address, const uint256& key) {
    Object& obj = object(address);
    return slot(obj, key).current;
}

uint256 State::original_storage(const Address& address, const uint256& key) {
    Object& obj = object(address);
    return slot(obj, key).original;
}

void State::set_storage(const Address& address, const uint256& key, const uint256& value) {
    Object& obj = object(address);
    Slot& s = slot(obj, key);
    journal_.push_back(entry(JournalEntry::Kind::kStorage, address, key, s.current));
    s.current = value;
    obj.dirty = true;
}

uint256 State::transient(const Address& address, const uint256& key) const {
    auto it = transient_.find({address, key});
    return it == transient_.end() ? uint256{} : it->second;
}

void State::set_transient(const Address& address, const uint256& key, const uint256& value) {
    uint256& slot = transient_[{address, key}];
    journal_.push_back(entry(JournalEntry::Kind::kTransient, address, key, slot));
    slot = value;
}

bool State::access_account(const Address& address) {
    if (!warm_accounts_.insert(address).second) return false;
    journal_.push_back(entry(JournalEntry::Kind::kWarmAccount, address));
    return true;
}

bool State::access_storage(const Address& address, const uint256& key) {
    if (!warm_slots_.insert({address, key}).second) return false;
    journal_.push_back(entry(JournalEntry::Kind::kWarmSlot, address, key));
    return true;
}

void State::add_refund(std::uint64_t gas) {
    journal_.push_back(refund_entry(refund_));
    refund_ += gas;
}

void State::sub_refund(std::uint64_t gas) {
    journal_.push_back(refund_entry(refund_));
    refund_ -= gas;  // EIP-3529 pricing never takes back more than it gave in this transaction
}

void State::add_log(core::Log log) {
    journal_.push_back(entry(JournalEntry::Kind::kLog, {}));
    logs_.push_back(std::move(log));
}

void State::revert(std::size_t snapshot) {
    using Kind = JournalEntry::Kind;
    while (journal_.size() > snapshot) {
        JournalEntry& e = journal_.back();
        switch (e.kind) {
            case Kind::kAccount: {
                Object& obj = objects_.at(e.address);
                obj.exists = e.exists;
                obj.current = e.account;
                obj.code = std::move(e.code);
                break;
            }
            case Kind::kObject: objects_.at(e.address) = std::move(*e.object); break;
            case Kind::kStorage: objects_.at(e.address).storage.at(e.key).current = e.value; break;
            case Kind::kTransient: transient_[{e.address, e.key}] = e.value; break;
            case Kind::kWarmAccount: warm_accounts_.erase(e.address); break;
            case Kind::kWarmSlot: warm_slots_.erase({e.address, e.key}); break;
            case Kind::kRefund: refund_ = e.refund; break;
            case Kind::kLog: logs_.pop_back(); break;
            case Kind::kCreated: created_.erase(e.address); break;
            case Kind::kDestructed: destructed_.erase(e.address); break;
            case Kind::kTouched: touched_.erase(e.address); break;
        }
        journal_.pop_back();
    }
}

void State::begin_transaction() {
    journal_.clear();
    warm_accounts_.clear();
    warm_slots_.clear();
    transient_.clear();
    created_.clear();
    destructed_.clear();
    touched_.clear();
    logs_.clear();
    refund_ = 0;
}

void State::remove(Object& obj) {
    obj.exists = false;
    obj.current = Account{};
    obj.code.reset();
    obj.storage_cleared = true;
    obj.dirty = true;
    for (auto& [key, s] : obj.storage) s.current = 0;
}

void State::finalize_transaction() {
    // A slot's value at the start of the next transaction is its current one. Only slots this
    // transaction wrote (a storage entry of the journal; reverted writes left theirs equal) and
    // the slots of accounts removed here differ; walking every cached slot of the block instead
    // made each transaction cost as much as the block's storage so far (perf of bench_evm's
    // ERC-20 transfer: a third of its time in this loop).
    auto settle_all = [](Object& obj) {
        for (auto& [key, s] : obj.storage) s.original = s.current;
    };
    for (const Address& address : destructed_) {
        Object& obj = objects_.at(address);
        remove(obj);
        settle_all(obj);
    }
    for (const Address& address : touched_) {
        Object& obj = objects_.at(address);
        if (obj.exists && obj.current.is_empty()) {
            remove(obj);
            settle_all(obj);
        }
    }
    for (const JournalEntry& e : journal_) {
        if (e.kind != JournalEntry::Kind::kStorage) continue;
        Object& obj = objects_.at(e.address);
        if (auto it = obj.storage.find(e.key); it != obj.storage.end()) it->second.original = it->second.current;
    }
    journal_.clear();
    created_.clear();
    destructed_.clear();
    touched_.clear();
}

std::expected<Hash, StateError> State::compute(core::NodeStore* out) {
    if (error_) return std::unexpected(*error_);
    for (auto& [address, obj] : objects_) {
        if (!obj.dirty) continue;
        const Hash key = core::keccak256(address);
        if (!obj.exists) {
            if (auto r = accounts_.erase(key); !r) return std::unexpected(StateError::kMissingNode);
            continue;
        }
        const bool fresh = obj.storage_cleared || !obj.base_exists;
        core::Trie storage(nodes_, fresh ? core::kEmptyTrieRoot : obj.base.storage_root);
        for (const auto& [slot_key, s] : obj.storage) {
            if (!fresh && s.current == s.base) continue;
            const Hash hashed = core::keccak256(core::uint256_to_bytes32(slot_key));
            std::expected<void, core::TrieError> r;
            if (s.current == 0) {
                r = storage.erase(hashed);
            } else {
                core::Bytes value;
                core::rlp::encode(value, s.current);
                r = storage.put(hashed, value);
            }
            if (!r) return std::unexpected(StateError::kMissingNode);
        }
        obj.current.storage_root = out ? storage.commit(*out) : storage.root_hash();
        if (auto r = accounts_.put(key, obj.current.encode()); !r) return std::unexpected(StateError::kMissingNode);
    }
    if (error_) return std::unexpected(*error_);
    if (!out) return accounts_.root_hash();
    const Hash root = accounts_.commit(*out);
    // What was written is now the base: later changes are measured against it.
    for (auto& [address, obj] : objects_) {
        if (!obj.dirty) continue;
        obj.base_exists = obj.exists;
        obj.base = obj.current;
        obj.storage_cleared = false;
        obj.dirty = false;
        for (auto& [slot_key, s] : obj.storage) s.base = s.current;
    }
    return root;
}

std::expected<Hash, StateError> State::root() { return compute(nullptr); }

std::expected<Hash, StateError> State::commit(core::NodeStore& out) { return compute(&out); }

}  // namespace moe::evm
