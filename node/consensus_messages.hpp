#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <initializer_list>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "core/bytes.hpp"
#include "core/rlp.hpp"

/// The consensus driver's message codecs (node/consensus_driver.cpp and node/consensus_reactor.cpp):
/// the payloads of status, block requests and responses, timeouts in the WAL, and pooled
/// transactions are RLP lists of byte strings or numbers.
namespace moe::node::messages {

/// Proposals and votes of the next heights (and precommits waiting for their height) kept.
inline constexpr std::size_t kMaxFutureMessages = 4'096;

inline core::Bytes list_of(std::initializer_list<core::ByteView> strings) {
    core::Bytes payload;
    for (core::ByteView s : strings) core::rlp::encode(payload, s);
    return core::rlp::wrap_list(payload);
}

inline core::Bytes numbers(std::initializer_list<std::uint64_t> values) {
    core::Bytes payload;
    for (std::uint64_t v : values) core::rlp::encode(payload, v);
    return core::rlp::wrap_list(payload);
}

/// The items of an RLP list, each read by `read` (rlp::decode_string, rlp::decode_u64); an
/// error unless the list holds exactly `n` (any number when `n` is absent) and nothing follows it.
template <typename Read>
auto items_of(core::ByteView in, std::optional<std::size_t> n, Read read)
    -> std::expected<std::vector<typename std::invoke_result_t<Read, core::ByteView&>::value_type>, std::string> {
    auto list = core::rlp::decode_list(in);
    if (!list) return std::unexpected(std::string(core::rlp::to_string(list.error())));
    if (!in.empty()) return std::unexpected("trailing bytes");
    std::vector<typename std::invoke_result_t<Read, core::ByteView&>::value_type> out;
    core::ByteView items = *list;
    while (!items.empty()) {
        auto item = read(items);
        if (!item) return std::unexpected(std::string(core::rlp::to_string(item.error())));
        out.push_back(*item);
    }
    if (n && out.size() != *n) return std::unexpected("expected " + std::to_string(*n) + " items");
    return out;
}

inline auto strings_of(core::ByteView in, std::optional<std::size_t> n) {
    return items_of(in, n, [](core::ByteView& from) { return core::rlp::decode_string(from); });
}
inline auto numbers_of(core::ByteView in, std::size_t n) {
    return items_of(in, n, [](core::ByteView& from) { return core::rlp::decode_u64(from); });
}

/// Pooled transactions on the wire: rlp([raw transaction, ...]), each as a byte string (the
/// node's gossip batches and the pool it sends a peer that connects).
inline core::Bytes pooled_transactions(const std::vector<core::Bytes>& raw) {
    core::Bytes items;
    for (const core::Bytes& t : raw) core::rlp::encode(items, t);
    return core::rlp::wrap_list(items);
}
inline auto pooled_transactions_of(core::ByteView in) { return strings_of(in, std::nullopt); }

}  // namespace moe::node::messages
