#include "node/storage/node_cache.hpp"

namespace moe::node {

NodeCache::NodeCache(std::size_t slots) : slots_(slots == 0 ? 1 : slots) {}

std::size_t NodeCache::slot_of(const core::Hash& hash) const noexcept {
    std::size_t key = 0;
    for (std::size_t i = 0; i < sizeof key; ++i) key = (key << 8) | hash.bytes[i];
    return key % slots_.size();
}

std::optional<core::Bytes> NodeCache::get(const core::Hash& hash) const {
    const std::size_t i = slot_of(hash);
    std::shared_ptr<const core::Bytes> rlp;
    {
        const std::lock_guard lock(shards_[i % kShards]);
        if (slots_[i].rlp && slots_[i].hash == hash) rlp = slots_[i].rlp;
    }
    if (!rlp) return std::nullopt;
    return *rlp;
}

void NodeCache::put(const core::Hash& hash, core::ByteView rlp) {
    auto bytes = std::make_shared<const core::Bytes>(rlp.begin(), rlp.end());
    const std::size_t i = slot_of(hash);
    const std::lock_guard lock(shards_[i % kShards]);
    slots_[i] = Slot{hash, std::move(bytes)};
}

}  // namespace moe::node
