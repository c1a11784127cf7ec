// Commits blocks into a ChainDb as fast as it can until it is killed (the crash test's child).
#include <cstdio>

#include "storage_blocks.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: storage_crash_writer DIR\n");
        return 2;
    }
    auto db = moe::node::ChainDb::open(argv[1], moe::test::test_identity());
    if (!db) {
        std::fprintf(stderr, "storage_crash_writer: %s\n", db.error().c_str());
        return 1;
    }
    const auto head = (*db)->head();
    std::uint64_t next = head ? head->number + 1 : 0;
    std::printf("ready %llu\n", static_cast<unsigned long long>(next));
    std::fflush(stdout);
    for (int i = 0; i < 1'000'000; ++i, ++next) {
        if (auto r = (*db)->commit_block(moe::test::make_block(next)); !r) {
            std::fprintf(stderr, "storage_crash_writer: %s\n", r.error().message.c_str());
            return 1;
        }
    }
    return 0;
}
