#include "consensus/certificate.hpp"

#include "consensus/codec.hpp"
#include "core/rlp.hpp"

namespace moe::consensus {

namespace rlp = core::rlp;

std::expected<CommitCertificate, std::string> CommitCertificate::from_precommits(const VoteSet& precommits) {
    if (precommits.type() != VoteType::kPrecommit) return std::unexpected("commit certificate: not a precommit set");
    const auto majority = precommits.two_thirds_majority();
    if (!majority) return std::unexpected("commit certificate: no +2/3 majority");
    if (majority->is_zero()) return std::unexpected("commit certificate: the majority is nil");
    CommitCertificate cert{.height = precommits.height(), .round = precommits.round(), .block_hash = *majority, .signatures = {}};
    for (std::size_t i = 0; i < precommits.validators().size(); ++i) {
        const auto& vote = precommits.vote_of(i);
        if (!vote || vote->block_hash != *majority) continue;
        cert.signatures.push_back(CommitSignature{.validator = vote->validator,
                                                  .signature = vote->signature,
                                                  .extension = vote->extension,
                                                  .extension_signature = vote->extension_signature});
    }
    return cert;
}

core::Bytes CommitCertificate::encode() const {
    core::Bytes sigs;
    for (const auto& s : signatures) {
        core::Bytes item;
        rlp::encode(item, s.validator);
        codec::encode_signature(item, s.signature);
        rlp::encode(item, core::ByteView{s.extension});
        codec::encode_optional_signature(item, s.extension_signature);
        codec::append_list(sigs, item);
    }
    core::Bytes p;
    rlp::encode(p, height);
    rlp::encode(p, std::uint64_t{round});
    rlp::encode(p, block_hash);
    codec::append_list(p, sigs);
    return rlp::wrap_list(p);
}

std::expected<CommitCertificate, std::string> CommitCertificate::decode(core::ByteView bytes) {
    auto outer = rlp::decode_list(bytes);
    if (!outer) return std::unexpected(codec::error("commit certificate", outer.error()));
    if (!bytes.empty()) return std::unexpected("commit certificate: trailing bytes");
    core::ByteView in = *outer;
    CommitCertificate cert;
    auto height = rlp::decode_u64(in);
    if (!height) return std::unexpected(codec::error("commit certificate height", height.error()));
    cert.height = *height;
    auto round = codec::decode_u32(in);
    if (!round) return std::unexpected("commit certificate round: " + round.error());
    cert.round = *round;
    auto hash = rlp::decode_fixed<32>(in);
    if (!hash) return std::unexpected(codec::error("commit certificate block hash", hash.error()));
    if (hash->is_zero()) return std::unexpected("commit certificate: zero block hash");
    cert.block_hash = *hash;
    auto list = rlp::decode_list(in);
    if (!list) return std::unexpected(codec::error("commit certificate signatures", list.error()));
    if (!in.empty()) return std::unexpected("commit certificate: trailing items");
    core::ByteView sigs = *list;
    while (!sigs.empty()) {
        auto item = rlp::decode_list(sigs);
        if (!item) return std::unexpected(codec::error("commit signature", item.error()));
        core::ByteView s = *item;
        CommitSignature cs;
        auto validator = rlp::decode_fixed<20>(s);
        if (!validator) return std::unexpected(codec::error("commit signature validator", validator.error()));
        cs.validator = *validator;
        auto sig = codec::decode_signature(s);
        if (!sig) return std::unexpected("commit " + sig.error());
        cs.signature = *sig;
        auto extension = rlp::decode_bytes(s);
        if (!extension) return std::unexpected(codec::error("commit signature extension", extension.error()));
        cs.extension = std::move(*extension);
        auto ext_sig = codec::decode_optional_signature(s);
        if (!ext_sig) return std::unexpected("commit extension " + ext_sig.error());
        cs.extension_signature = *ext_sig;
        if (!s.empty()) return std::unexpected("commit signature: trailing items");
        if (cs.extension.size() > kMaxExtensionSize)
            return std::unexpected("commit signature: extension above " + std::to_string(kMaxExtensionSize / 1024) + " KiB");
        if (!cs.extension.empty() && !cs.extension_signature)
            return std::unexpected("commit signature: extension without signature");
        cert.signatures.push_back(std::move(cs));
    }
    return cert;
}

Vote CommitCertificate::vote_of(const CommitSignature& sig) const {
    return Vote{.type = VoteType::kPrecommit,
                .height = height,
                .round = round,
                .block_hash = block_hash,
                .validator = sig.validator,
                .extension = sig.extension,
                .signature = sig.signature,
                .extension_signature = sig.extension_signature};
}

std::expected<void, std::string> CommitCertificate::verify(const ValidatorSet& validators, std::uint64_t chain_id) const {
    if (block_hash.is_zero()) return std::unexpected("commit certificate: zero block hash");
    std::optional<std::size_t> previous;
    std::uint64_t power = 0;
    for (const auto& s : signatures) {
        const auto index = validators.index_of(s.validator);
        if (!index) return std::unexpected("commit certificate: " + s.validator.hex() + " is not a validator");
        if (previous && *index <= *previous)
            return std::unexpected("commit certificate: signatures not in strictly increasing validator order");
        previous = index;
        if (auto ok = verify_vote(vote_of(s), validators, chain_id); !ok)
            return std::unexpected("commit certificate: " + s.validator.hex() + ": " + std::string(to_string(ok.error())));
        power += validators.validators()[*index].power;
    }
    if (power < validators.quorum_power())
        return std::unexpected("commit certificate: signed power " + std::to_string(power) + " below the quorum " +
                               std::to_string(validators.quorum_power()));
    return {};
}

std::vector<core::Address> CommitCertificate::signers() const {
    std::vector<core::Address> out;
    out.reserve(signatures.size());
    for (const auto& s : signatures) out.push_back(s.validator);
    return out;
}

}  // namespace moe::consensus
