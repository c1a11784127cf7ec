#include "consensus/dev_changes.hpp"

#include "consensus/codec.hpp"
#include "core/rlp.hpp"

namespace moe::consensus {

namespace rlp = core::rlp;

core::Bytes DevChanges::encode() const {
    core::Bytes list;
    for (const AccountChange& c : changes) {
        core::Bytes item;
        rlp::encode(item, std::uint64_t{static_cast<std::uint8_t>(c.kind)});
        rlp::encode(item, c.address);
        if (c.kind == AccountChange::Kind::kStorage) {
            rlp::encode(item, c.slot);
        } else {
            rlp::encode(item, core::ByteView{});
        }
        rlp::encode(item, c.value);
        rlp::encode(item, c.code);
        codec::append_list(list, item);
    }
    core::Bytes payload;
    codec::append_list(payload, list);
    core::Bytes senders;
    for (const auto& [hash, sender] : impersonated) {
        core::Bytes item;
        rlp::encode(item, hash);
        rlp::encode(item, sender);
        codec::append_list(senders, item);
    }
    codec::append_list(payload, senders);
    return rlp::wrap_list(payload);
}

std::expected<DevChanges, std::string> DevChanges::decode(core::ByteView bytes) {
    auto fail = [](std::string m) { return std::unexpected("dev changes: " + std::move(m)); };
    auto outer = rlp::decode_list(bytes);
    if (!outer) return fail(std::string(rlp::to_string(outer.error())));
    if (!bytes.empty()) return fail("trailing bytes");
    core::ByteView in = *outer;
    auto list = rlp::decode_list(in);
    if (!list) return fail(std::string(rlp::to_string(list.error())));
    DevChanges out;
    for (core::ByteView items = *list; !items.empty();) {
        if (out.changes.size() == kMaxDevChanges) return fail("more than " + std::to_string(kMaxDevChanges) + " changes");
        auto item = rlp::decode_list(items);
        if (!item) return fail(std::string(rlp::to_string(item.error())));
        core::ByteView f = *item;
        AccountChange c;
        auto kind = rlp::decode_u64(f);
        if (!kind || *kind < 1 || *kind > 4) return fail("unknown change kind");
        c.kind = static_cast<AccountChange::Kind>(*kind);
        auto address = rlp::decode_fixed<20>(f);
        if (!address) return fail("bad address");
        c.address = *address;
        if (c.kind == AccountChange::Kind::kStorage) {
            auto slot = rlp::decode_fixed<32>(f);
            if (!slot) return fail("bad slot");
            c.slot = *slot;
        } else {
            auto none = rlp::decode_string(f);
            if (!none || !none->empty()) return fail("a slot on a change that is not of storage");
        }
        auto value = rlp::decode_uint256(f);
        if (!value) return fail("bad value");
        c.value = *value;
        if (c.kind == AccountChange::Kind::kNonce && c.value > UINT64_MAX) return fail("nonce above 2^64 - 1");
        if (c.kind == AccountChange::Kind::kCode && c.value != 0) return fail("a value on a change of code");
        auto code = rlp::decode_bytes(f);
        if (!code || !f.empty()) return fail("bad code");
        if (c.kind != AccountChange::Kind::kCode && !code->empty()) return fail("code on a change that is not of code");
        if (code->size() > kMaxDevCodeSize) return fail("code larger than " + std::to_string(kMaxDevCodeSize) + " bytes");
        c.code = std::move(*code);
        out.changes.push_back(std::move(c));
    }
    auto senders = rlp::decode_list(in);
    if (!senders || !in.empty()) return fail("bad impersonated senders");
    for (core::ByteView items = *senders; !items.empty();) {
        if (out.impersonated.size() == kMaxDevChanges) return fail("too many impersonated transactions");
        auto item = rlp::decode_list(items);
        if (!item) return fail(std::string(rlp::to_string(item.error())));
        core::ByteView f = *item;
        auto hash = rlp::decode_fixed<32>(f);
        auto sender = rlp::decode_fixed<20>(f);
        if (!hash || !sender || !f.empty()) return fail("bad impersonated sender");
        if (!out.impersonated.empty() && !(out.impersonated.back().first < *hash)) return fail("impersonated hashes not strictly increasing");
        out.impersonated.emplace_back(*hash, *sender);
    }
    if (out.empty()) return fail("empty (leave the item out)");
    return out;
}

}  // namespace moe::consensus
