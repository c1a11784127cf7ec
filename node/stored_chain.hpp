#pragma once

#include "chain/block_transition.hpp"
#include "node/node.hpp"
#include "node/storage/chain_db.hpp"

namespace moe::node {

/// The committed chain as the block transition reads it: this node's database.
class Node::StoredChain final : public chain::ChainReader {
  public:
    explicit StoredChain(const Node& node) : node_(node), nodes_(*node.db_), code_(*node.db_) {}
    const core::NodeStore& trie_nodes() const override { return nodes_; }
    const evm::CodeStore& code() const override { return code_; }
    std::optional<core::BlockHeader> header(std::uint64_t number) const override { return node_.header_by_number(number); }
    std::optional<core::Hash> block_hash(std::uint64_t number) const override { return node_.db_->hash_by_number(number); }
    std::expected<consensus::ValidatorSet, std::string> validator_set(std::uint64_t height) const override {
        return node_.validator_set(height);
    }
    std::expected<consensus::ExpertCommittees, std::string> committees(std::uint64_t height) const override {
        return node_.committees(height);
    }
    std::optional<std::uint64_t> evidence_block(const core::Hash& evidence_hash) const override {
        return node_.evidence_block(evidence_hash);
    }
    std::expected<chain::KnownTransaction, std::string> committed_transaction(const core::Hash& txn_hash) const override {
        const std::uint64_t head = node_.head().number;
        if (auto loc = node_.db_->tx_location(txn_hash); loc && loc->block_number <= head) {
            if (auto b = node_.block_by_number(loc->block_number); b && loc->index < b->body.transactions.size()) {
                const core::Transaction& txn = b->body.transactions[loc->index];
                auto sender = node_.included_sender(txn, b->header.hash());
                if (!sender) return std::unexpected("transaction " + txn_hash.hex() + " has no valid sender");
                return chain::KnownTransaction{txn, *sender};
            }
        }
        return std::unexpected("transaction " + txn_hash.hex() + " is not known");
    }
    std::optional<std::string> fault() const override { return node_.db_->fault(); }

  private:
    const Node& node_;
    DbNodeStore nodes_;
    DbCodeStore code_;
};

}  // namespace moe::node
