// The state's storage across transactions: what SSTORE prices as the slot's original value
// (EIP-2200) is its value when the transaction began, whatever the block did before.
#include <gtest/gtest.h>

#include "core/trie.hpp"
#include "evm/state.hpp"

using moe::core::Address;
using moe::core::uint256;

namespace {

Address account(std::uint8_t b) {
    Address a;
    a[19] = b;
    return a;
}

class StateStorageTest : public ::testing::Test {
  protected:
    moe::core::MemoryNodeStore nodes;
    moe::evm::MemoryCodeStore codes;
    moe::evm::State state{&nodes, &codes, moe::core::kEmptyTrieRoot};
    const Address token = account(1);
};

}  // namespace

TEST_F(StateStorageTest, OriginalIsTheValueWhenTheTransactionBegan) {
    state.begin_transaction();
    state.set_nonce(token, 1);
    state.set_storage(token, 7, 5);
    EXPECT_EQ(state.original_storage(token, 7), 0);
    EXPECT_EQ(state.storage(token, 7), 5);
    state.finalize_transaction();

    state.begin_transaction();
    EXPECT_EQ(state.original_storage(token, 7), 5);
    state.set_storage(token, 7, 9);
    state.set_storage(token, 7, 11);
    EXPECT_EQ(state.original_storage(token, 7), 5);
    state.finalize_transaction();

    state.begin_transaction();
    EXPECT_EQ(state.original_storage(token, 7), 11);
    EXPECT_EQ(state.storage(token, 7), 11);
    state.finalize_transaction();
}

TEST_F(StateStorageTest, ARevertedWriteLeavesTheOriginal) {
    state.begin_transaction();
    state.set_nonce(token, 1);
    state.set_storage(token, 1, 3);
    state.finalize_transaction();

    state.begin_transaction();
    state.set_storage(token, 2, 4);  // kept
    const std::size_t checkpoint = state.snapshot();
    state.set_storage(token, 1, 8);  // reverted
    state.set_storage(token, 3, 6);  // reverted, a slot first written after the checkpoint
    state.revert(checkpoint);
    state.finalize_transaction();

    state.begin_transaction();
    EXPECT_EQ(state.original_storage(token, 1), 3);
    EXPECT_EQ(state.original_storage(token, 2), 4);
    EXPECT_EQ(state.original_storage(token, 3), 0);
    EXPECT_EQ(state.storage(token, 3), 0);
    state.finalize_transaction();
}

TEST_F(StateStorageTest, ARemovedAccountsSlotsAreZeroInTheNextTransaction) {
    state.begin_transaction();
    state.set_nonce(token, 1);
    state.set_storage(token, 1, 3);
    state.finalize_transaction();

    state.begin_transaction();
    state.destruct(token);
    state.finalize_transaction();

    state.begin_transaction();
    EXPECT_EQ(state.storage(token, 1), 0);
    EXPECT_EQ(state.original_storage(token, 1), 0);
    state.finalize_transaction();
}
