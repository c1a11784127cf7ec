#include "core/account.hpp"

namespace moe::core {

Bytes Account::encode() const {
    Bytes payload;
    rlp::encode(payload, nonce);
    rlp::encode(payload, balance);
    rlp::encode(payload, storage_root);
    rlp::encode(payload, code_hash);
    return rlp::wrap_list(payload);
}

std::expected<Account, rlp::DecodeError> decode_account(ByteView encoded) {
    auto list = rlp::decode_list(encoded);
    if (!list) return std::unexpected(list.error());
    if (!encoded.empty()) return std::unexpected(rlp::DecodeError::kInputTooLong);
    ByteView p = *list;
    Account a;
    auto nonce = rlp::decode_u64(p);
    if (!nonce) return std::unexpected(nonce.error());
    auto balance = rlp::decode_uint256(p);
    if (!balance) return std::unexpected(balance.error());
    auto root = rlp::decode_fixed<32>(p);
    if (!root) return std::unexpected(root.error());
    auto code = rlp::decode_fixed<32>(p);
    if (!code) return std::unexpected(code.error());
    if (!p.empty()) return std::unexpected(rlp::DecodeError::kListLengthMismatch);
    a.nonce = *nonce;
    a.balance = *balance;
    a.storage_root = *root;
    a.code_hash = *code;
    return a;
}

}  // namespace moe::core
