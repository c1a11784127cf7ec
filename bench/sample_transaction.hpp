#pragma once

#include "core/keccak.hpp"
#include "core/secp256k1.hpp"
#include "core/transaction.hpp"

namespace moe::bench {

/// An ERC-20 transfer as a node receives it: signed, so that recovery has work to do. The
/// benchmarks that compare a cost with sender recovery use this one transaction.
inline core::Transaction sample_transaction() {
    using namespace moe::core;
    Transaction t;
    t.type = TxType::kDynamicFee;
    t.chain_id = 4224;
    t.nonce = 42;
    t.max_priority_fee_per_gas = 1'000'000'000;
    t.max_fee_per_gas = 30'000'000'000ull;
    t.gas_limit = 60'000;
    t.to = Address::from_hex("0x70997970c51812dc3a010c7d01b50e0d17dc79c8").value();
    t.value = 1'000'000'000'000'000ull;
    t.data = from_hex("0xa9059cbb0000000000000000000000003c44cdddb6a900fa2b585dd299e03d12fa4293bc00000000000000000000000000000000000000000000000000000000000003e8").value();
    t.sign(PrivateKey::from_seed(keccak256(as_bytes("bench"))));
    return t;
}

}  // namespace moe::bench
