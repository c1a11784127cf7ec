#include "consensus/vote.hpp"

#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <tuple>

#include "consensus/codec.hpp"
#include "core/keccak.hpp"
#include "core/rlp.hpp"

namespace moe::consensus {

namespace rlp = core::rlp;

namespace {

constexpr std::string_view kVoteDomain = "moechain/vote";
constexpr std::string_view kExtensionDomain = "moechain/vote-extension";
constexpr std::string_view kProposalDomain = "moechain/proposal";

/// The signatures checked or made lately, by (digest, r, s, parity): at most kCapacity, the
/// oldest forgotten first.
class SignatureCache {
  public:
    using Key = std::tuple<core::Hash, core::uint256, core::uint256, std::uint8_t>;
    static constexpr std::size_t kCapacity = 16384;

    std::optional<core::Address> find(const Key& key) {
        std::lock_guard lock(mutex_);
        const auto it = signers_.find(key);
        if (it == signers_.end()) return std::nullopt;
        return it->second;
    }
    void add(const Key& key, const core::Address& signer) {
        std::lock_guard lock(mutex_);
        if (!signers_.emplace(key, signer).second) return;
        order_.push_back(key);
        if (order_.size() > kCapacity) {
            signers_.erase(order_.front());
            order_.pop_front();
        }
    }

  private:
    std::mutex mutex_;
    std::map<Key, core::Address> signers_;
    std::deque<Key> order_;
};

SignatureCache& signature_cache() {
    static SignatureCache cache;
    return cache;
}

SignatureCache::Key cache_key(const core::Hash& digest, const core::Signature& sig) {
    return {digest, sig.r, sig.s, sig.y_parity};
}

bool signed_by(const core::Hash& digest, const core::Signature& sig, const core::Address& who) {
    const SignatureCache::Key key = cache_key(digest, sig);
    if (auto known = signature_cache().find(key)) return *known == who;
    auto recovered = core::recover_address(digest, sig);
    if (!recovered) return false;
    signature_cache().add(key, *recovered);
    return *recovered == who;
}

}  // namespace

void remember_signature(const core::Hash& digest, const core::Signature& sig, const core::Address& signer) {
    signature_cache().add(cache_key(digest, sig), signer);
}

std::string_view to_string(VoteError e) noexcept {
    switch (e) {
        case VoteError::kUnknownValidator: return "signer is not a validator";
        case VoteError::kBadSignature: return "bad signature";
        case VoteError::kBadExtensionSignature: return "bad vote extension signature";
        case VoteError::kMissingExtensionSignature: return "vote extension without signature";
        case VoteError::kExtensionNotAllowed: return "vote extension on a prevote or nil precommit";
        case VoteError::kWrongHeight: return "wrong height";
        case VoteError::kWrongRound: return "wrong round";
        case VoteError::kWrongType: return "wrong vote type";
        case VoteError::kRoundTooFarAhead: return "round too far ahead";
        case VoteError::kWrongProposer: return "not the round's proposer";
        case VoteError::kNilProposal: return "proposal for the zero hash";
    }
    return "unknown vote error";
}

core::Hash Vote::signing_digest(std::uint64_t chain_id) const {
    core::Bytes p;
    rlp::encode(p, core::as_bytes(kVoteDomain));
    rlp::encode(p, chain_id);
    rlp::encode(p, std::uint64_t{static_cast<std::uint8_t>(type)});
    rlp::encode(p, height);
    rlp::encode(p, std::uint64_t{round});
    rlp::encode(p, block_hash);
    return core::keccak256(rlp::wrap_list(p));
}

core::Hash Vote::extension_digest(std::uint64_t chain_id) const {
    core::Bytes p;
    rlp::encode(p, core::as_bytes(kExtensionDomain));
    rlp::encode(p, chain_id);
    rlp::encode(p, height);
    rlp::encode(p, std::uint64_t{round});
    rlp::encode(p, block_hash);
    rlp::encode(p, core::ByteView{extension});
    return core::keccak256(rlp::wrap_list(p));
}

core::Bytes Vote::encode() const {
    core::Bytes p;
    rlp::encode(p, std::uint64_t{static_cast<std::uint8_t>(type)});
    rlp::encode(p, height);
    rlp::encode(p, std::uint64_t{round});
    rlp::encode(p, block_hash);
    rlp::encode(p, validator);
    rlp::encode(p, core::ByteView{extension});
    codec::encode_signature(p, signature);
    codec::encode_optional_signature(p, extension_signature);
    return rlp::wrap_list(p);
}

std::expected<Vote, std::string> Vote::decode(core::ByteView bytes) {
    auto outer = rlp::decode_list(bytes);
    if (!outer) return std::unexpected(codec::error("vote", outer.error()));
    if (!bytes.empty()) return std::unexpected("vote: trailing bytes");
    core::ByteView in = *outer;
    Vote v;
    auto type = rlp::decode_u64(in);
    if (!type) return std::unexpected(codec::error("vote type", type.error()));
    if (*type != 1 && *type != 2) return std::unexpected("vote: type is neither prevote (1) nor precommit (2)");
    v.type = static_cast<VoteType>(*type);
    auto height = rlp::decode_u64(in);
    if (!height) return std::unexpected(codec::error("vote height", height.error()));
    v.height = *height;
    auto round = codec::decode_u32(in);
    if (!round) return std::unexpected("vote round: " + round.error());
    v.round = *round;
    auto hash = rlp::decode_fixed<32>(in);
    if (!hash) return std::unexpected(codec::error("vote block hash", hash.error()));
    v.block_hash = *hash;
    auto validator = rlp::decode_fixed<20>(in);
    if (!validator) return std::unexpected(codec::error("vote validator", validator.error()));
    v.validator = *validator;
    auto extension = rlp::decode_bytes(in);
    if (!extension) return std::unexpected(codec::error("vote extension", extension.error()));
    v.extension = std::move(*extension);
    auto sig = codec::decode_signature(in);
    if (!sig) return std::unexpected("vote " + sig.error());
    v.signature = *sig;
    auto ext_sig = codec::decode_optional_signature(in);
    if (!ext_sig) return std::unexpected("vote extension " + ext_sig.error());
    v.extension_signature = *ext_sig;
    if (!in.empty()) return std::unexpected("vote: trailing items");

    const bool extensible = v.type == VoteType::kPrecommit && !v.is_nil();
    if (!extensible && (!v.extension.empty() || v.extension_signature))
        return std::unexpected("vote: extension on a prevote or a nil precommit");
    if (v.extension.size() > kMaxExtensionSize)
        return std::unexpected("vote: extension above " + std::to_string(kMaxExtensionSize / 1024) + " KiB");
    if (!v.extension.empty() && !v.extension_signature) return std::unexpected("vote: extension without signature");
    return v;
}

bool Vote::same_as(const Vote& other) const noexcept {
    const bool ext_sigs_equal =
        extension_signature.has_value() == other.extension_signature.has_value() &&
        (!extension_signature || codec::same_signature(*extension_signature, *other.extension_signature));
    return type == other.type && height == other.height && round == other.round &&
           block_hash == other.block_hash && validator == other.validator && extension == other.extension &&
           codec::same_signature(signature, other.signature) && ext_sigs_equal;
}

std::expected<void, VoteError> verify_vote(const Vote& vote, const ValidatorSet& validators, std::uint64_t chain_id) {
    if (!validators.index_of(vote.validator)) return std::unexpected(VoteError::kUnknownValidator);
    const bool extensible = vote.type == VoteType::kPrecommit && !vote.is_nil();
    if (!extensible && (!vote.extension.empty() || vote.extension_signature))
        return std::unexpected(VoteError::kExtensionNotAllowed);
    if (!vote.extension.empty() && !vote.extension_signature)
        return std::unexpected(VoteError::kMissingExtensionSignature);
    if (!signed_by(vote.signing_digest(chain_id), vote.signature, vote.validator))
        return std::unexpected(VoteError::kBadSignature);
    if (vote.extension_signature &&
        !signed_by(vote.extension_digest(chain_id), *vote.extension_signature, vote.validator))
        return std::unexpected(VoteError::kBadExtensionSignature);
    return {};
}

core::Hash Proposal::signing_digest(std::uint64_t chain_id) const {
    core::Bytes p;
    rlp::encode(p, core::as_bytes(kProposalDomain));
    rlp::encode(p, chain_id);
    rlp::encode(p, height);
    rlp::encode(p, std::uint64_t{round});
    rlp::encode(p, static_cast<std::uint64_t>(static_cast<std::int64_t>(pol_round) + 1));
    rlp::encode(p, block_hash);
    return core::keccak256(rlp::wrap_list(p));
}

core::Bytes Proposal::encode() const {
    core::Bytes p;
    rlp::encode(p, height);
    rlp::encode(p, std::uint64_t{round});
    rlp::encode(p, static_cast<std::uint64_t>(static_cast<std::int64_t>(pol_round) + 1));
    rlp::encode(p, block_hash);
    rlp::encode(p, proposer);
    codec::encode_signature(p, signature);
    return rlp::wrap_list(p);
}

std::expected<Proposal, std::string> Proposal::decode(core::ByteView bytes) {
    auto outer = rlp::decode_list(bytes);
    if (!outer) return std::unexpected(codec::error("proposal", outer.error()));
    if (!bytes.empty()) return std::unexpected("proposal: trailing bytes");
    core::ByteView in = *outer;
    Proposal p;
    auto height = rlp::decode_u64(in);
    if (!height) return std::unexpected(codec::error("proposal height", height.error()));
    p.height = *height;
    auto round = codec::decode_u32(in);
    if (!round) return std::unexpected("proposal round: " + round.error());
    p.round = *round;
    auto pol = rlp::decode_u64(in);
    if (!pol) return std::unexpected(codec::error("proposal pol_round", pol.error()));
    // Tendermint, Algorithm 1, line 28: a valid round is below the proposal's round.
    if (*pol > p.round) return std::unexpected("proposal: pol_round not below round");
    if (*pol > static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max()))
        return std::unexpected("proposal: pol_round above 2^31");
    p.pol_round = static_cast<std::int32_t>(static_cast<std::int64_t>(*pol) - 1);
    auto hash = rlp::decode_fixed<32>(in);
    if (!hash) return std::unexpected(codec::error("proposal block hash", hash.error()));
    if (hash->is_zero()) return std::unexpected("proposal: zero block hash");
    p.block_hash = *hash;
    auto proposer = rlp::decode_fixed<20>(in);
    if (!proposer) return std::unexpected(codec::error("proposal proposer", proposer.error()));
    p.proposer = *proposer;
    auto sig = codec::decode_signature(in);
    if (!sig) return std::unexpected("proposal " + sig.error());
    p.signature = *sig;
    if (!in.empty()) return std::unexpected("proposal: trailing items");
    return p;
}

std::expected<void, VoteError> verify_proposal(const Proposal& proposal, const ValidatorSet& validators_at_round,
                                               std::uint64_t chain_id) {
    if (proposal.block_hash.is_zero()) return std::unexpected(VoteError::kNilProposal);
    if (!validators_at_round.index_of(proposal.proposer)) return std::unexpected(VoteError::kUnknownValidator);
    if (validators_at_round.proposer().address != proposal.proposer) return std::unexpected(VoteError::kWrongProposer);
    if (!signed_by(proposal.signing_digest(chain_id), proposal.signature, proposal.proposer))
        return std::unexpected(VoteError::kBadSignature);
    return {};
}

}  // namespace moe::consensus
