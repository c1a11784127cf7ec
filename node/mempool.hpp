#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/transaction.hpp"

namespace moe::node {

/// Limits of the pool (config.json's mempool_*; a devnet home raises them).
struct MempoolLimits {
    std::size_t max_transactions = 8192;
    std::size_t max_bytes = 64 * 1024 * 1024;
    std::size_t max_per_sender = 64;
    std::size_t max_transaction_bytes = 128 * 1024;  ///< geth's txMaxSize
    unsigned price_bump_percent = 10;                ///< a replacement must pay this much more
};

/// A pooled transaction with what admission already computed.
struct PooledTransaction {
    core::Transaction txn;
    core::Address sender;
    core::Hash hash;
    std::size_t size = 0;
    std::uint64_t arrival_ms = 0;  ///< when this node pooled it (a steady clock; observability only)
    /// The head's number when this node pooled it: the arrival order blocks take senders in.
    /// Not the clock, so that validators whose pools agree order them alike (gossip reaches
    /// every pool within the same height but near a commit).
    std::uint64_t pooled_height = 0;
    bool impersonated = false;     ///< sent unsigned from an impersonated account (decision 008)
};

/// The nonce and balance of an account in the head state.
struct AccountSnapshot {
    std::uint64_t nonce = 0;
    core::uint256 balance;
};
using AccountReader = std::function<AccountSnapshot(const core::Address&)>;

/// Pending transactions by sender and nonce. Pure logic: the node locks around it. Errors
/// carry geth's messages, which Ethereum clients match on.
class Mempool {
  public:
    explicit Mempool(MempoolLimits limits = {}) : limits_(limits) {}

    /// A last admission rule, run after every rule of the pool and before anything changes
    /// (fraud screening): an error refuses the transaction with that message.
    using AdmissionCheck = std::function<std::expected<void, std::string>()>;

    /// Admits a transaction whose signature and static rules were checked and whose sender
    /// was recovered. Replaces a pooled one of the same sender and nonce only for a fee at
    /// least price_bump_percent higher (both fee cap and tip). The sender must afford all its
    /// pooled transactions with this one (geth's overdraft rule). Costs O(log n) of the pool,
    /// whatever the sender's queue holds: running totals, no walk over the queue.
    [[nodiscard]] std::expected<core::Hash, std::string> add(PooledTransaction entry, const AccountReader& accounts,
                                                             const core::uint256& base_fee, std::uint64_t block_gas_limit,
                                                             const AdmissionCheck& last_check = {});

    /// Executable transactions for the next block: per sender in nonce order from the
    /// account's nonce without gaps, the senders interleaved by effective priority fee, then by
    /// arrival (pooled_height), then round by round (each sender's first, then each one's
    /// second), then by address; within the gas limit and count.
    [[nodiscard]] std::vector<PooledTransaction> select(const AccountReader& accounts, const core::uint256& base_fee,
                                                        std::uint64_t gas_limit, std::size_t max_count) const;

    /// Drops what a new head made stale: every transaction whose nonce is below its sender's
    /// account nonce (included ones among them).
    void prune(const AccountReader& accounts);
    /// Removes one transaction (it failed in block building).
    void remove(const core::Hash& hash);

    [[nodiscard]] std::optional<PooledTransaction> get(const core::Hash& hash) const;
    /// The pooled transaction `hash`, without copying it; valid until the pool changes.
    [[nodiscard]] const PooledTransaction* find(const core::Hash& hash) const;
    /// The sender admission recovered from the signature of the pooled transaction `hash`
    /// (checked as core::validate_static checks it); none when it is not pooled or was
    /// pooled impersonated (its sender is not its signature's).
    [[nodiscard]] std::optional<core::Address> signed_sender(const core::Hash& hash) const;
    [[nodiscard]] bool contains(const core::Hash& hash) const { return by_hash_.contains(hash); }
    /// Whether a pooled transaction involves `account`: sent by it, sent to it, or creating it.
    /// Walks the pool (O(n)): for the rare refusal that may depend on the pool, not per admission.
    [[nodiscard]] bool involves(const core::Address& account) const;
    /// Whether a pooled transaction calls an address with calldata: one may run a factory, and
    /// the contracts a factory creates are known only once it runs.
    [[nodiscard]] bool holds_calls() const noexcept { return calls_ > 0; }
    /// When a pooled transaction arrived (PooledTransaction::arrival_ms), without copying it.
    [[nodiscard]] std::optional<std::uint64_t> arrival_ms(const core::Hash& hash) const;
    /// The next nonce of a sender counting its pooled transactions (for "pending" queries).
    [[nodiscard]] std::uint64_t pending_nonce(const core::Address& sender, std::uint64_t account_nonce) const;
    [[nodiscard]] std::size_t size() const noexcept { return by_hash_.size(); }
    [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }
    /// All pooled transactions, by sender then nonce.
    [[nodiscard]] std::vector<PooledTransaction> all() const;
    /// The pool as geth's txpool_* methods show it, by sender then nonce: `pending` holds each
    /// sender's run of nonces from its account nonce without a gap, `queued` the rest (a gap
    /// before them; they wait for the missing nonce).
    struct Content {
        std::vector<PooledTransaction> pending;
        std::vector<PooledTransaction> queued;
    };
    [[nodiscard]] Content content(const AccountReader& accounts) const;

  private:
    void erase(const core::Address& sender, std::uint64_t nonce);

    MempoolLimits limits_;
    using BySender = std::map<core::Address, std::map<std::uint64_t, PooledTransaction>>;
    /// select's rule over any pool: each sender's run starts at `first_nonce`.
    [[nodiscard]] static std::vector<PooledTransaction> pick(const BySender& by_sender,
                                                             const std::function<std::uint64_t(const core::Address&)>& first_nonce,
                                                             const core::uint256& base_fee, std::uint64_t gas_limit,
                                                             std::size_t max_count);
    friend std::vector<PooledTransaction> block_order(const std::vector<PooledTransaction>& txns,
                                                      const core::uint256& base_fee, std::uint64_t gas_limit);

    /// Adds a pooled transaction to every index and running total.
    void insert(PooledTransaction entry);
    /// Moves a sender from `from` pooled transactions to `to` in by_count_.
    void recount(const core::Address& sender, std::size_t from, std::size_t to);

    /// Senders by pooled count, most first, then by address: the eviction order.
    struct MostPooledFirst {
        bool operator()(const std::pair<std::size_t, core::Address>& a, const std::pair<std::size_t, core::Address>& b) const {
            return a.first != b.first ? a.first > b.first : a.second < b.second;
        }
    };

    BySender by_sender_;
    std::map<core::Hash, std::pair<core::Address, std::uint64_t>> by_hash_;
    std::map<core::Address, core::uint512> cost_by_sender_;  ///< sum of gas_limit * max_fee + value of its pooled
    std::set<std::pair<std::size_t, core::Address>, MostPooledFirst> by_count_;
    /// Pooled transactions per recipient (a creation's: the address it makes), so that
    /// involves() does not walk the pool for every rejected transaction.
    std::map<core::Address, std::size_t> by_recipient_;
    std::size_t calls_ = 0;  ///< pooled transactions with a recipient and calldata
    std::size_t bytes_ = 0;
};

/// `txns` in the order select() takes them for a block, each sender's run starting at its
/// lowest nonce among them (a gap, or a fee cap below `base_fee`, ends it: those are left
/// out). A precommitting validator plans the pool in this order because the next proposer
/// builds its block in it (decision 004, Balance).
[[nodiscard]] std::vector<PooledTransaction> block_order(const std::vector<PooledTransaction>& txns,
                                                         const core::uint256& base_fee, std::uint64_t gas_limit);

}  // namespace moe::node
