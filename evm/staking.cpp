#include "evm/staking.hpp"

#include <secp256k1.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "core/keccak.hpp"

namespace moe::evm {

namespace {

using core::Address;
using core::Bytes;
using core::ByteView;
using core::uint256;

// Gas each function costs, charged up front: about what the same storage work would cost
// in EVM code, so that estimateGas and fees stay meaningful.
constexpr std::int64_t kStakeGas = 60'000;
constexpr std::int64_t kUnstakeGas = 45'000;
constexpr std::int64_t kWithdrawGas = 30'000;
constexpr std::int64_t kRegisterGas = 30'000;
constexpr std::int64_t kRegisterPerIdGas = 5'000;
constexpr std::int64_t kUnjailGas = 30'000;
constexpr std::int64_t kViewGas = 3'000;
constexpr std::int64_t kViewPerItemGas = 500;
constexpr std::size_t kMaxExperts = 16;

// Storage layout: per-validator fields live at keccak(validator . field) (a mapping per field,
// as Solidity lays out `mapping(address => ...)`); the validator list at kListSlot, the
// validators whose downtime counter is above zero at kMissedListSlot. New fields are appended;
// a number, once stored on a chain, never changes meaning.
enum Field : std::uint8_t {
    kStake = 0,
    kUnbonding = 1,
    kRelease = 2,
    kPubkeyHead = 3,
    kPubkeyTail = 4,
    kExperts = 5,
    kListIndex = 6,
    kJailed = 7,
    kJailedUntil = 8,
    kMissed = 9,
};
const uint256 kListSlot = 100;
// The routing gate: its length at kGateSlot, its bytes in 32-byte words from keccak(kGateSlot).
const uint256 kGateSlot = 200;
const uint256 kMissedListSlot = 101;
constexpr std::uint32_t kBpsDenominator = 10'000;

std::uint32_t selector(std::string_view signature) {
    const core::Hash h = core::keccak256(core::as_bytes(signature));
    return (std::uint32_t{h[0]} << 24) | (std::uint32_t{h[1]} << 16) | (std::uint32_t{h[2]} << 8) | h[3];
}

uint256 field_slot(const Address& validator, Field f) {
    std::array<std::uint8_t, 64> buf{};
    std::copy(validator.bytes.begin(), validator.bytes.end(), buf.begin() + 12);
    buf[63] = f;
    return core::uint256_from_big_endian(core::keccak256(buf));
}

/// Element i of the dynamic array at `slot`, as Solidity lays out `address[]`.
uint256 array_element_slot(const uint256& slot, std::uint64_t i) {
    return core::uint256_from_big_endian(core::keccak256(core::uint256_to_bytes32(slot))) + i;
}
uint256 list_element_slot(std::uint64_t i) { return array_element_slot(kListSlot, i); }

uint256 word(const Address& a) { return core::uint256_from_big_endian(a); }
Address address_of(const uint256& w) {
    const core::Hash h = core::uint256_to_bytes32(w);
    return Address::right_aligned(h.view().subspan(12));
}

void put_word(Bytes& out, const uint256& v) {
    const core::Hash h = core::uint256_to_bytes32(v);
    out.insert(out.end(), h.bytes.begin(), h.bytes.end());
}

/// ABI encoding of Error(string), as Solidity's require() reverts.
Bytes revert_reason(std::string_view reason) {
    Bytes out = {0x08, 0xc3, 0x79, 0xa0};
    put_word(out, 32);
    put_word(out, reason.size());
    out.insert(out.end(), reason.begin(), reason.end());
    out.resize(out.size() + (32 - reason.size() % 32) % 32, 0);
    return out;
}

/// Reads ABI words from calldata after the selector; any read past the end fails.
class Args {
  public:
    explicit Args(ByteView data) : data_(data) {}
    std::optional<uint256> word_at(std::uint64_t offset) const {
        if (offset > data_.size() || data_.size() - offset < 32) return std::nullopt;
        return core::uint256_from_big_endian(data_.subspan(offset, 32));
    }
    /// The dynamic item (bytes or array) whose offset is in head word `i`: its length and where its data starts.
    std::optional<std::pair<std::uint64_t, std::uint64_t>> dynamic(std::uint64_t i) const {
        auto off = word_at(32 * i);
        if (!off || *off > data_.size()) return std::nullopt;
        auto len = word_at(static_cast<std::uint64_t>(*off));
        if (!len || *len > data_.size()) return std::nullopt;
        return std::pair{static_cast<std::uint64_t>(*len), static_cast<std::uint64_t>(*off) + 32};
    }
    ByteView bytes(std::uint64_t start, std::uint64_t len) const {
        if (start > data_.size() || data_.size() - start < len) return {};
        return data_.subspan(start, len);
    }
    std::size_t size() const { return data_.size(); }

  private:
    ByteView data_;
};

/// The contract's storage seen through one call.
class Store {
  public:
    explicit Store(State& s) : s_(s) {}
    uint256 get(const uint256& slot) { return s_.storage(staking_address(), slot); }
    void set(const uint256& slot, const uint256& v) { s_.set_storage(staking_address(), slot, v); }
    uint256 field(const Address& a, Field f, std::uint64_t offset = 0) { return get(field_slot(a, f) + offset); }
    void set_field(const Address& a, Field f, const uint256& v, std::uint64_t offset = 0) {
        set(field_slot(a, f) + offset, v);
    }

    std::vector<Address> list() {
        std::vector<Address> out;
        const std::uint64_t n = static_cast<std::uint64_t>(get(kListSlot));
        for (std::uint64_t i = 0; i < n; ++i) out.push_back(address_of(get(list_element_slot(i))));
        std::sort(out.begin(), out.end());
        return out;
    }
    void list_add(const Address& a) {
        if (field(a, kListIndex) != 0) return;
        const std::uint64_t n = static_cast<std::uint64_t>(get(kListSlot));
        set(list_element_slot(n), word(a));
        set(kListSlot, n + 1);
        set_field(a, kListIndex, n + 1);
    }
    void list_remove(const Address& a) {
        const uint256 index = field(a, kListIndex);
        if (index == 0) return;
        const std::uint64_t n = static_cast<std::uint64_t>(get(kListSlot));
        const std::uint64_t i = static_cast<std::uint64_t>(index) - 1;
        const uint256 last = get(list_element_slot(n - 1));
        set(list_element_slot(i), last);
        set_field(address_of(last), kListIndex, i + 1);
        set(list_element_slot(n - 1), 0);
        set(kListSlot, n - 1);
        set_field(a, kListIndex, 0);
    }
    core::FixedBytes<33> pubkey(const Address& a) {
        core::FixedBytes<33> k;
        const core::Hash head = core::uint256_to_bytes32(field(a, kPubkeyHead));
        std::copy(head.bytes.begin(), head.bytes.end(), k.bytes.begin());
        k[32] = static_cast<std::uint8_t>(field(a, kPubkeyTail) & 0xff);
        return k;
    }
    /// The validators whose downtime counter is above zero, in address order.
    std::vector<Address> missed_list() {
        std::vector<Address> out;
        const std::uint64_t n = static_cast<std::uint64_t>(get(kMissedListSlot));
        for (std::uint64_t i = 0; i < n; ++i) out.push_back(address_of(get(array_element_slot(kMissedListSlot, i))));
        std::sort(out.begin(), out.end());
        return out;
    }
    void add_missed(const Address& a) {
        const uint256 missed = field(a, kMissed);
        if (missed == 0) {
            const std::uint64_t n = static_cast<std::uint64_t>(get(kMissedListSlot));
            set(array_element_slot(kMissedListSlot, n), word(a));
            set(kMissedListSlot, n + 1);
        }
        set_field(a, kMissed, missed + 1);
    }
    void clear_missed() {
        const std::uint64_t n = static_cast<std::uint64_t>(get(kMissedListSlot));
        for (std::uint64_t i = 0; i < n; ++i) {
            const uint256 slot = array_element_slot(kMissedListSlot, i);
            set_field(address_of(get(slot)), kMissed, 0);
            set(slot, 0);
        }
        set(kMissedListSlot, 0);
    }
    /// Jails until `until`, or later if an earlier jail already runs longer.
    void jail(const Address& a, std::uint64_t until) {
        set_field(a, kJailed, 1);
        set_field(a, kJailedUntil, std::max(field(a, kJailedUntil), uint256(until)));
    }
    /// Replaces a validator's expert ids with `list`, sorted and deduplicated (at most kMaxExperts).
    void set_experts(const Address& a, std::vector<std::uint32_t>& list) {
        std::sort(list.begin(), list.end());
        list.erase(std::unique(list.begin(), list.end()), list.end());
        if (list.size() > kMaxExperts) list.resize(kMaxExperts);
        const std::uint64_t old = static_cast<std::uint64_t>(field(a, kExperts));
        for (std::uint64_t i = 0; i < std::max<std::uint64_t>(old, list.size()) && i < kMaxExperts; ++i) {
            set_field(a, kExperts, i < list.size() ? uint256(list[i]) : uint256(0), i + 1);
        }
        set_field(a, kExperts, list.size());
    }
    std::vector<std::uint32_t> experts(const Address& a) {
        std::vector<std::uint32_t> out;
        const std::uint64_t n = static_cast<std::uint64_t>(field(a, kExperts));
        for (std::uint64_t i = 0; i < n && i < kMaxExperts; ++i) {
            out.push_back(static_cast<std::uint32_t>(field(a, kExperts, i + 1)));
        }
        return out;
    }

  private:
    State& s_;
};

bool valid_pubkey(ByteView key) {
    if (key.size() != 33) return false;
    secp256k1_pubkey parsed;
    return secp256k1_ec_pubkey_parse(secp256k1_context_static, &parsed, key.data(), key.size()) == 1;
}

void emit(State& state, std::string_view event, const Address& validator, Bytes data) {
    core::Log log;
    log.address = staking_address();
    log.topics.push_back(core::keccak256(core::as_bytes(event)));
    log.topics.push_back(core::uint256_to_bytes32(word(validator)));
    log.data = std::move(data);
    state.add_log(std::move(log));
}

Bytes encode_u32_array(const std::vector<std::uint32_t>& ids) {
    Bytes out;
    put_word(out, 32);
    put_word(out, ids.size());
    for (std::uint32_t id : ids) put_word(out, id);
    return out;
}

}  // namespace

const Address& staking_address() noexcept {
    static const Address kAddress = [] {
        Address a;
        a[18] = 0x10;
        return a;
    }();
    return kAddress;
}

Result StakingContract::call(State& state, const BlockEnv& block, const Message& msg) {
    static const std::uint32_t kSelStake = selector("stake(bytes)");
    static const std::uint32_t kSelUnstake = selector("unstake(uint256)");
    static const std::uint32_t kSelWithdraw = selector("withdraw()");
    static const std::uint32_t kSelRegister = selector("registerExperts(uint32[])");
    static const std::uint32_t kSelStakeOf = selector("stakeOf(address)");
    static const std::uint32_t kSelValidators = selector("validators()");
    static const std::uint32_t kSelPubkeyOf = selector("pubkeyOf(address)");
    static const std::uint32_t kSelExpertsOf = selector("expertsOf(address)");
    static const std::uint32_t kSelUnbondingOf = selector("unbondingOf(address)");
    static const std::uint32_t kSelUnjail = selector("unjail()");
    static const std::uint32_t kSelJailOf = selector("jailOf(address)");
    static const std::uint32_t kSelMissedOf = selector("missedOf(address)");
    static const std::uint32_t kSelSetGate = selector("setRoutingGate(bytes)");
    static const std::uint32_t kSelGate = selector("routingGate()");

    // Only a plain CALL or STATICCALL runs the contract on its own storage.
    if (msg.recipient != staking_address()) return {Status::kInvalidInstruction, 0, {}, {}};
    auto revert = [&msg](std::string_view why, std::int64_t gas) {
        return Result{Status::kRevert, std::max<std::int64_t>(msg.gas - gas, 0), revert_reason(why), {}};
    };
    if (msg.input.size() < 4) return revert("staking: no function selector", 0);
    const std::uint32_t sel = (std::uint32_t{msg.input[0]} << 24) | (std::uint32_t{msg.input[1]} << 16) |
                              (std::uint32_t{msg.input[2]} << 8) | msg.input[3];
    const Args args(msg.input.subspan(4));
    const bool writes = sel == kSelStake || sel == kSelUnstake || sel == kSelWithdraw || sel == kSelRegister ||
                        sel == kSelUnjail || sel == kSelSetGate;
    if (writes && msg.is_static) return {Status::kStaticModeViolation, 0, {}, {}};
    if (sel != kSelStake && msg.value != 0) return revert("staking: function is not payable", 0);

    Store store(state);
    const Address& caller = msg.sender;
    auto charge = [&msg](std::int64_t gas) { return msg.gas >= gas; };
    auto ok = [&msg](std::int64_t gas, Bytes out) { return Result{Status::kSuccess, msg.gas - gas, std::move(out), {}}; };
    auto out_of_gas = [] { return Result{Status::kOutOfGas, 0, {}, {}}; };

    if (sel == kSelStake) {
        if (!charge(kStakeGas)) return out_of_gas();
        auto key = args.dynamic(0);
        if (!key) return revert("staking: malformed calldata", kStakeGas);
        const ByteView pubkey = args.bytes(key->second, key->first);
        if (!valid_pubkey(pubkey) || pubkey.size() != key->first) {
            return revert("staking: validatorPubkey must be a 33-byte compressed secp256k1 key", kStakeGas);
        }
        if (msg.value == 0) return revert("staking: stake needs a value", kStakeGas);
        const uint256 stake = store.field(caller, kStake);
        const core::FixedBytes<33> bound = store.pubkey(caller);
        const bool has_key = !bound.is_zero();
        if (has_key && !std::equal(bound.bytes.begin(), bound.bytes.end(), pubkey.begin())) {
            return revert("staking: validatorPubkey differs from the key of the first stake", kStakeGas);
        }
        store.set_field(caller, kStake, stake + msg.value);
        store.set_field(caller, kPubkeyHead, core::uint256_from_big_endian(pubkey.subspan(0, 32)));
        store.set_field(caller, kPubkeyTail, pubkey[32]);
        store.list_add(caller);
        Bytes data;
        put_word(data, 64);
        put_word(data, msg.value);
        put_word(data, 33);
        data.insert(data.end(), pubkey.begin(), pubkey.end());
        data.resize(data.size() + 31, 0);
        emit(state, "Staked(address,bytes,uint256)", caller, std::move(data));
        return ok(kStakeGas, {});
    }
    if (sel == kSelUnstake) {
        if (!charge(kUnstakeGas)) return out_of_gas();
        auto amount = args.word_at(0);
        if (!amount) return revert("staking: malformed calldata", kUnstakeGas);
        const uint256 stake = store.field(caller, kStake);
        if (*amount == 0 || *amount > stake) return revert("staking: amount must be above zero and at most the stake", kUnstakeGas);
        const std::uint64_t release = block.number + rules_.unbonding_blocks;
        store.set_field(caller, kStake, stake - *amount);
        store.set_field(caller, kUnbonding, store.field(caller, kUnbonding) + *amount);
        store.set_field(caller, kRelease, release);
        if (stake == *amount) store.list_remove(caller);
        Bytes data;
        put_word(data, *amount);
        put_word(data, release);
        emit(state, "Unstaked(address,uint256,uint256)", caller, std::move(data));
        return ok(kUnstakeGas, {});
    }
    if (sel == kSelWithdraw) {
        if (!charge(kWithdrawGas)) return out_of_gas();
        const uint256 amount = store.field(caller, kUnbonding);
        if (amount == 0) return revert("staking: nothing to withdraw", kWithdrawGas);
        const uint256 release = store.field(caller, kRelease);
        if (uint256(block.number) < release) {
            return revert("staking: unbonding until block " + release.str(), kWithdrawGas);
        }
        store.set_field(caller, kUnbonding, 0);
        store.set_field(caller, kRelease, 0);
        state.sub_balance(staking_address(), amount);
        state.add_balance(caller, amount);
        Bytes data;
        put_word(data, amount);
        emit(state, "Withdrawn(address,uint256)", caller, std::move(data));
        return ok(kWithdrawGas, {});
    }
    if (sel == kSelRegister) {
        auto ids = args.dynamic(0);
        if (!ids) return revert("staking: malformed calldata", 0);
        const std::int64_t gas = kRegisterGas + kRegisterPerIdGas * static_cast<std::int64_t>(std::min<std::uint64_t>(ids->first, 1000));
        if (!charge(gas)) return out_of_gas();
        if (ids->first > kMaxExperts) return revert("staking: at most 16 expert ids", gas);
        if (store.field(caller, kStake) == 0) return revert("staking: registerExperts needs a stake", gas);
        std::vector<std::uint32_t> list;
        for (std::uint64_t i = 0; i < ids->first; ++i) {
            auto w = args.word_at(ids->second + 32 * i);
            if (!w) return revert("staking: malformed calldata", gas);
            if (*w > UINT32_MAX) return revert("staking: expert id does not fit uint32", gas);
            list.push_back(static_cast<std::uint32_t>(*w));
        }
        store.set_experts(caller, list);
        emit(state, "ExpertsRegistered(address,uint32[])", caller, encode_u32_array(list));
        return ok(gas, {});
    }

    if (sel == kSelUnjail) {
        if (!charge(kUnjailGas)) return out_of_gas();
        if (store.field(caller, kJailed) == 0) return revert("staking: not jailed", kUnjailGas);
        if (uint256(block.number) < store.field(caller, kJailedUntil)) {
            return revert("staking: jail period not over", kUnjailGas);
        }
        if (store.field(caller, kStake) == 0) return revert("staking: no stake", kUnjailGas);
        store.set_field(caller, kJailed, 0);
        store.set_field(caller, kJailedUntil, 0);
        emit(state, "Unjailed(address)", caller, {});
        return ok(kUnjailGas, {});
    }

    if (sel == kSelSetGate) {
        auto gate = args.dynamic(0);
        if (!gate) return revert("staking: malformed calldata", 0);
        const std::int64_t gas = kRegisterGas + kRegisterPerIdGas * static_cast<std::int64_t>(std::min<std::uint64_t>(gate->first / 32 + 1, 100'000));
        if (!charge(gas)) return out_of_gas();
        if (!rules_.routing_governance || caller != *rules_.routing_governance) {
            return revert("staking: only the routing governance may set the gate", gas);
        }
        const std::uint64_t want = std::uint64_t{rules_.gate_features} * rules_.gate_experts + 4ull * rules_.gate_experts;
        if (rules_.gate_experts == 0 || gate->first != want) {
            return revert("staking: the gate must be " + std::to_string(want) + " bytes (int8 weights [features][experts], int32 biases)", gas);
        }
        const ByteView bytes = args.bytes(gate->second, gate->first);
        if (bytes.size() != gate->first) return revert("staking: malformed calldata", gas);
        store.set(kGateSlot, gate->first);
        for (std::uint64_t i = 0; i * 32 < bytes.size(); ++i) {
            std::array<std::uint8_t, 32> chunk{};
            const std::size_t n = std::min<std::size_t>(32, bytes.size() - i * 32);
            std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(i * 32), n, chunk.begin());
            store.set(array_element_slot(kGateSlot, i), core::uint256_from_big_endian(chunk));
        }
        Bytes data;
        put_word(data, core::uint256_from_big_endian(core::keccak256(bytes)));
        emit(state, "RoutingGateSet(address,bytes32)", caller, std::move(data));
        return ok(gas, {});
    }
    if (sel == kSelGate) {
        if (!charge(kViewGas)) return out_of_gas();
        const Bytes gate = read_routing_gate(state).value_or(Bytes{});
        Bytes out;
        put_word(out, 32);
        put_word(out, gate.size());
        out.insert(out.end(), gate.begin(), gate.end());
        out.resize(out.size() + (32 - gate.size() % 32) % 32, 0);
        return ok(kViewGas, std::move(out));
    }

    // Views.
    auto address_arg = [&args]() -> std::optional<Address> {
        auto w = args.word_at(0);
        if (!w || (*w >> 160) != 0) return std::nullopt;
        return address_of(*w);
    };
    if (sel == kSelStakeOf || sel == kSelPubkeyOf || sel == kSelExpertsOf || sel == kSelUnbondingOf ||
        sel == kSelJailOf || sel == kSelMissedOf) {
        if (!charge(kViewGas)) return out_of_gas();
        auto who = address_arg();
        if (!who) return revert("staking: malformed calldata", kViewGas);
        Bytes out;
        if (sel == kSelStakeOf) {
            put_word(out, store.field(*who, kStake));
        } else if (sel == kSelUnbondingOf) {
            put_word(out, store.field(*who, kUnbonding));
            put_word(out, store.field(*who, kRelease));
        } else if (sel == kSelJailOf) {
            put_word(out, store.field(*who, kJailed) != 0 ? 1 : 0);
            put_word(out, store.field(*who, kJailedUntil));
        } else if (sel == kSelMissedOf) {
            put_word(out, store.field(*who, kMissed));
        } else if (sel == kSelExpertsOf) {
            out = encode_u32_array(store.experts(*who));
        } else {
            const core::FixedBytes<33> key = store.pubkey(*who);
            put_word(out, 32);
            if (key.is_zero()) {
                put_word(out, 0);
            } else {
                put_word(out, 33);
                out.insert(out.end(), key.bytes.begin(), key.bytes.end());
                out.resize(out.size() + 31, 0);
            }
        }
        return ok(kViewGas, std::move(out));
    }
    if (sel == kSelValidators) {
        const std::vector<Address> list = store.list();
        const std::int64_t gas = kViewGas + kViewPerItemGas * static_cast<std::int64_t>(list.size());
        if (!charge(gas)) return out_of_gas();
        Bytes out;
        put_word(out, 32);
        put_word(out, list.size());
        for (const Address& a : list) put_word(out, word(a));
        return ok(gas, std::move(out));
    }
    return revert("staking: unknown function", 0);
}

std::optional<Bytes> read_routing_gate(State& state) {
    Store store(state);
    const uint256 length = store.get(kGateSlot);
    if (length == 0 || length > 1'000'000) return std::nullopt;
    const auto n = static_cast<std::size_t>(length);
    Bytes out;
    out.reserve(n + 32);
    for (std::uint64_t i = 0; i * 32 < n; ++i) {
        const core::Hash chunk = core::uint256_to_bytes32(store.get(array_element_slot(kGateSlot, i)));
        out.insert(out.end(), chunk.bytes.begin(), chunk.bytes.end());
    }
    out.resize(n);
    return out;
}

std::vector<StakeRecord> read_stakes(State& state) {
    Store store(state);
    std::vector<StakeRecord> out;
    for (const Address& a : store.list()) {
        StakeRecord r;
        r.validator = a;
        r.stake = store.field(a, kStake);
        r.unbonding = store.field(a, kUnbonding);
        r.release_block = static_cast<std::uint64_t>(store.field(a, kRelease));
        r.pubkey = store.pubkey(a);
        r.experts = store.experts(a);
        r.jailed = store.field(a, kJailed) != 0;
        r.jailed_until = static_cast<std::uint64_t>(store.field(a, kJailedUntil));
        r.missed = static_cast<std::uint64_t>(store.field(a, kMissed));
        out.push_back(std::move(r));
    }
    return out;
}

void genesis_stake(State& state, const Address& validator, const core::FixedBytes<33>& pubkey, const uint256& amount) {
    Store store(state);
    store.set_field(validator, kStake, store.field(validator, kStake) + amount);
    store.set_field(validator, kPubkeyHead, core::uint256_from_big_endian(pubkey.view().subspan(0, 32)));
    store.set_field(validator, kPubkeyTail, pubkey[32]);
    store.list_add(validator);
    state.add_balance(staking_address(), amount);
}

void genesis_register_experts(State& state, const Address& validator, std::vector<std::uint32_t> experts) {
    Store store(state);
    store.set_experts(validator, experts);
}

uint256 slash_and_jail(State& state, const Address& validator, std::uint32_t fraction_bps, std::uint64_t jailed_until) {
    Store store(state);
    const uint256 stake = store.field(validator, kStake);
    const uint256 unbonding = store.field(validator, kUnbonding);
    if (stake == 0 && unbonding == 0) return 0;
    const uint256 bps = std::min(fraction_bps, kBpsDenominator);
    // Unbonding stake is slashed too: a validator cannot escape by unstaking after the fault.
    const uint256 from_stake = stake * bps / kBpsDenominator;
    const uint256 from_unbonding = unbonding * bps / kBpsDenominator;
    store.set_field(validator, kStake, stake - from_stake);
    store.set_field(validator, kUnbonding, unbonding - from_unbonding);
    if (stake != 0 && stake == from_stake) store.list_remove(validator);
    store.jail(validator, jailed_until);
    // The contract holds every stake and unbonding amount, so its balance covers the burn.
    const uint256 burned = std::min(from_stake + from_unbonding, state.balance(staking_address()));
    state.sub_balance(staking_address(), burned);
    return burned;
}

void record_commit(State& state, std::uint64_t block_number, const std::vector<Address>& validators,
                   const std::vector<Address>& signers, const DowntimeRules& rules) {
    Store store(state);
    std::vector<Address> signed_sorted = signers;
    std::sort(signed_sorted.begin(), signed_sorted.end());
    std::vector<Address> absent = validators;
    std::sort(absent.begin(), absent.end());
    absent.erase(std::unique(absent.begin(), absent.end()), absent.end());
    for (const Address& v : absent) {
        if (!std::binary_search(signed_sorted.begin(), signed_sorted.end(), v)) store.add_missed(v);
    }
    if (rules.window == 0 || block_number % rules.window != 0) return;
    const uint256 limit = uint256(rules.window) * rules.max_missed_bps;
    for (const Address& v : store.missed_list()) {
        if (store.field(v, kMissed) * kBpsDenominator > limit) store.jail(v, block_number + rules.jail_blocks);
    }
    store.clear_missed();
}

void record_missed_duties(State& state, const std::vector<Address>& silent) {
    Store store(state);
    for (const Address& v : silent) store.add_missed(v);
}

}  // namespace moe::evm
