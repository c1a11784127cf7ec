#include <gtest/gtest.h>

#include "rpc/dispatcher.hpp"

using namespace moe::rpc;
using nlohmann::json;

namespace {
class DispatcherTest : public ::testing::Test {
  protected:
    void SetUp() override {
        d_.add("echo", [](const json& p, CallContext&) { return p; });
        d_.add("boom", [](const json&, CallContext&) -> json { throw std::runtime_error("kaput"); });
        d_.add("nonce", [](const json&, CallContext&) -> json { throw RpcError(kServerError, "nonce too low"); });
        d_.add("shape", [](const json& p, CallContext&) { return json(p.at(0).get<std::string>()); });
    }
    json call(const std::string& body) {
        auto out = d_.handle(body, ctx_);
        return out ? json::parse(*out) : json();
    }
    Dispatcher d_{3};
    CallContext ctx_;
};
}  // namespace

TEST_F(DispatcherTest, EchoesTheIdExactly) {
    EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":7,"method":"echo","params":[1]})")["id"], 7);
    EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":"x","method":"echo","params":[1]})")["id"], "x");
    EXPECT_TRUE(call(R"({"jsonrpc":"2.0","id":null,"method":"echo","params":[1]})")["id"].is_null());
    EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":1,"method":"echo","params":{"a":2}})")["result"]["a"], 2);
}

TEST_F(DispatcherTest, ErrorCodes) {
    EXPECT_EQ(call("{nope")["error"]["code"], kParseError);
    EXPECT_EQ(call("42")["error"]["code"], kInvalidRequest);
    EXPECT_EQ(call(R"({"id":1,"method":"echo"})")["error"]["code"], kInvalidRequest);
    EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":1,"method":5})")["error"]["code"], kInvalidRequest);
    EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":{},"method":"echo"})")["error"]["code"], kInvalidRequest);
    EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":1,"method":"echo","params":3})")["error"]["code"], kInvalidRequest);
    const json missing = call(R"({"jsonrpc":"2.0","id":1,"method":"eth_nothing"})");
    EXPECT_EQ(missing["error"]["code"], kMethodNotFound);
    EXPECT_EQ(missing["error"]["message"], "the method eth_nothing does not exist/is not available");
    EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":1,"method":"boom"})")["error"]["code"], kInternalError);
    EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":1,"method":"nonce"})")["error"]["message"], "nonce too low");
    EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":1,"method":"shape","params":[5]})")["error"]["code"], kInvalidParams);
    EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":1,"method":"shape","params":[]})")["error"]["code"], kInvalidParams);
}

TEST_F(DispatcherTest, BatchesAndNotifications) {
    const json r = call(R"([{"jsonrpc":"2.0","id":1,"method":"echo","params":[1]},
                            {"jsonrpc":"2.0","method":"echo","params":[2]},
                            {"jsonrpc":"2.0","id":3,"method":"nope"}])");
    ASSERT_TRUE(r.is_array());
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0]["id"], 1);
    EXPECT_EQ(r[1]["error"]["code"], kMethodNotFound);
    EXPECT_EQ(call("[]")["error"]["code"], kInvalidRequest);
    EXPECT_EQ(call(R"([1,2,3,4])")["error"]["code"], kLimitExceeded) << "over the batch limit of 3";
    EXPECT_FALSE(d_.handle(R"({"jsonrpc":"2.0","method":"echo","params":[1]})", ctx_).has_value());
    EXPECT_FALSE(d_.handle(R"([{"jsonrpc":"2.0","method":"echo","params":[1]}])", ctx_).has_value());
}

TEST_F(DispatcherTest, CountsCallsAndErrorsPerMethod) {
    (void)call(R"({"jsonrpc":"2.0","id":1,"method":"echo","params":[]})");
    (void)call(R"({"jsonrpc":"2.0","id":1,"method":"boom"})");
    const auto stats = d_.stats();
    EXPECT_EQ(stats.at("echo").calls, 1u);
    EXPECT_EQ(stats.at("boom").errors, 1u);
}

TEST_F(DispatcherTest, DeepNestingIsAnErrorNotACrash) {
    // One million '[' in a 1 MB body: parsing or copying it recursively would overflow the stack.
    const std::string hostile(1'000'000, '[');
    EXPECT_EQ(call(hostile)["error"]["code"], kInvalidRequest);
    const std::string deep_params = R"({"jsonrpc":"2.0","id":1,"method":"echo","params":)" + std::string(200, '[') +
                                    std::string(200, ']') + "}";
    EXPECT_EQ(call(deep_params)["error"]["code"], kInvalidRequest);
    // Brackets inside strings (escaped quotes too) are text, not nesting.
    const std::string quoted = R"({"jsonrpc":"2.0","id":2,"method":"echo","params":[")" + std::string(500, '[') +
                               R"(\"{{{"]})";
    EXPECT_EQ(call(quoted)["id"], 2);
    EXPECT_FALSE(call(quoted).contains("error"));
}

TEST(JsonNestingDepth, CountsArraysAndObjectsOutsideStrings) {
    EXPECT_EQ(json_nesting_depth("1", 8), 0u);
    EXPECT_EQ(json_nesting_depth(R"({"a":[1,{"b":[]}]})", 8), 4u);
    EXPECT_EQ(json_nesting_depth(R"(["[[[", "\\", "]"])", 8), 1u);
    EXPECT_EQ(json_nesting_depth(std::string(100, '{'), 8), 9u) << "stops at limit + 1";
    EXPECT_EQ(json_nesting_depth(std::string(kMaxJsonDepth, '['), kMaxJsonDepth), kMaxJsonDepth);
}

TEST(JsonBatchItems, CountsTopLevelItemsOutsideStringsAndNesting) {
    EXPECT_EQ(json_batch_items(R"({"a":[1,2,3]})", 8), 0u) << "not a batch";
    EXPECT_EQ(json_batch_items(" [ ] ", 8), 0u);
    EXPECT_EQ(json_batch_items("[1]", 8), 1u);
    EXPECT_EQ(json_batch_items(R"( [{"a":[1,2]}, "x,y", [3,4], "\",", 5] )", 8), 5u);
    EXPECT_EQ(json_batch_items("[" + std::string(100, ',') + "]", 8), 9u) << "stops at limit + 1";
}

TEST_F(DispatcherTest, AHugeBatchIsRefusedWithLimitExceededBeforeItIsParsed) {
    // 100000 requests: over the limit of 3, answered -32005 from the count alone.
    std::string batch = "[";
    for (int i = 0; i < 100'000; ++i) batch += (i ? "," : "") + std::string(R"({"jsonrpc":"2.0","id":1,"method":"echo"})");
    batch += "]";
    const auto out = nlohmann::json::parse(*d_.handle(batch, ctx_));
    EXPECT_EQ(out["error"]["code"], kLimitExceeded);
    EXPECT_NE(out["error"]["message"].get<std::string>().find("batch too large"), std::string::npos);
    // Exactly at the limit is served.
    std::string full = "[";
    for (int i = 0; i < 3; ++i) full += (i ? "," : "") + std::string(R"({"jsonrpc":"2.0","id":1,"method":"echo"})");
    full += "]";
    EXPECT_EQ(nlohmann::json::parse(*d_.handle(full, ctx_)).size(), 3u);
}

TEST_F(DispatcherTest, AMethodRegisteredTwiceIsAWiringMistakeAndReplacingIsExplicit) {
    EXPECT_THROW(d_.add("echo", [](const json&, CallContext&) { return json(0); }), std::logic_error);
    EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":1,"method":"echo","params":[5]})")["result"], json::array({5})) << "the first stays";
    d_.replace("echo", [](const json&, CallContext&) { return json("replaced"); });
    EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":1,"method":"echo","params":[5]})")["result"], "replaced");
    EXPECT_THROW(d_.replace("never_added", [](const json&, CallContext&) { return json(0); }), std::logic_error);
    EXPECT_FALSE(d_.has("never_added"));
}
