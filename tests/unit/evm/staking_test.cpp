// The staking contract's jail, slash, downtime and unjail rules, over an in-memory state, through
// its ABI where a transaction can reach it and through the protocol operations where only the
// node can.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "core/keccak.hpp"
#include "core/secp256k1.hpp"
#include "evm/evm.hpp"
#include "evm/staking.hpp"
#include "evm/state.hpp"

namespace moe::evm {
namespace {

using core::Address;
using core::Bytes;
using core::uint256;

const uint256 kEther = uint256(1'000'000'000'000'000'000ull);

Address addr(std::uint8_t b) {
    Address a;
    a[0] = 0xaa;
    a[19] = b;
    return a;
}

Bytes word(const uint256& v) {
    const core::Hash h = core::uint256_to_bytes32(v);
    return Bytes(h.bytes.begin(), h.bytes.end());
}

Bytes calldata(std::string_view signature, const std::vector<Bytes>& words = {}) {
    const core::Hash h = core::keccak256(core::as_bytes(signature));
    Bytes out(h.bytes.begin(), h.bytes.begin() + 4);
    for (const Bytes& w : words) out.insert(out.end(), w.begin(), w.end());
    return out;
}

/// The Error(string) reason of a revert's output.
std::string reason(const Result& r) {
    if (r.output.size() < 4 + 64) return {};
    const auto len = static_cast<std::size_t>(core::uint256_from_big_endian(core::ByteView(r.output).subspan(36, 32)));
    if (r.output.size() < 68 + len) return {};
    return std::string(r.output.begin() + 68, r.output.begin() + 68 + static_cast<std::ptrdiff_t>(len));
}

uint256 word_at(const Result& r, std::size_t i) {
    return core::uint256_from_big_endian(core::ByteView(r.output).subspan(32 * i, 32));
}

class StakingTest : public ::testing::Test {
  protected:
    StakingTest() {
        state.set_code(staking_address(), Bytes{kStakingCode});
        state.begin_transaction();
    }

    Result call(const Address& sender, const Bytes& input, const uint256& value = 0) {
        input_ = input;
        Message msg;
        msg.gas = 1'000'000;
        msg.sender = sender;
        msg.recipient = msg.code_address = staking_address();
        msg.value = value;
        msg.input = input_;
        if (value != 0) {
            state.sub_balance(sender, value);
            state.add_balance(staking_address(), value);
        }
        return contract.call(state, block, msg);
    }

    void stake(const Address& who, const uint256& amount) {
        state.add_balance(who, amount);
        const core::FixedBytes<33> key = core::PrivateKey::from_seed(core::keccak256(who)).compressed_public_key();
        Bytes in = calldata("stake(bytes)", {word(32), word(33)});
        in.insert(in.end(), key.bytes.begin(), key.bytes.end());
        in.resize(in.size() + 31, 0);
        ASSERT_EQ(call(who, in, amount).status, Status::kSuccess);
    }

    std::pair<bool, uint256> jail_of(const Address& who) {
        const Result r = call(addr(0xee), calldata("jailOf(address)", {word(core::uint256_from_big_endian(who))}));
        EXPECT_EQ(r.status, Status::kSuccess);
        EXPECT_EQ(r.output.size(), 64u);
        return {word_at(r, 0) != 0, word_at(r, 1)};
    }

    uint256 missed_of(const Address& who) {
        const Result r = call(addr(0xee), calldata("missedOf(address)", {word(core::uint256_from_big_endian(who))}));
        EXPECT_EQ(r.status, Status::kSuccess);
        return word_at(r, 0);
    }

    uint256 stake_of(const Address& who) {
        return word_at(call(addr(0xee), calldata("stakeOf(address)", {word(core::uint256_from_big_endian(who))})), 0);
    }

    core::MemoryNodeStore nodes;
    MemoryCodeStore codes;
    State state{&nodes, &codes, core::kEmptyTrieRoot};
    BlockEnv block;
    StakingContract contract{[] {
        StakingRules rules;
        rules.unbonding_blocks = 10;
        return rules;
    }()};
    Bytes input_;
};

TEST_F(StakingTest, GenesisStakeCreditsStakeKeyAndContractBalance) {
    const core::PrivateKey key = core::PrivateKey::from_seed(core::keccak256(core::as_bytes("v")));
    genesis_stake(state, key.address(), key.compressed_public_key(), 100 * kEther);
    EXPECT_EQ(state.balance(staking_address()), 100 * kEther);
    const auto records = read_stakes(state);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].validator, key.address());
    EXPECT_EQ(records[0].stake, 100 * kEther);
    EXPECT_EQ(records[0].pubkey, key.compressed_public_key());
    EXPECT_FALSE(records[0].jailed);
}

TEST_F(StakingTest, SlashBurnsFromStakeUnbondingAndContractBalance) {
    stake(addr(1), 100 * kEther);
    ASSERT_EQ(call(addr(1), calldata("unstake(uint256)", {word(20 * kEther)})).status, Status::kSuccess);
    ASSERT_EQ(state.balance(staking_address()), 100 * kEther);

    const uint256 burned = slash_and_jail(state, addr(1), 500, 60);
    EXPECT_EQ(burned, 4 * kEther + 1 * kEther);  // 5% of 80 staked and of 20 unbonding
    EXPECT_EQ(state.balance(staking_address()), 95 * kEther);
    EXPECT_EQ(stake_of(addr(1)), 76 * kEther);
    const Result unbonding = call(addr(0xee), calldata("unbondingOf(address)", {word(core::uint256_from_big_endian(addr(1)))}));
    EXPECT_EQ(word_at(unbonding, 0), 19 * kEther);
    EXPECT_EQ(jail_of(addr(1)), std::make_pair(true, uint256(60)));
    const auto records = read_stakes(state);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_TRUE(records[0].jailed);
    EXPECT_EQ(records[0].jailed_until, 60u);
}

TEST_F(StakingTest, SlashOfAnUnknownValidatorBurnsNothing) {
    stake(addr(1), 10 * kEther);
    EXPECT_EQ(slash_and_jail(state, addr(2), 500, 60), 0);
    EXPECT_EQ(state.balance(staking_address()), 10 * kEther);
    EXPECT_FALSE(jail_of(addr(2)).first);
}

TEST_F(StakingTest, SlashFractionIsCappedAtEverything) {
    stake(addr(1), 10 * kEther);
    EXPECT_EQ(slash_and_jail(state, addr(1), 20'000, 5), 10 * kEther);
    EXPECT_EQ(state.balance(staking_address()), 0);
    EXPECT_TRUE(read_stakes(state).empty());
    EXPECT_TRUE(jail_of(addr(1)).first);
    // A second slash finds nothing left to burn.
    EXPECT_EQ(slash_and_jail(state, addr(1), 500, 5), 0);
}

TEST_F(StakingTest, LaterJailNeverShortensAnEarlierOne) {
    stake(addr(1), 10 * kEther);
    (void)slash_and_jail(state, addr(1), 0, 100);
    (void)slash_and_jail(state, addr(1), 0, 40);
    EXPECT_EQ(jail_of(addr(1)).second, 100);
}

TEST_F(StakingTest, UnjailRevertsUntilTheJailPeriodEnds) {
    stake(addr(1), 10 * kEther);
    Result r = call(addr(1), calldata("unjail()"));
    EXPECT_EQ(r.status, Status::kRevert);
    EXPECT_EQ(reason(r), "staking: not jailed");

    (void)slash_and_jail(state, addr(1), 500, 60);
    block.number = 59;
    r = call(addr(1), calldata("unjail()"));
    EXPECT_EQ(r.status, Status::kRevert);
    EXPECT_EQ(reason(r), "staking: jail period not over");
    EXPECT_TRUE(jail_of(addr(1)).first);

    block.number = 60;
    const std::size_t logs_before = state.logs().size();
    r = call(addr(1), calldata("unjail()"));
    EXPECT_EQ(r.status, Status::kSuccess) << reason(r);
    EXPECT_FALSE(jail_of(addr(1)).first);
    ASSERT_EQ(state.logs().size(), logs_before + 1);
    const core::Log& log = state.logs().back();
    EXPECT_EQ(log.topics.at(0), core::keccak256(core::as_bytes(std::string_view("Unjailed(address)"))));
    EXPECT_EQ(log.topics.at(1), core::uint256_to_bytes32(core::uint256_from_big_endian(addr(1))));
    EXPECT_FALSE(read_stakes(state).at(0).jailed);
}

TEST_F(StakingTest, UnjailNeedsAStake) {
    stake(addr(1), 10 * kEther);
    (void)slash_and_jail(state, addr(1), 10'000, 5);
    block.number = 5;
    const Result r = call(addr(1), calldata("unjail()"));
    EXPECT_EQ(r.status, Status::kRevert);
    EXPECT_EQ(reason(r), "staking: no stake");
}

TEST_F(StakingTest, UnjailIsAWriteAndRefusesStaticCallsAndValue) {
    Message msg;
    msg.gas = 100'000;
    msg.sender = addr(1);
    msg.recipient = msg.code_address = staking_address();
    input_ = calldata("unjail()");
    msg.input = input_;
    msg.is_static = true;
    EXPECT_EQ(contract.call(state, block, msg).status, Status::kStaticModeViolation);
    msg.is_static = false;
    msg.value = 1;
    EXPECT_EQ(reason(contract.call(state, block, msg)), "staking: function is not payable");
}

TEST_F(StakingTest, DowntimeJailsPastTheThresholdNotAtIt) {
    // A window of 10 blocks with at most 50% missed: 5 misses are tolerated, 6 are not.
    const DowntimeRules rules{10, 5000, 7};
    stake(addr(1), 10 * kEther);
    stake(addr(2), 10 * kEther);
    stake(addr(3), 10 * kEther);
    const std::vector<Address> set = {addr(3), addr(1), addr(2)};
    for (std::uint64_t n = 1; n <= 10; ++n) {
        std::vector<Address> signers = {addr(3)};
        if (n > 5) signers.push_back(addr(1));  // addr(1) misses 5
        if (n > 6) signers.push_back(addr(2));  // addr(2) misses 6
        if (n == 9) {
            EXPECT_EQ(missed_of(addr(2)), 6);
        }
        record_commit(state, n, set, signers, rules);
    }
    EXPECT_FALSE(jail_of(addr(1)).first);
    EXPECT_EQ(jail_of(addr(2)), std::make_pair(true, uint256(17)));
    EXPECT_FALSE(jail_of(addr(3)).first);
    for (const StakeRecord& r : read_stakes(state)) EXPECT_EQ(r.missed, 0u) << r.validator.hex();
    EXPECT_EQ(missed_of(addr(2)), 0);
}

TEST_F(StakingTest, DowntimeCountersStartOverEachWindow) {
    const DowntimeRules rules{4, 5000, 4};
    stake(addr(1), 10 * kEther);
    const std::vector<Address> set = {addr(1)};
    // Misses at blocks 1 and 4 of each window (the 4th ends it): exactly half, never more.
    for (std::uint64_t n = 1; n <= 8; ++n) {
        record_commit(state, n, set, n % 4 < 2 ? std::vector<Address>{} : set, rules);
        EXPECT_EQ(missed_of(addr(1)), n % 4 == 0 ? 0 : 1) << n;
    }
    EXPECT_FALSE(jail_of(addr(1)).first);
    // A window missed entirely jails.
    for (std::uint64_t n = 9; n <= 12; ++n) record_commit(state, n, set, {}, rules);
    EXPECT_EQ(jail_of(addr(1)), std::make_pair(true, uint256(16)));
}

TEST_F(StakingTest, DowntimeDoesNotDependOnTheOrderOfTheLists) {
    const DowntimeRules rules{2, 0, 3};
    for (std::uint8_t i = 1; i <= 3; ++i) stake(addr(i), kEther);
    record_commit(state, 1, {addr(3), addr(2), addr(1), addr(2)}, {addr(2)}, rules);
    EXPECT_EQ(missed_of(addr(1)), 1);
    EXPECT_EQ(missed_of(addr(2)), 0);
    EXPECT_EQ(missed_of(addr(3)), 1);
    record_commit(state, 2, {addr(1), addr(2), addr(3)}, {addr(3), addr(2), addr(1)}, rules);
    EXPECT_TRUE(jail_of(addr(1)).first);
    EXPECT_FALSE(jail_of(addr(2)).first);
    EXPECT_TRUE(jail_of(addr(3)).first);
}

TEST_F(StakingTest, MissedDutiesCountInTheDowntimeWindow) {
    // A window of 4 blocks, at most 50%: 2 missed commits are tolerated; one more missed duty
    // (a silent committee) makes 3 and jails at the window's end.
    const DowntimeRules rules{4, 5000, 4};
    stake(addr(1), 10 * kEther);
    stake(addr(2), 10 * kEther);
    const std::vector<Address> set = {addr(1), addr(2)};
    record_commit(state, 1, set, {addr(2)}, rules);
    record_commit(state, 2, set, {addr(2)}, rules);
    record_missed_duties(state, {addr(1), addr(2), addr(2)});
    EXPECT_EQ(missed_of(addr(1)), 3);
    EXPECT_EQ(missed_of(addr(2)), 2);
    record_commit(state, 3, set, set, rules);
    record_commit(state, 4, set, set, rules);
    EXPECT_EQ(jail_of(addr(1)), std::make_pair(true, uint256(8)));
    EXPECT_FALSE(jail_of(addr(2)).first);
    record_missed_duties(state, {});
    EXPECT_EQ(missed_of(addr(2)), 0);
}

TEST_F(StakingTest, JailedValidatorCanStillUnstakeAndWithdraw) {
    stake(addr(1), 10 * kEther);
    (void)slash_and_jail(state, addr(1), 1000, 100);
    ASSERT_EQ(call(addr(1), calldata("unstake(uint256)", {word(9 * kEther)})).status, Status::kSuccess);
    block.number = 10;
    const Result r = call(addr(1), calldata("withdraw()"));
    EXPECT_EQ(r.status, Status::kSuccess) << reason(r);
    EXPECT_EQ(state.balance(addr(1)), 9 * kEther);
    EXPECT_EQ(state.balance(staking_address()), 0);
}

TEST_F(StakingTest, ViewsRefuseMalformedAddresses) {
    const Result r = call(addr(1), calldata("jailOf(address)", {word(uint256(1) << 160)}));
    EXPECT_EQ(r.status, Status::kRevert);
    EXPECT_EQ(reason(r), "staking: malformed calldata");
    EXPECT_EQ(call(addr(1), calldata("missedOf(address)")).status, Status::kRevert);
}

}  // namespace
}  // namespace moe::evm

namespace moe::evm {
namespace {

/// The routing gate (decision 004): only the governance address of the chain config may
/// replace it, only with a gate of the protocol model's shape.
TEST(RoutingGate, OnlyGovernanceSetsAGateOfTheModelsShape) {
    State state(nullptr, nullptr, core::kEmptyTrieRoot);
    state.set_code(staking_address(), Bytes{kStakingCode});
    state.begin_transaction();
    const Address governance = addr(0x60);
    StakingRules rules;
    rules.routing_governance = governance;
    rules.gate_experts = 2;
    rules.gate_features = 3;
    StakingContract contract(rules);
    BlockEnv block;
    block.number = 10;

    auto set_gate = [&](const Address& sender, const Bytes& gate) {
        Bytes input = calldata("setRoutingGate(bytes)", {word(32), word(gate.size())});
        Bytes padded = gate;
        padded.resize((gate.size() + 31) / 32 * 32, 0);
        input.insert(input.end(), padded.begin(), padded.end());
        Message msg;
        msg.gas = 1'000'000;
        msg.sender = sender;
        msg.recipient = msg.code_address = staking_address();
        msg.input = input;
        return contract.call(state, block, msg);
    };
    // 3 features x 2 experts of int8 weights, then 2 big-endian int32 biases.
    const Bytes gate = {1, 0xff, 2, 0xfe, 3, 0xfd, 0, 0, 0, 7, 0xff, 0xff, 0xff, 0xf9};
    EXPECT_FALSE(read_routing_gate(state));

    const Result stranger = set_gate(addr(0x61), gate);
    EXPECT_EQ(stranger.status, Status::kRevert);
    EXPECT_EQ(reason(stranger), "staking: only the routing governance may set the gate");
    const Result short_gate = set_gate(governance, Bytes(gate.begin(), gate.end() - 1));
    EXPECT_EQ(short_gate.status, Status::kRevert);
    EXPECT_NE(reason(short_gate).find("must be 14 bytes"), std::string::npos) << reason(short_gate);
    EXPECT_FALSE(read_routing_gate(state));

    const Result ok = set_gate(governance, gate);
    ASSERT_EQ(ok.status, Status::kSuccess) << reason(ok);
    auto stored = read_routing_gate(state);
    ASSERT_TRUE(stored);
    EXPECT_EQ(*stored, gate);

    // A chain without routing governance accepts no gate at all.
    StakingContract closed(StakingRules{});
    Message msg;
    msg.gas = 1'000'000;
    msg.sender = governance;
    msg.recipient = msg.code_address = staking_address();
    const Bytes input = calldata("setRoutingGate(bytes)", {word(32), word(0)});
    msg.input = input;
    EXPECT_EQ(closed.call(state, block, msg).status, Status::kRevert);
}

}  // namespace
}  // namespace moe::evm
