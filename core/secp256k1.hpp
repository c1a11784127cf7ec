#pragma once

#include <cstdint>
#include <expected>
#include <string_view>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"
#include "core/uint256.hpp"

/// secp256k1 keys, recoverable ECDSA signatures and address derivation on libsecp256k1.
namespace moe::core {

/// An uncompressed public key without its 0x04 prefix: x || y.
using PublicKey = FixedBytes<64>;

enum class KeyError { kInvalidPrivateKey, kInvalidSignature, kHighS, kRecoveryFailed };
[[nodiscard]] std::string_view to_string(KeyError e) noexcept;

/// The order n of the secp256k1 group.
extern const uint256 kSecp256k1N;
/// n / 2: signatures with s above it are malleable and refused where EIP-2 applies.
extern const uint256 kSecp256k1HalfN;

/// A recoverable signature: r, s and the parity of R's y (the recovery id, 0 or 1).
struct Signature {
    uint256 r;
    uint256 s;
    std::uint8_t y_parity = 0;
};

/// A secp256k1 private key (a scalar in [1, n-1]).
class PrivateKey {
  public:
    /// Accepts exactly 32 bytes that form a valid scalar.
    [[nodiscard]] static std::expected<PrivateKey, KeyError> from_bytes(ByteView bytes);
    /// Derives a key from 32 bytes of caller-provided entropy (the core reads no randomness);
    /// the bytes are hashed until they form a valid scalar.
    [[nodiscard]] static PrivateKey from_seed(const Hash& seed);

    [[nodiscard]] const Hash& bytes() const noexcept { return secret_; }
    [[nodiscard]] PublicKey public_key() const;
    [[nodiscard]] Address address() const;

    /// The 33-byte compressed public key (BIP-32 derivation hashes it).
    [[nodiscard]] FixedBytes<33> compressed_public_key() const;

    /// (this + tweak) mod n, as BIP-32 child derivation needs; an error when the tweak is
    /// not below n or the sum is zero.
    [[nodiscard]] std::expected<PrivateKey, KeyError> tweak_add(const Hash& tweak) const;

    /// Signs a 32-byte digest (RFC 6979 nonce); s is always low (EIP-2).
    [[nodiscard]] Signature sign(const Hash& digest) const;

  private:
    explicit PrivateKey(const Hash& secret) : secret_(secret) {}
    Hash secret_;
};

/// The address of a public key: the last 20 bytes of its Keccak-256.
[[nodiscard]] Address address_of(const PublicKey& key);

/// Recovers the public key that signed `digest`. r and s must be in [1, n-1] and the parity
/// 0 or 1; with `allow_high_s` false, s > n/2 is refused (EIP-2) since libsecp256k1's
/// recovery itself accepts it. The ecrecover precompile passes true.
[[nodiscard]] std::expected<PublicKey, KeyError> recover_public_key(const Hash& digest, const Signature& sig,
                                                                    bool allow_high_s = false);

/// recover_public_key followed by address_of.
[[nodiscard]] std::expected<Address, KeyError> recover_address(const Hash& digest, const Signature& sig,
                                                               bool allow_high_s = false);

/// True when the key is a point of the curve (what a key read from a file must be).
[[nodiscard]] bool is_valid_public_key(const PublicKey& key);

/// The 33-byte compressed form of a key (0x02 or 0x03 by the parity of y, then x), as the
/// staking contract binds it. The key is not checked: use is_valid_public_key first.
[[nodiscard]] FixedBytes<33> compress_public_key(const PublicKey& key);

/// Parses a 33-byte compressed public key; an error when it is not a point of the curve.
[[nodiscard]] std::expected<PublicKey, KeyError> decompress_public_key(const FixedBytes<33>& compressed);

/// Verifies a signature against a known public key (low s required).
[[nodiscard]] bool verify(const Hash& digest, const Signature& sig, const PublicKey& key);

}  // namespace moe::core
