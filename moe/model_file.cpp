#include "moe/model_file.hpp"

#include <cstring>
#include <set>
#include <sstream>

#include "core/keccak.hpp"

namespace moe::nn {

namespace {

constexpr char kMagic[8] = {'M', 'O', 'E', 'M', 'O', 'D', 'E', 'L'};
constexpr std::uint32_t kMaxDim = 1 << 16;
constexpr std::uint32_t kMaxExperts = 1024;
constexpr std::uint32_t kMaxLayers = 16;

class Writer {
  public:
    void bytes(const void* p, std::size_t n) {
        const auto* b = static_cast<const std::uint8_t*>(p);
        out.insert(out.end(), b, b + n);
    }
    void u8(std::uint8_t v) { out.push_back(v); }
    void u32(std::uint32_t v) {
        for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void i32(std::int32_t v) { u32(static_cast<std::uint32_t>(v)); }
    void linear(const QuantLinear& l) {
        u32(static_cast<std::uint32_t>(l.in));
        u32(static_cast<std::uint32_t>(l.out));
        u8(l.scales.empty() ? 0 : 1);
        bytes(l.weights.data(), l.weights.size());
        for (std::int32_t b : l.bias) i32(b);
        for (const FixedPointScale& s : l.scales) {
            i32(s.multiplier);
            i32(s.shift);
        }
    }
    core::Bytes out;
};

class Reader {
  public:
    explicit Reader(core::ByteView in) : in_(in) {}
    bool take(void* p, std::size_t n) {
        if (in_.size() - pos_ < n) return false;
        std::memcpy(p, in_.data() + pos_, n);
        pos_ += n;
        return true;
    }
    bool u8(std::uint8_t& v) { return take(&v, 1); }
    bool u32(std::uint32_t& v) {
        std::uint8_t b[4];
        if (!take(b, 4)) return false;
        v = static_cast<std::uint32_t>(b[0]) | (static_cast<std::uint32_t>(b[1]) << 8) |
            (static_cast<std::uint32_t>(b[2]) << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
        return true;
    }
    bool i32(std::int32_t& v) {
        std::uint32_t u = 0;
        if (!u32(u)) return false;
        v = static_cast<std::int32_t>(u);
        return true;
    }
    std::size_t left() const { return in_.size() - pos_; }

    std::expected<QuantLinear, std::string> linear(const char* what) {
        QuantLinear l;
        std::uint32_t in = 0, out = 0;
        std::uint8_t has_scales = 0;
        if (!u32(in) || !u32(out) || !u8(has_scales)) return std::unexpected(std::string(what) + ": truncated layer header");
        if (in == 0 || out == 0 || in > kMaxDim || out > kMaxDim || has_scales > 1) {
            return std::unexpected(std::string(what) + ": bad layer shape " + std::to_string(in) + "x" + std::to_string(out));
        }
        const std::size_t need = static_cast<std::size_t>(in) * out + 4ull * out + (has_scales ? 8ull * out : 0);
        if (left() < need) return std::unexpected(std::string(what) + ": truncated layer data");
        l.in = static_cast<int>(in);
        l.out = static_cast<int>(out);
        l.weights.resize(static_cast<std::size_t>(in) * out);
        take(l.weights.data(), l.weights.size());
        l.bias.resize(out);
        for (auto& b : l.bias) {
            i32(b);
            if (b > kMaxBias || b < -kMaxBias) return std::unexpected(std::string(what) + ": bias out of range");
        }
        if (has_scales) {
            l.scales.resize(out);
            for (auto& s : l.scales) {
                i32(s.multiplier);
                i32(s.shift);
                if (s.multiplier < 0 || s.shift < 0 || s.shift > 31) return std::unexpected(std::string(what) + ": bad requantization scale");
            }
        }
        return l;
    }

  private:
    core::ByteView in_;
    std::size_t pos_ = 0;
};

}  // namespace

core::Bytes serialize_model(const MoeModel& m) {
    Writer w;
    w.bytes(kMagic, sizeof kMagic);
    w.u32(m.envelope ? kModelFormatVersion : 2);
    w.u32(m.task);
    w.u32(m.feature_schema_version);
    w.u32(static_cast<std::uint32_t>(m.num_features));
    w.u8(static_cast<std::uint8_t>(m.output_kind));
    w.u32(static_cast<std::uint32_t>(m.output_dim));
    w.u32(static_cast<std::uint32_t>(m.top_k));
    w.u32(m.capacity_percent);
    w.u8(static_cast<std::uint8_t>(m.combine));
    w.i32(m.softmax_temperature);
    w.i32(m.output_temperature);
    w.u32(static_cast<std::uint32_t>(m.experts.size()));
    w.u32(static_cast<std::uint32_t>(m.groups.size()));
    w.linear(m.gate.linear);
    for (std::size_t g = 0; g < m.groups.size(); ++g) {
        w.u32(static_cast<std::uint32_t>(m.groups[g].size()));
        for (int e : m.groups[g]) w.u32(static_cast<std::uint32_t>(e));
        w.linear(m.group_gates[g].linear);
    }
    for (const Expert& e : m.experts) {
        w.u32(static_cast<std::uint32_t>(e.layers.size()));
        for (const QuantLinear& l : e.layers) w.linear(l);
    }
    if (m.envelope) {
        w.bytes(m.envelope->low.data(), m.envelope->low.size());
        w.bytes(m.envelope->high.data(), m.envelope->high.size());
        w.u32(m.envelope->max_excess);
    }
    const core::Hash digest = core::sha256(w.out);
    w.bytes(digest.data(), digest.size());
    return w.out;
}

core::Hash model_hash(core::ByteView file) { return core::sha256(file); }

std::expected<MoeModel, std::string> parse_model(core::ByteView file) {
    using Err = std::unexpected<std::string>;
    if (file.size() < sizeof kMagic + 4 + 32) return Err("model file truncated: " + std::to_string(file.size()) + " bytes");
    if (std::memcmp(file.data(), kMagic, sizeof kMagic) != 0) return Err("not a moechain model file (bad magic)");
    const core::ByteView body = file.subspan(0, file.size() - 32);
    const core::Hash digest = core::sha256(body);
    if (std::memcmp(digest.data(), file.data() + body.size(), 32) != 0) {
        return Err("model file checksum mismatch: the file is truncated or altered");
    }
    Reader r(body);
    char magic[8];
    r.take(magic, 8);
    MoeModel m;
    std::uint32_t version = 0, features = 0, output_dim = 0, top_k = 0, experts = 0, groups = 0;
    std::uint8_t kind = 0, combine = 0;
    if (!r.u32(version)) return Err("truncated header");
    if (version < 1 || version > kModelFormatVersion) {
        return Err("model format version " + std::to_string(version) + ", this moed reads versions 1 to " + std::to_string(kModelFormatVersion));
    }
    if (!r.u32(m.task) || !r.u32(m.feature_schema_version) || !r.u32(features) || !r.u8(kind) || !r.u32(output_dim) ||
        !r.u32(top_k) || !r.u32(m.capacity_percent) || !r.u8(combine) || !r.i32(m.softmax_temperature) ||
        (version >= 2 && !r.i32(m.output_temperature)) || !r.u32(experts) ||
        !r.u32(groups)) {
        return Err("truncated header");
    }
    if (features == 0 || features > kMaxDim) return Err("bad feature count " + std::to_string(features));
    if (kind > 1) return Err("unknown output kind " + std::to_string(kind));
    if (combine > 1) return Err("unknown combine rule " + std::to_string(combine));
    if (output_dim == 0 || output_dim > kMaxDim) return Err("bad output size");
    if (experts == 0 || experts > kMaxExperts) return Err("bad expert count " + std::to_string(experts));
    if (top_k == 0 || top_k > experts) return Err("top_k must be 1 to the number of experts");
    if (groups > experts) return Err("more groups than experts");
    if (m.capacity_percent == 0 || m.capacity_percent > 100'000) return Err("bad capacity percent");
    if (m.softmax_temperature <= 0) return Err("softmax temperature must be positive");
    if (m.output_temperature < 0) return Err("output temperature must not be negative");
    m.num_features = static_cast<int>(features);
    m.output_kind = static_cast<OutputKind>(kind);
    m.output_dim = static_cast<int>(output_dim);
    m.top_k = static_cast<int>(top_k);
    m.combine = static_cast<Combine>(combine);

    auto gate = r.linear("gate");
    if (!gate) return Err(gate.error());
    const std::uint32_t gate_out = groups == 0 ? experts : groups;
    if (gate->in != m.num_features || gate->out != static_cast<int>(gate_out) || !gate->scales.empty()) {
        return Err("gate shape does not match the features and experts");
    }
    m.gate.linear = std::move(*gate);
    std::set<int> grouped;
    for (std::uint32_t g = 0; g < groups; ++g) {
        std::uint32_t n = 0;
        if (!r.u32(n) || n == 0 || n > experts) return Err("bad group size");
        std::vector<int> members;
        for (std::uint32_t i = 0; i < n; ++i) {
            std::uint32_t e = 0;
            if (!r.u32(e) || e >= experts || !grouped.insert(static_cast<int>(e)).second) return Err("bad or repeated expert in a group");
            members.push_back(static_cast<int>(e));
        }
        auto gg = r.linear("group gate");
        if (!gg) return Err(gg.error());
        if (gg->in != m.num_features || gg->out != static_cast<int>(n) || !gg->scales.empty()) return Err("group gate shape mismatch");
        m.groups.push_back(std::move(members));
        m.group_gates.push_back(Gate{std::move(*gg)});
    }
    if (groups != 0 && grouped.size() != experts) return Err("every expert must belong to exactly one group");
    for (std::uint32_t e = 0; e < experts; ++e) {
        std::uint32_t layers = 0;
        if (!r.u32(layers) || layers == 0 || layers > kMaxLayers) return Err("bad layer count of expert " + std::to_string(e));
        Expert ex;
        int width = m.num_features;
        for (std::uint32_t li = 0; li < layers; ++li) {
            auto l = r.linear("expert layer");
            if (!l) return Err(l.error());
            const bool last = li + 1 == layers;
            if (l->in != width) return Err("expert " + std::to_string(e) + ": layer widths do not chain");
            if (last != l->scales.empty()) return Err("expert " + std::to_string(e) + ": hidden layers need scales, the output layer none");
            if (last && l->out != m.output_dim) return Err("expert " + std::to_string(e) + ": output size mismatch");
            width = l->out;
            ex.layers.push_back(std::move(*l));
        }
        m.experts.push_back(std::move(ex));
    }
    if (version >= 3) {
        Envelope env;
        env.low.resize(features);
        env.high.resize(features);
        if (r.left() < 2 * static_cast<std::size_t>(features) + 4 || !r.take(env.low.data(), features) || !r.take(env.high.data(), features) ||
            !r.u32(env.max_excess)) {
            return Err("truncated envelope");
        }
        for (std::uint32_t i = 0; i < features; ++i) {
            if (env.low[i] > env.high[i] || env.high[i] > 127) return Err("envelope of feature " + std::to_string(i) + " is not 0 <= low <= high <= 127");
        }
        m.envelope = std::move(env);
    }
    if (r.left() != 0) return Err("trailing bytes after the last expert");
    return m;
}

std::string describe_model(const MoeModel& m) {
    std::ostringstream s;
    s << "task " << m.task << ", feature schema " << m.feature_schema_version << ", " << m.num_features << " features\n"
      << "output: " << (m.output_kind == OutputKind::kScore ? "score" : "class logits") << " x " << m.output_dim << "\n"
      << "routing: top-" << m.top_k << ", capacity " << m.capacity_percent << "%, "
      << (m.combine == Combine::kSoft ? "soft" : "hard") << " combine, temperature " << m.softmax_temperature
      << ", output temperature " << m.output_temperature << "\n"
      << "envelope: " << (m.envelope ? "abstains beyond " + std::to_string(m.envelope->max_excess) + " codes outside the training rows' range" : std::string("none")) << "\n"
      << "gate: " << (m.hierarchical() ? "hierarchical, " + std::to_string(m.groups.size()) + " groups" : std::string("flat"))
      << ", " << m.gate.linear.in << "x" << m.gate.linear.out << "\n"
      << "experts: " << m.experts.size() << "\n";
    std::size_t params = m.gate.linear.weights.size();
    for (const auto& g : m.group_gates) params += g.linear.weights.size();
    for (std::size_t e = 0; e < m.experts.size(); ++e) {
        s << "  expert " << e << ": " << m.num_features;
        for (const auto& l : m.experts[e].layers) {
            s << " -> " << l.out;
            params += l.weights.size();
        }
        s << "\n";
    }
    s << "int8 weights: " << params << "\n";
    return s.str();
}

}  // namespace moe::nn
