#include "node/mempool.hpp"

#include <queue>

namespace moe::node {

using core::uint256;
using core::uint512;

namespace {
uint512 upfront_cost(const core::Transaction& t) { return uint512(t.gas_limit) * t.max_fee_per_gas + t.value; }

bool bumped_enough(const uint256& old_value, const uint256& new_value, unsigned percent) {
    return uint512(new_value) * 100 >= uint512(old_value) * (100 + percent);
}
}  // namespace

std::expected<core::Hash, std::string> Mempool::add(PooledTransaction entry, const AccountReader& accounts,
                                                    const uint256& base_fee, std::uint64_t block_gas_limit,
                                                    const AdmissionCheck& last_check) {
    auto fail = [](const char* m) { return std::unexpected(std::string(m)); };
    const core::Transaction& t = entry.txn;
    if (by_hash_.contains(entry.hash)) return fail("already known");
    if (entry.size > limits_.max_transaction_bytes) return fail("oversized data");
    if (t.gas_limit > block_gas_limit) return fail("exceeds block gas limit");
    if (core::intrinsic_gas(t) > t.gas_limit) return fail("intrinsic gas too low");
    if (t.max_fee_per_gas < base_fee) return fail("max fee per gas less than block base fee");

    const AccountSnapshot account = accounts(entry.sender);
    if (t.nonce < account.nonce) return fail("nonce too low");

    auto& queue = by_sender_[entry.sender];
    const auto existing = queue.find(t.nonce);
    if (existing != queue.end()) {
        const core::Transaction& old = existing->second.txn;
        if (!bumped_enough(old.max_fee_per_gas, t.max_fee_per_gas, limits_.price_bump_percent) ||
            !bumped_enough(old.max_priority_fee_per_gas, t.max_priority_fee_per_gas, limits_.price_bump_percent)) {
            if (queue.empty()) by_sender_.erase(entry.sender);
            return fail("replacement transaction underpriced");
        }
    } else if (queue.size() >= limits_.max_per_sender) {
        return fail("txpool is full");
    }

    // The sender must afford this transaction after those before it (geth's cumulative check).
    uint512 cost = upfront_cost(t);
    for (const auto& [nonce, pooled] : queue) {
        if (nonce < t.nonce) cost += upfront_cost(pooled.txn);
    }
    if (cost > uint512(account.balance)) {
        if (queue.empty()) by_sender_.erase(entry.sender);
        return fail("insufficient funds for gas * price + value");
    }

    if (last_check) {
        if (auto ok = last_check(); !ok) {
            if (queue.empty()) by_sender_.erase(entry.sender);
            return std::unexpected(ok.error());
        }
    }

    if (existing == queue.end() &&
        (by_hash_.size() >= limits_.max_transactions || bytes_ + entry.size > limits_.max_bytes)) {
        // Make room by evicting the farthest-future transaction of the sender with the most
        // pooled, never this sender's only chance at its next nonce.
        const core::Address* victim = nullptr;
        std::size_t most = 0;
        for (const auto& [sender, txns] : by_sender_) {
            if (txns.size() > most && !(sender == entry.sender && txns.empty())) {
                most = txns.size();
                victim = &sender;
            }
        }
        if (victim == nullptr || most <= 1) {
            if (queue.empty()) by_sender_.erase(entry.sender);
            return fail("txpool is full");
        }
        const core::Address v = *victim;
        erase(v, by_sender_[v].rbegin()->first);
    }

    if (existing != queue.end()) erase(entry.sender, t.nonce);
    const core::Hash hash = entry.hash;
    bytes_ += entry.size;
    by_hash_[hash] = {entry.sender, t.nonce};
    by_sender_[entry.sender][t.nonce] = std::move(entry);
    return hash;
}

void Mempool::erase(const core::Address& sender, std::uint64_t nonce) {
    auto s = by_sender_.find(sender);
    if (s == by_sender_.end()) return;
    auto it = s->second.find(nonce);
    if (it == s->second.end()) return;
    bytes_ -= it->second.size;
    by_hash_.erase(it->second.hash);
    s->second.erase(it);
    if (s->second.empty()) by_sender_.erase(s);
}

std::vector<PooledTransaction> Mempool::select(const AccountReader& accounts, const uint256& base_fee,
                                               std::uint64_t gas_limit, std::size_t max_count) const {
    return pick(by_sender_, [&](const core::Address& a) { return accounts(a).nonce; }, base_fee, gas_limit, max_count);
}

std::vector<PooledTransaction> block_order(const std::vector<PooledTransaction>& txns, const core::uint256& base_fee,
                                           std::uint64_t gas_limit) {
    Mempool::BySender by_sender;
    for (const PooledTransaction& p : txns) by_sender[p.sender].emplace(p.txn.nonce, p);
    return Mempool::pick(by_sender, [&](const core::Address& a) { return by_sender.at(a).begin()->first; }, base_fee,
                         gas_limit, txns.size());
}

std::vector<PooledTransaction> Mempool::pick(const BySender& by_sender, const std::function<std::uint64_t(const core::Address&)>& first_nonce,
                                             const uint256& base_fee, std::uint64_t gas_limit, std::size_t max_count) {
    struct Cursor {
        uint256 tip;
        const core::Address* sender;
        std::map<std::uint64_t, PooledTransaction>::const_iterator it, end;
    };
    auto lower = [](const Cursor& a, const Cursor& b) {
        if (a.tip != b.tip) return a.tip < b.tip;
        return *b.sender < *a.sender;  // deterministic: lower address first on equal tips
    };
    std::priority_queue<Cursor, std::vector<Cursor>, decltype(lower)> heads(lower);
    auto push = [&](const core::Address* sender, std::map<std::uint64_t, PooledTransaction>::const_iterator it,
                    std::map<std::uint64_t, PooledTransaction>::const_iterator end, std::uint64_t expected_nonce) {
        if (it == end || it->first != expected_nonce) return;
        auto tip = it->second.txn.effective_priority_fee(base_fee);
        if (!tip) return;
        heads.push(Cursor{*tip, sender, it, end});
    };
    for (const auto& [sender, txns] : by_sender) {
        const std::uint64_t nonce = first_nonce(sender);
        push(&sender, txns.lower_bound(nonce), txns.end(), nonce);
    }
    std::vector<PooledTransaction> out;
    std::uint64_t gas = 0;
    while (!heads.empty() && out.size() < max_count) {
        Cursor c = heads.top();
        heads.pop();
        const PooledTransaction& p = c.it->second;
        if (p.txn.gas_limit > gas_limit - gas) continue;  // this sender's later nonces must wait too
        gas += p.txn.gas_limit;
        out.push_back(p);
        const std::uint64_t next = c.it->first + 1;
        push(c.sender, std::next(c.it), c.end, next);
    }
    return out;
}

void Mempool::prune(const AccountReader& accounts) {
    std::vector<std::pair<core::Address, std::uint64_t>> stale;
    for (const auto& [sender, txns] : by_sender_) {
        const std::uint64_t nonce = accounts(sender).nonce;
        for (auto it = txns.begin(); it != txns.end() && it->first < nonce; ++it) stale.emplace_back(sender, it->first);
    }
    for (const auto& [sender, nonce] : stale) erase(sender, nonce);
}

void Mempool::remove(const core::Hash& hash) {
    auto it = by_hash_.find(hash);
    if (it == by_hash_.end()) return;
    const auto [sender, nonce] = it->second;
    erase(sender, nonce);
}

std::optional<PooledTransaction> Mempool::get(const core::Hash& hash) const {
    auto it = by_hash_.find(hash);
    if (it == by_hash_.end()) return std::nullopt;
    return by_sender_.at(it->second.first).at(it->second.second);
}

std::uint64_t Mempool::pending_nonce(const core::Address& sender, std::uint64_t account_nonce) const {
    auto s = by_sender_.find(sender);
    std::uint64_t next = account_nonce;
    if (s == by_sender_.end()) return next;
    for (auto it = s->second.lower_bound(account_nonce); it != s->second.end() && it->first == next; ++it) ++next;
    return next;
}

std::vector<PooledTransaction> Mempool::all() const {
    std::vector<PooledTransaction> out;
    for (const auto& [sender, txns] : by_sender_) {
        for (const auto& [nonce, p] : txns) out.push_back(p);
    }
    return out;
}

}  // namespace moe::node
