#include "moe/offline/benign_traffic.hpp"

#include <algorithm>
#include <map>

#include "moe/offline/synthetic.hpp"

namespace moe::nn {

namespace {

constexpr std::uint64_t kEth = 1'000'000'000;  // in gwei

// Selectors as wallets and libraries send them.
constexpr std::uint32_t kTransfer = 0xa9059cbb, kTransferFrom = 0x23b872dd, kApprove = 0x095ea7b3, kMint = 0x40c10f19;
constexpr std::uint32_t kSetApprovalForAll = 0xa22cb465, kSafeTransferFrom = 0x42842e0e, kPublicMint = 0xa0712d68, kMintNoArgs = 0x1249c58b;
constexpr std::uint32_t kAddLiquidity = 0xe8e33700, kAddLiquidityEth = 0xf305d719, kRemoveLiquidity = 0xbaa2abde;
constexpr std::uint32_t kSwapExactEthForTokens = 0x7ff36ab5, kSwapExactTokensForEth = 0x18cbafe5, kSwapExactTokensForTokens = 0x38ed1739;
constexpr std::uint32_t kPairSwap = 0x022c0d9f, kSync = 0xfff6cae9;
constexpr std::uint32_t kSubmit = 0xc6427474, kConfirm = 0xc01a8c84, kExecute = 0xee22610b, kSafeExec = 0x6a761202;
constexpr std::uint32_t kDisperseEther = 0xe63d38ed, kDisperseToken = 0xc73a2d60, kIncrement = 0xd09de08a, kSetValue = 0x55241077;

class World {
  public:
    World(std::uint64_t seed, bool drainers, int family = kDrainerFamilyEther, int visible_victims = kDrainerVisibleVictims)
        : rng_(seed * 0x2545f4914f6cdd1dull + 0x9b1d), clock_(1'767'225'600), with_drainers_(drainers), family_(family),
          visible_victims_(static_cast<std::size_t>(visible_victims)) {
        for (int i = 0; i < 10; ++i) {
            eoas_.push_back(new_key());  // the funded test accounts
            balance_[eoas_.back()] = 10'000 * kEth;
        }
    }

    std::vector<TrafficEvent> run(int transactions) {
        while (static_cast<int>(events_.size()) < transactions) step();
        events_.resize(static_cast<std::size_t>(transactions));
        return std::move(events_);
    }

  private:
    struct Token {
        std::uint64_t address, owner;
        std::vector<std::uint64_t> holders;
    };
    struct Amm {
        std::uint64_t router, pair, token;
    };
    struct Multisig {
        std::uint64_t wallet;
        std::vector<std::uint64_t> owners;
        bool safe;
    };
    struct Drainer {
        std::uint64_t address;
        std::vector<std::uint64_t> collectors;  ///< where the sweeps go
        int sweep_every;                        ///< payments collected before a sweep
        int pending = 0;
        bool swept = false;
        int zero_percent = 6;  ///< of its victims' payments, those of no value
        std::vector<std::uint64_t> victims;  ///< distinct
    };

    std::uint64_t new_key() { return rng_.next() | 1; }
    std::int64_t range(std::int64_t lo, std::int64_t hi) { return rng_.range(lo, hi); }
    bool chance(int percent) { return range(0, 99) < percent; }
    template <class T>
    const T& pick(const std::vector<T>& v) { return v[static_cast<std::size_t>(range(0, static_cast<std::int64_t>(v.size()) - 1))]; }

    /// An amount of ether in gwei: round sums as people type them, or anything from 1e-6 to 100 ETH.
    std::uint64_t ether() {
        static constexpr std::uint64_t kRound[] = {kEth / 1000, kEth / 100, kEth / 20, kEth / 10, kEth / 2, kEth, 2 * kEth, 5 * kEth, 10 * kEth, 100 * kEth};
        if (chance(50)) return kRound[range(0, 9)];
        const int bits = static_cast<int>(range(10, 36));
        return static_cast<std::uint64_t>(range(std::int64_t{1} << bits, (std::int64_t{1} << (bits + 1)) - 1));
    }
    /// A gas limit: the estimate with a margin, or a round figure typed by hand.
    std::uint64_t gas(std::uint64_t estimate) {
        if (chance(15)) {
            static constexpr std::uint64_t kFixed[] = {100'000, 200'000, 300'000, 500'000, 1'000'000, 3'000'000, 8'000'000, 30'000'000};
            return std::max(estimate, kFixed[range(0, 7)]);
        }
        return estimate + estimate * static_cast<std::uint64_t>(range(0, 30)) / 100;  // estimates and margins
    }

    std::uint64_t eoa() { return pick(eoas_); }
    std::uint64_t other_eoa(std::uint64_t not_this) {
        for (int i = 0; i < 8; ++i) {
            const std::uint64_t a = eoa();
            if (a != not_this) return a;
        }
        return new_user(not_this);
    }
    /// A test account funds a new user (the only way a new account gets ether on a devnet).
    std::uint64_t new_user(std::uint64_t funder = 0) {
        const std::uint64_t user = new_key();
        if (funder == 0) funder = eoas_[static_cast<std::size_t>(range(0, 9))];
        transfer(funder, user, chance(60) ? kEth * static_cast<std::uint64_t>(range(1, 10)) : ether(), BenignKind::kTransfers);
        eoas_.push_back(user);
        return user;
    }

    void emit(std::uint64_t from, std::uint64_t to, TxFacts facts, BenignKind kind, bool failed = false, std::uint64_t created = 0,
              bool all_in = false) {
        facts.timestamp = clock_;
        // Nobody sends ether they do not have, and people spend a part of what they hold (at
        // most half of it at once): without balances, users passed on more than they were
        // given. `all_in`: one passing on what it holds, up to all of it (a user emptying a
        // wallet into its own others, a drainer's sweep).
        if (facts.value_gwei > 0) {
            std::uint64_t& have = balance_[from];
            if (all_in) facts.value_gwei = std::min(facts.value_gwei, have);
            else if (facts.value_gwei > have / 2) facts.value_gwei = have / 2 / static_cast<std::uint64_t>(range(1, 10));
            have -= facts.value_gwei;
            if (!failed) balance_[created != 0 ? created : to] += facts.value_gwei;
            else have += facts.value_gwei;
        }
        events_.push_back({from, to, created, facts, failed, kind});
        if (chance(35)) clock_ += static_cast<std::uint64_t>(chance(80) ? 1 : range(2, 30));
    }
    void transfer(std::uint64_t from, std::uint64_t to, std::uint64_t gwei, BenignKind kind) {
        TxFacts f;
        f.value_gwei = gwei;
        f.gas_limit = chance(90) ? 21'000 : gas(21'000);
        f.recipient_is_contract = contracts_.count(to) != 0;
        emit(from, to, f, kind);
    }
    /// A call as transaction_facts types it: a token transfer for transfer/transferFrom.
    void call(std::uint64_t from, std::uint64_t to, std::uint32_t selector, std::uint32_t data, std::uint64_t gwei, std::uint64_t estimate,
              BenignKind kind, int fail_percent = 2) {
        TxFacts f;
        f.value_gwei = gwei;
        f.gas_limit = gas(estimate);
        f.data_size = data;
        f.selector = selector;
        f.recipient_is_contract = true;
        if (selector == kTransfer || selector == kTransferFrom) {
            f.type = TxType::kTokenTransfer;
            f.token = to;
        } else {
            f.type = TxType::kContractCall;
        }
        emit(from, to, f, kind, chance(fail_percent));
    }
    std::uint64_t deploy(std::uint64_t from, std::uint32_t size, std::uint64_t estimate, BenignKind kind) {
        const std::uint64_t c = new_key();
        contracts_[c] = from;
        TxFacts f;
        f.type = TxType::kDeployment;
        f.is_create = true;
        f.data_size = size;
        f.selector = 0x60806040;  // solc's preamble
        f.gas_limit = gas(estimate);
        f.value_gwei = chance(5) ? ether() : 0;
        emit(from, 0, f, kind, chance(1), c);
        return c;
    }

    Token& token() {
        if (tokens_.empty() || chance(3)) {
            const std::uint64_t owner = eoa();
            tokens_.push_back({deploy(owner, static_cast<std::uint32_t>(range(2'500, 9'000)), static_cast<std::uint64_t>(range(600'000, 1'400'000)),
                                      BenignKind::kTokens),
                               owner, {owner}});
        }
        return tokens_[static_cast<std::size_t>(range(0, static_cast<std::int64_t>(tokens_.size()) - 1))];
    }

    void tokens() {
        Token& t = token();
        const int what = static_cast<int>(range(0, 99));
        if (what < 15) {
            const std::uint64_t to = chance(50) ? other_eoa(t.owner) : new_key();
            call(t.owner, t.address, kMint, 68, 0, 55'000, BenignKind::kTokens);
            t.holders.push_back(to);
        } else if (what < 65) {
            const std::uint64_t from = pick(t.holders);
            const std::uint64_t to = chance(70) ? other_eoa(from) : new_key();
            call(from, t.address, kTransfer, 68, 0, static_cast<std::uint64_t>(range(30'000, 60'000)), BenignKind::kTokens);
            t.holders.push_back(to);
        } else if (what < 85) {
            call(pick(t.holders), t.address, kApprove, 68, 0, 46'000, BenignKind::kTokens);
        } else {
            const std::uint64_t spender = eoa();
            call(spender, t.address, kTransferFrom, 100, 0, 60'000, BenignKind::kTokens, 5);
        }
    }

    void nft() {
        if (nfts_.empty() || chance(3)) nfts_.push_back(deploy(eoa(), static_cast<std::uint32_t>(range(6'000, 20'000)), static_cast<std::uint64_t>(range(1'500'000, 4'000'000)), BenignKind::kNft));
        const std::uint64_t c = pick(nfts_);
        const int what = static_cast<int>(range(0, 99));
        const std::uint64_t who = eoa();
        if (what < 45) {
            const std::uint64_t price = chance(40) ? 0 : static_cast<std::uint64_t>(range(1, 20)) * kEth / 100;
            call(who, c, chance(50) ? kPublicMint : kMintNoArgs, chance(50) ? 36 : 4, price * static_cast<std::uint64_t>(range(1, 3)), 120'000,
                 BenignKind::kNft, 4);
        } else if (what < 75) {
            call(who, c, chance(50) ? kSafeTransferFrom : kTransferFrom, 100, 0, 80'000, BenignKind::kNft);
        } else {
            call(who, c, kSetApprovalForAll, 68, 0, 48'000, BenignKind::kNft);
        }
    }

    void amm() {
        if (amms_.empty() || chance(2)) {
            const std::uint64_t dev = eoa();
            Token& t = token();
            const std::uint64_t router = deploy(dev, static_cast<std::uint32_t>(range(18'000, 24'000)), 4'500'000, BenignKind::kAmm);
            const std::uint64_t pair = deploy(dev, static_cast<std::uint32_t>(range(8'000, 12'000)), 3'000'000, BenignKind::kAmm);
            call(dev, t.address, kApprove, 68, 0, 46'000, BenignKind::kAmm);
            call(dev, router, kAddLiquidityEth, 196, ether(), 2'500'000, BenignKind::kAmm);
            amms_.push_back({router, pair, t.address});
        }
        const Amm& a = pick(amms_);
        const std::uint64_t who = eoa();
        const int what = static_cast<int>(range(0, 99));
        if (what < 35) {
            call(who, a.router, kSwapExactEthForTokens, static_cast<std::uint32_t>(164 + 32 * range(0, 2)), ether(), 150'000, BenignKind::kAmm, 4);
        } else if (what < 55) {
            call(who, a.token, kApprove, 68, 0, 46'000, BenignKind::kAmm);
            call(who, a.router, chance(50) ? kSwapExactTokensForEth : kSwapExactTokensForTokens, static_cast<std::uint32_t>(228 + 32 * range(0, 2)), 0,
                 180'000, BenignKind::kAmm, 4);
        } else if (what < 70) {
            call(who, a.router, chance(50) ? kAddLiquidityEth : kAddLiquidity, chance(50) ? 196 : 260, chance(50) ? ether() : 0, 250'000, BenignKind::kAmm);
        } else if (what < 80) {
            call(who, a.router, kRemoveLiquidity, 228, 0, 200'000, BenignKind::kAmm);
        } else {
            // An AMM written for the app: direct pair calls.
            call(who, a.pair, chance(70) ? kPairSwap : kSync, chance(70) ? 164 : 4, 0, 90'000, BenignKind::kAmm, 6);
        }
    }

    void multisig() {
        if (multisigs_.empty() || chance(3)) {
            Multisig m;
            for (int i = 0, n = static_cast<int>(range(2, 5)); i < n; ++i) m.owners.push_back(eoa());
            m.safe = chance(50);
            m.wallet = deploy(m.owners.front(), static_cast<std::uint32_t>(range(m.safe ? 300 : 5'000, m.safe ? 600 : 9'000)), 1'200'000,
                              BenignKind::kMultisig);
            transfer(m.owners.back(), m.wallet, ether(), BenignKind::kMultisig);
            multisigs_.push_back(std::move(m));
        }
        const Multisig& m = pick(multisigs_);
        const int what = static_cast<int>(range(0, 99));
        if (what < 20) {
            transfer(chance(70) ? pick(m.owners) : eoa(), m.wallet, ether(), BenignKind::kMultisig);
        } else if (m.safe) {
            call(pick(m.owners), m.wallet, kSafeExec, static_cast<std::uint32_t>(548 + 32 * range(0, 6)), 0, 120'000, BenignKind::kMultisig, 3);
        } else {
            call(m.owners.front(), m.wallet, kSubmit, static_cast<std::uint32_t>(164 + 32 * range(0, 4)), 0, 150'000, BenignKind::kMultisig);
            for (std::size_t i = 1; i < m.owners.size(); ++i) call(m.owners[i], m.wallet, kConfirm, 36, 0, 90'000, BenignKind::kMultisig);
            if (chance(30)) call(pick(m.owners), m.wallet, kExecute, 36, 0, 100'000, BenignKind::kMultisig, 5);
        }
    }

    void payroll() {
        const std::uint64_t payer = eoa();
        const int payees = static_cast<int>(range(3, 40));
        const int style = static_cast<int>(range(0, 2));
        const std::uint64_t salary = ether();
        if (style == 2) {
            // One call to a disperse contract.
            if (disperse_ == 0) disperse_ = deploy(eoa(), 1'800, 400'000, BenignKind::kPayroll);
            const bool in_ether = chance(60);
            call(payer, disperse_, in_ether ? kDisperseEther : kDisperseToken, static_cast<std::uint32_t>(4 + 64 * payees + 96), in_ether ? salary * static_cast<std::uint64_t>(payees) : 0,
                 static_cast<std::uint64_t>(30'000 + 12'000 * payees), BenignKind::kPayroll);
            return;
        }
        Token* t = style == 1 ? &token() : nullptr;
        for (int i = 0; i < payees; ++i) {
            const std::uint64_t to = chance(50) ? new_key() : other_eoa(payer);
            if (t == nullptr) {
                transfer(payer, to, chance(70) ? salary : ether(), BenignKind::kPayroll);
            } else {
                call(payer, t->address, kTransfer, 68, 0, 52'000, BenignKind::kPayroll);
                t->holders.push_back(to);
            }
        }
    }

    void bursts() {
        const std::uint64_t who = chance(50) ? eoa() : new_user();
        const int n = static_cast<int>(range(10, 80));
        const int style = static_cast<int>(range(0, 3));
        std::uint64_t target = 0;
        if (style == 2) {
            if (counters_.empty() || chance(20)) counters_.push_back(deploy(eoa(), static_cast<std::uint32_t>(range(200, 1'500)), 150'000, BenignKind::kBursts));
            target = pick(counters_);
        }
        const std::uint64_t value = chance(50) ? 0 : ether() / 10;
        for (int i = 0; i < n; ++i) {
            if (style == 0) {
                transfer(who, other_eoa(who), value, BenignKind::kBursts);  // a load script
            } else if (style == 1) {
                transfer(who, i % 3 == 0 ? new_key() : other_eoa(who), ether() / 100, BenignKind::kBursts);  // a faucet
            } else if (style == 2) {
                call(who, target, chance(50) ? kIncrement : kSetValue, chance(50) ? 4 : 36, 0, 45'000, BenignKind::kBursts, 1);
            } else {
                tokens();
            }
        }
    }

    /// A user moves what it was given on to its own other wallets, nearly all of it, in one to
    /// four payments within seconds (a new wallet, a split between own accounts, a hardware
    /// wallet): passing on all of one sender's funds is what people do with their own money.
    void relay() {
        const std::uint64_t user = new_user();
        const int parts = static_cast<int>(range(1, 4));
        const std::uint64_t held = balance_[user];
        const std::uint64_t out = held / 100 * static_cast<std::uint64_t>(range(85, 100));
        for (int i = 0; i < parts; ++i) {
            TxFacts f;
            f.value_gwei = out / static_cast<std::uint64_t>(parts);
            f.gas_limit = 21'000;
            const std::uint64_t to = chance(70) ? new_key() : other_eoa(user);
            emit(user, to, f, BenignKind::kTransfers, false, 0, true);
            if (chance(50)) eoas_.push_back(to);
        }
        // It stays in use: paid again, by the one who funded it or by anyone.
        if (chance(60)) transfer(other_eoa(user), user, ether(), BenignKind::kTransfers);
    }

    /// A victim pays a drainer (a transfer of ether: what the drainer's statistics show as
    /// received); after `sweep_every` payments the drainer passes on 90-100% of what it holds.
    void drainer() {
        if (drainers_.empty() || chance(3)) {
            Drainer d;
            d.address = new_key();
            if (!collectors_.empty() && chance(40)) {
                d.collectors.push_back(pick(collectors_));
            } else {
                d.collectors.push_back(new_key());
                collectors_.push_back(d.collectors.back());
            }
            if (chance(25)) d.collectors.push_back(new_key());
            d.sweep_every = chance(20) ? 1 : static_cast<int>(range(2, 8));
            if (family_ == kDrainerFamilyZeroValue) d.zero_percent = static_cast<int>(range(0, 50));
            drainers_.push_back(std::move(d));
        }
        // A campaign runs for a while: the newest drainers draw most victims.
        const auto n = static_cast<std::int64_t>(drainers_.size());
        Drainer& d = drainers_[static_cast<std::size_t>(n - 1 - range(0, std::min<std::int64_t>(n - 1, 2)))];
        std::uint64_t victim = 0;
        const int who = static_cast<int>(range(0, 99));
        if (who < 35) {
            victim = eoa();  // a test account or a user of the world
        } else {
            victim = new_user();  // funded a moment ago
            if (who >= 75) {
                for (int i = 0, k = static_cast<int>(range(1, 3)); i < k; ++i) transfer(victim, other_eoa(victim), ether(), BenignKind::kTransfers);
            }
        }
        if (std::find(d.victims.begin(), d.victims.end(), victim) != d.victims.end()) {
            if (!chance(10)) return;  // each pays once, mostly
        } else {
            d.victims.push_back(victim);
        }
        // What victims paid the labelled fraud accounts: 0 now and then, else from about 1e-4 to
        // 2 ether, evenly in log2 (the data's quartiles are 0.019, 0.12 and 0.5 ether); at most
        // half of what the victim holds (emit).
        const int bits = static_cast<int>(range(17, 30));
        const std::uint64_t value = chance(d.zero_percent) ? 0 : static_cast<std::uint64_t>(range(std::int64_t{1} << bits, (std::int64_t{1} << (bits + 1)) - 1));
        // What a drainer's history shows, and what an ordinary account's does not: several
        // distinct accounts paid it (the labelled fraud accounts' median is 5 distinct senders,
        // the benign ones' 2) and it passed on nearly all of it. Before both, a payment to it
        // or a sweep of it looks like any user moving their own funds, and is no fraud row.
        const bool shows = d.victims.size() >= visible_victims_;
        if (family_ == kDrainerFamilyZeroValue && value == 0 && chance(40)) {
            // A "claim" the drainer's site has the victim sign: a call of no value (to an address
            // without code, so the node types it a contract call).
            TxFacts f;
            f.type = TxType::kContractCall;
            f.data_size = static_cast<std::uint32_t>(4 + 32 * range(0, 2));
            f.selector = static_cast<std::uint32_t>(rng_.next());
            f.gas_limit = gas(static_cast<std::uint64_t>(range(21'100, 30'000)));
            emit(victim, d.address, f, BenignKind::kTransfers);
        } else {
            transfer(victim, d.address, value, BenignKind::kTransfers);
        }
        events_.back().drainer = true;
        events_.back().drainer_visible = d.swept && shows;
        if (++d.pending < d.sweep_every) return;
        const std::uint64_t held = balance_[d.address];
        d.pending = 0;
        if (held == 0) return;
        const int parts = d.collectors.size() > 1 && chance(50) ? 2 : 1;
        const std::uint64_t out = held / 100 * static_cast<std::uint64_t>(range(90, 100));
        for (int i = 0; i < parts; ++i) {
            TxFacts f;
            f.value_gwei = out / static_cast<std::uint64_t>(parts);
            f.gas_limit = 21'000;
            emit(d.address, d.collectors[static_cast<std::size_t>(i)], f, BenignKind::kTransfers, false, 0, true);
            events_.back().drainer = true;
            events_.back().drainer_visible = d.victims.size() >= visible_victims_;  // passing on nearly all it collected
        }
        d.swept = true;
    }

    void step() {
        // Weights of the kinds in a world, fixed per world so worlds differ.
        if (weights_.empty()) {
            for (int k = 0; k < kBenignKinds; ++k) weights_.push_back(static_cast<int>(range(1, 10)));
            if (with_drainers_) drainer_weight_ = static_cast<int>(range(12, 24));
        }
        int total = drainer_weight_;
        for (int w : weights_) total += w;
        int r = static_cast<int>(range(0, total - 1));
        if (r < drainer_weight_) {
            drainer();
            return;
        }
        r -= drainer_weight_;
        int kind = 0;
        while (r >= weights_[static_cast<std::size_t>(kind)]) r -= weights_[static_cast<std::size_t>(kind++)];
        switch (static_cast<BenignKind>(kind)) {
            case BenignKind::kTransfers:
                if (chance(25)) {
                    new_user();
                } else if (chance(20)) {
                    relay();

                } else {
                    const std::uint64_t from = eoa();
                    transfer(from, chance(80) ? other_eoa(from) : new_key(), chance(3) ? 0 : ether(), BenignKind::kTransfers);
                }
                break;
            case BenignKind::kDeployments: {
                const std::uint32_t size = static_cast<std::uint32_t>(chance(20) ? range(60, 600) : range(600, 24'500));
                const std::uint64_t c = deploy(eoa(), size, 60'000 + 220ull * size, BenignKind::kDeployments);
                if (chance(50)) call(eoa(), c, static_cast<std::uint32_t>(rng_.next()), static_cast<std::uint32_t>(4 + 32 * range(0, 5)), chance(10) ? ether() : 0,
                                     static_cast<std::uint64_t>(range(25'000, 300'000)), BenignKind::kDeployments, 8);
                break;
            }
            case BenignKind::kTokens: tokens(); break;
            case BenignKind::kNft: nft(); break;
            case BenignKind::kAmm: amm(); break;
            case BenignKind::kMultisig: multisig(); break;
            case BenignKind::kPayroll: payroll(); break;
            case BenignKind::kBursts: bursts(); break;
        }
    }

    SplitMix64 rng_;
    std::uint64_t clock_;
    std::vector<TrafficEvent> events_;
    std::vector<std::uint64_t> eoas_;
    std::map<std::uint64_t, std::uint64_t> balance_;  // gwei
    std::map<std::uint64_t, std::uint64_t> contracts_;  // address -> deployer
    std::vector<Token> tokens_;
    std::vector<std::uint64_t> nfts_, counters_;
    std::vector<Amm> amms_;
    std::vector<Multisig> multisigs_;
    std::uint64_t disperse_ = 0;
    std::vector<int> weights_;
    bool with_drainers_ = false;
    int family_ = kDrainerFamilyEther;
    std::size_t visible_victims_ = kDrainerVisibleVictims;
    int drainer_weight_ = 0;
    std::vector<Drainer> drainers_;
    std::vector<std::uint64_t> collectors_;
};

}  // namespace

std::string_view to_string(BenignKind k) noexcept {
    switch (k) {
        case BenignKind::kTransfers: return "transfers";
        case BenignKind::kDeployments: return "deployments";
        case BenignKind::kTokens: return "tokens";
        case BenignKind::kNft: return "nft";
        case BenignKind::kAmm: return "amm";
        case BenignKind::kMultisig: return "multisig";
        case BenignKind::kPayroll: return "payroll";
        case BenignKind::kBursts: return "bursts";
    }
    return "unknown";
}

std::vector<TrafficEvent> benign_world(std::uint64_t seed, int transactions) { return World(seed, false).run(transactions); }
std::vector<TrafficEvent> drainer_world(std::uint64_t seed, int transactions, int family, int visible_victims) {
    return World(seed, true, family, visible_victims).run(transactions);
}

namespace {

/// The rows of `worlds` generated worlds from `first_seed`, each screened with both parties'
/// statistics before it (a deployment's recipient is the zero address, as on the chain) and
/// then applied as the block does. Ordinary worlds give every transaction, labelled benign;
/// drainer worlds only the drainers' visible ones, labelled fraud.
Dataset world_rows(std::uint64_t first_seed, int worlds, int transactions_per_world, std::uint32_t schema, bool drainers,
                   std::vector<BenignKind>* kinds, int family = kDrainerFamilyEther, int visible_victims = kDrainerVisibleVictims) {
    Dataset d;
    d.num_features = kFraudFeatures;
    d.num_classes = 2;
    for (int w = 0; w < worlds; ++w) {
        const std::uint64_t seed = first_seed + static_cast<std::uint64_t>(w);
        std::map<std::uint64_t, AccountStats> stats;
        for (const TrafficEvent& e : World(seed, drainers, family, visible_victims).run(transactions_per_world)) {
            if (!drainers || (e.drainer && e.drainer_visible)) {
                TxFacts facts = e.facts;
                facts.sender_key = e.from;
                facts.recipient_key = e.to;
                const FraudFeatures f = fraud_features(facts, stats[e.from], stats[e.to], schema);
                for (std::uint8_t v : f) d.x.push_back(static_cast<float>(v) / 127.0f);
                d.y.push_back(drainers ? 1 : 0);
                d.groups.push_back(seed);
                if (kinds != nullptr) kinds->push_back(e.kind);
            }
            const std::uint64_t recipient = e.created != 0 ? e.created : e.to;
            stats[e.from].apply_sent(e.facts, recipient, e.failed);
            if (recipient != e.from) stats[recipient].apply_received(e.facts, e.from);
        }
    }
    return d;
}

}  // namespace

Dataset benign_rows(std::uint64_t first_seed, int worlds, int transactions_per_world, std::uint32_t schema, std::vector<BenignKind>* kinds) {
    return world_rows(first_seed, worlds, transactions_per_world, schema, false, kinds);
}

Dataset drainer_rows(std::uint64_t first_seed, int worlds, int transactions_per_world, std::uint32_t schema, int family, int visible_victims) {
    return world_rows(first_seed, worlds, transactions_per_world, schema, true, nullptr, family, visible_victims);
}

void append_rows(Dataset& to, const Dataset& from) {
    to.x.insert(to.x.end(), from.x.begin(), from.x.end());
    to.y.insert(to.y.end(), from.y.begin(), from.y.end());
    to.groups.insert(to.groups.end(), from.groups.begin(), from.groups.end());
}

}  // namespace moe::nn
