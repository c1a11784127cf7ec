#include <gtest/gtest.h>

#include "core/host_port.hpp"

using moe::core::parse_host_port;

TEST(HostPort, NamesIpv4AndBracketedIpv6) {
    auto a = parse_host_port("validator-1.example.org:26656");
    ASSERT_TRUE(a) << a.error();
    EXPECT_EQ(a->host, "validator-1.example.org");
    EXPECT_EQ(a->port, 26656);
    auto b = parse_host_port("127.0.0.1:1");
    ASSERT_TRUE(b) << b.error();
    EXPECT_EQ(b->host, "127.0.0.1");
    EXPECT_EQ(b->port, 1);
    auto c = parse_host_port("[::1]:65535");
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ(c->host, "::1");
    EXPECT_EQ(c->port, 65535);
    auto d = parse_host_port("[2001:db8::7]:8545");
    ASSERT_TRUE(d) << d.error();
    EXPECT_EQ(d->host, "2001:db8::7");
}

TEST(HostPort, RefusesWhatIsNotAnAddressAndSaysWhy) {
    const std::pair<const char*, const char*> cases[] = {
        {"127.0.0.1", "is not host:port"},
        {":1", "is not host:port"},
        {"", "is not host:port"},
        {"a b:1", "the host may hold only"},
        {"::1:26656", "the host may hold only"},  // an IPv6 address without brackets is ambiguous
        {"[::1]26656", "is not host:port"},
        {"[::1]:", "the port must be 1 to 65535"},
        {"[]:1", "the brackets must hold an IPv6 address"},
        {"[host]:1", "the brackets must hold an IPv6 address"},
        {"h:0", "the port must be 1 to 65535"},
        {"h:65536", "the port must be 1 to 65535"},
        {"h:+80", "the port must be 1 to 65535"},
        {"h:123456", "the port must be 1 to 65535"},
        {"h:", "the port must be 1 to 65535"},
    };
    for (const auto& [text, why] : cases) {
        auto r = parse_host_port(text);
        ASSERT_FALSE(r) << text;
        EXPECT_NE(r.error().find(why), std::string::npos) << text << ": " << r.error();
        EXPECT_EQ(r.error().rfind("'" + std::string(text) + "'", 0), 0u) << "the error quotes the input: " << r.error();
    }
}
