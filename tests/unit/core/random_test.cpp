#include <gtest/gtest.h>

#include <set>

#include "core/random.hpp"

using namespace moe::core;

TEST(Random, DrawsDistinctNonZeroHashes) {
    std::set<Hash> seen;
    for (int i = 0; i < 64; ++i) {
        auto h = random_hash();
        ASSERT_TRUE(h) << h.error();
        EXPECT_NE(*h, Hash{});
        EXPECT_TRUE(seen.insert(*h).second) << "a 32-byte draw repeated";
    }
}
