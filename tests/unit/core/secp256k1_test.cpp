#include <gtest/gtest.h>

#include "core/keccak.hpp"
#include "core/secp256k1.hpp"

using namespace moe::core;

namespace {
PrivateKey key_of(std::string_view hex) { return PrivateKey::from_bytes(from_hex(hex).value()).value(); }
}  // namespace

TEST(Secp256k1, AddressOfTheFirstTestMnemonicAccount) {
    const PrivateKey k = key_of("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    EXPECT_EQ(to_checksum(k.address()), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
}

TEST(Secp256k1, SignThenRecoverGivesTheSigner) {
    const PrivateKey k = PrivateKey::from_seed(keccak256(as_bytes("seed")));
    const Hash digest = keccak256(as_bytes("message"));
    const Signature sig = k.sign(digest);
    EXPECT_LE(sig.s, kSecp256k1HalfN);
    EXPECT_EQ(recover_address(digest, sig).value(), k.address());
    EXPECT_TRUE(verify(digest, sig, k.public_key()));
    EXPECT_FALSE(verify(keccak256(as_bytes("other")), sig, k.public_key()));
}

TEST(Secp256k1, HighSIsRefusedUnlessAllowed) {
    const PrivateKey k = PrivateKey::from_seed(keccak256(as_bytes("seed")));
    const Hash digest = keccak256(as_bytes("message"));
    Signature sig = k.sign(digest);
    // The malleable twin: s' = n - s with the other parity recovers the same key.
    Signature twin{sig.r, kSecp256k1N - sig.s, static_cast<std::uint8_t>(sig.y_parity ^ 1)};
    EXPECT_EQ(recover_address(digest, twin).error(), KeyError::kHighS);
    EXPECT_EQ(recover_address(digest, twin, /*allow_high_s=*/true).value(), k.address());
}

TEST(Secp256k1, OutOfRangeValuesAreErrors) {
    const Hash digest = keccak256(as_bytes("message"));
    EXPECT_EQ(recover_address(digest, Signature{0, 1, 0}).error(), KeyError::kInvalidSignature);
    EXPECT_EQ(recover_address(digest, Signature{1, 0, 0}).error(), KeyError::kInvalidSignature);
    EXPECT_EQ(recover_address(digest, Signature{kSecp256k1N, 1, 0}).error(), KeyError::kInvalidSignature);
    EXPECT_EQ(recover_address(digest, Signature{1, 1, 2}).error(), KeyError::kInvalidSignature);
    EXPECT_EQ(PrivateKey::from_bytes(Hash{}.view()).error(), KeyError::kInvalidPrivateKey);
    EXPECT_EQ(PrivateKey::from_bytes(uint256_to_bytes32(kSecp256k1N).view()).error(), KeyError::kInvalidPrivateKey);
    EXPECT_EQ(PrivateKey::from_bytes(Bytes(31, 1)).error(), KeyError::kInvalidPrivateKey);
}

TEST(Secp256k1, CompressedKeyMatchesLibsecp256k1sForBothParities) {
    bool seen[2] = {false, false};
    for (std::uint8_t i = 1; i < 40 && !(seen[0] && seen[1]); ++i) {
        const PrivateKey key = PrivateKey::from_seed(keccak256(Bytes{i}));
        const PublicKey pub = key.public_key();
        EXPECT_TRUE(is_valid_public_key(pub));
        EXPECT_EQ(compress_public_key(pub), key.compressed_public_key());
        seen[pub[63] & 1] = true;
    }
    EXPECT_TRUE(seen[0] && seen[1]);
}

TEST(Secp256k1, PointOffTheCurveIsNotAValidKey) {
    PublicKey bogus;
    bogus[63] = 7;
    EXPECT_FALSE(is_valid_public_key(bogus));
}
