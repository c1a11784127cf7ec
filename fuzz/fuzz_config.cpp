// Genesis and node configuration files as an operator may write them: a configuration or a
// clear error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "chain/chain_config.hpp"
#include "node/node_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)moe::node::parse_node_config(text);
    const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
    if (!doc.is_discarded()) (void)moe::chain::parse_chain_config(doc);
    return 0;
}
