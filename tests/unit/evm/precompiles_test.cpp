#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/keccak.hpp"
#include "core/secp256k1.hpp"
#include "core/uint256.hpp"
#include "evm/blake2f.hpp"
#include "evm/bn254.hpp"
#include "evm/precompiles.hpp"

using namespace moe;
using namespace moe::evm;

namespace {

core::Bytes hex(std::string_view s) { return core::from_hex(s, {.require_prefix = false}).value(); }

/// Runs a precompile over hex input and returns its output as hex without a prefix.
std::string run_hex(Precompile p, std::string_view input) {
    const auto out = run_precompile(p, hex(input));
    if (!out) return "error: " + std::string(to_string(out.error()));
    return core::to_hex(*out, false);
}

std::uint64_t gas_hex(Precompile p, std::string_view input) { return precompile_gas(p, hex(input)); }

/// A named known-answer vector: hex input and hex output.
struct Vector {
    const char* name;
    std::string input;
    std::string expected;
};

void expect_vectors(Precompile p, const std::vector<Vector>& vectors) {
    for (const Vector& v : vectors) EXPECT_EQ(run_hex(p, v.input), v.expected) << v.name;
}

void expect_invalid(Precompile p, std::string_view input, const char* name) {
    const auto out = run_precompile(p, hex(input));
    ASSERT_FALSE(out.has_value()) << name;
    EXPECT_EQ(out.error(), PrecompileError::kInvalidInput) << name;
}

std::string word(std::uint64_t v) {
    return core::to_hex(core::uint256_to_bytes32(core::uint256{v}), false);
}

std::string zeros(std::size_t bytes) { return std::string(2 * bytes, '0'); }

// Points that several bn256 vectors share.
const std::string kG1 = word(1) + word(2);  // the G1 generator (1, 2)
const std::string kG2 =
    "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"
    "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
    "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b"
    "12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa";  // the G2 generator
const std::string kMinusG2 =
    "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"
    "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
    "275dc4a288d1afb3cbb1ac09187524c7db36395df7be3b99e673b13a075a65ec"
    "1d9befcd05a5323e6da4d435f3b617cdb3af83285c2df711ef39c01571827f9d";
const std::string kFieldModulus = "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47";
const std::string kTrue = word(1);
const std::string kFalse = word(0);

}  // namespace

TEST(Precompiles, AddressesMapToTheTenCancunPrecompiles) {
    core::Address a;
    EXPECT_FALSE(precompile_at(a).has_value());
    for (std::uint8_t i = 1; i <= kLastPrecompile; ++i) {
        a.bytes.back() = i;
        ASSERT_TRUE(precompile_at(a).has_value());
        EXPECT_EQ(static_cast<std::uint8_t>(*precompile_at(a)), i);
    }
    a.bytes.back() = 11;
    EXPECT_FALSE(precompile_at(a).has_value());
    a.bytes.back() = 1;
    a.bytes[0] = 1;
    EXPECT_FALSE(precompile_at(a).has_value());
}

// ---------------------------------------------------------------------------------------------
// 0x01 ecrecover
// ---------------------------------------------------------------------------------------------

// The go-ethereum vectors; this valid signature's s is above n/2, which ecrecover accepts.
TEST(Precompiles, EcRecoverKnownVectors) {
    const std::string digest = "18c547e4f7b0f325ad1e56f57e26c745b09a3e503d86e00e5255ff7f715d3d1c";
    const std::string rs =
        "73b1693892219d736caba55bdb67216e485557ea6b6af75f37096c9aa6a5a75f"
        "eeb940b1d03b21e36b0e47e79769f095fe2ab855bd91e3a38756b7d75a9c4549";
    EXPECT_EQ(run_hex(Precompile::kEcRecover, digest + word(28) + rs),
              "000000000000000000000000a94f5374fce5edbc8e2a8697c15331677e6ebf0b");
    // v with stray high bits, v = 29, v = 0: all empty, and still a success.
    EXPECT_EQ(run_hex(Precompile::kEcRecover,
                      digest + "100000000000000000000000000000000000000000000000000000000000001c" + rs),
              "");
    EXPECT_EQ(run_hex(Precompile::kEcRecover,
                      digest + "000000000000000000000000000000000000001000000000000000000000001c" + rs),
              "");
    EXPECT_EQ(run_hex(Precompile::kEcRecover, digest + word(29) + rs), "");
    EXPECT_EQ(run_hex(Precompile::kEcRecover, digest + word(0) + rs), "");
    // go-ethereum's CallEcrecoverUnrecoverableKey: no public key recovers from this (r, s).
    EXPECT_EQ(run_hex(Precompile::kEcRecover,
                      "a8b53bdf3306a35a7103ab5504a0c9b492295564b6202b1942a84ef300107281" + word(27) +
                          "3078356531653033663533636531386237373263636230303933666637316633"
                          "6635336635633735623734646362333161383561613862383839326234653862"
                          "1122334455667788991011121314151617181920212223242526272829303132"),
              "");
    EXPECT_EQ(gas_hex(Precompile::kEcRecover, ""), 3000u);
}

TEST(Precompiles, EcRecoverAcceptsHighSAndRefusesOutOfRangeScalars) {
    const auto key = core::PrivateKey::from_seed(core::keccak256(core::as_bytes("ecrecover")));
    const core::Hash digest = core::keccak256(core::as_bytes("payload"));
    const core::Signature sig = key.sign(digest);
    const std::string expected = zeros(12) + core::to_hex(key.address().view(), false);
    const std::string h = core::to_hex(digest.view(), false);
    const auto as_word = [](const core::uint256& v) { return core::to_hex(core::uint256_to_bytes32(v).view(), false); };

    EXPECT_EQ(run_hex(Precompile::kEcRecover, h + word(27u + sig.y_parity) + as_word(sig.r) + as_word(sig.s)),
              expected);
    // (r, n - s) with the other parity is the same signature in its malleable form.
    const std::string high_s = as_word(sig.r) + as_word(core::kSecp256k1N - sig.s);
    EXPECT_EQ(run_hex(Precompile::kEcRecover, h + word(28u - sig.y_parity) + high_s), expected);
    EXPECT_EQ(run_hex(Precompile::kEcRecover, h + word(27u + sig.y_parity) + as_word(sig.r) + as_word(0)), "");
    EXPECT_EQ(run_hex(Precompile::kEcRecover,
                      h + word(27u + sig.y_parity) + as_word(sig.r) + as_word(core::kSecp256k1N)),
              "");
    EXPECT_EQ(run_hex(Precompile::kEcRecover, h + word(27u + sig.y_parity) + as_word(0) + as_word(sig.s)), "");
    // Short input is zero-padded: s = 0, so nothing is recovered, yet the call succeeds.
    EXPECT_EQ(run_hex(Precompile::kEcRecover, h + word(27)), "");
}

// ---------------------------------------------------------------------------------------------
// 0x02..0x04
// ---------------------------------------------------------------------------------------------

TEST(Precompiles, Sha256Ripemd160AndIdentity) {
    EXPECT_EQ(run_hex(Precompile::kSha256, ""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(run_hex(Precompile::kSha256, "616263"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(run_hex(Precompile::kRipemd160, ""), zeros(12) + "9c1185a5c5e9fc54612808977ee8f548b2258d31");
    EXPECT_EQ(run_hex(Precompile::kRipemd160, "616263"), zeros(12) + "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
    EXPECT_EQ(run_hex(Precompile::kIdentity, ""), "");
    EXPECT_EQ(run_hex(Precompile::kIdentity, "00ff10"), "00ff10");
}

TEST(Precompiles, WordPricedGas) {
    EXPECT_EQ(gas_hex(Precompile::kSha256, ""), 60u);
    EXPECT_EQ(gas_hex(Precompile::kSha256, zeros(32)), 72u);
    EXPECT_EQ(gas_hex(Precompile::kSha256, zeros(33)), 84u);
    EXPECT_EQ(gas_hex(Precompile::kRipemd160, ""), 600u);
    EXPECT_EQ(gas_hex(Precompile::kRipemd160, zeros(64)), 840u);
    EXPECT_EQ(gas_hex(Precompile::kIdentity, ""), 15u);
    EXPECT_EQ(gas_hex(Precompile::kIdentity, zeros(1)), 18u);
    EXPECT_EQ(gas_hex(Precompile::kIdentity, zeros(65)), 24u);
}

// ---------------------------------------------------------------------------------------------
// 0x05 modexp
// ---------------------------------------------------------------------------------------------

TEST(Precompiles, ModExpEip198ExamplesAndEip2565Gas) {
    const std::string secp_p = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f";
    const std::string secp_p_minus_1 = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e";
    // 3^(p-1) mod p = 1 (Fermat).
    const std::string ex1 = word(1) + word(32) + word(32) + "03" + secp_p_minus_1 + secp_p;
    EXPECT_EQ(run_hex(Precompile::kModExp, ex1), word(1));
    EXPECT_EQ(gas_hex(Precompile::kModExp, ex1), 1360u);
    // An empty base is zero.
    const std::string ex2 = word(0) + word(32) + word(32) + secp_p_minus_1 + secp_p;
    EXPECT_EQ(run_hex(Precompile::kModExp, ex2), word(0));
    EXPECT_EQ(gas_hex(Precompile::kModExp, ex2), 1360u);
}

// go-ethereum's modexp_eip2565.json, the nagydani-1 and nagydani-2 cases.
TEST(Precompiles, ModExpNagydaniVectors) {
    const std::string base1 =
        "e09ad9675465c53a109fac66a445c91b292d2bb2c5268addb30cd82f80fcb0033ff97c80a5fc6f39193ae969c6ede6710a6b7ac27078"
        "a06d90ef1c72e5c85fb5";
    const std::string mod1 =
        "fc9e1f6beb81516545975218075ec2af118cd8798df6e08a147c60fd6095ac2bb02c2908cf4dd7c81f11c289e4bce98f3553768f392a"
        "80ce22bf5c4f4a248c6b";
    const std::string square = word(64) + word(1) + word(64) + base1 + "02" + mod1;
    EXPECT_EQ(run_hex(Precompile::kModExp, square),
              "60008f1614cc01dcfb6bfb09c625cf90b47d4468db81b5f8b7a39d42f332eab9b2da8f2d95311648a8f243f4bb13cfb3d8f7f2a3c0"
              "14122ebb3ed41b02783adc");
    EXPECT_EQ(gas_hex(Precompile::kModExp, square), 200u);
    const std::string qube = word(64) + word(1) + word(64) + base1 + "03" + mod1;
    EXPECT_EQ(run_hex(Precompile::kModExp, qube),
              "4834a46ba565db27903b1c720c9d593e84e4cbd6ad2e64b31885d944f68cd801f92225a8961c952ddf2797fa4701b330c85c4b36"
              "3798100b921a1a22a46a7fec");
    const std::string f4 = word(64) + word(3) + word(64) + base1 + "010001" + mod1;
    EXPECT_EQ(run_hex(Precompile::kModExp, f4),
              "c36d804180c35d4426b57b50c5bfcca5c01856d104564cd513b461d3c8b8409128a5573e416d0ebe38f5f736766d9dc27143e4da"
              "981dfa4d67f7dc474cbee6d2");
    EXPECT_EQ(gas_hex(Precompile::kModExp, f4), 341u);

    const std::string base2 =
        "cad7d991a00047dd54d3399b6b0b937c718abddef7917c75b6681f40cc15e2be0003657d8d4c34167b2f0bbbca0ccaa407c2a6a07d"
        "50f1517a8f22979ce12a81dcaf707cc0cebfc0ce2ee84ee7f77c38b9281b9822a8d3de62784c089c9b18dcb9a2a5eecbede90ea788a8"
        "62a9ddd9d609c2c52972d63e289e28f6a590ffbf51";
    const std::string mod2 =
        "e6d893b80aeed5e6e9ce9afa8a5d5675c93a32ac05554cb20e9951b2c140e3ef4e433068cf0fb73bc9f33af1853f64aa27a0028cbf"
        "570d7ac9048eae5dc7b28c87c31e5810f1e7fa2cda6adf9f1076dbc1ec1238560071e7efc4e9565c49be9e7656951985860a558a75"
        "4594115830bcdb421f741408346dd5997bb01c287087";
    const std::string f4_2 = word(128) + word(3) + word(128) + base2 + "010001" + mod2;
    EXPECT_EQ(run_hex(Precompile::kModExp, f4_2),
              "ad85e8ef13fd1dd46eae44af8b91ad1ccae5b7a1c92944f92a19f21b0b658139e0cabe9c1f679507c2de354bf2c91ebd965d1e63"
              "3978a830d517d2f6f8dd5fd58065d58559de7e2334a878f8ec6992d9b9e77430d4764e863d77c0f87beede8f2f7f2ab2e7222f85"
              "cc9d98b8467f4bb72e87ef2882423ebdb6daf02dddac6db2");
    EXPECT_EQ(gas_hex(Precompile::kModExp, f4_2), 1365u);
}

TEST(Precompiles, ModExpPaddingAndEdgeCases) {
    // 2^5 mod 7 = 4. With a 2-byte modulus of which only 0x07 is present, the missing byte is a
    // zero on the right: 2^5 mod 0x0700 = 32 = 0x0020.
    EXPECT_EQ(run_hex(Precompile::kModExp, word(1) + word(1) + word(1) + "02" + "05" + "07"), "04");
    EXPECT_EQ(run_hex(Precompile::kModExp, word(1) + word(1) + word(2) + "02" + "05" + "07"), "0020");
    // A zero modulus gives zeros of its length; a zero modulus length gives nothing.
    EXPECT_EQ(run_hex(Precompile::kModExp, word(1) + word(1) + word(3) + "02" + "05"), "000000");
    EXPECT_EQ(run_hex(Precompile::kModExp, word(1) + word(1) + word(0) + "02" + "05"), "");
    EXPECT_EQ(run_hex(Precompile::kModExp, ""), "");
    // x^0 = 1 even for x = 0, and anything mod 1 is 0.
    EXPECT_EQ(run_hex(Precompile::kModExp, word(0) + word(0) + word(1) + "09"), "01");
    EXPECT_EQ(run_hex(Precompile::kModExp, word(1) + word(0) + word(1) + "05" + "01"), "00");
    // 3^256 mod 1000 = 521 = 0x0209.
    EXPECT_EQ(run_hex(Precompile::kModExp, word(1) + word(2) + word(2) + "03" + "0100" + "03e8"), "0209");
    // An exponent that runs past the input leaves the modulus wholly past it too: zero.
    EXPECT_EQ(run_hex(Precompile::kModExp, word(1) + word(2) + word(2) + "03" + "01"), "0000");
    // Leading zero bytes in the operands change nothing.
    EXPECT_EQ(run_hex(Precompile::kModExp, word(2) + word(2) + word(2) + "0003" + "0100" + "03e8"), "0209");
}

TEST(Precompiles, ModExpGasForLongExponentsAndHugeLengths) {
    // exp_len 64: 8 * (64 - 32) + bitlen(head) - 1; head = 0x...ff (bit length 8) => 256 + 7 = 263.
    const std::string exp64 = zeros(31) + "ff" + zeros(32);
    const std::string long_exp = word(32) + word(64) + word(32) + zeros(32) + exp64 + word(7);
    EXPECT_EQ(gas_hex(Precompile::kModExp, long_exp), 16u * 263u / 3u);
    // A zero head still counts 8 per byte past the first 32.
    EXPECT_EQ(gas_hex(Precompile::kModExp, word(32) + word(64) + word(32)), 16u * 256u / 3u);
    // Minimum price.
    EXPECT_EQ(gas_hex(Precompile::kModExp, word(1) + word(1) + word(1) + "02" + "03" + "05"), 200u);
    // Giant lengths saturate instead of overflowing and never allocate.
    const std::string ff = std::string(64, 'f');
    EXPECT_EQ(gas_hex(Precompile::kModExp, ff + ff + ff), UINT64_MAX);
    EXPECT_EQ(gas_hex(Precompile::kModExp, word(0) + ff + word(1)), UINT64_MAX);
    EXPECT_EQ(gas_hex(Precompile::kModExp, ff + word(1) + word(0)), UINT64_MAX);
    // A giant exponent with no base and no modulus costs the minimum and returns nothing.
    EXPECT_EQ(gas_hex(Precompile::kModExp, word(0) + ff + word(0)), 200u);
    EXPECT_EQ(run_hex(Precompile::kModExp, word(0) + ff + word(0)), "");
    // Lengths no gas limit can pay for are refused rather than run.
    expect_invalid(Precompile::kModExp, ff + ff + ff, "giant lengths");
    expect_invalid(Precompile::kModExp, word(1) + word(1) + word(std::uint64_t{1} << 40), "1 TiB modulus");
}

// ---------------------------------------------------------------------------------------------
// 0x06 bn256 add, 0x07 bn256 scalar mul (go-ethereum's bn256Add.json / bn256ScalarMul.json)
// ---------------------------------------------------------------------------------------------

TEST(Precompiles, Bn256AddVectors) {
    const std::string p13 =
        "17c139df0efee0f766bc0204762b774362e4ded88953a39ce849a8a7fa163fa901e0559bacb160664764a357af8a9fe70baa9258e0b9"
        "59273ffc5718c6d4cc7c";
    const std::string minus_p13 =
        "17c139df0efee0f766bc0204762b774362e4ded88953a39ce849a8a7fa163fa92e83f8d734803fc370eba25ed1f6b8768bd6d83887b8"
        "7165fc2434fe11a830cb";
    expect_vectors(
        Precompile::kBn256Add,
        {
            {"chfast1",
             "18b18acfb4c2c30276db5411368e7185b311dd124691610c5d3b74034e093dc9063c909c4720840cb5134cb9f59fa749755796819658"
             "d32efc0d288198f3726607c2b7f58a84bd6145f00c9c2bc0bb1a187f20ff2c92963a88019e7c6a014eed06614e20c147e940f2d70da3"
             "f74c9a17df361706a4485c742bd6788478fa17d7",
             "2243525c5efd4b9c3d3c45ac0ca3fe4dd85e830a4ce6b65fa1eeaee202839703301d1d33be6da8e509df21cc35964723180eed7532537d"
             "b9ae5e7d48f195c915"},
            {"chfast2",
             "2243525c5efd4b9c3d3c45ac0ca3fe4dd85e830a4ce6b65fa1eeaee202839703301d1d33be6da8e509df21cc35964723180eed7532537d"
             "b9ae5e7d48f195c91518b18acfb4c2c30276db5411368e7185b311dd124691610c5d3b74034e093dc9063c909c4720840cb5134cb9f5"
             "9fa749755796819658d32efc0d288198f37266",
             "2bd3e6d0f3b142924f5ca7b49ce5b9d54c4703d7ae5648e61d02268b1a0a9fb721611ce0a6af85915e2f1d70300909ce2e49dfad4a46"
             "19c8390cae66cefdb204"},
            {"cdetrio1 zeros", zeros(128), zeros(64)},
            {"cdetrio4 empty", "", zeros(64)},
            {"cdetrio5 extra bytes ignored", zeros(192), zeros(64)},
            {"cdetrio6 O + G", zeros(64) + kG1, kG1},
            {"cdetrio7 O + G, extra bytes", zeros(64) + kG1 + zeros(64), kG1},
            {"cdetrio9 G + O", kG1 + zeros(64), kG1},
            {"cdetrio8 G + short O", kG1, kG1},
            {"cdetrio11 G + G", kG1 + kG1,
             "030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd315ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538f"
             "c7ff3ebf7a5a18a2c4"},
            {"cdetrio13",
             p13 + "039730ea8dff1254c0fee9c0ea777d29a9c710b7e616683f194f18c43b43b869073a5ffcc6fc7a28c30723d6e58ce577356982d6"
                   "5b833a5a5c15bf9024b43d98",
             "15bf2bb17880144b5d1cd2b1f46eff9d617bffd1ca57c37fb5a49bd84e53cf66049c797f9ce0d17083deb32b5e36f2ea2a212ee036598d"
             "d7624c168993d1355f"},
            {"cdetrio14 P + (-P)", p13 + minus_p13 + zeros(64), zeros(64)},
        });
    EXPECT_EQ(gas_hex(Precompile::kBn256Add, ""), 150u);
}

TEST(Precompiles, Bn256AddRefusesInvalidPoints) {
    expect_invalid(Precompile::kBn256Add, word(1) + word(3) + kG1, "(1, 3) is not on the curve");
    expect_invalid(Precompile::kBn256Add, kG1 + word(0) + word(1), "(0, 1) is not on the curve");
    expect_invalid(Precompile::kBn256Add, kFieldModulus + word(2) + kG1, "x = p");
    // (1, p + 2) would be the generator if coordinates were reduced; they are not.
    expect_invalid(Precompile::kBn256Add,
                   kG1 + word(1) + "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd49", "y = p + 2");
}

TEST(Precompiles, Bn256ScalarMulVectors) {
    const std::string p1 =
        "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe31a2f3c951f6dadcc7ee9007dff81504b0fcd6d7cf59996"
        "efdc33d92bf7f9f8f6";
    const std::string r_minus_1 = "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000000";
    const std::string all_ones = std::string(64, 'f');
    expect_vectors(
        Precompile::kBn256Mul,
        {
            {"chfast1",
             "2bd3e6d0f3b142924f5ca7b49ce5b9d54c4703d7ae5648e61d02268b1a0a9fb721611ce0a6af85915e2f1d70300909ce2e49dfad4a46"
             "19c8390cae66cefdb20400000000000000000000000000000000000000000000000011138ce750fa15c2",
             "070a8d6a982153cae4be29d434e8faef8a47b274a053f5a4ee2a6c9c13c31e5c031b8ce914eba3a9ffb989f9cdd5b0f01943074bf4f0"
             "f315690ec3cec6981afc"},
            {"chfast2",
             "070a8d6a982153cae4be29d434e8faef8a47b274a053f5a4ee2a6c9c13c31e5c031b8ce914eba3a9ffb989f9cdd5b0f01943074bf4f0"
             "f315690ec3cec6981afc30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd46",
             "025a6f4181d2b4ea8b724290ffb40156eb0adb514c688556eb79cdea0752c2bb2eff3f31dea215f1eb86023a133a996eb6300b44da66"
             "4d64251d05381bb8a02e"},
            {"chfast3",
             "025a6f4181d2b4ea8b724290ffb40156eb0adb514c688556eb79cdea0752c2bb2eff3f31dea215f1eb86023a133a996eb6300b44da66"
             "4d64251d05381bb8a02e183227397098d014dc2822db40c0ac2ecbc0b548b438e5469e10460b6c3e7ea3",
             "14789d0d4a730b354403b5fac948113739e276c23e0258d8596ee72f9cd9d3230af18a63153e0ec25ff9f2951dd3fa90ed0197bfef6e"
             "2a1a62b5095b9d2b4a27"},
            {"cdetrio1 scalar 2^256 - 1", p1 + all_ones,
             "2cde5879ba6f13c0b5aa4ef627f159a3347df9722efce88a9afbb20b763b4c411aa7e43076f6aee272755a7f9b84832e71559ba0d2e0"
             "b17d5f9f01755e5b0d11"},
            {"cdetrio2 scalar r - 1 gives -P", p1 + r_minus_1,
             "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe3163511ddc1c3f25d396745388200081287b3fd1472d8"
             "339d5fecb2eae0830451"},
            {"cdetrio3 scalar 2^128", p1 + "0000000000000000000000000000000100000000000000000000000000000000",
             "1051acb0700ec6d42a88215852d582efbaef31529b6fcbc3277b5c1b300f5cf0135b2394bb45ab04b8bd7611bd2dfe1de6a4e6e2ccea"
             "1ea1955f577cd66af85b"},
            {"cdetrio4 scalar 9", p1 + word(9),
             "1dbad7d39dbc56379f78fac1bca147dc8e66de1b9d183c7b167351bfe0aeab742cd757d51289cd8dbd0acf9e673ad67d0f0a89f912af"
             "47ed1be53664f5692575"},
            {"cdetrio5 scalar 1", p1 + word(1), p1},
            {"cdetrio11",
             "039730ea8dff1254c0fee9c0ea777d29a9c710b7e616683f194f18c43b43b869073a5ffcc6fc7a28c30723d6e58ce577356982d65b83"
             "3a5a5c15bf9024b43d98" +
                 all_ones,
             "00a1a234d08efaa2616607e31eca1980128b00b415c845ff25bba3afcb81dc00242077290ed33906aeb8e42fd98c41bcb9057ba03421"
             "af3f2d08cfc441186024"},
            {"scalar 0", p1 + word(0), zeros(64)},
            {"scalar r gives infinity", p1 + "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001", zeros(64)},
            {"infinity times anything", zeros(64) + all_ones, zeros(64)},
            {"short scalar is zero-padded on the right", kG1 + "02", run_hex(Precompile::kBn256Mul, kG1 + "02" + zeros(31))},
            {"empty input", "", zeros(64)},
            {"extra bytes ignored", kG1 + word(2) + "ff", run_hex(Precompile::kBn256Add, kG1 + kG1)},
        });
    EXPECT_EQ(gas_hex(Precompile::kBn256Mul, ""), 6000u);
    expect_invalid(Precompile::kBn256Mul, word(1) + word(3) + word(2), "(1, 3) is not on the curve");
    expect_invalid(Precompile::kBn256Mul, word(1) + kFieldModulus + word(2), "y = p");
}

// ---------------------------------------------------------------------------------------------
// 0x08 bn256 pairing (go-ethereum's bn256Pairing.json)
// ---------------------------------------------------------------------------------------------

TEST(Precompiles, Bn256PairingVectors) {
    const std::string jeff1 =
        "1c76476f4def4bb94541d57ebba1193381ffa7aa76ada664dd31c16024c43f593034dd2920f673e204fee2811c678745fc819b55d3e9d2"
        "94e45c9b03a76aef41209dd15ebff5d46c4bd888e51a93cf99a7329636c63514396b4a452003a35bf704bf11ca01483bfa8b34b4356184"
        "8d28905960114c8ac04049af4b6315a416782bb8324af6cfc93537a2ad1a445cfd0ca2a71acd7ac41fadbf933c2a51be344d120a2a4cf3"
        "0c1bf9845f20c6fe39e07ea2cce61f0c9bb048165fe5e4de877550111e129f1cf1097710d41c4ac70fcdfa5ba2023c6ff1cbeac322de49"
        "d1b6df7c2032c61a830e3c17286de9462bf242fca2883585b93870a73853face6a6bf411" +
        kG2;
    const std::string jeff2 =
        "2eca0c7238bf16e83e7a1e6c5d49540685ff51380f309842a98561558019fc0203d3260361bb8451de5ff5ecd17f010ff22f5c31cdf184"
        "e9020b06fa5997db841213d2149b006137fcfb23036606f848d638d576a120ca981b5b1a5f9300b3ee2276cf730cf493cd95d64677bbb7"
        "5fc42db72513a4c1e387b476d056f80aa75f21ee6226d31426322afcda621464d0611d226783262e21bb3bc86b537e986237096df1f82d"
        "ff337dd5972e32a8ad43e28a78a96a823ef1cd4debe12b6552ea5f06967a1237ebfeca9aaae0d6d0bab8e28c198c5a339ef8a2407e31cd"
        "ac516db922160fa257a5fd5b280642ff47b65eca77e626cb685c84fa6d3b6882a283ddd1" +
        kG2;
    const std::string jeff3 =
        "0f25929bcb43d5a57391564615c9e70a992b10eafa4db109709649cf48c50dd216da2f5cb6be7a0aa72c440c53c9bbdfec6c36c7d51553"
        "6431b3a865468acbba2e89718ad33c8bed92e210e81d1853435399a271913a6520736a4729cf0d51eb01a9e2ffa2e92599b68e44de5bcf"
        "354fa2642bd4f26b259daa6f7ce3ed57aeb314a9a87b789a58af499b314e13c3d65bede56c07ea2d418d6874857b70763713178fb49a2d"
        "6cd347dc58973ff49613a20757d0fcc22079f9abd10c3baee245901b9e027bd5cfc2cb5db82d4dc9677ac795ec500ecd47deee3b5da006"
        "d6d049b811d7511c78158de484232fc68daf8a45cf217d1c2fae693ff5871e8752d73b21" +
        kG2;
    const std::string jeff6 =
        "1c76476f4def4bb94541d57ebba1193381ffa7aa76ada664dd31c16024c43f593034dd2920f673e204fee2811c678745fc819b55d3e9d2"
        "94e45c9b03a76aef41209dd15ebff5d46c4bd888e51a93cf99a7329636c63514396b4a452003a35bf704bf11ca01483bfa8b34b4356184"
        "8d28905960114c8ac04049af4b6315a416782bb8324af6cfc93537a2ad1a445cfd0ca2a71acd7ac41fadbf933c2a51be344d120a2a4cf3"
        "0c1bf9845f20c6fe39e07ea2cce61f0c9bb048165fe5e4de877550111e129f1cf1097710d41c4ac70fcdfa5ba2023c6ff1cbeac322de49"
        "d1b6df7c103188585e2364128fe25c70558f1560f4f9350baf3959e603cc91486e110936" +
        kG2;
    const std::string match3 =
        kG1 +
        "203e205db4f19b37b60121b83a7333706db86431c6d835849957ed8c3928ad7927dc7234fd11d3e8c36c59277c3e6f149d5cd3cfa9a62a"
        "ee49f8130962b4b3b9195e8aa5b7827463722b8c153931579d3505566b4edf48d498e185f0509de15204bb53b8977e5f92a0bc372742c4"
        "830944a59b4fe6b1c0466e2a6dad122b5d2e030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd31a76dae6d3"
        "272396d0cbe61fced2bc532edac647851e3ac53ce1cc9c7e645a83" +
        kG2;
    const std::string match4 =
        "105456a333e6d636854f987ea7bb713dfd0ae8371a72aea313ae0c32c0bf10160cf031d41b41557f3e7e3ba0c51bebe5da8e6ecd855ec5"
        "0fc87efcdeac168bcc0476be093a6d2b4bbf907172049874af11e1b6267606e00804d3ff0037ec57fd3010c68cb50161b7d1d96bb71edf"
        "ec9880171954e56871abf3d93cc94d745fa114c059d74e5b6c4ec14ae5864ebe23a71781d86c29fb8fb6cce94f70d3de7a2101b33461f3"
        "9d9e887dbb100f170a2345dde3c07e256d1dfa2b657ba5cd030427" +
        kG1 +
        "1a2c3013d2ea92e13c800cde68ef56a294b883f6ac35d25f587c09b1b3c635f7290158a80cd3d66530f74dc94c94adb88f5cdb481acca9"
        "97b6e60071f08a115f2f997f3dbd66a7afe07fe7862ce239edba9e05c5afff7f8a1259c9733b2dfbb929d1691530ca701b4a1060546887"
        "28c9972c8512e9789e9567aae23e302ccd75";
    const std::string jeff4 =
        "2f2ea0b3da1e8ef11914acf8b2e1b32d99df51f5f4f206fc6b947eae860eddb6068134ddb33dc888ef446b648d72338684d678d2eb2371"
        "c61a50734d78da4b7225f83c8b6ab9de74e7da488ef02645c5a16a6652c3c71a15dc37fe3a5dcb7cb122acdedd6308e3bb230d226d16a1"
        "05295f523a8a02bfc5e8bd2da135ac4c245d065bbad92e7c4e31bf3757f1fe7362a63fbfee50e7dc68da116e67d600d9bf6806d302580d"
        "c0661002994e7cd3a7f224e7ddc27802777486bf80f40e4ca3cfdb186bac5188a98c45e6016873d107f5cd131f3a3e339d0375e58bd621"
        "9347b008122ae2b09e539e152ec5364e7e2204b03d11d3caa038bfc7cd499f8176aacbee1f39e4e4afc4bc74790a4a028aff2c3d253873"
        "1fb755edefd8cb48d6ea589b5e283f150794b6736f670d6a1033f9b46c6f5204f50813eb85c8dc4b59db1c5d39140d97ee4d2b36d99bc4"
        "9974d18ecca3e7ad51011956051b464d9e27d46cc25e0764bb98575bd466d32db7b15f582b2d5c452b36aa394b789366e5e3ca5aabd415"
        "794ab061441e51d01e94640b7e3084a07e02c78cf3103c542bc5b298669f211b88da1679b0b64a63b7e0e7bfe52aae524f73a55be7fe70"
        "c7e9bfc94b4cf0da1213d2149b006137fcfb23036606f848d638d576a120ca981b5b1a5f9300b3ee2276cf730cf493cd95d64677bbb75f"
        "c42db72513a4c1e387b476d056f80aa75f21ee6226d31426322afcda621464d0611d226783262e21bb3bc86b537e986237096df1f82dff"
        "337dd5972e32a8ad43e28a78a96a823ef1cd4debe12b6552ea5f";
    expect_vectors(Precompile::kBn256Pairing,
                   {
                       {"jeff1", jeff1, kTrue},
                       {"jeff2", jeff2, kTrue},
                       {"jeff3", jeff3, kTrue},
                       {"jeff4 three pairs", jeff4, kTrue},
                       {"jeff6", jeff6, kFalse},
                       {"empty_data", "", kTrue},
                       {"one_point", kG1 + kG2, kFalse},
                       {"two_point_match_2 e(G, G2) e(G, -G2)", kG1 + kG2 + kG1 + kMinusG2, kTrue},
                       {"two_point_match_3", match3, kTrue},
                       {"two_point_match_4", match4, kTrue},
                       {"ten_point_match_1", [&] {
                            std::string s;
                            for (int i = 0; i < 5; ++i) s += kG1 + kG2 + kG1 + kMinusG2;
                            return s;
                        }(),
                        kTrue},
                       {"infinity pairs contribute one", zeros(64) + kG2 + kG1 + zeros(128), kTrue},
                       {"e(G, G2) e(G, G2) is not one", kG1 + kG2 + kG1 + kG2, kFalse},
                   });
    EXPECT_EQ(gas_hex(Precompile::kBn256Pairing, ""), 45000u);
    EXPECT_EQ(gas_hex(Precompile::kBn256Pairing, kG1 + kG2), 79000u);
    EXPECT_EQ(gas_hex(Precompile::kBn256Pairing, jeff1), 113000u);
    EXPECT_EQ(gas_hex(Precompile::kBn256Pairing, jeff1 + jeff1), 181000u);
    EXPECT_EQ(gas_hex(Precompile::kBn256Pairing, jeff4), 147000u);
}

TEST(Precompiles, Bn256PairingIsBilinear) {
    // With G1 points made by the mul precompile (-aG as (r - a)G): e(aG, G2) = e(G, G2)^a, so
    // e(3G, G2) e(-3G, G2) = 1 while e(3G, G2) e(-2G, G2) = e(G, G2) != 1.
    const std::string g3 = run_hex(Precompile::kBn256Mul, kG1 + word(3));
    const std::string minus_3g = run_hex(Precompile::kBn256Mul,
                                         kG1 + "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593effffffe");
    const std::string minus_2g = run_hex(Precompile::kBn256Mul,
                                         kG1 + "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593efffffff");
    EXPECT_EQ(run_hex(Precompile::kBn256Pairing, g3 + kG2 + minus_3g + kG2), kTrue);
    EXPECT_EQ(run_hex(Precompile::kBn256Pairing, g3 + kG2 + minus_2g + kG2), kFalse);
    // e(3G, G2) = e(G, G2)^3 = e(G, -G2)^-3: pair 3G with G2 and G three times with -G2.
    EXPECT_EQ(run_hex(Precompile::kBn256Pairing, g3 + kG2 + kG1 + kMinusG2 + kG1 + kMinusG2 + kG1 + kMinusG2), kTrue);
}

TEST(Precompiles, Bn256PairingRefusesInvalidInput) {
    expect_invalid(Precompile::kBn256Pairing, kG1 + kG2 + "00", "length not a multiple of 192");
    expect_invalid(Precompile::kBn256Pairing, kG1, "a lone G1 point");
    expect_invalid(Precompile::kBn256Pairing, word(1) + word(3) + kG2, "G1 point not on the curve");
    expect_invalid(Precompile::kBn256Pairing, kFieldModulus + word(2) + kG2, "G1 coordinate = p");
    // The generator with x_im and x_re swapped is not on the twist.
    expect_invalid(Precompile::kBn256Pairing, kG1 + kG2.substr(64, 64) + kG2.substr(0, 64) + kG2.substr(128), "swapped");
    expect_invalid(Precompile::kBn256Pairing, kG1 + kFieldModulus + kG2.substr(64), "G2 coordinate = p");
    // (1, y) with y^2 = 1 + 3/xi lies on the twist but outside the subgroup of order r.
    const std::string off_subgroup =
        zeros(32) + word(1) +
        "0d1271953ed9ea0836846e70a1934187998c7f790cb4d7511b7f8da82de048a42869111d5381f072f8e2728fdb825a51aadd70e52c98"
        "30e9ab4b871c0531f1bb";
    expect_invalid(Precompile::kBn256Pairing, kG1 + off_subgroup, "G2 point outside the subgroup");
    expect_invalid(Precompile::kBn256Pairing, zeros(64) + off_subgroup, "checked even against infinity");
    // The reasons, one level down: the off-subgroup point does lie on the twist.
    EXPECT_EQ(bn254::pairing_check(hex(kG1 + off_subgroup)).error(), bn254::CurveError::kNotInSubgroup);
    EXPECT_EQ(bn254::pairing_check(hex(kFieldModulus + word(2) + kG2)).error(),
              bn254::CurveError::kCoordinateOutOfRange);
    EXPECT_EQ(bn254::pairing_check(hex(word(1) + word(3) + kG2)).error(), bn254::CurveError::kNotOnCurve);
    EXPECT_EQ(bn254::pairing_check(hex(kG1)).error(), bn254::CurveError::kBadLength);
}

// ---------------------------------------------------------------------------------------------
// 0x09 blake2f (EIP-152 vectors)
// ---------------------------------------------------------------------------------------------

namespace {
/// The EIP-152 test input after the 4-byte round count and before the final flag byte: the
/// BLAKE2b-512 initial state h (parameter block folded in), the block "abc" and the counter t = 3.
const std::string kBlake2Body =
    "48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f"
    "79217e1319cde05b" +
    ("616263" + zeros(125)) + ("0300000000000000" + zeros(8));
}  // namespace

TEST(Precompiles, Blake2FVectors) {
    ASSERT_EQ(kBlake2Body.size(), 2 * (213 - 5));
    expect_vectors(
        Precompile::kBlake2F,
        {
            {"vector 4: 0 rounds", "00000000" + kBlake2Body + "01",
             "08c9bcf367e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d282e6ad7f520e511f6c3e2b8c68059b9442be0454267c"
             "e079217e1319cde05b"},
            {"vector 5: 12 rounds", "0000000c" + kBlake2Body + "01",
             "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf192"
             "5ab92386edd4009923"},
            {"vector 6: not final", "0000000c" + kBlake2Body + "00",
             "75ab69d3190a562c51aef8d88f1c2775876944407270c42c9844252c26d2875298743e7f6d5ea2f2d3e8d226039cd31b4e426ac4f2d3d6"
             "66a610c2116fde4735"},
            {"vector 7: 1 round", "00000001" + kBlake2Body + "01",
             "b63a380cb2897d521994a85234ee2c181b5f844d2c624c002677e9703449d2fba551b3a8333bcdf5f2f7e08993d53923de3d64fcc68c03"
             "4e717b9293fed7a421"},
            {"vector 8: 8000000 rounds", "007a1200" + kBlake2Body + "01",
             "6d2ce9e534d50e18ff866ae92d70cceba79bbcd14c63819fe48752c8aca87a4bb7dcc230d22a4047f0486cfcfb50a17b24b2899eb8fca3"
             "70f22240adb5170189"},
        });
    EXPECT_EQ(gas_hex(Precompile::kBlake2F, "0000000c" + kBlake2Body + "01"), 12u);
    EXPECT_EQ(gas_hex(Precompile::kBlake2F, "007a1200" + kBlake2Body + "01"), 8000000u);
    EXPECT_EQ(gas_hex(Precompile::kBlake2F, "00000000" + kBlake2Body + "01"), 0u);
}

TEST(Precompiles, Blake2FRefusesMalformedInput) {
    expect_invalid(Precompile::kBlake2F, "", "vector 0: empty input");
    expect_invalid(Precompile::kBlake2F, "00000c" + kBlake2Body + "01", "vector 1: 212 bytes");
    expect_invalid(Precompile::kBlake2F, "000000000c" + kBlake2Body + "01", "vector 2: 214 bytes");
    expect_invalid(Precompile::kBlake2F, "0000000c" + kBlake2Body + "02", "vector 3: final flag 2");
    EXPECT_EQ(blake2f(hex("0000000c" + kBlake2Body + "02")).error(), Blake2Error::kBadFlag);
    EXPECT_EQ(blake2f({}).error(), Blake2Error::kBadLength);
}

// Random inputs, with length words both small and huge, must give an output or kInvalidInput, never a
// crash, a hang or a giant allocation.
TEST(Precompiles, RandomInputsAreHandled) {
    std::mt19937_64 rng(0x5eed);
    const auto random_bytes = [&](std::size_t n) {
        core::Bytes b(n);
        for (auto& x : b) x = static_cast<std::uint8_t>(rng());
        return b;
    };
    for (int round = 0; round < 200; ++round) {
        const auto p = static_cast<Precompile>(1 + rng() % kLastPrecompile);
        core::Bytes input = random_bytes(rng() % 400);
        if (p == Precompile::kModExp && input.size() >= 96 && round % 2 == 0) {
            for (std::size_t w = 0; w < 3; ++w) {  // small lengths, so the operation really runs
                std::fill_n(input.begin() + 32 * w, 31, 0);
                input[32 * w + 31] %= 64;
            }
        }
        (void)precompile_gas(p, input);
        const auto out = run_precompile(p, input);
        if (!out) {
            EXPECT_TRUE(out.error() == PrecompileError::kInvalidInput || p == Precompile::kPointEvaluation);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 0x0a point evaluation
// ---------------------------------------------------------------------------------------------

TEST(Precompiles, PointEvaluationIsPricedButNotImplemented) {
    EXPECT_EQ(gas_hex(Precompile::kPointEvaluation, zeros(192)), 50000u);
    const auto out = run_precompile(Precompile::kPointEvaluation, hex(zeros(192)));
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error(), PrecompileError::kNotImplemented);
}
