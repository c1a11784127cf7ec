#include "moe/offline/trainer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <oneapi/dnnl/dnnl.hpp>

#include "moe/engine.hpp"
#include "moe/offline/quantize.hpp"
#include "moe/offline/synthetic.hpp"

namespace moe::nn {

namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using Dt = memory::data_type;

float uniform(SplitMix64& rng) { return static_cast<float>(rng.next() >> 40) / static_cast<float>(1ull << 24); }

/// A float linear layer on oneDNN inner-product primitives for a fixed batch, with its
/// gradients and Adam moments. Weights are [out][in], oneDNN's inner-product layout.
class TrainLinear {
  public:
    TrainLinear(const dnnl::engine& eng, int in, int out, int batch, SplitMix64& rng) : in_(in), out_(out), batch_(batch) {
        const float bound = std::sqrt(6.0f / static_cast<float>(in));  // He-uniform for ReLU nets
        w_.resize(static_cast<std::size_t>(in) * static_cast<std::size_t>(out));
        for (auto& v : w_) v = (2 * uniform(rng) - 1) * bound;
        b_.assign(static_cast<std::size_t>(out), 0.0f);
        gw_.assign(w_.size(), 0);
        gb_.assign(b_.size(), 0);
        mw_ = vw_ = gw_;
        mb_ = vb_ = gb_;
        src_md_ = memory::desc({batch, in}, Dt::f32, Tag::nc);
        wei_md_ = memory::desc({out, in}, Dt::f32, Tag::oi);
        bias_md_ = memory::desc({out}, Dt::f32, Tag::x);
        dst_md_ = memory::desc({batch, out}, Dt::f32, Tag::nc);
        const dnnl::inner_product_forward::primitive_desc fwd_pd(
            dnnl::inner_product_forward::desc(dnnl::prop_kind::forward_training, src_md_, wei_md_, bias_md_, dst_md_), eng);
        fwd_ = dnnl::inner_product_forward(fwd_pd);
        bwd_data_ = dnnl::inner_product_backward_data(dnnl::inner_product_backward_data::primitive_desc(
            dnnl::inner_product_backward_data::desc(src_md_, wei_md_, dst_md_), eng, fwd_pd));
        bwd_weights_ = dnnl::inner_product_backward_weights(dnnl::inner_product_backward_weights::primitive_desc(
            dnnl::inner_product_backward_weights::desc(src_md_, wei_md_, bias_md_, dst_md_), eng, fwd_pd));
    }

    void forward(dnnl::stream& s, const dnnl::engine& eng, const float* x, float* y) {
        fwd_.execute(s, {{DNNL_ARG_SRC, mem(eng, src_md_, x)},
                         {DNNL_ARG_WEIGHTS, mem(eng, wei_md_, w_.data())},
                         {DNNL_ARG_BIAS, mem(eng, bias_md_, b_.data())},
                         {DNNL_ARG_DST, mem(eng, dst_md_, y)}});
    }

    /// Gradients of the weights from (x, dy); dx too when asked.
    void backward(dnnl::stream& s, const dnnl::engine& eng, const float* x, const float* dy, float* dx) {
        bwd_weights_.execute(s, {{DNNL_ARG_SRC, mem(eng, src_md_, x)},
                                 {DNNL_ARG_DIFF_DST, mem(eng, dst_md_, dy)},
                                 {DNNL_ARG_DIFF_WEIGHTS, mem(eng, wei_md_, gw_.data())},
                                 {DNNL_ARG_DIFF_BIAS, mem(eng, bias_md_, gb_.data())}});
        if (dx != nullptr) {
            bwd_data_.execute(s, {{DNNL_ARG_DIFF_DST, mem(eng, dst_md_, dy)},
                                  {DNNL_ARG_WEIGHTS, mem(eng, wei_md_, w_.data())},
                                  {DNNL_ARG_DIFF_SRC, mem(eng, src_md_, dx)}});
        }
    }

    void adam(float lr, int t, float weight_decay) {
        constexpr float kB1 = 0.9f, kB2 = 0.999f, kEps = 1e-8f;
        if (weight_decay != 0.0f) {
            const float keep = 1.0f - lr * weight_decay;
            for (float& w : w_) w *= keep;
        }
        const float c1 = 1.0f - std::pow(kB1, static_cast<float>(t));
        const float c2 = 1.0f - std::pow(kB2, static_cast<float>(t));
        auto step = [&](std::vector<float>& p, const std::vector<float>& g, std::vector<float>& m, std::vector<float>& v) {
            for (std::size_t i = 0; i < p.size(); ++i) {
                m[i] = kB1 * m[i] + (1 - kB1) * g[i];
                v[i] = kB2 * v[i] + (1 - kB2) * g[i] * g[i];
                p[i] -= lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + kEps);
            }
        };
        step(w_, gw_, mw_, vw_);
        step(b_, gb_, mb_, vb_);
    }

    /// The layer in the [in][out] layout quantization takes.
    [[nodiscard]] FloatLinear to_float_linear() const {
        FloatLinear f{in_, out_, std::vector<float>(w_.size()), b_};
        for (int o = 0; o < out_; ++o) {
            for (int i = 0; i < in_; ++i) f.weights[static_cast<std::size_t>(i * out_ + o)] = w_[static_cast<std::size_t>(o * in_ + i)];
        }
        return f;
    }
    [[nodiscard]] std::vector<float> params() const {
        std::vector<float> p = w_;
        p.insert(p.end(), b_.begin(), b_.end());
        return p;
    }
    /// avg = decay * avg + (1 - decay) * the parameters, in params()'s layout.
    void average_into(std::vector<float>& avg, float decay) const {
        const float keep = 1.0f - decay;
        for (std::size_t i = 0; i < w_.size(); ++i) avg[i] = decay * avg[i] + keep * w_[i];
        for (std::size_t i = 0; i < b_.size(); ++i) avg[w_.size() + i] = decay * avg[w_.size() + i] + keep * b_[i];
    }
    void set_params(const std::vector<float>& p) {
        std::copy(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(w_.size()), w_.begin());
        std::copy(p.begin() + static_cast<std::ptrdiff_t>(w_.size()), p.end(), b_.begin());
    }
    [[nodiscard]] int out() const noexcept { return out_; }
    [[nodiscard]] float max_abs_weight() const {
        float m = 0;
        for (float v : w_) m = std::max(m, std::fabs(v));
        return m;
    }

  private:
    static memory mem(const dnnl::engine& eng, const memory::desc& md, const float* p) {
        return memory(md, eng, const_cast<float*>(p));
    }
    int in_, out_, batch_;
    std::vector<float> w_, b_, gw_, gb_, mw_, vw_, mb_, vb_;
    memory::desc src_md_, wei_md_, bias_md_, dst_md_;
    dnnl::inner_product_forward fwd_;
    dnnl::inner_product_backward_data bwd_data_;
    dnnl::inner_product_backward_weights bwd_weights_;
};

/// ReLU and softmax on oneDNN primitives for [batch, width] tensors.
class Activations {
  public:
    Activations(const dnnl::engine& eng, int batch) : eng_(eng), batch_(batch) {}
    void relu_forward(dnnl::stream& s, int width, float* x) {
        auto& p = relu_fwd(width);
        const memory m(md(width), eng_, x);
        p.execute(s, {{DNNL_ARG_SRC, m}, {DNNL_ARG_DST, m}});
    }
    void relu_backward(dnnl::stream& s, int width, const float* activated, float* grad) {
        relu_fwd(width);
        auto it = relu_bwd_.find(width);
        if (it == relu_bwd_.end()) {
            const dnnl::eltwise_backward::primitive_desc pd(
                dnnl::eltwise_backward::desc(dnnl::algorithm::eltwise_relu, md(width), md(width), 0.0f, 0.0f), eng_,
                relu_fwd_pd_.at(width));
            it = relu_bwd_.emplace(width, dnnl::eltwise_backward(pd)).first;
        }
        const memory g(md(width), eng_, grad);
        it->second.execute(s, {{DNNL_ARG_SRC, memory(md(width), eng_, const_cast<float*>(activated))},
                               {DNNL_ARG_DIFF_DST, g},
                               {DNNL_ARG_DIFF_SRC, g}});
    }
    void softmax(dnnl::stream& s, int width, const float* x, float* y) {
        auto it = softmax_.find(width);
        if (it == softmax_.end()) {
            const dnnl::softmax_forward::primitive_desc pd(
                dnnl::softmax_forward::desc(dnnl::prop_kind::forward_training, md(width), 1), eng_);
            it = softmax_.emplace(width, dnnl::softmax_forward(pd)).first;
        }
        it->second.execute(s, {{DNNL_ARG_SRC, memory(md(width), eng_, const_cast<float*>(x))}, {DNNL_ARG_DST, memory(md(width), eng_, y)}});
    }

  private:
    memory::desc md(int width) const { return memory::desc({batch_, width}, Dt::f32, Tag::nc); }
    dnnl::eltwise_forward& relu_fwd(int width) {
        auto it = relu_fwd_.find(width);
        if (it == relu_fwd_.end()) {
            const dnnl::eltwise_forward::primitive_desc pd(
                dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::eltwise_relu, md(width), 0.0f, 0.0f), eng_);
            relu_fwd_pd_.emplace(width, pd);
            it = relu_fwd_.emplace(width, dnnl::eltwise_forward(pd)).first;
        }
        return it->second;
    }
    const dnnl::engine& eng_;
    int batch_;
    std::map<int, dnnl::eltwise_forward::primitive_desc> relu_fwd_pd_;
    std::map<int, dnnl::eltwise_forward> relu_fwd_;
    std::map<int, dnnl::eltwise_backward> relu_bwd_;
    std::map<int, dnnl::softmax_forward> softmax_;
};

struct ExpertNet {
    std::vector<TrainLinear> layers;
};

/// The float MoE: gate, experts, and the buffers of one batch.
class FloatMoe {
  public:
    FloatMoe(const dnnl::engine& eng, int features, int classes, const TrainOptions& o, SplitMix64& rng)
        : eng_(eng), f_(features), c_(classes), e_(o.experts), k_(o.top_k), b_(o.batch), act_(eng, o.batch),
          gate_(eng, features, o.experts, o.batch, rng) {
        for (int e = 0; e < e_; ++e) {
            ExpertNet net;
            int width = features;
            for (int h : o.hidden) {
                net.layers.emplace_back(eng, width, h, o.batch, rng);
                width = h;
            }
            net.layers.emplace_back(eng, width, classes, o.batch, rng);
            experts_.push_back(std::move(net));
        }
    }

    struct Losses {
        double ce = 0, aux = 0, z = 0;
        int correct = 0;
    };

    /// One batch: forward, and with `train` the backward pass and gradients. `valid` rows
    /// count (padding rows beyond it get no loss). `noise` draws the dropout masks (training only).
    Losses step(dnnl::stream& s, const float* x, const int* y, int valid, bool train, const TrainOptions& o,
                std::vector<std::vector<float>>* hidden_out = nullptr, SplitMix64* noise = nullptr) {
        const bool dropout = train && o.dropout > 0 && noise != nullptr;
        const auto B = static_cast<std::size_t>(b_);
        const auto E = static_cast<std::size_t>(e_);
        const auto C = static_cast<std::size_t>(c_);
        z_.resize(B * E);
        p_.resize(B * E);
        gate_.forward(s, eng_, x, z_.data());
        act_.softmax(s, e_, z_.data(), p_.data());
        s.wait();
        // Top-k of the logits (ties to the lower expert), softmax over the chosen ones.
        w_.assign(B * E, 0.0f);
        std::vector<int> top1(B, 0);
        std::vector<int> order(E);
        for (std::size_t r = 0; r < B; ++r) {
            const float* z = z_.data() + r * E;
            std::iota(order.begin(), order.end(), 0);
            std::stable_sort(order.begin(), order.end(), [&](int a, int c) { return z[a] > z[c]; });
            top1[r] = order[0];
            float sum = 0;
            for (int i = 0; i < k_; ++i) sum += std::exp(z[order[static_cast<std::size_t>(i)]] - z[order[0]]);
            for (int i = 0; i < k_; ++i) {
                const int e = order[static_cast<std::size_t>(i)];
                w_[r * E + static_cast<std::size_t>(e)] = std::exp(z[e] - z[order[0]]) / sum;
            }
        }
        // Dense experts (fixed shapes, so primitives are made once), combined by the weights.
        const std::size_t layers = experts_[0].layers.size();
        acts_.resize(E);
        out_.assign(B * C, 0.0f);
        for (std::size_t e = 0; e < E; ++e) {
            auto& a = acts_[e];
            a.resize(layers + 1);
            a[0].assign(x, x + B * static_cast<std::size_t>(f_));
            for (std::size_t l = 0; l < layers; ++l) {
                TrainLinear& lin = experts_[e].layers[l];
                a[l + 1].resize(B * static_cast<std::size_t>(lin.out()));
                lin.forward(s, eng_, a[l].data(), a[l + 1].data());
                if (l + 1 < layers) {
                    act_.relu_forward(s, lin.out(), a[l + 1].data());
                    if (dropout) drop_units(s, a[l + 1], o.dropout, *noise);
                }
            }
            s.wait();
            if (hidden_out != nullptr) {
                for (std::size_t l = 1; l < layers; ++l) {
                    for (std::size_t r = 0; r < static_cast<std::size_t>(valid); ++r) {
                        if (w_[r * E + e] > 0) {
                            const std::size_t width = static_cast<std::size_t>(experts_[e].layers[l - 1].out());
                            auto& sink = (*hidden_out)[l - 1];
                            sink.insert(sink.end(), a[l].begin() + static_cast<std::ptrdiff_t>(r * width), a[l].begin() + static_cast<std::ptrdiff_t>((r + 1) * width));
                        }
                    }
                }
            }
            const auto& ye = a[layers];
            for (std::size_t r = 0; r < B; ++r) {
                const float w = w_[r * E + e];
                if (w == 0) continue;
                for (std::size_t j = 0; j < C; ++j) out_[r * C + j] += w * ye[r * C + j];
            }
        }
        q_.resize(B * C);
        act_.softmax(s, c_, out_.data(), q_.data());
        s.wait();

        Losses L;
        const float inv = 1.0f / static_cast<float>(valid);
        std::vector<float> frac(E, 0.0f), mean_p(E, 0.0f);
        auto weight = [&](int cls) { return o.class_weights.empty() ? 1.0f : o.class_weights[static_cast<std::size_t>(cls)]; };
        for (std::size_t r = 0; r < static_cast<std::size_t>(valid); ++r) {
            L.ce -= weight(y[r]) * std::log(std::max(q_[r * C + static_cast<std::size_t>(y[r])], 1e-12f));
            const float* logits = out_.data() + r * C;
            L.correct += static_cast<int>(std::max_element(logits, logits + C) - logits) == y[r] ? 1 : 0;
            frac[static_cast<std::size_t>(top1[r])] += inv;
            float mx = -std::numeric_limits<float>::infinity();
            for (std::size_t e = 0; e < E; ++e) {
                mean_p[e] += p_[r * E + e] * inv;
                mx = std::max(mx, z_[r * E + e]);
            }
            double se = 0;
            for (std::size_t e = 0; e < E; ++e) se += std::exp(z_[r * E + e] - mx);
            const double lse = mx + std::log(se);
            L.z += lse * lse * inv;
        }
        for (std::size_t e = 0; e < E; ++e) L.aux += o.load_balance_weight * static_cast<double>(E) * frac[e] * mean_p[e];
        L.ce *= inv;
        if (!train) return L;

        // Backward: cross-entropy through the combination into experts and gate.
        std::vector<float> d_out(B * C, 0.0f), dz(B * E, 0.0f), g(B * E, 0.0f);
        // The target: one-hot, or smoothed (label_smoothing) towards the uniform distribution.
        const float spread = o.label_smoothing / static_cast<float>(C);
        const float on = 1.0f - o.label_smoothing + spread;
        for (std::size_t r = 0; r < static_cast<std::size_t>(valid); ++r) {
            const float wr = weight(y[r]) * inv;
            for (std::size_t j = 0; j < C; ++j) d_out[r * C + j] = (q_[r * C + j] - (static_cast<int>(j) == y[r] ? on : spread)) * wr;
        }
        std::vector<float> grad, next_grad;
        for (std::size_t e = 0; e < E; ++e) {
            auto& a = acts_[e];
            const auto& ye = a[layers];
            grad.assign(B * C, 0.0f);
            for (std::size_t r = 0; r < B; ++r) {
                const float w = w_[r * E + e];
                if (w == 0) continue;
                float dot = 0;
                for (std::size_t j = 0; j < C; ++j) {
                    grad[r * C + j] = w * d_out[r * C + j];
                    dot += d_out[r * C + j] * ye[r * C + j];
                }
                g[r * E + e] = dot;
            }
            for (std::size_t l = layers; l-- > 0;) {
                TrainLinear& lin = experts_[e].layers[l];
                next_grad.assign(a[l].size(), 0.0f);
                lin.backward(s, eng_, a[l].data(), grad.data(), l > 0 ? next_grad.data() : nullptr);
                if (l > 0) {
                    act_.relu_backward(s, experts_[e].layers[l - 1].out(), a[l].data(), next_grad.data());
                    s.wait();
                    // Inverted dropout: a dropped unit's activation is 0, so ReLU's backward
                    // already zeroed its gradient; a kept one was scaled by 1 / (1 - p).
                    if (dropout) {
                        const float scale = 1.0f / (1.0f - o.dropout);
                        for (float& v : next_grad) v *= scale;
                    }
                    grad.swap(next_grad);
                }
            }
        }
        s.wait();
        for (std::size_t r = 0; r < static_cast<std::size_t>(valid); ++r) {
            // Through the softmax over the chosen experts.
            float wg = 0;
            for (std::size_t e = 0; e < E; ++e) wg += w_[r * E + e] * g[r * E + e];
            for (std::size_t e = 0; e < E; ++e) {
                if (w_[r * E + e] > 0) dz[r * E + e] += w_[r * E + e] * (g[r * E + e] - wg);
            }
            // Load balancing (Switch Transformer, eq. 4) and z-loss, through the full softmax.
            float mx = -std::numeric_limits<float>::infinity();
            for (std::size_t e = 0; e < E; ++e) mx = std::max(mx, z_[r * E + e]);
            double se = 0;
            for (std::size_t e = 0; e < E; ++e) se += std::exp(z_[r * E + e] - mx);
            const float lse = static_cast<float>(mx + std::log(se));
            float pdp = 0;
            std::vector<float> dp(E);
            for (std::size_t e = 0; e < E; ++e) {
                dp[e] = o.load_balance_weight * static_cast<float>(E) * frac[e] * inv;
                pdp += p_[r * E + e] * dp[e];
            }
            for (std::size_t e = 0; e < E; ++e) {
                dz[r * E + e] += p_[r * E + e] * (dp[e] - pdp) + o.z_loss_weight * 2.0f * lse * p_[r * E + e] * inv;
            }
        }
        gate_.backward(s, eng_, x, dz.data(), nullptr);
        s.wait();
        return L;
    }

    /// avg = decay * avg + (1 - decay) * the parameters, in snapshot()'s layout.
    void average_into(std::vector<std::vector<float>>& avg, float decay) const {
        std::size_t i = 0;
        gate_.average_into(avg[i++], decay);
        for (const auto& e : experts_) {
            for (const auto& l : e.layers) l.average_into(avg[i++], decay);
        }
    }
    void adam(float lr, int t, float weight_decay) {
        gate_.adam(lr, t, weight_decay);
        for (auto& e : experts_) {
            for (auto& l : e.layers) l.adam(lr, t, weight_decay);
        }
    }
    [[nodiscard]] std::vector<std::vector<float>> snapshot() const {
        std::vector<std::vector<float>> out{gate_.params()};
        for (const auto& e : experts_) {
            for (const auto& l : e.layers) out.push_back(l.params());
        }
        return out;
    }
    void restore(const std::vector<std::vector<float>>& s) {
        std::size_t i = 0;
        gate_.set_params(s[i++]);
        for (auto& e : experts_) {
            for (auto& l : e.layers) l.set_params(s[i++]);
        }
    }
    TrainLinear& gate() { return gate_; }
    /// The combined output logits of the last batch, batch * classes.
    [[nodiscard]] const std::vector<float>& logits() const noexcept { return out_; }
    std::vector<ExpertNet>& experts() { return experts_; }

  private:
    /// Inverted dropout on activations after ReLU: each unit kept with probability 1 - p
    /// (16 bits of a draw per unit) and scaled by 1 / (1 - p).
    static void drop_units(dnnl::stream& s, std::vector<float>& a, float p, SplitMix64& noise) {
        s.wait();
        const auto cut = static_cast<std::uint32_t>(p * 65536.0f);
        const float scale = 1.0f / (1.0f - p);
        std::uint64_t bits = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (i % 4 == 0) bits = noise.next();
            const auto u = static_cast<std::uint32_t>(bits & 0xffff);
            bits >>= 16;
            a[i] = u < cut ? 0.0f : a[i] * scale;
        }
    }

    const dnnl::engine& eng_;
    int f_, c_, e_, k_, b_;
    Activations act_;
    TrainLinear gate_;
    std::vector<ExpertNet> experts_;
    std::vector<float> z_, p_, w_, out_, q_;
    std::vector<std::vector<std::vector<float>>> acts_;
};

}  // namespace

std::vector<std::uint8_t> quantize_features(const std::vector<float>& x) {
    std::vector<std::uint8_t> out(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
        out[i] = static_cast<std::uint8_t>(std::clamp(std::nearbyint(x[i] * 127.0f), 0.0f, 127.0f));
    }
    return out;
}

bool in_validation(std::uint64_t group, std::uint64_t seed, double share) {
    SplitMix64 h(group ^ (seed * 0x9e3779b97f4a7c15ull));
    return static_cast<double>(h.next() >> 11) / static_cast<double>(1ull << 53) < share;
}

Dataset synthetic_task(int rows, std::uint64_t seed) {
    SplitMix64 rng(seed);
    Dataset d;
    d.num_features = 16;
    d.num_classes = 4;
    // Each region has its own random linear rule over features 2..9.
    float rule[4][4][8];
    for (auto& region : rule) {
        for (auto& cls : region) {
            for (float& w : cls) w = 2 * uniform(rng) - 1;
        }
    }
    for (int r = 0; r < rows; ++r) {
        std::vector<float> f(16);
        for (float& v : f) v = uniform(rng);
        const int region = (f[0] > 0.5f ? 1 : 0) + (f[1] > 0.5f ? 2 : 0);
        int best = 0;
        float best_score = -1e9f;
        for (int c = 0; c < 4; ++c) {
            float s = 0;
            for (int i = 0; i < 8; ++i) s += rule[region][c][i] * (f[static_cast<std::size_t>(2 + i)] - 0.5f);
            if (s > best_score) {
                best_score = s;
                best = c;
            }
        }
        d.x.insert(d.x.end(), f.begin(), f.end());
        d.y.push_back(best);
    }
    return d;
}

TrainResult train_moe(const Dataset& data, const TrainOptions& o, const std::function<void(const EpochReport&)>& progress,
                      const Dataset* test) {
    const std::uint64_t init_seed = o.init_seed != 0 ? o.init_seed : o.seed;
    SplitMix64 rng(init_seed);
    // The training noise (input codes, dropout) draws apart, so a recipe without it shuffles
    // exactly as before.
    SplitMix64 noise(init_seed ^ 0x6e6f6973655f7365ull);
    const int rows = data.rows();
    const auto F = static_cast<std::size_t>(data.num_features);
    // Train/validation split: the rows the data marks, else by group when groups are given, else by row.
    std::vector<int> train_rows, val_rows;
    for (int r = 0; r < rows; ++r) {
        const auto i = static_cast<std::size_t>(r);
        const std::uint64_t key = data.groups.empty() ? static_cast<std::uint64_t>(r) : data.groups[i];
        const bool validate = data.validation.empty() ? in_validation(key, o.seed, o.validation_share) : data.validation[i] != 0;
        (validate ? val_rows : train_rows).push_back(r);
    }
    // Train on what consensus will see: inputs quantized to 7-bit codes.
    const std::vector<std::uint8_t> codes = quantize_features(data.x);
    std::vector<float> xq(codes.size());
    for (std::size_t i = 0; i < codes.size(); ++i) xq[i] = static_cast<float>(codes[i]) / 127.0f;

    dnnl::engine eng(dnnl::engine::kind::cpu, 0);
    dnnl::stream s(eng);
    FloatMoe net(eng, data.num_features, data.num_classes, o, rng);
    const auto B = static_cast<std::size_t>(o.batch);
    std::vector<float> bx(B * F);
    std::vector<int> by(B);
    auto load = [&](const std::vector<int>& idx, std::size_t from, bool noisy = false) {
        const std::size_t n = std::min(B, idx.size() - from);
        std::fill(bx.begin(), bx.end(), 0.0f);
        std::fill(by.begin(), by.end(), 0);
        for (std::size_t i = 0; i < n; ++i) {
            const auto r = static_cast<std::size_t>(idx[from + i]);
            std::copy(xq.begin() + static_cast<std::ptrdiff_t>(r * F), xq.begin() + static_cast<std::ptrdiff_t>((r + 1) * F), bx.begin() + static_cast<std::ptrdiff_t>(i * F));
            by[i] = data.y[r];
            if (noisy && o.code_noise > 0) {
                // Input noise on the integer codes; 0 ("absent") stays 0.
                const auto span = static_cast<std::uint64_t>(2 * o.code_noise + 1);
                for (std::size_t f = 0; f < F; ++f) {
                    const std::uint8_t c = codes[r * F + f];
                    if (c == 0) continue;
                    const int moved = static_cast<int>(c) + static_cast<int>(noise.next() % span) - o.code_noise;
                    bx[i * F + f] = static_cast<float>(std::clamp(moved, 1, 127)) / 127.0f;
                }
            }
        }
        return static_cast<int>(n);
    };
    auto evaluate = [&](std::vector<std::vector<float>>* hidden = nullptr, const std::vector<int>* rows_of = nullptr) {
        const std::vector<int>& eval_rows = rows_of != nullptr ? *rows_of : val_rows;
        double loss = 0;
        int correct = 0;
        for (std::size_t from = 0; from < eval_rows.size(); from += B) {
            const int n = load(eval_rows, from);
            const auto L = net.step(s, bx.data(), by.data(), n, false, o, hidden);
            loss += L.ce * n;
            correct += L.correct;
        }
        const double count = std::max<double>(1, static_cast<double>(eval_rows.size()));
        return std::pair{loss / count, correct / count};
    };

    TrainResult result;
    double best_loss = std::numeric_limits<double>::infinity();
    auto best = net.snapshot();
    auto average = best;  // weight_average: the moving average of the weights
    int since_best = 0;
    int t = 0;
    float lr = o.learning_rate;
    for (int epoch = 1; epoch <= o.max_epochs; ++epoch) {
        if (epoch > 1 && o.learning_rate_decay != 1.0f) lr *= o.learning_rate_decay;
        // A seeded shuffle (Fisher-Yates on our own PRNG, so every machine shuffles alike).
        for (std::size_t i = train_rows.size(); i > 1; --i) std::swap(train_rows[i - 1], train_rows[rng.next() % i]);
        EpochReport rep;
        rep.epoch = epoch;
        rep.max_epochs = o.max_epochs;
        int batches = 0;
        for (std::size_t from = 0; from + B <= train_rows.size(); from += B) {
            load(train_rows, from, true);
            const auto L = net.step(s, bx.data(), by.data(), o.batch, true, o, nullptr, &noise);
            net.adam(lr, ++t, o.weight_decay);
            if (o.weight_average > 0) {
                const float warm = static_cast<float>(1 + t) / static_cast<float>(10 + t);
                net.average_into(average, std::min(o.weight_average, warm));
            }
            rep.train_loss += L.ce;
            rep.load_balance_loss += L.aux;
            rep.z_loss += L.z;
            ++batches;
        }
        if (batches > 0) {
            rep.train_loss /= batches;
            rep.load_balance_loss /= batches;
            rep.z_loss /= batches;
        }
        // With weight averaging, the average is what is validated and kept.
        std::vector<std::vector<float>> current;
        if (o.weight_average > 0) {
            current = net.snapshot();
            net.restore(average);
        }
        std::tie(rep.validation_loss, rep.validation_accuracy) = evaluate();
        rep.best = o.early_stopping ? rep.validation_loss < best_loss : epoch == o.max_epochs;
        if (rep.best) {
            best_loss = rep.validation_loss;
            best = net.snapshot();
            since_best = 0;
            result.float_validation_accuracy = rep.validation_accuracy;
        } else {
            ++since_best;
        }
        if (o.weight_average > 0) net.restore(current);
        result.curve.push_back(rep);
        result.epochs_run = epoch;
        if (progress) progress(rep);
        if (o.early_stopping && since_best >= o.patience) break;
    }
    net.restore(best);
    if (test != nullptr && test->rows() > 0) {
        const std::vector<std::uint8_t> tc = quantize_features(test->x);
        const auto C = static_cast<std::size_t>(data.num_classes);
        for (std::size_t from = 0; from < static_cast<std::size_t>(test->rows()); from += B) {
            const std::size_t n = std::min(B, static_cast<std::size_t>(test->rows()) - from);
            std::fill(bx.begin(), bx.end(), 0.0f);
            std::fill(by.begin(), by.end(), 0);
            for (std::size_t i = 0; i < n * F; ++i) bx[i] = static_cast<float>(tc[from * F + i]) / 127.0f;
            (void)net.step(s, bx.data(), by.data(), static_cast<int>(n), false, o);
            const auto& lg = net.logits();
            result.float_test_logits.insert(result.float_test_logits.end(), lg.begin(), lg.begin() + static_cast<std::ptrdiff_t>(n * C));
        }
    }

    // Quantization: calibrate hidden activation ranges on the validation rows' experts (the
    // training rows' when there are none).
    const std::size_t depth = o.hidden.size();
    std::vector<std::vector<float>> hidden(depth);
    (void)evaluate(&hidden, val_rows.empty() ? &train_rows : nullptr);
    std::vector<float> act_scale(depth);
    for (std::size_t d = 0; d < depth; ++d) {
        auto& v = hidden[d];
        float top = 0;
        if (!v.empty()) {
            // The 99.99th percentile: one outlier should not cost everyone resolution.
            const std::size_t at = std::min(v.size() - 1, static_cast<std::size_t>(static_cast<double>(v.size()) * 0.9999));
            std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(at), v.end());
            top = v[at];
        }
        act_scale[d] = top > 0 ? top / 127.0f : 1.0f / 127.0f;
    }
    const float in_scale = 1.0f / 127.0f;
    MoeModel m;
    m.task = o.task;
    m.feature_schema_version = o.feature_schema_version;
    m.num_features = data.num_features;
    m.output_kind = OutputKind::kClass;
    m.output_dim = data.num_classes;
    m.top_k = o.top_k;
    m.capacity_percent = static_cast<std::uint32_t>((100 * o.experts + o.top_k - 1) / o.top_k);  // never drops a row
    m.combine = Combine::kSoft;
    const double gate_w_scale = std::max(1e-12f, net.gate().max_abs_weight()) / 127.0;
    std::vector<double> unit;
    m.gate.linear = quantize_linear(net.gate().to_float_linear(), in_scale, 0, &unit, gate_w_scale);
    m.softmax_temperature = static_cast<std::int32_t>(std::max(1.0, std::round(std::log(2.0) / unit[0])));
    float out_w_max = 1e-12f;
    for (auto& e : net.experts()) out_w_max = std::max(out_w_max, e.layers.back().max_abs_weight());
    const double out_unit = (depth > 0 ? act_scale[depth - 1] : in_scale) * (out_w_max / 127.0);
    m.output_temperature = static_cast<std::int32_t>(std::clamp(std::round(std::log(2.0) / out_unit), 1.0, 1e9));
    for (auto& e : net.experts()) {
        Expert ex;
        float scale = in_scale;
        for (std::size_t l = 0; l < e.layers.size(); ++l) {
            const bool last = l + 1 == e.layers.size();
            ex.layers.push_back(last ? quantize_linear(e.layers[l].to_float_linear(), scale, 0, nullptr, out_w_max / 127.0)
                                     : quantize_linear(e.layers[l].to_float_linear(), scale, act_scale[l]));
            if (!last) scale = act_scale[l];
        }
        m.experts.push_back(std::move(ex));
    }

    // The quantized model on the validation rows, through the engine consensus runs.
    if (!val_rows.empty()) {
        std::vector<std::uint8_t> vx;
        for (int r : val_rows) {
            vx.insert(vx.end(), codes.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(r) * F),
                      codes.begin() + static_cast<std::ptrdiff_t>((static_cast<std::size_t>(r) + 1) * F));
        }
        MoeEngine engine(m);
        const Inference inf = engine.forward(vx.data(), static_cast<int>(val_rows.size()));
        int correct = 0;
        for (std::size_t i = 0; i < val_rows.size(); ++i) {
            correct += inf.argmax(static_cast<int>(i)) == data.y[static_cast<std::size_t>(val_rows[i])] ? 1 : 0;
        }
        result.quantized_validation_accuracy = static_cast<double>(correct) / static_cast<double>(val_rows.size());
    }
    result.model = std::move(m);
    return result;
}

}  // namespace moe::nn
