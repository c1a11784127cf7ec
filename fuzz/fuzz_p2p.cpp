// P2P frames before and during the handshake: the length prefix, hello and auth payloads.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "node/p2p/wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace moe::node::p2p::wire;
    const moe::core::ByteView in(data, size);
    if (size >= kLengthBytes) {
        std::uint8_t prefix[kLengthBytes];
        std::memcpy(prefix, data, kLengthBytes);
        (void)parse_length(prefix, 4u << 20);
    }
    (void)decode_hello(in);
    (void)decode_auth(in);
    return 0;
}
