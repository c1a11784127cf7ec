#include "node/mempool.hpp"

#include <queue>

#include "evm/evm.hpp"

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

    const auto queue = by_sender_.find(entry.sender);
    const PooledTransaction* replaced = nullptr;
    if (queue != by_sender_.end()) {
        if (auto it = queue->second.find(t.nonce); it != queue->second.end()) replaced = &it->second;
    }
    const std::size_t pooled = queue == by_sender_.end() ? 0 : queue->second.size();
    if (replaced != nullptr) {
        const core::Transaction& old = replaced->txn;
        if (!bumped_enough(old.max_fee_per_gas, t.max_fee_per_gas, limits_.price_bump_percent) ||
            !bumped_enough(old.max_priority_fee_per_gas, t.max_priority_fee_per_gas, limits_.price_bump_percent)) {
            return fail("replacement transaction underpriced");
        }
    } else if (pooled >= limits_.max_per_sender) {
        return fail("txpool is full");
    }

    // The sender must afford everything it has pooled with this transaction, the one it
    // replaces left out (geth's overdraft check), from the sender's running total.
    uint512 cost = upfront_cost(t);
    if (auto total = cost_by_sender_.find(entry.sender); total != cost_by_sender_.end()) cost += total->second;
    if (replaced != nullptr) cost -= upfront_cost(replaced->txn);
    if (cost > uint512(account.balance)) return fail("insufficient funds for gas * price + value");

    // A full pool makes room by evicting the farthest-future transaction of the sender with
    // the most pooled (the lowest address among equals), never anyone's only transaction, and
    // never one of this sender's own below the nonce it brings (that would open a gap). Decided
    // before the last check: under overload most arrivals are refused, and screening them
    // first cost more than everything else admission does.
    std::optional<std::pair<core::Address, std::uint64_t>> evict;
    if (replaced == nullptr && (by_hash_.size() >= limits_.max_transactions || bytes_ + entry.size > limits_.max_bytes)) {
        if (by_count_.empty() || by_count_.begin()->first <= 1) return fail("txpool is full");
        const core::Address victim = by_count_.begin()->second;
        const std::uint64_t farthest = by_sender_.at(victim).rbegin()->first;
        if (victim == entry.sender && farthest < t.nonce) return fail("txpool is full");
        evict.emplace(victim, farthest);
    }

    if (last_check) {
        if (auto ok = last_check(); !ok) return std::unexpected(ok.error());
    }
    if (evict) erase(evict->first, evict->second);

    if (replaced != nullptr) erase(entry.sender, t.nonce);
    const core::Hash hash = entry.hash;
    insert(std::move(entry));
    return hash;
}

void Mempool::recount(const core::Address& sender, std::size_t from, std::size_t to) {
    if (from > 0) by_count_.erase({from, sender});
    if (to > 0) by_count_.insert({to, sender});
}

namespace {

/// The account a pooled transaction is sent to, or the contract its creation makes.
core::Address recipient_of(const PooledTransaction& p) {
    return p.txn.to ? *p.txn.to : evm::create_address(p.sender, p.txn.nonce);
}

bool is_call(const PooledTransaction& p) { return p.txn.to && !p.txn.data.empty(); }

}  // namespace

void Mempool::insert(PooledTransaction entry) {
    const core::Address sender = entry.sender;
    ++by_recipient_[recipient_of(entry)];
    calls_ += is_call(entry) ? 1 : 0;
    auto& queue = by_sender_[sender];
    recount(sender, queue.size(), queue.size() + 1);
    cost_by_sender_[sender] += upfront_cost(entry.txn);
    bytes_ += entry.size;
    by_hash_[entry.hash] = {sender, entry.txn.nonce};
    queue[entry.txn.nonce] = std::move(entry);
}

void Mempool::erase(const core::Address& sender, std::uint64_t nonce) {
    auto s = by_sender_.find(sender);
    if (s == by_sender_.end()) return;
    auto it = s->second.find(nonce);
    if (it == s->second.end()) return;
    recount(sender, s->second.size(), s->second.size() - 1);
    auto total = cost_by_sender_.find(sender);
    total->second -= upfront_cost(it->second.txn);
    bytes_ -= it->second.size;
    if (auto r = by_recipient_.find(recipient_of(it->second)); --r->second == 0) by_recipient_.erase(r);
    calls_ -= is_call(it->second) ? 1 : 0;
    by_hash_.erase(it->second.hash);
    s->second.erase(it);
    if (s->second.empty()) {
        by_sender_.erase(s);
        cost_by_sender_.erase(total);
    }
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
    // Equal tips go oldest first (the height each was pooled at), then round by round, so that
    // under a backlog every sender's next nonce goes before anyone's later ones. Lower address
    // first used to be the only tie: a backlog then went to the lowest addresses, each sender's
    // nonces one after the other, and the highest waited for as long as the backlog lasted.
    struct Cursor {
        uint256 tip;
        std::uint64_t pooled_height;
        std::uint64_t round;
        const core::Address* sender;
        std::map<std::uint64_t, PooledTransaction>::const_iterator it, end;
    };
    auto lower = [](const Cursor& a, const Cursor& b) {
        if (a.tip != b.tip) return a.tip < b.tip;
        if (a.pooled_height != b.pooled_height) return a.pooled_height > b.pooled_height;
        if (a.round != b.round) return a.round > b.round;
        return *b.sender < *a.sender;  // deterministic: lower address first
    };
    std::priority_queue<Cursor, std::vector<Cursor>, decltype(lower)> heads(lower);
    auto push = [&](const core::Address* sender, std::map<std::uint64_t, PooledTransaction>::const_iterator it,
                    std::map<std::uint64_t, PooledTransaction>::const_iterator end, std::uint64_t expected_nonce,
                    std::uint64_t round) {
        if (it == end || it->first != expected_nonce) return;
        auto tip = it->second.txn.effective_priority_fee(base_fee);
        if (!tip) return;
        heads.push(Cursor{*tip, it->second.pooled_height, round, sender, it, end});
    };
    for (const auto& [sender, txns] : by_sender) {
        const std::uint64_t nonce = first_nonce(sender);
        push(&sender, txns.lower_bound(nonce), txns.end(), nonce, 0);
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
        push(c.sender, std::next(c.it), c.end, next, c.round + 1);
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

std::optional<std::uint64_t> Mempool::arrival_ms(const core::Hash& hash) const {
    const auto it = by_hash_.find(hash);
    if (it == by_hash_.end()) return std::nullopt;
    return by_sender_.at(it->second.first).at(it->second.second).arrival_ms;
}

std::optional<PooledTransaction> Mempool::get(const core::Hash& hash) const {
    const PooledTransaction* p = find(hash);
    if (!p) return std::nullopt;
    return *p;
}

const PooledTransaction* Mempool::find(const core::Hash& hash) const {
    auto it = by_hash_.find(hash);
    if (it == by_hash_.end()) return nullptr;
    return &by_sender_.at(it->second.first).at(it->second.second);
}

bool Mempool::involves(const core::Address& account) const {
    return by_sender_.contains(account) || by_recipient_.contains(account);
}

std::optional<core::Address> Mempool::signed_sender(const core::Hash& hash) const {
    auto it = by_hash_.find(hash);
    if (it == by_hash_.end()) return std::nullopt;
    const auto& [sender, nonce] = it->second;
    if (by_sender_.at(sender).at(nonce).impersonated) return std::nullopt;
    return sender;
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

Mempool::Content Mempool::content(const AccountReader& accounts) const {
    Content out;
    for (const auto& [sender, txns] : by_sender_) {
        std::uint64_t next = accounts(sender).nonce;
        for (const auto& [nonce, p] : txns) {
            if (nonce == next) {
                out.pending.push_back(p);
                ++next;
            } else {
                out.queued.push_back(p);
            }
        }
    }
    return out;
}

}  // namespace moe::node
