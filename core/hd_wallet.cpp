#include "core/hd_wallet.hpp"

#include <cryptopp/hmac.h>
#include <cryptopp/pwdbased.h>
#include <cryptopp/sha.h>

#include <charconv>

namespace moe::core {

std::string_view to_string(HdError e) noexcept {
    switch (e) {
        case HdError::kBadPath: return "malformed BIP-32 derivation path";
        case HdError::kInvalidKey: return "derivation produced an invalid key";
    }
    return "unknown derivation error";
}

Bytes bip39_seed(std::string_view mnemonic, std::string_view passphrase) {
    const std::string salt = "mnemonic" + std::string(passphrase);
    Bytes seed(64);
    CryptoPP::PKCS5_PBKDF2_HMAC<CryptoPP::SHA512> kdf;
    kdf.DeriveKey(seed.data(), seed.size(), 0, reinterpret_cast<const CryptoPP::byte*>(mnemonic.data()), mnemonic.size(),
                  reinterpret_cast<const CryptoPP::byte*>(salt.data()), salt.size(), 2048);
    return seed;
}

namespace {

std::array<std::uint8_t, 64> hmac_sha512(ByteView key, ByteView data) {
    CryptoPP::HMAC<CryptoPP::SHA512> mac(key.data(), key.size());
    mac.Update(data.data(), data.size());
    std::array<std::uint8_t, 64> out{};
    mac.Final(out.data());
    return out;
}

}  // namespace

std::expected<PrivateKey, HdError> derive_key(ByteView seed, std::string_view path) {
    if (!path.starts_with("m")) return std::unexpected(HdError::kBadPath);
    path.remove_prefix(1);
    auto master = hmac_sha512(as_bytes("Bitcoin seed"), seed);  // BIP-32 master key
    auto key = PrivateKey::from_bytes(ByteView(master.data(), 32));
    if (!key) return std::unexpected(HdError::kInvalidKey);
    Hash chain_code = Hash::from_view(ByteView(master.data() + 32, 32)).value();

    while (!path.empty()) {
        if (path[0] != '/') return std::unexpected(HdError::kBadPath);
        path.remove_prefix(1);
        std::uint32_t index = 0;
        auto [end, ec] = std::from_chars(path.data(), path.data() + path.size(), index);
        if (ec != std::errc{} || end == path.data() || index >= 0x80000000u) return std::unexpected(HdError::kBadPath);
        path.remove_prefix(static_cast<std::size_t>(end - path.data()));
        const bool hardened = !path.empty() && path[0] == '\'';
        if (hardened) {
            path.remove_prefix(1);
            index |= 0x80000000u;
        }
        Bytes data;
        if (hardened) {
            data.push_back(0);
            data.insert(data.end(), key->bytes().bytes.begin(), key->bytes().bytes.end());
        } else {
            const auto pub = key->compressed_public_key();
            data.insert(data.end(), pub.bytes.begin(), pub.bytes.end());
        }
        for (int shift = 24; shift >= 0; shift -= 8) data.push_back(static_cast<std::uint8_t>(index >> shift));
        const auto i = hmac_sha512(chain_code, data);
        auto child = key->tweak_add(Hash::from_view(ByteView(i.data(), 32)).value());
        if (!child) return std::unexpected(HdError::kInvalidKey);
        key = *child;
        chain_code = Hash::from_view(ByteView(i.data() + 32, 32)).value();
    }
    return *key;
}

std::expected<PrivateKey, HdError> mnemonic_account(std::string_view mnemonic, std::uint32_t index) {
    const Bytes seed = bip39_seed(mnemonic);
    return derive_key(seed, "m/44'/60'/0'/0/" + std::to_string(index));
}

}  // namespace moe::core
