#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/fixed_bytes.hpp"
#include "core/rlp.hpp"
#include "core/secp256k1.hpp"
#include "core/uint256.hpp"

namespace moe::core {

/// EIP-2718 transaction types this chain accepts (no blob transactions, DESIGN.md).
enum class TxType : std::uint8_t {
    kLegacy = 0,      ///< pre-EIP-2718, with or without an EIP-155 chain id
    kAccessList = 1,  ///< EIP-2930
    kDynamicFee = 2,  ///< EIP-1559
};

/// One entry of an EIP-2930 access list.
struct AccessListEntry {
    Address address;
    std::vector<Hash> storage_keys;
    friend bool operator==(const AccessListEntry&, const AccessListEntry&) = default;
};
using AccessList = std::vector<AccessListEntry>;

enum class TxError {
    kMalformedRlp,         ///< not canonical RLP of the expected shape
    kUnsupportedType,      ///< a type byte this chain does not accept
    kInvalidV,             ///< a legacy v that is neither 27/28 nor EIP-155
    kInvalidSignature,     ///< r or s out of range, or recovery failed
    kHighS,                ///< s above n/2 (EIP-2)
    kNonceMax,             ///< nonce of 2^64-1 (EIP-2681)
    kIntrinsicGasTooLow,   ///< gas limit below the intrinsic gas
    kTipAboveFeeCap,       ///< max priority fee above max fee (EIP-1559)
    kInitCodeTooLarge,     ///< creation with init code over 49152 bytes (EIP-3860)
    kWrongChainId,         ///< signed for another chain
    kGasLimitTooHigh,      ///< gas * price overflows 256 bits
};
[[nodiscard]] std::string_view to_string(TxError e) noexcept;

/// A signed Ethereum transaction of any accepted type. For legacy transactions the gas price
/// is held in both fee fields.
struct Transaction {
    TxType type = TxType::kDynamicFee;
    std::optional<std::uint64_t> chain_id;  ///< empty only for pre-EIP-155 legacy transactions
    std::uint64_t nonce = 0;
    uint256 max_priority_fee_per_gas;       ///< legacy: the gas price
    uint256 max_fee_per_gas;                ///< legacy: the gas price
    std::uint64_t gas_limit = 0;
    std::optional<Address> to;              ///< empty for contract creation
    uint256 value;
    Bytes data;
    AccessList access_list;
    Signature signature;

    /// The gas price of a legacy or EIP-2930 transaction.
    [[nodiscard]] const uint256& gas_price() const noexcept { return max_fee_per_gas; }
    [[nodiscard]] bool is_create() const noexcept { return !to.has_value(); }

    /// The canonical encoding: RLP list for legacy, type byte || RLP list for typed (EIP-2718).
    [[nodiscard]] Bytes encode() const;
    /// Keccak-256 of the canonical encoding.
    [[nodiscard]] Hash hash() const;
    /// The digest the sender signs (EIP-155 for legacy with a chain id; EIP-2930/1559 otherwise).
    [[nodiscard]] Hash signing_hash() const;

    /// Signs in place with the key (sets the signature; the chain id must already be set
    /// except for pre-EIP-155 legacy transactions).
    void sign(const PrivateKey& key);

    /// Recovers the sender; refuses high-s signatures (EIP-2).
    [[nodiscard]] std::expected<Address, TxError> sender() const;

    /// The price per gas actually paid under a block's base fee (EIP-1559); nullopt when the
    /// fee cap is below the base fee.
    [[nodiscard]] std::optional<uint256> effective_gas_price(const uint256& base_fee) const;
    /// The part of the price that goes to the proposer under a base fee.
    [[nodiscard]] std::optional<uint256> effective_priority_fee(const uint256& base_fee) const;

    friend bool operator==(const Transaction& a, const Transaction& b) {
        return a.encode() == b.encode();
    }
};

/// Decodes a canonical transaction encoding (as in eth_sendRawTransaction); any trailing byte
/// or non-canonical field is an error.
[[nodiscard]] std::expected<Transaction, TxError> decode_transaction(ByteView encoded);

/// Appends a transaction as an item of a block body's list: legacy as its RLP list, typed as
/// an RLP string wrapping type || payload.
void encode_in_list(Bytes& out, const Transaction& txn);
/// Reads one transaction item from a block body's list.
[[nodiscard]] std::expected<Transaction, TxError> decode_from_list(ByteView& from);

/// Gas costs of the Cancun schedule for transaction admission.
inline constexpr std::uint64_t kTxGas = 21'000;
inline constexpr std::uint64_t kTxCreateGas = 53'000;
inline constexpr std::uint64_t kTxDataZeroGas = 4;
inline constexpr std::uint64_t kTxDataNonZeroGas = 16;              // EIP-2028
inline constexpr std::uint64_t kAccessListAddressGas = 2'400;       // EIP-2930
inline constexpr std::uint64_t kAccessListStorageKeyGas = 1'900;    // EIP-2930
inline constexpr std::uint64_t kInitCodeWordGas = 2;                // EIP-3860
inline constexpr std::size_t kMaxInitCodeSize = 2 * 24'576;         // EIP-3860
inline constexpr std::size_t kMaxCodeSize = 24'576;                 // EIP-170

/// The intrinsic gas of a transaction under Cancun rules (may exceed 64 bits only in theory,
/// so it is returned as uint256-free 64-bit with saturation).
[[nodiscard]] std::uint64_t intrinsic_gas(const Transaction& txn) noexcept;

/// Static validity under Cancun rules, independent of state and of the signature: fee fields,
/// nonce bound, init code size, intrinsic gas, and the chain id when `chain_id` is given.
[[nodiscard]] std::expected<void, TxError> validate_unsigned(const Transaction& txn,
                                                            std::optional<std::uint64_t> chain_id = std::nullopt);
/// validate_unsigned, then the signature: returns the recovered sender.
[[nodiscard]] std::expected<Address, TxError> validate_static(const Transaction& txn,
                                                           std::optional<std::uint64_t> chain_id = std::nullopt);

}  // namespace moe::core
