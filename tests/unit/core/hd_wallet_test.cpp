#include <gtest/gtest.h>

#include "core/hd_wallet.hpp"

using namespace moe::core;

namespace {
constexpr std::string_view kTestMnemonic = "test test test test test test test test test test test junk";
}

// The accounts every Ethereum tutorial and dev tool derives from the test mnemonic.
TEST(HdWallet, TestMnemonicAccounts) {
    auto a0 = mnemonic_account(kTestMnemonic, 0);
    ASSERT_TRUE(a0.has_value());
    EXPECT_EQ(a0->bytes().hex(), "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    EXPECT_EQ(to_checksum(a0->address()), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    EXPECT_EQ(to_checksum(mnemonic_account(kTestMnemonic, 1)->address()), "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    EXPECT_EQ(to_checksum(mnemonic_account(kTestMnemonic, 9)->address()), "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720");
}

// BIP-32 test vector 1: seed 000102...0f, m/0'/1 private key.
TEST(HdWallet, Bip32TestVector1) {
    const Bytes seed = from_hex("0x000102030405060708090a0b0c0d0e0f").value();
    EXPECT_EQ(derive_key(seed, "m")->bytes().hex(), "0xe8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35");
    EXPECT_EQ(derive_key(seed, "m/0'/1")->bytes().hex(), "0x3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368");
}

TEST(HdWallet, MalformedPathsAreErrors) {
    const Bytes seed(64, 1);
    for (std::string_view p : {"", "x/0", "m/", "m//0", "m/0''", "m/abc", "m/2147483648", "m/0/"}) {
        EXPECT_FALSE(derive_key(seed, p).has_value()) << p;
    }
}
