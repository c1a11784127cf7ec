// RLP: any bytes decode to an item or an error, never a crash; a scalar decoded is re-encoded to
// the same bytes (the decoders accept only the canonical form).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz.hpp"

#include "core/rlp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace moe::core;
    const ByteView in(data, size);
    (void)rlp::decode_item(in);
    ByteView a = in;
    if (auto v = rlp::decode_u64(a)) {
        Bytes out;
        rlp::encode(out, *v);
        if (!moe::fuzz::same(out, in.subspan(0, in.size() - a.size()))) __builtin_trap();
    }
    ByteView b = in;
    (void)rlp::decode_uint256(b);
    ByteView c = in;
    (void)rlp::decode_list(c);
    return 0;
}
