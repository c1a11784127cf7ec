// The consensus driver's reactor (CometBFT's split): what it does with each peer message,
// gossip and block sync. The same single-writer ConsensusDriver; its machine, WAL and signer
// are in node/consensus_driver.cpp.
#include <algorithm>

#include "consensus/verdicts.hpp"
#include "core/keccak.hpp"
#include "node/block_pipeline.hpp"
#include "node/consensus_driver.hpp"
#include "node/consensus_messages.hpp"
#include "node/log.hpp"

namespace moe::node {

namespace {

using p2p::MessageType;
using namespace messages;

constexpr std::uint64_t kMaxBlocksPerRequest = 16;
constexpr auto kSyncRequestTimeout = std::chrono::milliseconds(5000);
// A peer that connects gets our pool in batches of this many bytes, at most kMaxPoolSyncBytes
// in all (a burst well inside its 8 MiB/s byte bucket).
constexpr std::size_t kPoolSyncBatchBytes = 512 * 1024;
constexpr std::size_t kMaxPoolSyncBytes = 4 * 1024 * 1024;
// A compact proposal's sender that has not sent the transactions asked for by then is passed
// over for the next sender of the same proposal (the proposer's rebroadcast, another relay).
constexpr auto kTransactionsRequestTimeout = std::chrono::milliseconds(500);
// Rounds of the height whose proposals may wait for transactions at once.
constexpr std::size_t kMaxAwaitedProposals = 4;

}  // namespace

void ConsensusDriver::send_pool(const p2p::PeerId& peer) {
    if (!p2p_) return;
    // Executable transactions first: they are what the peer's blocks and verdicts wait for.
    const Mempool::Content content = node_.pool_content();
    std::vector<core::Bytes> batch;
    std::size_t sent = 0, bytes = 0, batch_bytes = 0;
    auto flush = [&] {
        if (batch.empty()) return;
        p2p_->send(peer, MessageType::kPooledTransactions, pooled_transactions(batch));
        batch.clear();
        batch_bytes = 0;
    };
    for (const auto* list : {&content.pending, &content.queued}) {
        for (const PooledTransaction& p : *list) {
            core::Bytes raw = p.txn.encode();
            if (bytes + raw.size() > kMaxPoolSyncBytes) break;
            if (batch_bytes + raw.size() > kPoolSyncBatchBytes) flush();
            batch_bytes += raw.size();
            bytes += raw.size();
            batch.push_back(std::move(raw));
            ++sent;
        }
    }
    flush();
    if (sent > 0) log::info("p2p", "sent ", sent, " pooled transaction(s) to ", peer.hex());
}

void ConsensusDriver::handle_message(const PeerMessage& m) {
    switch (m.type) {
        case MessageType::kProposal: on_proposal_message(m.peer, m.payload); break;
        case MessageType::kCompactProposal: on_compact_proposal(m.peer, m.payload); break;
        case MessageType::kProposalTransactionsRequest: on_transactions_request(m.peer, m.payload); break;
        case MessageType::kProposalTransactions: on_proposal_transactions(m.peer, m.payload); break;
        case MessageType::kVote: on_vote_message(m.peer, m.payload); break;
        case MessageType::kEvidence: on_evidence_message(m.peer, m.payload); break;
        case MessageType::kStatus: on_status_message(m.peer, m.payload); break;
        case MessageType::kBlockRequest: on_block_request(m.peer, m.payload); break;
        case MessageType::kBlockResponse: on_block_response(m.peer, m.payload); break;
        default:
            if (p2p_) p2p_->disconnect(m.peer, "unexpected message type");
            break;
    }
}

bool ConsensusDriver::proposal_due(const p2p::PeerId& peer, MessageType type, core::ByteView payload,
                                   const consensus::Proposal& proposal) {
    const std::uint64_t height = machine_.height();
    if (proposal.height > height) {
        if (proposal.height <= height + 2 && future_.size() < kMaxFutureMessages) {
            future_.push_back({peer, type, core::Bytes(payload.begin(), payload.end())});
            // With instant blocks the proposer may start a height before this node has pooled
            // anything: its proposal of the next height ends the wait here too.
            if (options_.instant_blocks && waiting_for_start_ && proposal.height == node_.head().number + 1) start_height();
        }
        return false;
    }
    if (proposal.height < height || waiting_for_start_) return false;
    if (proposal_messages_.contains(proposal.round)) return false;
    const consensus::ValidatorSet* set = machine_.validators();
    if (!set) return false;
    if (auto v = consensus::verify_proposal(proposal, set->advanced(proposal.round), node_.chain().chain_id); !v) {
        if (p2p_) p2p_->disconnect(peer, "proposal with a bad signature or from the wrong proposer");
        return false;
    }
    return true;
}

void ConsensusDriver::on_proposal_message(const p2p::PeerId& peer, core::ByteView payload) {
    auto split = split_proposal(payload);
    if (!split) {
        if (p2p_) p2p_->disconnect(peer, split.error());
        return;
    }
    if (!proposal_due(peer, MessageType::kProposal, payload, split->compact.proposal)) return;
    accept_proposal(peer, split->compact, split->transactions);
}

void ConsensusDriver::on_compact_proposal(const p2p::PeerId& peer, core::ByteView payload) {
    auto compact = CompactProposal::decode(payload);
    if (!compact) {
        if (p2p_) p2p_->disconnect(peer, compact.error());
        return;
    }
    // Every transaction pays at least 21,000 gas: a longer list names no block of this chain,
    // and would cost a pool lookup and a request slot per hash before its root refused it.
    if (compact->transaction_hashes.size() > node_.chain().block_gas_limit / core::kTxGas) {
        if (p2p_) p2p_->disconnect(peer, "compact proposal: more transactions than a block's gas pays for");
        return;
    }
    if (!proposal_due(peer, MessageType::kCompactProposal, payload, compact->proposal)) return;
    // A block proposed again (a later round's valid value) is held already: nothing to gather.
    if (auto held = blocks_.find(compact->proposal.block_hash); held != blocks_.end()) {
        if (auto transactions = block_transactions(held->second.block_rlp)) return accept_proposal(peer, *compact, *transactions);
    }
    const std::uint32_t round = compact->proposal.round;
    if (auto it = awaited_proposals_.find(round); it != awaited_proposals_.end()) {
        // Asked for its transactions already: another sender's copy is asked only when the
        // first has not answered in time (it went away, or it named transactions it cannot give).
        if (now() - it->second.asked < kTransactionsRequestTimeout) return;
        awaited_proposals_.erase(it);
    }
    if (awaited_proposals_.size() >= kMaxAwaitedProposals) return;
    AwaitedProposal awaited{std::move(*compact), {}, 0, {}};
    awaited.transactions = node_.pooled_raw_transactions(awaited.compact.transaction_hashes);
    for (const core::Bytes& raw : awaited.transactions) awaited.missing += raw.empty() ? 1 : 0;
    if (awaited.missing == 0) return accept_proposal(peer, awaited.compact, awaited.transactions);
    awaited_proposals_[round] = std::move(awaited);
    ask_for_transactions(peer, round);
}

void ConsensusDriver::ask_for_transactions(const p2p::PeerId& peer, std::uint32_t round) {
    AwaitedProposal& awaited = awaited_proposals_.at(round);
    std::vector<std::uint32_t> indices;
    indices.reserve(awaited.missing);
    for (std::size_t i = 0; i < awaited.transactions.size(); ++i) {
        if (awaited.transactions[i].empty()) indices.push_back(static_cast<std::uint32_t>(i));
    }
    awaited.asked = now();
    log::debug("consensus", "asking ", peer.hex(), " for ", indices.size(), " of ", awaited.transactions.size(),
               " transactions of proposal ", awaited.compact.proposal.height, "/", round);
    if (p2p_) p2p_->send(peer, MessageType::kProposalTransactionsRequest, transactions_request(awaited.compact.proposal.block_hash, indices));
}

void ConsensusDriver::on_transactions_request(const p2p::PeerId& peer, core::ByteView payload) {
    auto request = decode_transactions_request(payload);
    if (!request) {
        if (p2p_) p2p_->disconnect(peer, request.error());
        return;
    }
    // Only a block this node holds (it accepted or made the proposal it passed on); one of
    // another height, or one it waits for itself, is not answered.
    auto it = blocks_.find(request->block_hash);
    if (it == blocks_.end()) return;
    auto transactions = block_transactions(it->second.block_rlp);
    if (!transactions) return;
    if (request->indices.back() >= transactions->size()) {
        if (p2p_) p2p_->disconnect(peer, "asked for transactions the block does not have");
        return;
    }
    std::vector<core::Bytes> answer;
    answer.reserve(request->indices.size());
    for (std::uint32_t i : request->indices) answer.push_back(std::move((*transactions)[i]));
    if (p2p_) p2p_->send(peer, MessageType::kProposalTransactions, proposal_transactions(request->block_hash, answer));
}

void ConsensusDriver::on_proposal_transactions(const p2p::PeerId& peer, core::ByteView payload) {
    auto answer = decode_proposal_transactions(payload);
    if (!answer) {
        if (p2p_) p2p_->disconnect(peer, answer.error());
        return;
    }
    auto it = std::find_if(awaited_proposals_.begin(), awaited_proposals_.end(),
                           [&](const auto& a) { return a.second.compact.proposal.block_hash == answer->block_hash; });
    if (it == awaited_proposals_.end()) return;  // a late answer: the proposal was completed or its height is over
    AwaitedProposal& awaited = it->second;
    if (answer->raw.size() != awaited.missing) {
        if (p2p_) p2p_->disconnect(peer, "answered with another number of transactions than asked for");
        return;
    }
    // Each must be the one the proposal names: its hash is the Keccak of its bytes.
    std::size_t next = 0;
    for (std::size_t i = 0; i < awaited.transactions.size(); ++i) {
        if (!awaited.transactions[i].empty()) continue;
        if (core::keccak256(answer->raw[next]) != awaited.compact.transaction_hashes[i]) {
            if (p2p_) p2p_->disconnect(peer, "answered with transactions not asked for");
            return;
        }
        ++next;
    }
    next = 0;
    for (core::Bytes& t : awaited.transactions) {
        if (t.empty()) t = std::move(answer->raw[next++]);
    }
    AwaitedProposal done = std::move(awaited);
    awaited_proposals_.erase(it);
    accept_proposal(peer, done.compact, done.transactions);
}

void ConsensusDriver::accept_proposal(const p2p::PeerId& peer, const CompactProposal& compact,
                                      const std::vector<core::Bytes>& transactions) {
    const std::uint32_t round = compact.proposal.round;
    awaited_proposals_.erase(round);
    // Whoever passed it on vouches for the body: the proposer signed the block hash alone, so
    // transactions that miss the header's root are the sender's fault, and are not taken as
    // the block (which would mark the proposer's real block invalid here for the height).
    auto block_rlp = assemble_block(compact, transactions);
    if (!block_rlp) {
        if (p2p_) p2p_->disconnect(peer, "proposal: " + block_rlp.error());
        return;
    }
    const bool valid = execute_proposed(compact.proposal.block_hash, *block_rlp, compact.data);
    core::Bytes record = list_of({full_message(compact, *block_rlp), core::Bytes{static_cast<std::uint8_t>(valid ? 1 : 0)}});
    if (!log_wal(WalRecordType::kProposal, std::move(record))) return;
    core::Bytes compact_payload = compact.encode();
    send(MessageType::kCompactProposal, compact_payload, peer);
    proposal_messages_[round] = std::move(compact_payload);
    feed(consensus::ProposalReceived{compact.proposal, valid});
}

void ConsensusDriver::on_vote_message(const p2p::PeerId& peer, core::ByteView payload) {
    auto vote = consensus::Vote::decode(payload);
    if (!vote) {
        if (p2p_) p2p_->disconnect(peer, "vote: " + vote.error());
        return;
    }
    // Every precommit with verdicts, also one arriving after the certificate (decision 004).
    queue_precommit_check(*vote);
    const std::uint64_t height = machine_.height();
    if (vote->height > height) {
        if (vote->height <= height + 2 && future_.size() < kMaxFutureMessages) {
            future_.push_back({peer, MessageType::kVote, core::Bytes(payload.begin(), payload.end())});
        }
        return;
    }
    if (vote->height < height || waiting_for_start_) return;
    const consensus::ValidatorSet* set = machine_.validators();
    if (!set) return;
    if (auto v = consensus::verify_vote(*vote, *set, node_.chain().chain_id); !v) {
        if (p2p_) p2p_->disconnect(peer, "vote with a bad signature or from a non-validator");
        return;
    }
    // Only votes not seen before are logged and passed on; a repeat is dropped here.
    if (p2p_ && !p2p_->gossip(MessageType::kVote, payload, peer)) return;
    if (!log_wal(WalRecordType::kVote, core::Bytes(payload.begin(), payload.end()))) return;
    feed(consensus::VoteReceived{*vote});
}

void ConsensusDriver::on_evidence_message(const p2p::PeerId& peer, core::ByteView payload) {
    // Both kinds travel as kEvidence; their shapes differ (two items, three items).
    auto e = consensus::DuplicateVoteEvidence::decode(payload);
    if (!e) {
        auto w = consensus::WrongVerdictEvidence::decode(payload);
        if (!w) {
            if (p2p_) p2p_->disconnect(peer, "evidence: " + e.error());
            return;
        }
        const std::uint64_t at = w->precommit_with_extension.height;
        const std::uint64_t head = node_.head().number;
        if (at > head || at + chain::kMaxEvidenceAge < head + 1) return;
        auto set = node_.validator_set(at);
        if (!set) return;
        if (auto v = w->verify(*set, node_.chain().chain_id); !v) {
            if (p2p_) p2p_->disconnect(peer, "invalid evidence: " + v.error());
            return;
        }
        // Recomputed here before it is passed on; one this node cannot confirm yet is dropped
        // (it makes its own from the precommit it saw).
        if (auto ok = node_.check_wrong_verdict(*w, true); !ok) {
            log::debug("routing", "wrong-verdict evidence not confirmed: ", ok.error());
            return;
        }
        add_wrong_verdict(*w, peer);
        return;
    }
    const std::uint64_t head = node_.head().number;
    if (e->first.height > head + 1 || e->first.height + chain::kMaxEvidenceAge < head + 1) return;
    auto set = node_.validator_set(e->first.height);
    if (!set) return;
    if (auto v = e->verify(*set, node_.chain().chain_id); !v) {
        if (p2p_) p2p_->disconnect(peer, "invalid evidence: " + v.error());
        return;
    }
    add_evidence(*e, peer);
}

void ConsensusDriver::on_status_message(const p2p::PeerId& peer, core::ByteView payload) {
    auto s = numbers_of(payload, 1);
    if (!s) {
        if (p2p_) p2p_->disconnect(peer, "status: " + s.error());
        return;
    }
    peer_heights_[peer] = (*s)[0];
    maybe_request_blocks();
}

void ConsensusDriver::send_status() {
    if (p2p_) p2p_->broadcast(MessageType::kStatus, numbers({node_.head().number}));
}

void ConsensusDriver::maybe_request_blocks() {
    if (!p2p_) return;
    const std::uint64_t head = node_.head().number;
    std::optional<p2p::PeerId> best;
    std::uint64_t best_height = head;
    for (const auto& [peer, h] : peer_heights_) {
        if (h > best_height) {
            best = peer;
            best_height = h;
        }
    }
    if (!best) return;
    if (sync_requested_ && now() - *sync_requested_ < kSyncRequestTimeout) return;
    const std::uint64_t count = std::min(kMaxBlocksPerRequest, best_height - head);
    sync_requested_ = now();
    sync_until_ = head + count;
    p2p_->send(*best, MessageType::kBlockRequest, numbers({head + 1, count}));
}

void ConsensusDriver::on_block_request(const p2p::PeerId& peer, core::ByteView payload) {
    auto r = numbers_of(payload, 2);
    if (!r || (*r)[1] == 0 || (*r)[1] > kMaxBlocksPerRequest) {
        if (p2p_) p2p_->disconnect(peer, "bad block request");
        return;
    }
    for (std::uint64_t n = (*r)[0]; n < (*r)[0] + (*r)[1]; ++n) {
        auto block = node_.block_by_number(n);
        auto cert = node_.certificate(n);
        if (!block || !cert) break;
        auto data = node_.consensus_data(block->header.hash());
        if (!data) break;
        p2p_->send(peer, MessageType::kBlockResponse, list_of({encode_block(*block), data->encode(), cert->encode()}));
    }
}

void ConsensusDriver::on_block_response(const p2p::PeerId& peer, core::ByteView payload) {
    auto parts = strings_of(payload, 3);
    if (!parts) {
        if (p2p_) p2p_->disconnect(peer, "block response: " + parts.error());
        return;
    }
    auto block = decode_block((*parts)[0]);
    auto data = consensus::ConsensusData::decode((*parts)[1]);
    auto cert = consensus::CommitCertificate::decode((*parts)[2]);
    if (!block || !data || !cert) {
        if (p2p_) p2p_->disconnect(peer, "block response does not decode");
        return;
    }
    const std::uint64_t number = block->header.number;
    if (number != node_.head().number + 1) return;  // not the next one (a late or repeated answer)
    auto set = node_.validator_set(number);
    if (!set) return;
    if (cert->height != number || cert->block_hash != block->header.hash()) {
        if (p2p_) p2p_->disconnect(peer, "certificate of another block");
        return;
    }
    if (auto v = cert->verify(*set, node_.chain().chain_id); !v) {
        if (p2p_) p2p_->disconnect(peer, "block with an invalid certificate: " + v.error());
        return;
    }
    auto executed = node_.execute_block(*block, std::move(*data), 0);
    if (!executed && executed.error().kind == chain::BlockError::Kind::kFault) {
        return halt("cannot execute certified block " + std::to_string(number) + ": " + executed.error().message);
    }
    if (!executed) {
        // A block with a valid certificate that we cannot execute means our state differs
        // from the quorum's: nothing to do but say so loudly.
        log::error("sync", "block ", number, " certified by the validators does not execute here: ", executed.error().message);
        return;
    }
    if (auto r = node_.commit_block(*executed, *cert); !r) {
        if (r.error().kind == CommitError::Kind::kStorage) return halt(r.error().message);
        log::error("sync", "cannot commit block ", number, ": ", r.error().message);
        return;
    }
    log::info("sync", "caught up to block ", number, " from ", peer.hex());
    last_progress_ = now();
    if (machine_.height() <= number) start_height();
    if (number >= sync_until_) {
        sync_requested_.reset();
        maybe_request_blocks();
    }
}

void ConsensusDriver::rebroadcast() {
    if (!p2p_) return;
    for (const auto& [key, vote] : signer_->votes()) p2p_->broadcast(MessageType::kVote, vote.encode());
    if (auto it = proposal_messages_.find(machine_.round()); it != proposal_messages_.end()) {
        p2p_->broadcast(MessageType::kCompactProposal, it->second);
    }
    for (const auto& [id, e] : evidence_pool_) p2p_->broadcast(MessageType::kEvidence, e.encode());
    for (const auto& [id, e] : wrong_verdict_pool_) p2p_->broadcast(MessageType::kEvidence, e.encode());
    last_progress_ = now();
}

}  // namespace moe::node
