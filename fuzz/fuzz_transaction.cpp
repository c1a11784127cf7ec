// Transactions (legacy, EIP-2930, EIP-1559, EIP-4844 envelopes): decode, and when one decodes,
// its encoding decodes to the same transaction and its sender recovery ends with an answer.
#include <cstddef>
#include <cstdint>

#include "core/transaction.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace moe::core;
    auto t = decode_transaction(ByteView(data, size));
    if (!t) return 0;
    const Bytes again = t->encode();
    auto back = decode_transaction(again);
    if (!back || back->encode() != again) __builtin_trap();
    (void)t->hash();
    (void)t->sender();
    return 0;
}
