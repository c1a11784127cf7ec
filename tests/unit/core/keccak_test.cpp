#include <gtest/gtest.h>

#include "core/keccak.hpp"

using namespace moe::core;

TEST(Keccak256, KnownVectors) {
    EXPECT_EQ(keccak256({}).hex(), "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    EXPECT_EQ(keccak256(as_bytes("abc")).hex(), "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    EXPECT_EQ(kEmptyTrieRoot.hex(), "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
    EXPECT_EQ(kEmptyListHash.hex(), "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347");
}

TEST(Keccak256, IncrementalEqualsOneShot) {
    const std::string text(1000, 'x');
    Keccak256 k;
    k.update(as_bytes(std::string_view(text).substr(0, 137)));
    k.update(as_bytes(std::string_view(text).substr(137)));
    EXPECT_EQ(k.finish(), keccak256(as_bytes(text)));
}

TEST(Sha256, KnownVector) {
    EXPECT_EQ(sha256(as_bytes("abc")).hex(), "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
