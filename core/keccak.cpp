#include "core/keccak.hpp"

#include <cryptopp/keccak.h>
#include <cryptopp/sha.h>

namespace moe::core {

Hash keccak256(ByteView data) {
    CryptoPP::Keccak_256 k;
    k.Update(data.data(), data.size());
    Hash out;
    k.Final(out.data());
    return out;
}

Hash sha256(ByteView data) {
    CryptoPP::SHA256 s;
    s.Update(data.data(), data.size());
    Hash out;
    s.Final(out.data());
    return out;
}

struct Keccak256::Impl {
    CryptoPP::Keccak_256 k;
};

Keccak256::Keccak256() : impl_(new Impl) {}
Keccak256::~Keccak256() { delete impl_; }
void Keccak256::update(ByteView data) { impl_->k.Update(data.data(), data.size()); }
Hash Keccak256::finish() {
    Hash out;
    impl_->k.Final(out.data());
    return out;
}

}  // namespace moe::core
