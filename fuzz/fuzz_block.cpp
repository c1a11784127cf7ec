// Block headers and bodies as peers send them: decoded or refused; a header that decodes
// encodes back to the very bytes it came from (its hash is over them).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz.hpp"

#include "core/block.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace moe::core;
    const ByteView in(data, size);
    if (auto h = decode_header(in)) {
        if (!moe::fuzz::same(h->encode(), in)) __builtin_trap();
        (void)h->hash();
    }
    if (auto b = decode_body(in)) (void)b->transactions.size();
    return 0;
}
