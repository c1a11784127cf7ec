#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/secp256k1.hpp"

/// BIP-39 seeds and BIP-32 key derivation, so that the accounts of a mnemonic are the same
/// as in every Ethereum wallet (m/44'/60'/0'/0/i).
namespace moe::core {

/// The 64-byte BIP-39 seed of a mnemonic (PBKDF2-HMAC-SHA512, 2048 rounds). The mnemonic is
/// used as given (ASCII words separated by single spaces); its checksum is not verified.
[[nodiscard]] Bytes bip39_seed(std::string_view mnemonic, std::string_view passphrase = {});

enum class HdError { kBadPath, kInvalidKey };
[[nodiscard]] std::string_view to_string(HdError e) noexcept;

/// Derives the private key at a BIP-32 path such as "m/44'/60'/0'/0/3" from a seed.
[[nodiscard]] std::expected<PrivateKey, HdError> derive_key(ByteView seed, std::string_view path);

/// The Ethereum account i of a mnemonic: m/44'/60'/0'/0/i.
[[nodiscard]] std::expected<PrivateKey, HdError> mnemonic_account(std::string_view mnemonic, std::uint32_t index);

}  // namespace moe::core
