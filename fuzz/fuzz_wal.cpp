// The consensus WAL as a crash or a damaged disk may leave it: any file opens to its records or
// to an error (a torn tail is dropped, damage before it refused), never a crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "node/consensus_wal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("moe-fuzz-wal-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    const std::filesystem::path file = dir / "wal";
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    if (auto wal = moe::node::ConsensusWal::open(file)) {
        for (const auto& r : (*wal)->records()) (void)r.body.size();
    }
    return 0;
}
