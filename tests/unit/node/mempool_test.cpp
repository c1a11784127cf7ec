#include <algorithm>
#include <gtest/gtest.h>

#include "core/keccak.hpp"
#include "evm/evm.hpp"
#include "node/mempool.hpp"

using namespace moe;
using node::Mempool;
using node::PooledTransaction;

namespace {

core::PrivateKey key(int i) { return core::PrivateKey::from_seed(core::keccak256(core::as_bytes("sender" + std::to_string(i)))); }

PooledTransaction make(int sender, std::uint64_t nonce, std::uint64_t tip_gwei = 1, std::uint64_t cap_gwei = 10,
                       std::uint64_t value = 1) {
    core::Transaction t;
    t.type = core::TxType::kDynamicFee;
    t.chain_id = 4224;
    t.nonce = nonce;
    t.max_priority_fee_per_gas = core::uint256{tip_gwei} * 1'000'000'000;
    t.max_fee_per_gas = core::uint256{cap_gwei} * 1'000'000'000;
    t.gas_limit = 21000;
    t.to = core::Address{};
    t.value = value;
    t.sign(key(sender));
    return PooledTransaction{t, key(sender).address(), t.hash(), t.encode().size()};
}

struct Accounts {
    std::map<core::Address, node::AccountSnapshot> state;
    node::AccountReader reader() const {
        return [this](const core::Address& a) {
            auto it = state.find(a);
            return it == state.end() ? node::AccountSnapshot{} : it->second;
        };
    }
};

const core::uint256 kBaseFee = 1'000'000'000;
constexpr std::uint64_t kGasLimit = 30'000'000;

Accounts rich(int senders) {
    Accounts a;
    for (int i = 0; i < senders; ++i) a.state[key(i).address()] = {0, core::uint256{1} << 80};
    return a;
}

}  // namespace

TEST(Mempool, OrdersBySenderNonceAndPriorityFee) {
    Accounts accounts = rich(2);
    Mempool pool;
    ASSERT_TRUE(pool.add(make(0, 1, 5), accounts.reader(), kBaseFee, kGasLimit).has_value());  // a gap for now
    ASSERT_TRUE(pool.add(make(0, 0, 1), accounts.reader(), kBaseFee, kGasLimit).has_value());
    ASSERT_TRUE(pool.add(make(1, 0, 3), accounts.reader(), kBaseFee, kGasLimit).has_value());
    const auto picked = pool.select(accounts.reader(), kBaseFee, kGasLimit, 100);
    ASSERT_EQ(picked.size(), 3u);
    EXPECT_EQ(picked[0].sender, key(1).address()) << "highest tip first";
    EXPECT_EQ(picked[1].txn.nonce, 0u);
    EXPECT_EQ(picked[2].txn.nonce, 1u) << "a sender's nonces stay in order";
    EXPECT_EQ(pool.pending_nonce(key(0).address(), 0), 2u);
}

TEST(Mempool, EqualTipsGoOldestFirstThenRoundByRound) {
    // Under a backlog every sender's next nonce goes before anyone's later ones, and what was
    // pooled at an earlier height before what came after: the lowest addresses used to take the
    // whole block, each sender's nonces one after another, and the rest waited out the backlog.
    Accounts accounts = rich(3);
    Mempool pool;
    auto add = [&](int sender, std::uint64_t nonce, std::uint64_t height) {
        PooledTransaction p = make(sender, nonce);
        p.pooled_height = height;
        ASSERT_TRUE(pool.add(std::move(p), accounts.reader(), kBaseFee, kGasLimit).has_value());
    };
    for (std::uint64_t n = 0; n < 3; ++n) add(0, n, 5);
    for (std::uint64_t n = 0; n < 2; ++n) add(1, n, 5);
    add(2, 0, 6);  // came a block later
    std::vector<std::pair<core::Address, std::uint64_t>> order;
    for (const PooledTransaction& p : pool.select(accounts.reader(), kBaseFee, kGasLimit, 100)) order.emplace_back(p.sender, p.txn.nonce);
    const core::Address a = key(0).address(), b = key(1).address(), c = key(2).address();
    const core::Address first = std::min(a, b), second = std::max(a, b);
    const std::vector<std::pair<core::Address, std::uint64_t>> expected = {
        {first, 0}, {second, 0}, {first, 1}, {second, 1}, {a, 2}, {c, 0}};
    EXPECT_EQ(order, expected);
    // The same order from a copy of the pool (what a precommit answers verdicts for).
    std::vector<PooledTransaction> copy = pool.all();
    std::reverse(copy.begin(), copy.end());
    std::vector<std::pair<core::Address, std::uint64_t>> again;
    for (const PooledTransaction& p : node::block_order(copy, kBaseFee, kGasLimit)) again.emplace_back(p.sender, p.txn.nonce);
    EXPECT_EQ(again, expected);
}

TEST(Mempool, GapsWaitUntilFilled) {
    Accounts accounts = rich(1);
    Mempool pool;
    ASSERT_TRUE(pool.add(make(0, 2), accounts.reader(), kBaseFee, kGasLimit).has_value());
    EXPECT_TRUE(pool.select(accounts.reader(), kBaseFee, kGasLimit, 100).empty());
    EXPECT_EQ(pool.pending_nonce(key(0).address(), 0), 0u);
}

TEST(Mempool, ContentSplitsExecutableRunsFromTransactionsBehindAGap) {
    Accounts accounts = rich(2);
    accounts.state[key(1).address()].nonce = 3;
    Mempool pool;
    for (std::uint64_t n : {0, 1, 3}) ASSERT_TRUE(pool.add(make(0, n), accounts.reader(), kBaseFee, kGasLimit).has_value());
    for (std::uint64_t n : {3, 4}) ASSERT_TRUE(pool.add(make(1, n), accounts.reader(), kBaseFee, kGasLimit).has_value());
    const Mempool::Content content = pool.content(accounts.reader());
    std::vector<std::pair<core::Address, std::uint64_t>> pending, queued;
    for (const auto& p : content.pending) pending.emplace_back(p.sender, p.txn.nonce);
    for (const auto& p : content.queued) queued.emplace_back(p.sender, p.txn.nonce);
    std::sort(pending.begin(), pending.end());
    std::vector<std::pair<core::Address, std::uint64_t>> want_pending{
        {key(0).address(), 0}, {key(0).address(), 1}, {key(1).address(), 3}, {key(1).address(), 4}};
    std::sort(want_pending.begin(), want_pending.end());
    EXPECT_EQ(pending, want_pending);
    EXPECT_EQ(queued, (std::vector<std::pair<core::Address, std::uint64_t>>{{key(0).address(), 3}})) << "nonce 2 is missing";
}

TEST(Mempool, RejectsWithGethMessages) {
    Accounts accounts = rich(1);
    accounts.state[key(0).address()].nonce = 5;
    Mempool pool;
    auto err = [&](PooledTransaction p) { return pool.add(std::move(p), accounts.reader(), kBaseFee, kGasLimit).error(); };
    EXPECT_EQ(err(make(0, 4)), "nonce too low");
    EXPECT_EQ(err(make(0, 5, 1, 0)), "max fee per gas less than block base fee");
    ASSERT_TRUE(pool.add(make(0, 5), accounts.reader(), kBaseFee, kGasLimit).has_value());
    EXPECT_EQ(err(make(0, 5)), "already known");
    EXPECT_EQ(err(make(0, 5, 1, 10, 2)), "replacement transaction underpriced");
    Accounts poor;
    poor.state[key(0).address()] = {0, 1000};
    Mempool other;
    EXPECT_EQ(other.add(make(0, 0), poor.reader(), kBaseFee, kGasLimit).error(), "insufficient funds for gas * price + value");
    EXPECT_EQ(other.add(make(0, 0), poor.reader(), kBaseFee, 20000).error(), "exceeds block gas limit");
    EXPECT_EQ(other.size(), 0u);
}

TEST(Mempool, ReplacementNeedsTenPercentMore) {
    Accounts accounts = rich(1);
    Mempool pool;
    ASSERT_TRUE(pool.add(make(0, 0, 10, 100), accounts.reader(), kBaseFee, kGasLimit).has_value());
    EXPECT_FALSE(pool.add(make(0, 0, 10, 109), accounts.reader(), kBaseFee, kGasLimit).has_value());
    EXPECT_FALSE(pool.add(make(0, 0, 10, 110), accounts.reader(), kBaseFee, kGasLimit).has_value()) << "the tip must rise too";
    auto replaced = pool.add(make(0, 0, 11, 110), accounts.reader(), kBaseFee, kGasLimit);
    ASSERT_TRUE(replaced.has_value());
    EXPECT_EQ(pool.size(), 1u);
    EXPECT_TRUE(pool.contains(*replaced));
}

TEST(Mempool, CumulativeCostMustBeAffordable) {
    Accounts accounts;
    // Enough for two transfers at 10 gwei cap (2 * 21000 * 10 gwei + values), not three.
    accounts.state[key(0).address()] = {0, core::uint256{2} * 21000 * 10'000'000'000ull + 2};
    Mempool pool;
    ASSERT_TRUE(pool.add(make(0, 0), accounts.reader(), kBaseFee, kGasLimit).has_value());
    ASSERT_TRUE(pool.add(make(0, 1), accounts.reader(), kBaseFee, kGasLimit).has_value());
    EXPECT_EQ(pool.add(make(0, 2), accounts.reader(), kBaseFee, kGasLimit).error(), "insufficient funds for gas * price + value");
}

TEST(Mempool, ReplacementLeavesTheReplacedCostOutOfTheSendersTotal) {
    Accounts accounts;
    // Exactly nonce 0 at a 10 gwei cap and nonce 1 at 11 gwei (values 1 each).
    const core::uint256 wei_per_gas = 1'000'000'000;
    accounts.state[key(0).address()] = {0, core::uint256{21000} * 21 * wei_per_gas + 2};
    Mempool pool;
    ASSERT_TRUE(pool.add(make(0, 0), accounts.reader(), kBaseFee, kGasLimit).has_value());
    ASSERT_TRUE(pool.add(make(0, 1), accounts.reader(), kBaseFee, kGasLimit).has_value());
    // Replacing nonce 1 (10 -> 11 gwei) fits only if the replaced cost leaves the total.
    ASSERT_TRUE(pool.add(make(0, 1, 2, 11), accounts.reader(), kBaseFee, kGasLimit).has_value());
    EXPECT_EQ(pool.size(), 2u);
    EXPECT_EQ(pool.add(make(0, 2), accounts.reader(), kBaseFee, kGasLimit).error(), "insufficient funds for gas * price + value");
    // Once nonce 0 is in a block and pruned, its cost leaves the total: nonce 2 now fits the
    // balance the block left.
    accounts.state[key(0).address()] = {1, core::uint256{21000} * 21 * wei_per_gas + 2};
    pool.prune(accounts.reader());
    EXPECT_EQ(pool.size(), 1u);
    EXPECT_TRUE(pool.add(make(0, 2), accounts.reader(), kBaseFee, kGasLimit).has_value());
    // Refused transactions leave nothing behind: a sender that could not pool has no total.
    Accounts poor;
    poor.state[key(5).address()] = {0, 1};
    EXPECT_FALSE(pool.add(make(5, 0), poor.reader(), kBaseFee, kGasLimit).has_value());
    EXPECT_EQ(pool.pending_nonce(key(5).address(), 0), 0u);
    EXPECT_EQ(pool.all().size(), 2u);
}

TEST(Mempool, ADevnetSizedPoolTakesThousandsFromOneSender) {
    Accounts accounts = rich(2);
    Mempool pool(node::MempoolLimits{.max_transactions = 65'536, .max_per_sender = 4'096});
    for (std::uint64_t n = 0; n < 4'096; ++n) {
        ASSERT_TRUE(pool.add(make(0, n), accounts.reader(), kBaseFee, kGasLimit).has_value()) << n;
    }
    EXPECT_EQ(pool.add(make(0, 4'096), accounts.reader(), kBaseFee, kGasLimit).error(), "txpool is full");
    EXPECT_EQ(pool.pending_nonce(key(0).address(), 0), 4'096u);
    ASSERT_TRUE(pool.add(make(1, 0), accounts.reader(), kBaseFee, kGasLimit).has_value());
    // A block takes them in nonce order.
    auto picked = pool.select(accounts.reader(), kBaseFee, kGasLimit, 2'000);
    EXPECT_EQ(picked.size(), 1'428u);  // 30M gas holds 1428 transfers of 21000
}

TEST(Mempool, EvictionNeverOpensAGapInTheNewcomersOwnQueue) {
    Accounts accounts = rich(2);
    Mempool pool(node::MempoolLimits{.max_transactions = 3, .max_per_sender = 8});
    for (std::uint64_t n = 0; n < 3; ++n) ASSERT_TRUE(pool.add(make(0, n), accounts.reader(), kBaseFee, kGasLimit).has_value());
    // Full, and the sender with the most is this one: dropping its nonce 2 for nonce 3 would
    // leave nonce 3 behind a gap.
    EXPECT_EQ(pool.add(make(0, 3), accounts.reader(), kBaseFee, kGasLimit).error(), "txpool is full");
    EXPECT_TRUE(pool.contains(make(0, 2).hash));
    // Another sender's first transaction takes the farthest nonce's place.
    ASSERT_TRUE(pool.add(make(1, 0), accounts.reader(), kBaseFee, kGasLimit).has_value());
    EXPECT_FALSE(pool.contains(make(0, 2).hash));
    EXPECT_EQ(pool.size(), 3u);
}

TEST(Mempool, AFullPoolRefusesBeforeScreeningAndEvictsOnlyForAnAdmittedNewcomer) {
    Accounts accounts = rich(3);
    Mempool pool(node::MempoolLimits{.max_transactions = 3, .max_per_sender = 8});
    for (std::uint64_t n = 0; n < 3; ++n) ASSERT_TRUE(pool.add(make(0, n), accounts.reader(), kBaseFee, kGasLimit).has_value());
    int screened = 0;
    const Mempool::AdmissionCheck screen = [&]() -> std::expected<void, std::string> {
        ++screened;
        return {};
    };
    const Mempool::AdmissionCheck refuse = [&]() -> std::expected<void, std::string> {
        ++screened;
        return std::unexpected("transaction rejected by fraud screening");
    };
    // Refused for room: the screen never runs (under overload most arrivals are refused).
    EXPECT_EQ(pool.add(make(0, 3), accounts.reader(), kBaseFee, kGasLimit, screen).error(), "txpool is full");
    EXPECT_EQ(screened, 0);
    // A newcomer the screen refuses evicts nothing.
    EXPECT_FALSE(pool.add(make(1, 0), accounts.reader(), kBaseFee, kGasLimit, refuse).has_value());
    EXPECT_EQ(screened, 1);
    EXPECT_TRUE(pool.contains(make(0, 2).hash));
    // One it admits takes the farthest nonce of the heaviest sender.
    ASSERT_TRUE(pool.add(make(2, 0), accounts.reader(), kBaseFee, kGasLimit, screen).has_value());
    EXPECT_EQ(screened, 2);
    EXPECT_FALSE(pool.contains(make(0, 2).hash));
    EXPECT_EQ(pool.size(), 3u);
}

TEST(Mempool, LimitsEvictAndPrunesStaleNonces) {
    Accounts accounts = rich(3);
    Mempool pool(node::MempoolLimits{.max_transactions = 4, .max_per_sender = 3});
    for (std::uint64_t n = 0; n < 3; ++n) ASSERT_TRUE(pool.add(make(0, n), accounts.reader(), kBaseFee, kGasLimit).has_value());
    EXPECT_EQ(pool.add(make(0, 3), accounts.reader(), kBaseFee, kGasLimit).error(), "txpool is full");
    ASSERT_TRUE(pool.add(make(1, 0), accounts.reader(), kBaseFee, kGasLimit).has_value());
    // Full: sender 2's first transaction evicts sender 0's farthest nonce.
    ASSERT_TRUE(pool.add(make(2, 0), accounts.reader(), kBaseFee, kGasLimit).has_value());
    EXPECT_EQ(pool.size(), 4u);
    EXPECT_FALSE(pool.contains(make(0, 2).hash));
    // A new head where sender 0 used nonces 0 and 1.
    accounts.state[key(0).address()].nonce = 2;
    pool.prune(accounts.reader());
    EXPECT_EQ(pool.size(), 2u);
    EXPECT_EQ(pool.pending_nonce(key(0).address(), 2), 2u);
}

TEST(Mempool, SelectionRespectsTheGasLimit) {
    Accounts accounts = rich(3);
    Mempool pool;
    for (int s = 0; s < 3; ++s) ASSERT_TRUE(pool.add(make(s, 0), accounts.reader(), kBaseFee, kGasLimit).has_value());
    EXPECT_EQ(pool.select(accounts.reader(), kBaseFee, 42000, 100).size(), 2u);
    EXPECT_EQ(pool.select(accounts.reader(), kBaseFee, kGasLimit, 1).size(), 1u);
}

TEST(Mempool, KnowsWhichAccountsItsTransactionsInvolve) {
    Mempool pool;
    const Accounts accounts = rich(3);
    // Sender 0 pays a fresh account; sender 1 deploys (its nonce-0 creation's address).
    const core::Address fresh = key(7).address();
    PooledTransaction payment = make(0, 0);
    payment.txn.to = fresh;
    payment.txn.sign(key(0));
    payment.hash = payment.txn.hash();
    PooledTransaction deployment = make(1, 0);
    deployment.txn.to.reset();
    deployment.txn.gas_limit = 100'000;
    deployment.txn.sign(key(1));
    deployment.hash = deployment.txn.hash();
    ASSERT_TRUE(pool.add(payment, accounts.reader(), kBaseFee, kGasLimit));
    ASSERT_TRUE(pool.add(deployment, accounts.reader(), kBaseFee, kGasLimit));
    EXPECT_TRUE(pool.involves(key(0).address()));                              // a sender
    EXPECT_TRUE(pool.involves(fresh));                                         // a recipient
    EXPECT_TRUE(pool.involves(evm::create_address(key(1).address(), 0)));      // what a creation makes
    EXPECT_FALSE(pool.involves(key(2).address()));
    EXPECT_FALSE(pool.involves(evm::create_address(key(1).address(), 1)));

    // A replacement paying someone else, and the removal of the deployment, are forgotten too.
    const core::Address other = key(8).address();
    PooledTransaction replacement = make(0, 0, 20, 200);
    replacement.txn.to = other;
    replacement.txn.sign(key(0));
    replacement.hash = replacement.txn.hash();
    ASSERT_TRUE(pool.add(replacement, accounts.reader(), kBaseFee, kGasLimit));
    EXPECT_FALSE(pool.involves(fresh));
    EXPECT_TRUE(pool.involves(other));
    pool.remove(deployment.hash);
    EXPECT_FALSE(pool.involves(evm::create_address(key(1).address(), 0)));
    EXPECT_FALSE(pool.involves(key(1).address()));
}
