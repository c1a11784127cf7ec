#include "moe/account_stats.hpp"

#include <algorithm>
#include <bit>

namespace moe::nn {

std::string_view to_string(TxType t) noexcept {
    switch (t) {
        case TxType::kTransfer: return "transfer";
        case TxType::kContractCall: return "contractCall";
        case TxType::kDeployment: return "deployment";
        case TxType::kTokenTransfer: return "tokenTransfer";
    }
    return "unknown";
}

namespace {

constexpr std::uint8_t kStatsEncoding = 1;

/// Mixes a key so that the sketch keeps a uniform sample of keys, whatever their layout.
std::uint64_t mix(std::uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

std::uint64_t sat_add(std::uint64_t a, std::uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
std::uint32_t inc(std::uint32_t a) { return a == UINT32_MAX ? a : a + 1; }

/// log2 code: bit_width(v) * per_bit, at most 127.
std::uint8_t log_code(std::uint64_t v, unsigned per_bit) {
    return static_cast<std::uint8_t>(std::min<std::uint64_t>(127, static_cast<std::uint64_t>(std::bit_width(v)) * per_bit));
}
std::uint8_t share(std::uint64_t part, std::uint64_t total) {
    return total == 0 ? 0 : static_cast<std::uint8_t>(std::min<std::uint64_t>(127, part * 127 / total));
}
std::uint8_t flag(bool b) { return b ? 127 : 0; }

int gap_bucket(std::uint64_t seconds) { return std::min(kGapBuckets - 1, (static_cast<int>(std::bit_width(seconds)) + 1) / 3); }

class Writer {
  public:
    void u8(std::uint8_t v) { out.push_back(v); }
    void u32(std::uint32_t v) {
        for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void u64(std::uint64_t v) {
        for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void sketch(const DistinctSketch& s) {
        u8(static_cast<std::uint8_t>(s.size()));
        for (std::size_t i = 0; i < s.size(); ++i) u64(s.values()[i]);
    }
    core::Bytes out;
};

class Reader {
  public:
    explicit Reader(core::ByteView in) : in_(in) {}
    bool u8(std::uint8_t& v) {
        if (pos_ + 1 > in_.size()) return false;
        v = in_[pos_++];
        return true;
    }
    bool u32(std::uint32_t& v) {
        if (pos_ + 4 > in_.size()) return false;
        v = 0;
        for (int i = 0; i < 4; ++i) v |= std::uint32_t{in_[pos_++]} << (8 * i);
        return true;
    }
    bool u64(std::uint64_t& v) {
        if (pos_ + 8 > in_.size()) return false;
        v = 0;
        for (int i = 0; i < 8; ++i) v |= std::uint64_t{in_[pos_++]} << (8 * i);
        return true;
    }
    bool sketch(DistinctSketch& s) {
        std::uint8_t n = 0;
        if (!u8(n) || n > DistinctSketch::kSize) return false;
        std::array<std::uint64_t, DistinctSketch::kSize> v{};
        for (std::size_t i = 0; i < n; ++i) {
            if (!u64(v[i])) return false;
        }
        return s.assign(v.data(), n);
    }
    [[nodiscard]] bool done() const { return pos_ == in_.size(); }

  private:
    core::ByteView in_;
    std::size_t pos_ = 0;
};

}  // namespace

void DistinctSketch::add(std::uint64_t key) {
    const std::uint64_t h = mix(key);
    auto* end = v_.data() + n_;
    auto* at = std::lower_bound(v_.data(), end, h);
    if (at != end && *at == h) return;
    if (n_ == kSize) {
        if (at == end) return;  // larger than every kept value
        --n_;
        end = v_.data() + n_;
    }
    std::move_backward(at, end, end + 1);
    *at = h;
    ++n_;
}

std::uint64_t DistinctSketch::estimate() const {
    if (n_ < kSize) return n_;
    // KMV: (K - 1) / (the K-th smallest as a fraction of 2^64).
    const std::uint64_t per = UINT64_MAX / std::max<std::uint64_t>(v_[kSize - 1], 1);
    return per > UINT64_MAX / (kSize - 1) ? UINT64_MAX : per * (kSize - 1);
}

DistinctSketch::Seen DistinctSketch::seen(std::uint64_t key) const {
    const std::uint64_t h = mix(key);
    const auto* end = v_.data() + n_;
    if (std::binary_search(v_.data(), end, h)) return Seen::kYes;
    // A key leaves a full sketch only when K smaller ones arrive, after which the largest kept
    // value is below it: a key below the largest kept value was never added.
    return n_ < kSize || h < v_[kSize - 1] ? Seen::kNever : Seen::kUnknown;
}

bool DistinctSketch::assign(const std::uint64_t* values, std::size_t n) {
    if (n > kSize) return false;
    for (std::size_t i = 1; i < n; ++i) {
        if (values[i] <= values[i - 1]) return false;
    }
    v_ = {};
    std::copy(values, values + n, v_.begin());
    n_ = n;
    return true;
}

std::uint64_t address_key(core::ByteView a) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8 && i < a.size(); ++i) v = (v << 8) | a[i];
    return v;
}

void AccountStats::touch(std::uint64_t time) {
    if (last_time != 0 && time >= last_time) ++gaps[static_cast<std::size_t>(gap_bucket(time - last_time))];
    if (first_time == 0) first_time = time;
    last_time = std::max(last_time, time);
}

void AccountStats::apply_sent(const TxFacts& tx, std::uint64_t counterparty, bool failed) {
    touch(tx.timestamp);
    out_peers.add(counterparty);
    if (failed) failures = inc(failures);
    if (tx.type == TxType::kTokenTransfer && tx.data_size == 0) {
        // A token transfer seen as an event (no calldata of its own): only the token counts.
        tokens_sent = inc(tokens_sent);
        tokens.add(tx.token);
        return;
    }
    sent = inc(sent);
    if (tx.value_gwei == 0) sent_zero_value = inc(sent_zero_value);
    sent_gwei = sat_add(sent_gwei, tx.value_gwei);
    max_sent_gwei = std::max(max_sent_gwei, tx.value_gwei);
    if (tx.data_size > 0) sent_with_data = inc(sent_with_data);
    if (tx.data_size >= 4) selectors.add(tx.selector);
    if (tx.is_create) creations = inc(creations);
    if (tx.type == TxType::kTokenTransfer) {
        tokens_sent = inc(tokens_sent);
        tokens.add(tx.token);
    }
}

void AccountStats::apply_received(const TxFacts& tx, std::uint64_t counterparty) {
    touch(tx.timestamp);
    in_peers.add(counterparty);
    if (tx.type == TxType::kTokenTransfer && tx.data_size == 0) {
        tokens_received = inc(tokens_received);
        tokens.add(tx.token);
        return;
    }
    received = inc(received);
    if (tx.value_gwei == 0) received_zero_value = inc(received_zero_value);
    received_gwei = sat_add(received_gwei, tx.value_gwei);
    max_received_gwei = std::max(max_received_gwei, tx.value_gwei);
}

core::Bytes AccountStats::encode() const {
    Writer w;
    w.u8(kStatsEncoding);
    for (std::uint32_t v : {sent, received, sent_zero_value, received_zero_value, sent_with_data, failures, creations, tokens_sent, tokens_received}) w.u32(v);
    for (std::uint64_t v : {sent_gwei, received_gwei, max_sent_gwei, max_received_gwei, first_time, last_time}) w.u64(v);
    for (std::uint32_t g : gaps) w.u32(g);
    for (const DistinctSketch* s : {&out_peers, &in_peers, &selectors, &tokens}) w.sketch(*s);
    return w.out;
}

std::expected<AccountStats, std::string> AccountStats::decode(core::ByteView bytes) {
    Reader r(bytes);
    AccountStats a;
    std::uint8_t version = 0;
    if (!r.u8(version)) return std::unexpected(std::string("account stats: empty"));
    if (version != kStatsEncoding) return std::unexpected("account stats: unknown encoding " + std::to_string(version));
    for (std::uint32_t* v : {&a.sent, &a.received, &a.sent_zero_value, &a.received_zero_value, &a.sent_with_data, &a.failures, &a.creations,
                             &a.tokens_sent, &a.tokens_received}) {
        if (!r.u32(*v)) return std::unexpected(std::string("account stats: truncated"));
    }
    for (std::uint64_t* v : {&a.sent_gwei, &a.received_gwei, &a.max_sent_gwei, &a.max_received_gwei, &a.first_time, &a.last_time}) {
        if (!r.u64(*v)) return std::unexpected(std::string("account stats: truncated"));
    }
    for (std::uint32_t& g : a.gaps) {
        if (!r.u32(g)) return std::unexpected(std::string("account stats: truncated"));
    }
    for (DistinctSketch* s : {&a.out_peers, &a.in_peers, &a.selectors, &a.tokens}) {
        if (!r.sketch(*s)) return std::unexpected(std::string("account stats: bad or truncated sketch"));
    }
    if (!r.done()) return std::unexpected(std::string("account stats: trailing bytes"));
    if (a.first_time > a.last_time) return std::unexpected(std::string("account stats: first activity after the last"));
    return a;
}

namespace {

/// Schema 3's finer log code: bit_width(v) * per_bit plus the 4 bits below the leading one
/// scaled into the step (v = 5 and v = 7 differ), at most 127; 0 only for 0. Monotonic in v.
std::uint8_t fine_log_code(std::uint64_t v, unsigned per_bit) {
    if (v == 0) return 0;
    const auto width = static_cast<unsigned>(std::bit_width(v));
    const std::uint64_t below = v ^ (std::uint64_t{1} << (width - 1));  // the bits under the leading one
    const std::uint64_t mantissa = width > 5 ? below >> (width - 5) : below << (5 - width);  // 4 bits
    return static_cast<std::uint8_t>(std::min<std::uint64_t>(127, std::uint64_t{width} * per_bit + mantissa * per_bit / 16));
}

/// The codes of one schema: schema 2 keeps whole halvings (log_code), schema 3 refines them
/// (a chain screens with its model's schema, so schema 2's codes stay as they were).
struct Codes {
    bool fine = false;
    /// A count, size or span of seconds.
    [[nodiscard]] std::uint8_t count(std::uint64_t v, unsigned per_bit) const { return fine ? fine_log_code(v, per_bit) : log_code(v, per_bit); }
    /// An amount in gwei: schema 2 two codes a halving over all of 64 bits; schema 3 three a
    /// halving from 2^8 gwei (2..4; below: 1) to 2^50 (about a million ether; above: 127).
    [[nodiscard]] std::uint8_t amount(std::uint64_t v) const {
        if (!fine) return log_code(v, 2);
        if (v == 0) return 0;
        const auto width = static_cast<unsigned>(std::bit_width(v));
        if (width <= 8) return 1;
        const std::uint64_t third = ((v >> (width - 5)) & 15) * 3 / 16;  // 0..2: where v lies within its halving
        return static_cast<std::uint8_t>(std::min<std::uint64_t>(127, std::uint64_t{width - 8} * 3 - 1 + third));
    }
};

/// The 24 features of one party.
void account_features(const AccountStats& a, std::uint64_t now, const Codes& c, std::uint8_t* f) {
    int i = 0;
    const std::uint64_t active = std::uint64_t{a.sent} + a.received + a.tokens_sent + a.tokens_received;
    if (c.fine) {
        // Schema 3: of its receipts, the share from distinct senders (a drainer's victims each
        // pay once: 127; a wallet its owner tops up: low). The "active" flag it replaces is
        // implied by the counts. 0 without receipts.
        const std::uint64_t receipts = std::uint64_t{a.received} + a.tokens_received;
        f[i++] = receipts == 0 ? 0 : std::max<std::uint8_t>(1, share(std::min(a.in_peers.estimate(), receipts), receipts));
    } else {
        f[i++] = flag(active > 0);
    }
    f[i++] = c.count(a.sent, 8);
    f[i++] = c.count(a.received, 8);
    f[i++] = c.amount(a.sent_gwei);
    f[i++] = c.amount(a.received_gwei);
    f[i++] = c.amount(a.max_sent_gwei);
    f[i++] = c.amount(a.max_received_gwei);
    f[i++] = c.count(a.out_peers.estimate(), 10);
    f[i++] = c.count(a.in_peers.estimate(), 10);
    f[i++] = share(a.failures, std::max<std::uint64_t>(1, a.sent));
    f[i++] = c.count(a.creations, 16);
    f[i++] = c.count(a.selectors.estimate(), 16);
    f[i++] = c.count(a.tokens_sent, 8);
    f[i++] = c.count(a.tokens_received, 8);
    f[i++] = c.count(a.tokens.estimate(), 10);
    f[i++] = c.count(a.last_time >= a.first_time ? a.last_time - a.first_time : 0, 4);  // lifetime
    f[i++] = c.count(a.last_time != 0 && now >= a.last_time ? now - a.last_time : 0, 4);  // idle before this one
    f[i++] = share(std::uint64_t{a.sent_zero_value} + a.received_zero_value, std::uint64_t{a.sent} + a.received);
    f[i++] = share(a.sent_with_data, a.sent);
    std::uint64_t gaps = 0;
    for (std::uint32_t g : a.gaps) gaps += g;
    for (int b = 0; b < kGapBuckets; b += 2) f[i++] = share(std::uint64_t{a.gaps[static_cast<std::size_t>(b)]} + a.gaps[static_cast<std::size_t>(b + 1)], gaps);
    // How much of what came in has gone out again (schema 2): a drainer passes on nearly all it
    // collects, a wallet funded for use spends a part. 0 without inflow; sums saturate alike.
    __extension__ using Wide = unsigned __int128;  // GCC's and Clang's 128-bit integer: out * 127 needs 71 bits
    const auto out = static_cast<Wide>(std::min(a.sent_gwei, a.received_gwei));
    f[i++] = a.received_gwei == 0 ? 0 : static_cast<std::uint8_t>(out * 127 / a.received_gwei);
}

/// Schema 4: whether one party has paid the other before, from both views of the same fact
/// (the payer's recipients, the payee's senders): 0 when neither has any such history, 1
/// never, 64 cannot tell (both sketches full), 127 yes.
std::uint8_t paid_before(const DistinctSketch& payer_out, std::uint64_t payee, const DistinctSketch& payee_in, std::uint64_t payer) {
    if (payer_out.size() == 0 && payee_in.size() == 0) return 0;
    const DistinctSketch::Seen a = payer_out.seen(payee), b = payee_in.seen(payer);
    if (a == DistinctSketch::Seen::kYes || b == DistinctSketch::Seen::kYes) return 127;
    if (a == DistinctSketch::Seen::kNever || b == DistinctSketch::Seen::kNever) return 1;
    return 64;
}

/// What an account holds by its history: received minus sent (0 when it sent more, as a
/// genesis-funded account does).
std::uint64_t net_inflow(const AccountStats& a) { return a.received_gwei > a.sent_gwei ? a.received_gwei - a.sent_gwei : 0; }

bool is_token_selector(std::uint32_t s) { return s == 0xa9059cbb || s == 0x23b872dd; }
bool is_approval_selector(std::uint32_t s) { return s == 0x095ea7b3 || s == 0xa22cb465 || s == 0xd505accf || s == 0x39509351; }

}  // namespace

FraudFeatures fraud_features(const TxFacts& tx, const AccountStats& sender, const AccountStats& recipient, std::uint32_t schema) {
    const Codes c{schema != kFraudFeatureSchemaWhole};  // schema 2: whole halvings
    FraudFeatures f{};
    int i = 0;
    for (int t = 0; t < kTxTypes; ++t) f[static_cast<std::size_t>(i++)] = flag(static_cast<int>(tx.type) == t);
    f[i++] = c.amount(tx.value_gwei);
    f[i++] = flag(tx.value_gwei == 0);
    f[i++] = c.count(tx.gas_limit, 4);
    f[i++] = c.count(tx.data_size, 8);
    const bool has_selector = tx.data_size >= 4 || (tx.type == TxType::kTokenTransfer && tx.selector != 0);
    f[i++] = flag(has_selector && is_token_selector(tx.selector));
    f[i++] = flag(has_selector && is_approval_selector(tx.selector));
    f[i++] = flag(has_selector && !is_token_selector(tx.selector) && !is_approval_selector(tx.selector));
    f[i++] = flag(tx.recipient_is_contract);
    // The value against the sender's largest so far (127: a new maximum) and against the
    // recipient's mean received (64: the same order of magnitude).
    f[i++] = tx.value_gwei >= sender.max_sent_gwei ? 127 : share(tx.value_gwei, sender.max_sent_gwei);
    const std::uint64_t mean_received = recipient.received == 0 ? 0 : recipient.received_gwei / recipient.received;
    f[i++] = static_cast<std::uint8_t>(std::clamp(64 + 4 * (static_cast<int>(std::bit_width(tx.value_gwei)) - static_cast<int>(std::bit_width(mean_received))), 0, 127));
    f[i++] = c.count(sender.last_time != 0 && tx.timestamp >= sender.last_time ? tx.timestamp - sender.last_time : 0, 4);
    f[i++] = c.count(recipient.last_time != 0 && tx.timestamp >= recipient.last_time ? tx.timestamp - recipient.last_time : 0, 4);
    account_features(sender, tx.timestamp, c, f.data() + kTxFeatures);
    account_features(recipient, tx.timestamp, c, f.data() + kTxFeatures + kAccountFeatures);
    if (schema == kFraudFeatureSchemaPairs) {
        // The slots that repeated features 4 (5), 0..3 (8), 14 (32) and 15 (56).
        const std::uint64_t held = net_inflow(sender);
        f[5] = tx.value_gwei == 0 ? 0 : tx.value_gwei >= held ? 127 : std::max<std::uint8_t>(1, share(tx.value_gwei, held));
        f[8] = c.amount(net_inflow(recipient));
        f[kTxFeatures + 16] = paid_before(sender.out_peers, tx.recipient_key, recipient.in_peers, tx.sender_key);
        f[kTxFeatures + kAccountFeatures + 16] = paid_before(recipient.out_peers, tx.sender_key, sender.in_peers, tx.recipient_key);
    }
    return f;
}

}  // namespace moe::nn
