// Model files (decision 001), as a home's models/ folder may hold them: parsed or refused; a file
// that parses serializes back to the same bytes.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz.hpp"

#include "moe/model_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const moe::core::ByteView in(data, size);
    if (auto m = moe::nn::parse_model(in)) {
        if (!moe::fuzz::same(moe::nn::serialize_model(*m), in)) __builtin_trap();
    }
    return 0;
}
