#include "evm/blake2f.hpp"

#include <bit>

namespace moe::evm {

namespace {

/// The BLAKE2b initialisation vector (the SHA-512 one), RFC 7693 section 2.6.
constexpr Blake2State kIv = {0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
                             0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
                             0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};

/// The message word permutations, RFC 7693 section 2.7; round i uses row i mod 10.
constexpr std::uint8_t kSigma[10][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
};

using WorkVector = std::array<std::uint64_t, 16>;

/// The mixing function G, RFC 7693 section 3.1.
inline void mix(WorkVector& v, int a, int b, int c, int d, std::uint64_t x, std::uint64_t y) noexcept {
    v[a] = v[a] + v[b] + x;
    v[d] = std::rotr(v[d] ^ v[a], 32);
    v[c] = v[c] + v[d];
    v[b] = std::rotr(v[b] ^ v[c], 24);
    v[a] = v[a] + v[b] + y;
    v[d] = std::rotr(v[d] ^ v[a], 16);
    v[c] = v[c] + v[d];
    v[b] = std::rotr(v[b] ^ v[c], 63);
}

/// One round: G over the four columns, then over the four diagonals.
inline void round(WorkVector& v, const Blake2Block& m, const std::uint8_t (&s)[16]) noexcept {
    mix(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
    mix(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
    mix(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
    mix(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
    mix(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
    mix(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
    mix(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
    mix(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
}

std::uint64_t load_le64(const std::uint8_t* p) noexcept {
    std::uint64_t x = 0;
    for (int i = 7; i >= 0; --i) x = (x << 8) | p[i];
    return x;
}

void store_le64(std::uint64_t x, std::uint8_t* p) noexcept {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(x >> (8 * i));
}

}  // namespace

void blake2b_compress(std::uint32_t rounds, Blake2State& state, const Blake2Block& block, std::uint64_t t0,
                      std::uint64_t t1, bool final_block) noexcept {
    WorkVector v;
    for (std::size_t i = 0; i < 8; ++i) {
        v[i] = state[i];
        v[i + 8] = kIv[i];
    }
    v[12] ^= t0;
    v[13] ^= t1;
    if (final_block) v[14] = ~v[14];
    for (std::uint32_t r = 0; r < rounds; ++r) round(v, block, kSigma[r % 10]);
    for (std::size_t i = 0; i < 8; ++i) state[i] ^= v[i] ^ v[i + 8];
}

std::expected<core::Bytes, Blake2Error> blake2f(core::ByteView input) {
    if (input.size() != kBlake2FInputSize) return std::unexpected(Blake2Error::kBadLength);
    const std::uint8_t flag = input[212];
    if (flag > 1) return std::unexpected(Blake2Error::kBadFlag);
    const std::uint32_t rounds = (std::uint32_t{input[0]} << 24) | (std::uint32_t{input[1]} << 16) |
                                 (std::uint32_t{input[2]} << 8) | std::uint32_t{input[3]};
    Blake2State h;
    for (std::size_t i = 0; i < 8; ++i) h[i] = load_le64(input.data() + 4 + 8 * i);
    Blake2Block m;
    for (std::size_t i = 0; i < 16; ++i) m[i] = load_le64(input.data() + 68 + 8 * i);
    const std::uint64_t t0 = load_le64(input.data() + 196);
    const std::uint64_t t1 = load_le64(input.data() + 204);
    blake2b_compress(rounds, h, m, t0, t1, flag == 1);
    core::Bytes out(64);
    for (std::size_t i = 0; i < 8; ++i) store_le64(h[i], out.data() + 8 * i);
    return out;
}

}  // namespace moe::evm
