#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "consensus/tendermint.hpp"
#include "consensus/vote.hpp"
#include "core/bytes.hpp"
#include "core/secp256k1.hpp"
#include "node/consensus_wal.hpp"

/// The validator's signer (CometBFT's privval): the one place this validator's key signs votes
/// and proposals.
namespace moe::node {

/// A proposal on the wire and in the WAL: rlp([proposal, block, consensus data]).
struct ProposalMessage {
    consensus::Proposal proposal;
    core::Bytes block_rlp;
    consensus::ConsensusData data;

    [[nodiscard]] core::Bytes encode() const;
    [[nodiscard]] static std::expected<ProposalMessage, std::string> decode(core::ByteView payload);
};

/// Signs this validator's votes and proposals of the height being decided, and owns what it
/// signed there: each signature is logged (and synced) to the WAL before it is handed out, and a
/// restart restores them from the WAL, so that whatever the consensus machine asks for, across
/// crashes, this validator never signs two different votes of one height, round and type, nor
/// two proposals of one round.
class Signer {
  public:
    Signer(core::PrivateKey key, std::uint64_t chain_id, ConsensusWal& wal);

    [[nodiscard]] const core::Address& address() const noexcept { return address_; }

    /// Why nothing was signed.
    struct Refusal {
        enum class Kind {
            kConflict,  ///< a different vote of that round and type (or proposal of that round) was signed
            kWal,       ///< the WAL could not be written: the node must halt
        };
        Kind kind;
        std::string message;
    };

    /// A new height: what was signed at the last one is forgotten (the caller rewrites the WAL).
    void start_height();
    /// After a restart: what the WAL's records of the height being decided say was signed.
    void restore(const std::vector<WalRecord>& records);

    /// The vote `request` asks for. One signed before for its round and type is handed out again
    /// if it is for the same block (a replay, a rebroadcast) and refused if not; a new one is
    /// signed, with `extension()` as its vote extension when it is a non-nil precommit, and
    /// logged before it is returned.
    [[nodiscard]] std::expected<consensus::Vote, Refusal> sign_vote(const consensus::SignVote& request,
                                                                    const std::function<core::Bytes()>& extension);
    /// The proposal message signed at `round` of this height, if one was.
    [[nodiscard]] std::optional<core::Bytes> proposal(std::uint32_t round) const;
    /// Signs `message.proposal` (its proposer set to this validator) and logs the whole message;
    /// refused if a proposal of that round was signed already. Returns the encoded message.
    [[nodiscard]] std::expected<core::Bytes, Refusal> sign_proposal(ProposalMessage message);

    /// The votes signed at this height, by (round, type).
    [[nodiscard]] const std::map<std::pair<std::uint32_t, std::uint8_t>, consensus::Vote>& votes() const noexcept { return votes_; }

  private:
    [[nodiscard]] core::Signature sign(const core::Hash& digest) const;

    core::PrivateKey key_;
    core::Address address_;  ///< derived once: as costly as a sender recovery (scripts/profile.sh)
    std::uint64_t chain_id_;
    ConsensusWal& wal_;
    std::map<std::pair<std::uint32_t, std::uint8_t>, consensus::Vote> votes_;
    std::map<std::uint32_t, core::Bytes> proposals_;  ///< round -> the signed proposal message
};

}  // namespace moe::node
