#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/keccak.hpp"
#include "core/rlp.hpp"
#include "core/trie.hpp"

using namespace moe::core;

namespace {
ByteView b(std::string_view s) { return as_bytes(s); }

std::vector<std::pair<Bytes, Bytes>> random_pairs(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<std::pair<Bytes, Bytes>> out;
    for (std::size_t i = 0; i < n; ++i) {
        Bytes key(1 + rng() % 40);
        for (auto& x : key) x = static_cast<std::uint8_t>(rng() % 4);  // small alphabet: many shared prefixes
        Bytes value(1 + rng() % 70);
        for (auto& x : value) x = static_cast<std::uint8_t>(rng());
        out.emplace_back(std::move(key), std::move(value));
    }
    return out;
}
}  // namespace

TEST(Trie, EmptyRootAndKnownVectors) {
    Trie t;
    EXPECT_EQ(t.root_hash(), kEmptyTrieRoot);
    ASSERT_TRUE(t.put(b("doe"), b("reindeer")).has_value());
    ASSERT_TRUE(t.put(b("dog"), b("puppy")).has_value());
    ASSERT_TRUE(t.put(b("dogglesworth"), b("cat")).has_value());
    // The "doe/dog/dogglesworth" example of the Ethereum wiki's Patricia Tree page.
    EXPECT_EQ(t.root_hash().hex(), "0x8aad789dff2f538bca5d8ea56e8abe10f4c7ba3a5dea95fea4cd6e7c3a1168d3");
    EXPECT_EQ(t.get(b("dog")).value().value(), Bytes(b("puppy").begin(), b("puppy").end()));
    EXPECT_FALSE(t.get(b("do")).value().has_value());
    EXPECT_FALSE(t.get(b("doggy")).value().has_value());
}

TEST(Trie, RootDoesNotDependOnInsertionOrder) {
    auto pairs = random_pairs(300, 1);
    std::map<Bytes, Bytes> last;  // later duplicates win
    for (auto& [k, v] : pairs) last[k] = v;
    Trie a;
    for (auto& [k, v] : last) ASSERT_TRUE(a.put(k, v).has_value());
    std::vector<std::pair<Bytes, Bytes>> shuffled(last.begin(), last.end());
    std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(7));
    Trie c;
    for (auto& [k, v] : shuffled) ASSERT_TRUE(c.put(k, v).has_value());
    EXPECT_EQ(a.root_hash(), c.root_hash());
    for (auto& [k, v] : last) EXPECT_EQ(c.get(k).value().value(), v);
}

TEST(Trie, DeletingEverythingGivesTheEmptyRoot) {
    auto pairs = random_pairs(200, 2);
    Trie t;
    for (auto& [k, v] : pairs) ASSERT_TRUE(t.put(k, v).has_value());
    const Hash full = t.root_hash();
    // Deleting and re-adding one key restores the same root.
    ASSERT_TRUE(t.erase(pairs[10].first).has_value());
    EXPECT_NE(t.root_hash(), full);
    std::map<Bytes, Bytes> last;
    for (auto& [k, v] : pairs) last[k] = v;
    ASSERT_TRUE(t.put(pairs[10].first, last[pairs[10].first]).has_value());
    EXPECT_EQ(t.root_hash(), full);
    std::shuffle(pairs.begin(), pairs.end(), std::mt19937(3));
    for (auto& [k, v] : pairs) ASSERT_TRUE(t.erase(k).has_value());
    EXPECT_EQ(t.root_hash(), kEmptyTrieRoot);
}

TEST(Trie, ReopensFromItsStoreAndCommitsOnlyNewNodes) {
    MemoryNodeStore store;
    auto pairs = random_pairs(500, 4);
    Hash root;
    {
        Trie t(&store);
        for (auto& [k, v] : pairs) ASSERT_TRUE(t.put(k, v).has_value());
        root = t.commit(store);
        EXPECT_EQ(root, t.root_hash());
    }
    const std::size_t stored = store.size();
    Trie reopened(&store, root);
    std::map<Bytes, Bytes> last;
    for (auto& [k, v] : pairs) last[k] = v;
    for (auto& [k, v] : last) EXPECT_EQ(reopened.get(k).value().value(), v);
    // One change writes only the nodes on its path.
    ASSERT_TRUE(reopened.put(pairs[0].first, b("changed")).has_value());
    const Hash changed = reopened.commit(store);
    EXPECT_NE(changed, root);
    EXPECT_LT(store.size() - stored, 20u);
    Trie again(&store, changed);
    EXPECT_EQ(again.get(pairs[0].first).value().value(), Bytes(b("changed").begin(), b("changed").end()));
    // The old root still reads the old state: nothing was overwritten.
    Trie old(&store, root);
    EXPECT_EQ(old.get(pairs[0].first).value().value(), last[pairs[0].first]);
}

TEST(Trie, MissingOrCorruptNodesAreErrorsNotCrashes) {
    MemoryNodeStore store;
    Trie t(&store);
    for (auto& [k, v] : random_pairs(50, 5)) ASSERT_TRUE(t.put(k, v).has_value());
    const Hash root = t.commit(store);
    MemoryNodeStore empty;
    Trie missing(&empty, root);
    EXPECT_EQ(missing.get(b("x")).error(), TrieError::kMissingNode);
    EXPECT_EQ(missing.put(b("x"), b("y")).error(), TrieError::kMissingNode);

    MemoryNodeStore corrupt;
    const Bytes garbage = {0xc3, 0x01, 0x02, 0x03};
    corrupt.put_node(root, garbage);  // wrong content under the root's hash
    Trie bad(&corrupt, root);
    EXPECT_EQ(bad.get(b("x")).error(), TrieError::kCorruptNode);
}

TEST(Trie, ForEachVisitsKeysInOrder) {
    Trie t;
    for (std::string_view k : {"b", "a", "ab", "c"}) {
        ASSERT_TRUE(t.put(b(k), b("v")).has_value());
    }
    std::vector<std::string> keys;
    ASSERT_TRUE(t.for_each([&](ByteView k, ByteView) { keys.emplace_back(k.begin(), k.end()); }).has_value());
    EXPECT_EQ(keys, (std::vector<std::string>{"a", "ab", "b", "c"}));
}

TEST(Trie, OrderedRootOfNothingIsTheEmptyRoot) {
    EXPECT_EQ(ordered_trie_root({}), kEmptyTrieRoot);
    // One item: the trie of { RLP(0) = 0x80 : item }.
    Trie t;
    ASSERT_TRUE(t.put(Bytes{0x80}, b("x")).has_value());
    EXPECT_EQ(ordered_trie_root({Bytes{'x'}}), t.root_hash());
}
