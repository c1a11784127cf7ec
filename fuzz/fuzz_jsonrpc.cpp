// JSON-RPC bodies through the dispatcher, with handlers that read their params as the Ethereum
// methods do: every body gets a response (or none for notifications), never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "rpc/dispatcher.hpp"
#include "rpc/params.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace moe::rpc;
    static Dispatcher* dispatcher = [] {
        auto* d = new Dispatcher(100);  // one for the process, as the server keeps one
        d->add("echo", [](const nlohmann::json& p, CallContext&) { return p; });
        d->add("eth_getBalance", [](const nlohmann::json& p, CallContext&) {
            return nlohmann::json(address_param(param(p, 0, "address")).hex());
        });
        d->add("eth_sendRawTransaction", [](const nlohmann::json& p, CallContext&) {
            return nlohmann::json(data_param(param(p, 0, "data"), "data").size());
        });
        d->add("eth_getTransactionByHash", [](const nlohmann::json& p, CallContext&) {
            return nlohmann::json(hash_param(param(p, 0, "hash")).hex());
        });
        d->add("eth_estimateGas", [](const nlohmann::json& p, CallContext&) {
            return nlohmann::json(qty(quantity_param(param(p, 0, "value"), "value")));
        });
        return d;
    }();
    CallContext context;
    const auto out = dispatcher->handle(std::string_view(reinterpret_cast<const char*>(data), size), context);
    if (out && !nlohmann::json::accept(*out)) __builtin_trap();  // every response is JSON
    return 0;
}
