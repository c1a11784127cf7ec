#include "node/signer.hpp"

#include "core/rlp.hpp"
#include "node/consensus_messages.hpp"

namespace moe::node {

namespace rlp = core::rlp;

core::Bytes ProposalMessage::encode() const {
    core::Bytes payload;
    rlp::encode(payload, core::ByteView(proposal.encode()));
    rlp::encode(payload, core::ByteView(block_rlp));
    rlp::encode(payload, core::ByteView(data.encode()));
    return rlp::wrap_list(payload);
}

std::expected<ProposalMessage, std::string> ProposalMessage::decode(core::ByteView payload) {
    auto items = messages::strings_of(payload, 3);
    if (!items) return std::unexpected("proposal message: " + items.error());
    const core::ByteView proposal_rlp = (*items)[0], block_rlp = (*items)[1], data_rlp = (*items)[2];
    auto proposal = consensus::Proposal::decode(proposal_rlp);
    if (!proposal) return std::unexpected("proposal: " + proposal.error());
    auto data = consensus::ConsensusData::decode(data_rlp);
    if (!data) return std::unexpected("consensus data: " + data.error());
    return ProposalMessage{*proposal, core::Bytes(block_rlp.begin(), block_rlp.end()), std::move(*data)};
}

Signer::Signer(core::PrivateKey key, std::uint64_t chain_id, ConsensusWal& wal)
    : key_(key), address_(key.address()), chain_id_(chain_id), wal_(wal) {}

void Signer::start_height() {
    votes_.clear();
    proposals_.clear();
}

void Signer::restore(const std::vector<WalRecord>& records) {
    for (const WalRecord& r : records) {
        if (r.type == WalRecordType::kOwnVote) {
            if (auto v = consensus::Vote::decode(r.body)) votes_[{v->round, static_cast<std::uint8_t>(v->type)}] = *v;
        } else if (r.type == WalRecordType::kOwnProposal) {
            if (auto m = ProposalMessage::decode(r.body)) proposals_[m->proposal.round] = r.body;
        }
    }
}

core::Signature Signer::sign(const core::Hash& digest) const {
    const core::Signature signature = key_.sign(digest);
    // The consensus checks would otherwise recover our own signature from the vote set, the
    // certificate and the proposal.
    consensus::remember_signature(digest, signature, address_);
    return signature;
}

std::expected<consensus::Vote, Signer::Refusal> Signer::sign_vote(const consensus::SignVote& request,
                                                                  const std::function<core::Bytes()>& extension) {
    const std::pair<std::uint32_t, std::uint8_t> key{request.round, static_cast<std::uint8_t>(request.type)};
    if (auto it = votes_.find(key); it != votes_.end()) {
        if (it->second.height != request.height || it->second.block_hash != request.block_hash) {
            return std::unexpected(Refusal{Refusal::Kind::kConflict, "refusing to sign a second, different vote at height " +
                                                                         std::to_string(request.height) + " round " +
                                                                         std::to_string(request.round)});
        }
        return it->second;
    }
    consensus::Vote v;
    v.type = request.type;
    v.height = request.height;
    v.round = request.round;
    v.block_hash = request.block_hash;
    v.validator = address_;
    v.signature = sign(v.signing_digest(chain_id_));
    if (v.type == consensus::VoteType::kPrecommit && !v.is_nil()) {
        // Vote extensions are signed and verified even while empty; they carry the verdicts
        // of the experts this validator hosts (decision 004).
        v.extension = extension ? extension() : core::Bytes{};
        v.extension_signature = sign(v.extension_digest(chain_id_));
    }
    // Logged and synced before anyone can see it: after a crash the WAL says what was signed.
    if (auto r = wal_.append({WalRecordType::kOwnVote, v.encode()}); !r) {
        return std::unexpected(Refusal{Refusal::Kind::kWal, "cannot write the WAL: " + r.error()});
    }
    votes_[key] = v;
    return v;
}

std::optional<core::Bytes> Signer::proposal(std::uint32_t round) const {
    auto it = proposals_.find(round);
    if (it == proposals_.end()) return std::nullopt;
    return it->second;
}

std::expected<core::Bytes, Signer::Refusal> Signer::sign_proposal(ProposalMessage message) {
    const std::uint32_t round = message.proposal.round;
    if (proposals_.contains(round)) {
        return std::unexpected(Refusal{Refusal::Kind::kConflict, "refusing to sign a second proposal at round " + std::to_string(round)});
    }
    message.proposal.proposer = address_;
    message.proposal.signature = sign(message.proposal.signing_digest(chain_id_));
    core::Bytes encoded = message.encode();
    if (auto r = wal_.append({WalRecordType::kOwnProposal, encoded}); !r) {
        return std::unexpected(Refusal{Refusal::Kind::kWal, "cannot write the WAL: " + r.error()});
    }
    proposals_[round] = encoded;
    return encoded;
}

}  // namespace moe::node
