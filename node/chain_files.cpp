#include "node/chain_files.hpp"

#include <nlohmann/json.hpp>

#include "node/files.hpp"
#include "node/presets.hpp"

namespace moe::node {

std::expected<chain::ChainConfig, std::string> load_chain_config(const std::filesystem::path& file) {
    auto text = read_file(file, 16 * 1024 * 1024);
    if (!text) return std::unexpected(text.error());
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(*text);
    } catch (const nlohmann::json::exception& e) {
        return std::unexpected(file.string() + ": invalid JSON: " + e.what());
    }
    auto c = chain::parse_chain_config(doc);
    if (!c) return std::unexpected(file.string() + ": " + c.error());
    return c;
}

std::optional<std::string_view> preset_json(std::string_view name) {
    if (name == "devnet") return presets::kDevnet;
    if (name == "localnet") return presets::kLocalnet;
    return std::nullopt;
}

std::expected<std::unique_ptr<chain::ChainModels>, std::string> load_chain_models(const chain::ChainConfig& chain,
                                                                                const std::filesystem::path& dir) {
    return chain::ChainModels::load(chain, [&dir](std::string_view name) -> std::expected<chain::ChainModels::File, std::string> {
        const std::filesystem::path file = dir / (std::string(name) + ".moe");
        if (std::filesystem::exists(file)) {
            auto text = read_file(file);
            if (!text) return std::unexpected(text.error());
            return chain::ChainModels::File{core::Bytes(text->begin(), text->end()), file.string()};
        }
        const core::ByteView e = embedded_model(name);
        return chain::ChainModels::File{core::Bytes(e.begin(), e.end()), "embedded"};
    });
}

}  // namespace moe::node
