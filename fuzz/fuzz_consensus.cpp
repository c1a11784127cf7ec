// Consensus messages and what blocks carry: votes, proposals, commit certificates, evidence,
// consensus data, verdict extensions. Each decoder is the strict inverse of its encoder, so
// whatever decodes must encode back to the input.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz.hpp"

#include "consensus/certificate.hpp"
#include "consensus/evidence.hpp"
#include "consensus/verdicts.hpp"
#include "consensus/vote.hpp"

namespace {

template <class T>
void round_trip(moe::core::ByteView in) {
    if (auto v = T::decode(in)) {
        if (!moe::fuzz::same(v->encode(), in)) __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace moe::consensus;
    if (size == 0) return 0;
    const moe::core::ByteView in(data + 1, size - 1);
    switch (data[0] % 7) {
        case 0: round_trip<Vote>(in); break;
        case 1: round_trip<Proposal>(in); break;
        case 2: round_trip<CommitCertificate>(in); break;
        case 3: round_trip<DuplicateVoteEvidence>(in); break;
        case 4: round_trip<ConsensusData>(in); break;
        case 5: round_trip<VerdictExtension>(in); break;
        default: round_trip<WrongVerdictEvidence>(in); break;
    }
    return 0;
}
