// The load generator's pieces that need no running node: RPC addresses and signed transfers.
#include <gtest/gtest.h>

#include "core/hd_wallet.hpp"
#include "tools/load/load_generator.hpp"

namespace moe::load {
namespace {

TEST(LoadGenerator, RpcEndpointsAreParsed) {
    auto e = parse_rpc_endpoint("http://127.0.0.1:28545/");
    ASSERT_TRUE(e) << e.error();
    EXPECT_EQ(e->host, "127.0.0.1");
    EXPECT_EQ(e->port, 28545);
    EXPECT_EQ(parse_rpc_endpoint("localhost:9").value().host, "localhost");
    EXPECT_EQ(parse_rpc_endpoint("28546").value().port, 28546);
    for (const char* bad : {"", "http://", "host:", "host:0", "host:65536", "host:8x", ":8545"}) {
        EXPECT_FALSE(parse_rpc_endpoint(bad)) << bad;
    }
}

TEST(LoadGenerator, TransfersAreSignedByTheSenderForTheChain) {
    const core::PrivateKey from = core::mnemonic_account(kTestMnemonic, 0).value();
    const core::Transaction t = signed_transfer(from, core::Address{}, 5, 4225);
    EXPECT_EQ(t.sender().value(), from.address());
    EXPECT_EQ(core::to_checksum(from.address()), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    EXPECT_EQ(t.nonce, 5u);
    EXPECT_EQ(t.chain_id, 4225u);
    EXPECT_NE(send_raw_transaction_body(t).find(core::to_hex(t.encode())), std::string::npos);
}

}  // namespace
}  // namespace moe::load
