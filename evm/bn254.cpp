#include "evm/bn254.hpp"

#include <boost/multiprecision/cpp_int.hpp>
#include <optional>
#include <vector>

namespace moe::evm::bn254 {

namespace {

// ---------------------------------------------------------------------------------------------
// Fp: integers modulo p in Montgomery form, four 64-bit limbs.
// ---------------------------------------------------------------------------------------------

__extension__ typedef unsigned __int128 u128;  // the 64x64->128 products of Montgomery multiplication

/// A 256-bit number as four 64-bit limbs, least significant first.
using Limbs = std::array<std::uint64_t, 4>;

/// The field modulus p = 36u^4 + 36u^3 + 24u^2 + 6u + 1 for u = 4965661367192848881,
/// 21888242871839275222246405745257275088696311157297823662689037894645226208583.
constexpr Limbs kP = {0x3c208c16d87cfd47ULL, 0x97816a916871ca8dULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL};
/// The prime order r = 36u^4 + 36u^3 + 18u^2 + 6u + 1 of G1 and of the G2 subgroup.
constexpr Limbs kR = {0x43e1f593f0000001ULL, 0x2833e84879b97091ULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL};
/// The low 64 bits of the optimal ate loop count 6u + 2 = 0x1_9d797039be763ba8 (bit 64 is set too).
constexpr std::uint64_t kAteLoopLow = 0x9d797039be763ba8ULL;

/// a < b as unsigned 256-bit numbers.
constexpr bool less_than(const Limbs& a, const Limbs& b) noexcept {
    for (int i = 3; i >= 0; --i) {
        if (a[i] != b[i]) return a[i] < b[i];
    }
    return false;
}

/// a + b modulo 2^256.
constexpr Limbs add_wrap(const Limbs& a, const Limbs& b) noexcept {
    Limbs out{};
    std::uint64_t carry = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        const u128 s = u128{a[i]} + b[i] + carry;
        out[i] = static_cast<std::uint64_t>(s);
        carry = static_cast<std::uint64_t>(s >> 64);
    }
    return out;
}

/// a - b modulo 2^256.
constexpr Limbs sub_wrap(const Limbs& a, const Limbs& b) noexcept {
    Limbs out{};
    std::uint64_t borrow = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        const u128 d = u128{a[i]} - b[i] - borrow;
        out[i] = static_cast<std::uint64_t>(d);
        borrow = static_cast<std::uint64_t>(d >> 64) & 1;
    }
    return out;
}

/// (a + b) mod p for a, b < p; p < 2^254 so the sum never wraps.
constexpr Limbs add_mod(const Limbs& a, const Limbs& b) noexcept {
    const Limbs s = add_wrap(a, b);
    return less_than(s, kP) ? s : sub_wrap(s, kP);
}

/// (a - b) mod p for a, b < p.
constexpr Limbs sub_mod(const Limbs& a, const Limbs& b) noexcept {
    const Limbs d = sub_wrap(a, b);
    return less_than(a, b) ? add_wrap(d, kP) : d;
}

/// -p^-1 mod 2^64 by Newton iteration (each step doubles the correct low bits).
constexpr std::uint64_t neg_inverse_64(std::uint64_t x) noexcept {
    std::uint64_t inv = x;  // correct to 3 bits for odd x
    for (int i = 0; i < 5; ++i) inv *= 2 - x * inv;
    return 0 - inv;
}
constexpr std::uint64_t kPInv = neg_inverse_64(kP[0]);
static_assert(kP[0] * (0 - kPInv) == 1);

/// 2^k mod p, by doubling.
constexpr Limbs power_of_two_mod_p(int k) noexcept {
    Limbs x = {1, 0, 0, 0};
    for (int i = 0; i < k; ++i) x = add_mod(x, x);
    return x;
}
/// R = 2^256 mod p (one in Montgomery form) and R^2 mod p (the conversion factor into it).
constexpr Limbs kMontOne = power_of_two_mod_p(256);
constexpr Limbs kMontR2 = power_of_two_mod_p(512);

/// Montgomery product a * b / 2^256 mod p (CIOS) for a, b < p.
constexpr Limbs mont_mul(const Limbs& a, const Limbs& b) noexcept {
    std::uint64_t t[6] = {0, 0, 0, 0, 0, 0};
    for (std::size_t i = 0; i < 4; ++i) {
        std::uint64_t carry = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            const u128 s = u128{a[j]} * b[i] + t[j] + carry;
            t[j] = static_cast<std::uint64_t>(s);
            carry = static_cast<std::uint64_t>(s >> 64);
        }
        u128 s = u128{t[4]} + carry;
        t[4] = static_cast<std::uint64_t>(s);
        t[5] = static_cast<std::uint64_t>(s >> 64);
        const std::uint64_t m = t[0] * kPInv;
        s = u128{m} * kP[0] + t[0];
        carry = static_cast<std::uint64_t>(s >> 64);
        for (std::size_t j = 1; j < 4; ++j) {
            s = u128{m} * kP[j] + t[j] + carry;
            t[j - 1] = static_cast<std::uint64_t>(s);
            carry = static_cast<std::uint64_t>(s >> 64);
        }
        s = u128{t[4]} + carry;
        t[3] = static_cast<std::uint64_t>(s);
        t[4] = t[5] + static_cast<std::uint64_t>(s >> 64);
    }
    const Limbs out = {t[0], t[1], t[2], t[3]};
    return (t[4] != 0 || !less_than(out, kP)) ? sub_wrap(out, kP) : out;
}

/// An element of Fp, kept in Montgomery form and always fully reduced (so == compares values).
struct Fp {
    Limbs mont{};

    [[nodiscard]] static constexpr Fp zero() noexcept { return {}; }
    [[nodiscard]] static constexpr Fp one() noexcept { return {kMontOne}; }
    /// The element of a plain integer below p.
    [[nodiscard]] static constexpr Fp from_limbs(const Limbs& v) noexcept { return {mont_mul(v, kMontR2)}; }
    /// The element of 32 big-endian bytes, or nothing when they are not below p.
    [[nodiscard]] static std::optional<Fp> from_be_bytes(const std::uint8_t* bytes) noexcept;

    [[nodiscard]] constexpr Limbs to_limbs() const noexcept { return mont_mul(mont, {1, 0, 0, 0}); }
    /// Writes the value as 32 big-endian bytes.
    void to_be_bytes(std::uint8_t* out) const noexcept;
    [[nodiscard]] constexpr bool is_zero() const noexcept { return mont == Limbs{}; }

    friend constexpr Fp operator+(const Fp& a, const Fp& b) noexcept { return {add_mod(a.mont, b.mont)}; }
    friend constexpr Fp operator-(const Fp& a, const Fp& b) noexcept { return {sub_mod(a.mont, b.mont)}; }
    friend constexpr Fp operator-(const Fp& a) noexcept { return {sub_mod(Limbs{}, a.mont)}; }
    friend constexpr Fp operator*(const Fp& a, const Fp& b) noexcept { return {mont_mul(a.mont, b.mont)}; }
    friend constexpr bool operator==(const Fp&, const Fp&) = default;

    [[nodiscard]] constexpr Fp square() const noexcept { return *this * *this; }
    /// The inverse by Fermat (a^(p-2)); zero maps to zero.
    [[nodiscard]] Fp inverse() const noexcept;
};

std::optional<Fp> Fp::from_be_bytes(const std::uint8_t* bytes) noexcept {
    Limbs v{};
    for (std::size_t i = 0; i < 32; ++i) v[3 - i / 8] = (v[3 - i / 8] << 8) | bytes[i];
    if (!less_than(v, kP)) return std::nullopt;
    return from_limbs(v);
}

void Fp::to_be_bytes(std::uint8_t* out) const noexcept {
    const Limbs v = to_limbs();
    for (std::size_t i = 0; i < 32; ++i) out[i] = static_cast<std::uint8_t>(v[3 - i / 8] >> (8 * (7 - i % 8)));
}

/// Whether bit i of a little-endian limb number is set.
constexpr bool bit_at(const Limbs& v, int i) noexcept {
    return ((v[static_cast<std::size_t>(i / 64)] >> (i % 64)) & 1) != 0;
}

/// x^e by square-and-multiply over the 256 bits of e; works for any type with one() and *.
template <class F>
F pow_limbs(const F& x, const Limbs& e) noexcept {
    F acc = F::one();
    for (int i = 255; i >= 0; --i) {
        acc = acc * acc;
        if (bit_at(e, i)) acc = acc * x;
    }
    return acc;
}

Fp Fp::inverse() const noexcept { return pow_limbs(*this, sub_wrap(kP, {2, 0, 0, 0})); }

// ---------------------------------------------------------------------------------------------
// The tower Fp2 = Fp[i]/(i^2 + 1), Fp6 = Fp2[v]/(v^3 - xi) with xi = 9 + i, Fp12 = Fp6[w]/(w^2 - v).
// ---------------------------------------------------------------------------------------------

/// a + b*i with i^2 = -1.
struct Fp2 {
    Fp a, b;

    [[nodiscard]] static constexpr Fp2 zero() noexcept { return {}; }
    [[nodiscard]] static constexpr Fp2 one() noexcept { return {Fp::one(), Fp::zero()}; }
    [[nodiscard]] constexpr bool is_zero() const noexcept { return a.is_zero() && b.is_zero(); }

    friend constexpr Fp2 operator+(const Fp2& x, const Fp2& y) noexcept { return {x.a + y.a, x.b + y.b}; }
    friend constexpr Fp2 operator-(const Fp2& x, const Fp2& y) noexcept { return {x.a - y.a, x.b - y.b}; }
    friend constexpr Fp2 operator-(const Fp2& x) noexcept { return {-x.a, -x.b}; }
    /// Karatsuba: three Fp products.
    friend constexpr Fp2 operator*(const Fp2& x, const Fp2& y) noexcept {
        const Fp t0 = x.a * y.a;
        const Fp t1 = x.b * y.b;
        return {t0 - t1, (x.a + x.b) * (y.a + y.b) - t0 - t1};
    }
    friend constexpr bool operator==(const Fp2&, const Fp2&) = default;

    [[nodiscard]] constexpr Fp2 scale(const Fp& k) const noexcept { return {a * k, b * k}; }
    [[nodiscard]] constexpr Fp2 square() const noexcept {
        const Fp ab = a * b;
        return {(a + b) * (a - b), ab + ab};
    }
    /// The conjugate a - b*i, which is also the p-th power (Frobenius).
    [[nodiscard]] constexpr Fp2 conj() const noexcept { return {a, -b}; }
    /// Times xi = 9 + i: (9a - b) + (a + 9b)i, with additions only.
    [[nodiscard]] constexpr Fp2 mul_by_xi() const noexcept {
        const Fp a2 = a + a, b2 = b + b;
        const Fp a4 = a2 + a2, b4 = b2 + b2;
        const Fp a9 = a4 + a4 + a;
        const Fp b9 = b4 + b4 + b;
        return {a9 - b, a + b9};
    }
    /// (a - b i) / (a^2 + b^2).
    [[nodiscard]] Fp2 inverse() const noexcept {
        const Fp t = (a.square() + b.square()).inverse();
        return {a * t, -(b * t)};
    }
};

/// c0 + c1*v + c2*v^2 with v^3 = xi.
struct Fp6 {
    Fp2 c0, c1, c2;

    [[nodiscard]] static constexpr Fp6 zero() noexcept { return {}; }
    [[nodiscard]] static constexpr Fp6 one() noexcept { return {Fp2::one(), Fp2::zero(), Fp2::zero()}; }

    friend constexpr Fp6 operator+(const Fp6& x, const Fp6& y) noexcept {
        return {x.c0 + y.c0, x.c1 + y.c1, x.c2 + y.c2};
    }
    friend constexpr Fp6 operator-(const Fp6& x, const Fp6& y) noexcept {
        return {x.c0 - y.c0, x.c1 - y.c1, x.c2 - y.c2};
    }
    friend constexpr Fp6 operator-(const Fp6& x) noexcept { return {-x.c0, -x.c1, -x.c2}; }
    /// Karatsuba over three coefficients: six Fp2 products.
    friend constexpr Fp6 operator*(const Fp6& x, const Fp6& y) noexcept {
        const Fp2 v0 = x.c0 * y.c0;
        const Fp2 v1 = x.c1 * y.c1;
        const Fp2 v2 = x.c2 * y.c2;
        return {v0 + ((x.c1 + x.c2) * (y.c1 + y.c2) - v1 - v2).mul_by_xi(),
                (x.c0 + x.c1) * (y.c0 + y.c1) - v0 - v1 + v2.mul_by_xi(),
                (x.c0 + x.c2) * (y.c0 + y.c2) - v0 - v2 + v1};
    }
    friend constexpr bool operator==(const Fp6&, const Fp6&) = default;

    /// Times v: the coefficients shift up and the one that wraps is multiplied by xi.
    [[nodiscard]] constexpr Fp6 mul_by_v() const noexcept { return {c2.mul_by_xi(), c0, c1}; }
    /// The adjugate over the norm, which lies in Fp2.
    [[nodiscard]] Fp6 inverse() const noexcept {
        const Fp2 t0 = c0.square() - (c1 * c2).mul_by_xi();
        const Fp2 t1 = c2.square().mul_by_xi() - c0 * c1;
        const Fp2 t2 = c1.square() - c0 * c2;
        const Fp2 norm = c0 * t0 + (c2 * t1 + c1 * t2).mul_by_xi();
        const Fp2 inv = norm.inverse();
        return {t0 * inv, t1 * inv, t2 * inv};
    }
};

/// The constants derived once from p: the twist coefficient, the Frobenius coefficients and the
/// hard part of the final exponent.
struct TowerConstants {
    Fp2 twist_b;                  ///< 3 / xi, the b of the twist y^2 = x^3 + b'
    std::array<Fp2, 6> frobenius;  ///< xi^(k(p-1)/6) for k = 0..5: w^(kp) = that * w^k
    std::vector<bool> hard_exponent;  ///< (p^4 - p^2 + 1) / r, most significant bit first
};
const TowerConstants& constants();

/// c0 + c1*w with w^2 = v (so w^6 = xi).
struct Fp12 {
    Fp6 c0, c1;

    [[nodiscard]] static constexpr Fp12 one() noexcept { return {Fp6::one(), Fp6::zero()}; }

    friend constexpr Fp12 operator*(const Fp12& x, const Fp12& y) noexcept {
        const Fp6 t0 = x.c0 * y.c0;
        const Fp6 t1 = x.c1 * y.c1;
        return {t0 + t1.mul_by_v(), (x.c0 + x.c1) * (y.c0 + y.c1) - t0 - t1};
    }
    friend constexpr bool operator==(const Fp12&, const Fp12&) = default;

    /// (c0 + c1 w)^2 = c0^2 + v c1^2 + 2 c0 c1 w, with two Fp6 products.
    [[nodiscard]] constexpr Fp12 square() const noexcept {
        const Fp6 t = c0 * c1;
        return {(c0 + c1) * (c0 + c1.mul_by_v()) - t - t.mul_by_v(), t + t};
    }
    /// The p^6-th power c0 - c1 w, which inverts elements of norm one.
    [[nodiscard]] constexpr Fp12 conj() const noexcept { return {c0, -c1}; }
    /// (c0 - c1 w) / (c0^2 - v c1^2).
    [[nodiscard]] Fp12 inverse() const noexcept {
        const Fp6 inv = (c0 * c0 - (c1 * c1).mul_by_v()).inverse();
        return {c0 * inv, -(c1 * inv)};
    }
    /// The p-th power: with the element written as sum a_k w^k (a_k in Fp2, k = 2j + (0|1)),
    /// each coefficient is conjugated and multiplied by xi^(k(p-1)/6).
    [[nodiscard]] Fp12 frobenius() const {
        const auto& g = constants().frobenius;
        return {{c0.c0.conj(), c0.c1.conj() * g[2], c0.c2.conj() * g[4]},
                {c1.c0.conj() * g[1], c1.c1.conj() * g[3], c1.c2.conj() * g[5]}};
    }
};

/// Builds the constants with Boost.Multiprecision (once, at first use).
TowerConstants make_constants() {
    using boost::multiprecision::cpp_int;
    const cpp_int p("0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47");
    const cpp_int r("0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001");
    const cpp_int sixth = (p - 1) / 6;
    Limbs sixth_limbs{};
    for (std::size_t i = 0; i < 4; ++i) sixth_limbs[i] = static_cast<std::uint64_t>((sixth >> (64 * i)) & UINT64_MAX);

    TowerConstants c;
    const Fp2 xi = {Fp::from_limbs({9, 0, 0, 0}), Fp::one()};
    c.twist_b = xi.inverse().scale(Fp::from_limbs({3, 0, 0, 0}));
    const Fp2 gamma = pow_limbs(xi, sixth_limbs);
    c.frobenius[0] = Fp2::one();
    for (std::size_t k = 1; k < 6; ++k) c.frobenius[k] = c.frobenius[k - 1] * gamma;

    const cpp_int p2 = p * p;
    const cpp_int hard = (p2 * p2 - p2 + 1) / r;
    for (auto i = static_cast<int>(boost::multiprecision::msb(hard)); i >= 0; --i) {
        c.hard_exponent.push_back(boost::multiprecision::bit_test(hard, static_cast<unsigned>(i)));
    }
    return c;
}

/// The constants, built on first use (thread-safe static initialisation).
const TowerConstants& constants() {
    static const TowerConstants c = make_constants();
    return c;
}

// ---------------------------------------------------------------------------------------------
// Curve points: G1 over Fp (y^2 = x^3 + 3) and the G2 twist over Fp2 (y^2 = x^3 + 3/xi).
// ---------------------------------------------------------------------------------------------

/// A point in affine coordinates.
template <class F>
struct Affine {
    F x, y;
    bool infinity = true;
};

/// A point in Jacobian coordinates (X/Z^2, Y/Z^3); Z = 0 is the point at infinity.
template <class F>
struct Jacobian {
    F x = F::one(), y = F::one(), z = F::zero();

    [[nodiscard]] bool is_infinity() const noexcept { return z.is_zero(); }
    [[nodiscard]] static Jacobian from_affine(const Affine<F>& a) noexcept {
        if (a.infinity) return {};
        return {a.x, a.y, F::one()};
    }
};

/// 2P (dbl-2009-l for a = 0).
template <class F>
Jacobian<F> point_double(const Jacobian<F>& p) noexcept {
    if (p.is_infinity()) return p;
    const F a = p.x.square();
    const F b = p.y.square();
    const F c = b.square();
    const F t = (p.x + b).square() - a - c;
    const F d = t + t;
    const F e = a + a + a;
    const F f = e.square();
    const F x3 = f - (d + d);
    const F c8 = c + c + c + c + c + c + c + c;
    const F yz = p.y * p.z;
    return {x3, e * (d - x3) - c8, yz + yz};
}

/// P + Q (add-2007-bl), falling back to doubling when P = Q.
template <class F>
Jacobian<F> point_add(const Jacobian<F>& p, const Jacobian<F>& q) noexcept {
    if (p.is_infinity()) return q;
    if (q.is_infinity()) return p;
    const F z1z1 = p.z.square();
    const F z2z2 = q.z.square();
    const F u1 = p.x * z2z2;
    const F u2 = q.x * z1z1;
    const F s1 = p.y * q.z * z2z2;
    const F s2 = q.y * p.z * z1z1;
    const F h = u2 - u1;
    const F s_diff = s2 - s1;
    if (h.is_zero()) return s_diff.is_zero() ? point_double(p) : Jacobian<F>{};
    const F i = (h + h).square();
    const F j = h * i;
    const F rr = s_diff + s_diff;
    const F v = u1 * i;
    const F x3 = rr.square() - j - (v + v);
    const F s1j = s1 * j;
    return {x3, rr * (v - x3) - (s1j + s1j), ((p.z + q.z).square() - z1z1 - z2z2) * h};
}

/// kP by double-and-add over the 256 bits of k (the inputs are public, so timing is no concern).
template <class F>
Jacobian<F> point_mul(const Jacobian<F>& p, const Limbs& k) noexcept {
    Jacobian<F> acc;
    for (int i = 255; i >= 0; --i) {
        acc = point_double(acc);
        if (bit_at(k, i)) acc = point_add(acc, p);
    }
    return acc;
}

/// The affine form of a point, with one field inversion.
template <class F>
Affine<F> to_affine(const Jacobian<F>& p) noexcept {
    if (p.is_infinity()) return {};
    const F zi = p.z.inverse();
    const F zi2 = zi.square();
    return {p.x * zi2, p.y * zi2 * zi, false};
}

/// Whether an affine point satisfies y^2 = x^3 + b.
template <class F>
bool on_curve(const Affine<F>& a, const F& b) noexcept {
    return a.infinity || a.y.square() == a.x.square() * a.x + b;
}

/// Decodes and validates a G1 point (G1 is the whole curve group, so no subgroup check).
std::expected<Affine<Fp>, CurveError> decode_g1(const std::uint8_t* bytes) noexcept {
    const auto x = Fp::from_be_bytes(bytes);
    const auto y = Fp::from_be_bytes(bytes + 32);
    if (!x || !y) return std::unexpected(CurveError::kCoordinateOutOfRange);
    if (x->is_zero() && y->is_zero()) return Affine<Fp>{};
    const Affine<Fp> a{*x, *y, false};
    if (!on_curve(a, Fp::from_limbs({3, 0, 0, 0}))) return std::unexpected(CurveError::kNotOnCurve);
    return a;
}

/// Decodes and validates a G2 point: on the twist and of order r.
std::expected<Affine<Fp2>, CurveError> decode_g2(const std::uint8_t* bytes) {
    const auto x_im = Fp::from_be_bytes(bytes);
    const auto x_re = Fp::from_be_bytes(bytes + 32);
    const auto y_im = Fp::from_be_bytes(bytes + 64);
    const auto y_re = Fp::from_be_bytes(bytes + 96);
    if (!x_im || !x_re || !y_im || !y_re) return std::unexpected(CurveError::kCoordinateOutOfRange);
    const Affine<Fp2> a{{*x_re, *x_im}, {*y_re, *y_im}, false};
    if (a.x.is_zero() && a.y.is_zero()) return Affine<Fp2>{};
    if (!on_curve(a, constants().twist_b)) return std::unexpected(CurveError::kNotOnCurve);
    if (!point_mul(Jacobian<Fp2>::from_affine(a), kR).is_infinity()) return std::unexpected(CurveError::kNotInSubgroup);
    return a;
}

/// The 64-byte encoding of a G1 point, all zeros for infinity.
G1Bytes encode_g1(const Jacobian<Fp>& p) noexcept {
    G1Bytes out{};
    const Affine<Fp> a = to_affine(p);
    if (a.infinity) return out;
    a.x.to_be_bytes(out.data());
    a.y.to_be_bytes(out.data() + 32);
    return out;
}

// ---------------------------------------------------------------------------------------------
// The optimal ate pairing.
// ---------------------------------------------------------------------------------------------

/// The line through T (on the twist) with slope `lambda`, mapped to E(Fp12) by
/// (x, y) -> (x w^2, y w^3) and evaluated at P: yP - lambda xP w + (lambda xT - yT) w^3.
Fp12 line_at(const Fp2& lambda, const Affine<Fp2>& t, const Affine<Fp>& p) noexcept {
    Fp12 l{};
    l.c0.c0 = {p.y, Fp::zero()};
    l.c1.c0 = -lambda.scale(p.x);
    l.c1.c1 = lambda * t.x - t.y;
    return l;
}

/// Replaces T by 2T and returns the tangent line at T evaluated at P.
Fp12 double_step(Affine<Fp2>& t, const Affine<Fp>& p) noexcept {
    if (t.infinity) return Fp12::one();
    const Fp2 xx = t.x.square();
    const Fp2 lambda = (xx + xx + xx) * (t.y + t.y).inverse();
    const Fp12 line = line_at(lambda, t, p);
    const Fp2 x3 = lambda.square() - t.x - t.x;
    t.y = lambda * (t.x - x3) - t.y;
    t.x = x3;
    return line;
}

/// Replaces T by T + Q and returns the line through T and Q evaluated at P. A vertical line lies
/// in Fp6, which the final exponentiation maps to one, so it is left out.
Fp12 add_step(Affine<Fp2>& t, const Affine<Fp2>& q, const Affine<Fp>& p) noexcept {
    if (t.infinity) {
        t = q;
        return Fp12::one();
    }
    if (t.x == q.x) {
        if (t.y == q.y) return double_step(t, p);
        t = {};
        return Fp12::one();
    }
    const Fp2 lambda = (q.y - t.y) * (q.x - t.x).inverse();
    const Fp12 line = line_at(lambda, t, p);
    const Fp2 x3 = lambda.square() - t.x - q.x;
    t.y = lambda * (t.x - x3) - t.y;
    t.x = x3;
    return line;
}

/// The p-power Frobenius endomorphism on the twist: (conj(x) xi^((p-1)/3), conj(y) xi^((p-1)/2)).
Affine<Fp2> twist_frobenius(const Affine<Fp2>& q) {
    const auto& g = constants().frobenius;
    return {q.x.conj() * g[2], q.y.conj() * g[3], q.infinity};
}

/// One pair of the check, both points finite.
struct Pair {
    Affine<Fp> p;
    Affine<Fp2> q;
};

/// The product over the pairs of f_{6u+2,Q}(P) l_{T,pi(Q)}(P) l_{T',-pi^2(Q)}(P), sharing the
/// squarings of the accumulator.
Fp12 miller_loop(const std::vector<Pair>& pairs) {
    std::vector<Affine<Fp2>> ts;
    ts.reserve(pairs.size());
    for (const Pair& pr : pairs) ts.push_back(pr.q);
    Fp12 f = Fp12::one();
    for (int i = 63; i >= 0; --i) {
        f = f.square();
        for (std::size_t k = 0; k < pairs.size(); ++k) f = f * double_step(ts[k], pairs[k].p);
        if (((kAteLoopLow >> i) & 1) != 0) {
            for (std::size_t k = 0; k < pairs.size(); ++k) f = f * add_step(ts[k], pairs[k].q, pairs[k].p);
        }
    }
    for (std::size_t k = 0; k < pairs.size(); ++k) {
        const Affine<Fp2> q1 = twist_frobenius(pairs[k].q);
        Affine<Fp2> q2 = twist_frobenius(q1);
        q2.y = -q2.y;
        f = f * add_step(ts[k], q1, pairs[k].p);
        f = f * add_step(ts[k], q2, pairs[k].p);
    }
    return f;
}

/// f^((p^12 - 1) / r): the easy part (p^6 - 1)(p^2 + 1) with the conjugate and Frobenius, then
/// the hard part (p^4 - p^2 + 1) / r by square-and-multiply.
Fp12 final_exponentiation(const Fp12& f) {
    Fp12 t = f.conj() * f.inverse();
    t = t.frobenius().frobenius() * t;
    Fp12 acc = Fp12::one();
    for (const bool bit : constants().hard_exponent) {
        acc = acc.square();
        if (bit) acc = acc * t;
    }
    return acc;
}

}  // namespace

std::string_view to_string(CurveError e) noexcept {
    switch (e) {
        case CurveError::kCoordinateOutOfRange: return "coordinate not below the field modulus";
        case CurveError::kNotOnCurve: return "point not on the curve";
        case CurveError::kNotInSubgroup: return "G2 point not in the subgroup of order r";
        case CurveError::kBadLength: return "pairing input not a multiple of 192 bytes";
    }
    return "unknown curve error";
}

std::expected<G1Bytes, CurveError> g1_add(std::span<const std::uint8_t, 2 * kG1Size> input) {
    const auto a = decode_g1(input.data());
    if (!a) return std::unexpected(a.error());
    const auto b = decode_g1(input.data() + kG1Size);
    if (!b) return std::unexpected(b.error());
    return encode_g1(point_add(Jacobian<Fp>::from_affine(*a), Jacobian<Fp>::from_affine(*b)));
}

std::expected<G1Bytes, CurveError> g1_mul(std::span<const std::uint8_t, kG1Size + kScalarSize> input) {
    const auto a = decode_g1(input.data());
    if (!a) return std::unexpected(a.error());
    Limbs k{};
    for (std::size_t i = 0; i < kScalarSize; ++i) {
        k[3 - i / 8] = (k[3 - i / 8] << 8) | input[kG1Size + i];
    }
    return encode_g1(point_mul(Jacobian<Fp>::from_affine(*a), k));
}

std::expected<bool, CurveError> pairing_check(core::ByteView input) {
    if (input.size() % kPairSize != 0) return std::unexpected(CurveError::kBadLength);
    std::vector<Pair> pairs;
    for (std::size_t off = 0; off < input.size(); off += kPairSize) {
        const auto p = decode_g1(input.data() + off);
        if (!p) return std::unexpected(p.error());
        const auto q = decode_g2(input.data() + off + kG1Size);
        if (!q) return std::unexpected(q.error());
        if (!p->infinity && !q->infinity) pairs.push_back({*p, *q});
    }
    if (pairs.empty()) return true;
    return final_exponentiation(miller_loop(pairs)) == Fp12::one();
}

}  // namespace moe::evm::bn254
