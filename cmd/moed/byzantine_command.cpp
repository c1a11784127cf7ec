// `moed byzantine`: a misbehaving validator on demand, for the tests of evidence and slashing.
#include "cmd/moed/byzantine_command.hpp"

#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "consensus/vote.hpp"
#include "core/keccak.hpp"
#include "core/rlp.hpp"
#include "chain/chain_config.hpp"
#include "chain/genesis.hpp"
#include "node/log.hpp"
#include "node/home.hpp"
#include "node/node_config.hpp"
#include "node/p2p/p2p.hpp"
#include "node/chain_files.hpp"

namespace moe::node {

void byzantine_options(CLI::App& command) {
    command.require_subcommand(1);
    CLI::App* dp = command.add_subcommand(
        "double-prevote",
        "Signs two different prevotes for the peer's next height with the validator key of DIR and sends both to the "
        "peer over P2P, as a validator that double-signs would: evidence that the network must include in a block, "
        "slashing and jailing that validator. For tests of a testnet; it never runs inside a node.");
    value_option(*dp, "--home", "DIR: the validator's home")->required();
    value_option(*dp, "--peer", "HOST:PORT: the peer's P2P address")->required();
    value_option(*dp, "--round", "R: the round to sign for (default 0)");
}

int byzantine_main(Args command) {
    Args args = *command.get_subcommand("double-prevote");
    const std::string home_dir = flag_value(args, "--home");
    const std::string peer = flag_value(args, "--peer");
    const std::string round_text = flag_value(args, "--round", "0");
    std::uint32_t round = 0;
    if (auto [end, ec] = std::from_chars(round_text.data(), round_text.data() + round_text.size(), round);
        ec != std::errc() || end != round_text.data() + round_text.size()) {
        std::fprintf(stderr, "moed byzantine: --round must be a round number, not '%s'\n", round_text.c_str());
        return 2;
    }
    const HomeLayout home{home_dir};
    auto chain = load_chain_config(home.genesis());
    auto validator = read_key_file(home.validator_key());
    if (!chain || !validator) {
        std::fprintf(stderr, "moed byzantine: %s\n", !chain ? chain.error().c_str() : validator.error().c_str());
        return 1;
    }

    std::mutex mutex;
    std::condition_variable cv;
    std::optional<p2p::PeerId> connected;
    std::optional<std::uint64_t> peer_head;
    p2p::P2pConfig pc;
    pc.port = 0;
    pc.chain_id = chain->chain_id;
    pc.genesis_hash = chain::build_genesis(*chain).block.header.hash();
    pc.node_key = core::PrivateKey::from_seed(core::keccak256(validator->bytes()));  // not the node's own key
    pc.persistent_peers = {peer};
    p2p::P2p net(
        pc,
        [&](const p2p::PeerId&, p2p::MessageType type, core::Bytes payload) {
            if (type != p2p::MessageType::kStatus) return;
            core::ByteView in = payload;
            auto list = core::rlp::decode_list(in);
            if (!list) return;
            core::ByteView items = *list;
            auto head = core::rlp::decode_u64(items);
            if (!head) return;
            std::lock_guard lock(mutex);
            peer_head = *head;
            cv.notify_all();
        },
        [&](const p2p::PeerId& id, bool up) {
            std::lock_guard lock(mutex);
            if (up) connected = id;
            cv.notify_all();
        });
    if (auto r = net.start(); !r) {
        std::fprintf(stderr, "moed byzantine: %s\n", r.error().c_str());
        return 1;
    }
    std::unique_lock lock(mutex);
    if (!cv.wait_for(lock, std::chrono::seconds(20), [&] { return connected && peer_head; })) {
        std::fprintf(stderr, "moed byzantine: no status from %s within 20 s\n", peer.c_str());
        return 1;
    }
    const p2p::PeerId target = *connected;
    const std::uint64_t height = *peer_head + 1;
    lock.unlock();

    for (std::uint8_t which : {std::uint8_t{1}, std::uint8_t{2}}) {
        consensus::Vote v;
        v.type = consensus::VoteType::kPrevote;
        v.height = height;
        v.round = round;
        v.block_hash = core::keccak256(core::Bytes{which, static_cast<std::uint8_t>(height)});
        v.validator = validator->address();
        v.signature = validator->sign(v.signing_digest(chain->chain_id));
        net.send(target, p2p::MessageType::kVote, v.encode());
    }
    std::printf("sent two conflicting prevotes of %s for height %llu round %u to %s\n", validator->address().hex().c_str(),
                static_cast<unsigned long long>(height), round, peer.c_str());
    std::this_thread::sleep_for(std::chrono::seconds(1));  // let the frames leave before closing
    net.stop();
    return 0;
}

}  // namespace moe::node
