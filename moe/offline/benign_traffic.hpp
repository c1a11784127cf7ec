#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "moe/account_stats.hpp"
#include "moe/offline/trainer.hpp"

/// Ordinary activity of a dev or app chain, generated from a seed: what the labelled Ethereum
/// accounts of ../shared/data do not show (fresh accounts deploying, minting, swapping and
/// paying out within seconds). Every transaction is typed and described exactly as the node
/// describes it (chain/screening.cpp `transaction_facts`), and the parties' statistics move
/// as a block moves them, so the rows are the rows a devnet gives. Labelled benign.
namespace moe::nn {

/// The activities a world mixes.
enum class BenignKind : std::uint8_t {
    kTransfers = 0,    ///< ether between the funded test accounts and users they fund
    kDeployments = 1,  ///< contracts of every size, by anyone
    kTokens = 2,       ///< an ERC-20: mint, transfer, approve, transferFrom
    kNft = 3,          ///< an ERC-721 collection: paid mints, transfers, approvals for all
    kAmm = 4,          ///< a constant-product pair and router: liquidity and swaps
    kMultisig = 5,     ///< a multisig wallet: deposits, submissions, confirmations, executions
    kPayroll = 6,      ///< one payer to many payees, in ether or tokens, back to back
    kBursts = 7,       ///< one account sending dozens of transactions in a few blocks
};
inline constexpr int kBenignKinds = 8;
[[nodiscard]] std::string_view to_string(BenignKind k) noexcept;

/// One transaction of a world: its facts as screening sees them, its parties (address keys;
/// `to` is 0 for a deployment, `created` the new contract), and whether it reverted.
struct TrafficEvent {
    std::uint64_t from = 0, to = 0, created = 0;
    TxFacts facts;
    bool failed = false;
    BenignKind kind = BenignKind::kTransfers;
    /// In a drainer world (drainer_world): a payment to a drainer, or one a drainer sends.
    bool drainer = false;
    /// Of those, whether the drainer's history already shows what it is (three distinct
    /// accounts have paid it, and for a payment, it has swept before): only these become fraud
    /// rows (before that it looks like anyone moving their own funds).
    bool drainer_visible = false;
};

/// A world of `transactions` transactions mixing every kind, from `seed` (1-second blocks,
/// one to six transactions a block).
[[nodiscard]] std::vector<TrafficEvent> benign_world(std::uint64_t seed, int transactions);

/// The drainer families (drainer_world).
inline constexpr int kDrainerFamilyEther = 1;
inline constexpr int kDrainerFamilyZeroValue = 2;
/// The family `moed train --task fraud` trains and validates on, and `moed moe eval` counts, by
/// default: 2 since the features of schema 3 (chosen on validation, decision 005).
inline constexpr int kDrainerFamily = kDrainerFamilyZeroValue;
/// Distinct victims before a drainer's transactions are fraud rows, by default.
inline constexpr int kDrainerVisibleVictims = 3;

/// A world of ordinary activity (as benign_world, other seeds) with drainers in it, as the
/// fraud accounts of ../shared/data behave as recipients: many distinct senders each paying
/// once (in_peers close to received; median 5, a quarter above 16), amounts from dust to
/// ether, and nearly all of it passed on (99% at the median) to a collector, after each
/// payment or after a few; a collector may serve several drainers. Victims are every kind of
/// account the world has: test accounts, users, accounts funded a moment ago.
/// `family` says how victims pay: 1, ether (6% of payments nothing), as the labelled fraud
/// accounts' inflows; 2, each drainer with a share of victims of its own, 0 to 50%, who pay it
/// nothing (a "claim" or "verify" transaction a drainer site has them sign, plain or a 4 to
/// 68-byte call), the others as in 1. Family 1's worlds are unchanged by 2's existence.
/// A drainer's transactions are visible (TrafficEvent::drainer_visible) once `visible_victims`
/// distinct accounts have paid it (and, for a payment to it, it has swept before).
[[nodiscard]] std::vector<TrafficEvent> drainer_world(std::uint64_t seed, int transactions, int family = kDrainerFamilyEther,
                                                      int visible_victims = kDrainerVisibleVictims);

/// The seeds of the worlds training sees and of those held back for evaluation only.
inline constexpr std::uint64_t kTrainWorldSeed = 1'000;
inline constexpr std::uint64_t kHeldBackWorldSeed = 900'000;

/// Replays worlds `first_seed` .. `first_seed + worlds - 1` (screen, then apply, as a block
/// does) into feature rows of fraud feature schema `schema` labelled 0, grouped by world.
/// `kinds`, when given, receives each row's kind.
[[nodiscard]] Dataset benign_rows(std::uint64_t first_seed, int worlds, int transactions_per_world, std::uint32_t schema,
                                  std::vector<BenignKind>* kinds = nullptr);

/// Replays drainer worlds from `first_seed` (screen, then apply) and keeps the rows of the
/// drainers' visible transactions (TrafficEvent::drainer_visible), labelled 1, grouped by world.
[[nodiscard]] Dataset drainer_rows(std::uint64_t first_seed, int worlds, int transactions_per_world, std::uint32_t schema,
                                   int family = kDrainerFamilyEther,
                                   int visible_victims = kDrainerVisibleVictims);
inline constexpr std::uint64_t kTrainDrainerSeed = 2'000;
inline constexpr std::uint64_t kHeldBackDrainerSeed = 950'000;

/// The worlds a trained model is validated on (`moed train` chooses its output temperature and
/// proposes thresholds on them): never trained on, and apart from the held-back ones, which
/// only the final figures use. Five times the 100 held-back worlds the figures count: a reject
/// threshold just above the highest of n ordinary rows is exceeded by one of another n rows
/// half the time; above the highest of 5n, by one of n about one time in six.
inline constexpr std::uint64_t kValidationWorldSeed = 500'000;
inline constexpr std::uint64_t kValidationDrainerSeed = 700'000;
inline constexpr int kValidationWorlds = 500;

/// The worlds `moed train --task fraud` adds to its training rows by default.
inline constexpr int kTrainWorlds = 160;
inline constexpr int kTrainDrainerWorlds = 1000;
inline constexpr int kTransactionsPerWorld = 1'000;

/// Appends the rows of `from` (same feature width) to `to`.
void append_rows(Dataset& to, const Dataset& from);

}  // namespace moe::nn
