// `moed moe`: run the shipped models over seeded inputs (selftest), describe a model file
// (info), and measure the engine (bench).
#include "node/moe_commands.hpp"

#include <cstdio>
#include <filesystem>
#include <oneapi/dnnl/dnnl.hpp>

#include "core/keccak.hpp"
#include "moe/engine.hpp"
#include "moe/model_file.hpp"
#include "moe/synthetic.hpp"
#include "node/moe_bench.hpp"
#include "node/node_config.hpp"

namespace moe::node {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kUsage =
    "usage: moed moe COMMAND\n"
    "  selftest [--models DIR]   run the seeded reference models and every *.moe model in DIR\n"
    "                            (default chain-config/models, if present) over fixed seeded\n"
    "                            inputs; print the SHA-256 of every output byte per model and\n"
    "                            over all. The hashes are the same on every CPU and ISA.\n"
    "  info MODEL                check a model file and print its structure and SHA-256\n"
    "  bench [--threads N] [--seconds S]\n"
    "                            int8 and f32 expert throughput against the naive loop and the\n"
    "                            measured CPU peak, whole-MoE rows/s, MoE cost per transaction\n"
    "                            beside sender recovery; ends with 'peak_ratio=R naive_ratio=N'\n";

std::string isa_name(dnnl::cpu_isa isa) {
    switch (isa) {
        case dnnl::cpu_isa::sse41: return "SSE41";
        case dnnl::cpu_isa::avx: return "AVX";
        case dnnl::cpu_isa::avx2: return "AVX2";
        case dnnl::cpu_isa::avx2_vnni: return "AVX2_VNNI";
        case dnnl::cpu_isa::avx512_core: return "AVX512_CORE";
        case dnnl::cpu_isa::avx512_core_vnni: return "AVX512_CORE_VNNI";
        case dnnl::cpu_isa::avx512_core_bf16: return "AVX512_CORE_BF16";
        case dnnl::cpu_isa::avx512_core_amx: return "AVX512_CORE_AMX";
        default: return "other(" + std::to_string(static_cast<int>(isa)) + ")";
    }
}

/// The seeded reference models: every routing mode the engine has.
std::vector<std::pair<std::string, nn::MoeModel>> reference_models() {
    std::vector<std::pair<std::string, nn::MoeModel>> out;
    nn::SyntheticSpec soft;
    soft.num_features = 48;
    soft.hidden = {96, 48};
    soft.output_dim = 1;
    soft.num_experts = 8;
    out.emplace_back("seeded-soft-top2", nn::synthetic_model(soft, 1));
    nn::SyntheticSpec hard = soft;
    hard.top_k = 1;
    hard.combine = nn::Combine::kHard;
    hard.output_kind = nn::OutputKind::kClass;
    hard.output_dim = 8;
    hard.num_experts = 16;
    out.emplace_back("seeded-hard-top1-classes", nn::synthetic_model(hard, 2));
    nn::SyntheticSpec tree = soft;
    tree.num_experts = 32;
    tree.num_groups = 4;
    out.emplace_back("seeded-hierarchical", nn::synthetic_model(tree, 3));
    return out;
}

int selftest(Args args) {
    std::vector<std::pair<std::string, nn::MoeModel>> models = reference_models();
    const fs::path dir = flag_value(args, "--models", "chain-config/models");
    std::error_code ec;
    if (fs::is_directory(dir, ec)) {
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            if (e.path().extension() == ".moe") files.push_back(e.path());
        }
        std::sort(files.begin(), files.end());
        for (const fs::path& f : files) {
            auto bytes = read_file(f);
            if (!bytes) {
                std::fprintf(stderr, "moed moe selftest: %s\n", bytes.error().c_str());
                return 1;
            }
            auto m = nn::parse_model(core::as_bytes(*bytes));
            if (!m) {
                std::fprintf(stderr, "moed moe selftest: %s: %s\n", f.c_str(), m.error().c_str());
                return 1;
            }
            models.emplace_back(f.filename().string(), std::move(*m));
        }
    }
    std::fprintf(stderr, "oneDNN %d.%d.%d, effective ISA %s\n", dnnl::version()->major, dnnl::version()->minor,
                 dnnl::version()->patch, isa_name(dnnl::get_effective_cpu_isa()).c_str());
    core::Keccak256 all;  // hash of the per-model hashes, in order
    for (auto& [name, model] : models) {
        nn::MoeEngine engine(model);
        std::vector<std::uint8_t> bytes;
        // Several batch sizes, so every bucket and the routing under capacity pressure run.
        for (int rows : {1, 7, 64, 333, 1024}) {
            const auto x = nn::synthetic_inputs(rows, model.num_features, 1000u + static_cast<std::uint64_t>(rows));
            const nn::Inference out = engine.forward(x.data(), rows);
            for (std::int32_t v : out.outputs) {
                for (int b = 0; b < 4; ++b) bytes.push_back(static_cast<std::uint8_t>(static_cast<std::uint32_t>(v) >> (8 * b)));
            }
            for (const auto& route : out.routes) {
                for (const auto& c : route) bytes.push_back(static_cast<std::uint8_t>(c.expert));
                bytes.push_back(0xff);
            }
        }
        const core::Hash h = core::sha256(bytes);
        all.update(h);
        std::printf("model %-28s outputs=%zu sha256=%s\n", name.c_str(), bytes.size(), h.hex().c_str());
    }
    std::printf("selftest sha256=%s\n", all.finish().hex().c_str());
    return 0;
}

int info(Args args) {
    static constexpr std::string_view kValueFlags[] = {""};
    const auto files = positional(args, std::span(kValueFlags, 0));
    if (files.size() != 1) {
        std::fputs(kUsage.data(), stderr);
        return 2;
    }
    auto bytes = read_file(files[0]);
    if (!bytes) {
        std::fprintf(stderr, "moed moe info: %s\n", bytes.error().c_str());
        return 1;
    }
    auto m = nn::parse_model(core::as_bytes(*bytes));
    if (!m) {
        std::fprintf(stderr, "moed moe info: %s: %s\n", files[0].c_str(), m.error().c_str());
        return 1;
    }
    std::printf("%s", nn::describe_model(*m).c_str());
    std::printf("size: %zu bytes\nsha256: %s\n", bytes->size(), nn::model_hash(core::as_bytes(*bytes)).hex().c_str());
    return 0;
}

}  // namespace

int moe_main(Args args) {
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        std::fputs(kUsage.data(), args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    if (wants_help(args)) {
        std::fputs(kUsage.data(), stdout);
        return 0;
    }
    const std::string& cmd = args[0];
    if (cmd == "selftest") return selftest(args.subspan(1));
    if (cmd == "info") return info(args.subspan(1));
    if (cmd == "bench") {
        const int threads = std::atoi(flag_value(args, "--threads", "1").c_str());
        const double seconds = std::atof(flag_value(args, "--seconds", "0.3").c_str());
        if (threads < 1 || threads > 256 || !(seconds > 0 && seconds < 60)) {
            std::fputs("moed moe bench: --threads must be 1 to 256 and --seconds above 0 and below 60\n", stderr);
            return 2;
        }
        return run_moe_bench(threads, seconds);
    }
    std::fprintf(stderr, "moed moe: unknown command '%s'\n\n%s", cmd.c_str(), kUsage.data());
    return 2;
}

}  // namespace moe::node
