#include "core/secp256k1.hpp"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "core/keccak.hpp"

namespace moe::core {

namespace {

/// One context for the process, created on first use (thread-safe static init); signing,
/// verification and recovery only read it.
const secp256k1_context* context() {
    static secp256k1_context* const ctx = secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
    return ctx;
}

uint256 parse_n() {
    return uint256_from_big_endian(from_hex("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141").value());
}

bool to_compact(const Signature& sig, std::uint8_t out[64]) {
    if (sig.r == 0 || sig.s == 0 || sig.r >= kSecp256k1N || sig.s >= kSecp256k1N) return false;
    const Hash r = uint256_to_bytes32(sig.r);
    const Hash s = uint256_to_bytes32(sig.s);
    std::copy(r.bytes.begin(), r.bytes.end(), out);
    std::copy(s.bytes.begin(), s.bytes.end(), out + 32);
    return true;
}

PublicKey serialize(const secp256k1_pubkey& pk) {
    std::uint8_t buf[65];
    std::size_t len = sizeof buf;
    secp256k1_ec_pubkey_serialize(context(), buf, &len, &pk, SECP256K1_EC_UNCOMPRESSED);
    PublicKey out;
    std::copy(buf + 1, buf + 65, out.bytes.begin());
    return out;
}

}  // namespace

const uint256 kSecp256k1N = parse_n();
const uint256 kSecp256k1HalfN = kSecp256k1N / 2;

std::string_view to_string(KeyError e) noexcept {
    switch (e) {
        case KeyError::kInvalidPrivateKey: return "invalid private key";
        case KeyError::kInvalidSignature: return "invalid signature values";
        case KeyError::kHighS: return "signature s value above n/2 (EIP-2)";
        case KeyError::kRecoveryFailed: return "public key recovery failed";
    }
    return "unknown key error";
}

std::expected<PrivateKey, KeyError> PrivateKey::from_bytes(ByteView bytes) {
    if (bytes.size() != 32 || secp256k1_ec_seckey_verify(context(), bytes.data()) != 1) {
        return std::unexpected(KeyError::kInvalidPrivateKey);
    }
    return PrivateKey(Hash::from_view(bytes).value());
}

PrivateKey PrivateKey::from_seed(const Hash& seed) {
    Hash candidate = seed;
    while (secp256k1_ec_seckey_verify(context(), candidate.data()) != 1) candidate = keccak256(candidate);
    return PrivateKey(candidate);
}

PublicKey PrivateKey::public_key() const {
    secp256k1_pubkey pk;
    // The scalar was verified at construction, so this cannot fail.
    [[maybe_unused]] const int ok = secp256k1_ec_pubkey_create(context(), &pk, secret_.data());
    return serialize(pk);
}

Address PrivateKey::address() const { return address_of(public_key()); }

FixedBytes<33> PrivateKey::compressed_public_key() const {
    secp256k1_pubkey pk;
    [[maybe_unused]] const int ok = secp256k1_ec_pubkey_create(context(), &pk, secret_.data());
    FixedBytes<33> out;
    std::size_t len = out.size();
    secp256k1_ec_pubkey_serialize(context(), out.data(), &len, &pk, SECP256K1_EC_COMPRESSED);
    return out;
}

std::expected<PublicKey, KeyError> decompress_public_key(const FixedBytes<33>& compressed) {
    secp256k1_pubkey pk;
    if (secp256k1_ec_pubkey_parse(context(), &pk, compressed.data(), compressed.size()) != 1) {
        return std::unexpected(KeyError::kInvalidSignature);
    }
    std::array<std::uint8_t, 65> full{};
    std::size_t len = full.size();
    secp256k1_ec_pubkey_serialize(context(), full.data(), &len, &pk, SECP256K1_EC_UNCOMPRESSED);
    PublicKey out;
    std::copy(full.begin() + 1, full.end(), out.bytes.begin());
    return out;
}

std::expected<PrivateKey, KeyError> PrivateKey::tweak_add(const Hash& tweak) const {
    Hash sum = secret_;
    if (secp256k1_ec_seckey_tweak_add(context(), sum.data(), tweak.data()) != 1) {
        return std::unexpected(KeyError::kInvalidPrivateKey);
    }
    return PrivateKey(sum);
}

Signature PrivateKey::sign(const Hash& digest) const {
    secp256k1_ecdsa_recoverable_signature rsig;
    [[maybe_unused]] const int ok = secp256k1_ecdsa_sign_recoverable(context(), &rsig, digest.data(), secret_.data(),
                                                                      nullptr, nullptr);
    std::uint8_t compact[64];
    int recid = 0;
    secp256k1_ecdsa_recoverable_signature_serialize_compact(context(), compact, &recid, &rsig);
    // libsecp256k1 always produces low-s signatures.
    return Signature{uint256_from_big_endian(ByteView(compact, 32)), uint256_from_big_endian(ByteView(compact + 32, 32)),
                     static_cast<std::uint8_t>(recid)};
}

Address address_of(const PublicKey& key) {
    const Hash h = keccak256(key.view());
    return Address::from_view(ByteView(h.bytes).subspan(12)).value();
}

std::expected<PublicKey, KeyError> recover_public_key(const Hash& digest, const Signature& sig, bool allow_high_s) {
    std::uint8_t compact[64];
    if (sig.y_parity > 1 || !to_compact(sig, compact)) return std::unexpected(KeyError::kInvalidSignature);
    if (!allow_high_s && sig.s > kSecp256k1HalfN) return std::unexpected(KeyError::kHighS);  // EIP-2
    secp256k1_ecdsa_recoverable_signature rsig;
    if (secp256k1_ecdsa_recoverable_signature_parse_compact(context(), &rsig, compact, sig.y_parity) != 1) {
        return std::unexpected(KeyError::kInvalidSignature);
    }
    secp256k1_pubkey pk;
    if (secp256k1_ecdsa_recover(context(), &pk, &rsig, digest.data()) != 1) {
        return std::unexpected(KeyError::kRecoveryFailed);
    }
    return serialize(pk);
}

std::expected<Address, KeyError> recover_address(const Hash& digest, const Signature& sig, bool allow_high_s) {
    auto pk = recover_public_key(digest, sig, allow_high_s);
    if (!pk) return std::unexpected(pk.error());
    return address_of(*pk);
}

bool is_valid_public_key(const PublicKey& key) {
    std::uint8_t buf[65];
    buf[0] = 0x04;
    std::copy(key.bytes.begin(), key.bytes.end(), buf + 1);
    secp256k1_pubkey pk;
    return secp256k1_ec_pubkey_parse(context(), &pk, buf, sizeof buf) == 1;
}

FixedBytes<33> compress_public_key(const PublicKey& key) {
    FixedBytes<33> out;
    out[0] = (key[63] & 1) != 0 ? 0x03 : 0x02;  // SEC 1, 2.3.3
    std::copy(key.bytes.begin(), key.bytes.begin() + 32, out.bytes.begin() + 1);
    return out;
}

bool verify(const Hash& digest, const Signature& sig, const PublicKey& key) {
    std::uint8_t compact[64];
    if (sig.s > kSecp256k1HalfN || !to_compact(sig, compact)) return false;
    secp256k1_ecdsa_signature esig;
    if (secp256k1_ecdsa_signature_parse_compact(context(), &esig, compact) != 1) return false;
    std::uint8_t buf[65];
    buf[0] = 0x04;
    std::copy(key.bytes.begin(), key.bytes.end(), buf + 1);
    secp256k1_pubkey pk;
    if (secp256k1_ec_pubkey_parse(context(), &pk, buf, sizeof buf) != 1) return false;
    return secp256k1_ecdsa_verify(context(), &esig, digest.data(), &pk) == 1;
}

}  // namespace moe::core
