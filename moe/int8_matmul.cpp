#include "moe/int8_matmul.hpp"

#include <cstring>

namespace moe::nn {

using dnnl::memory;

Int8Matmul::Int8Matmul(Device& device, int k, int n, std::span<const std::int8_t> weights)
    : device_(device), k_(k), n_(n), weights_(weights.begin(), weights.end()) {}

Int8Matmul::Bucket& Int8Matmul::bucket_for(int rows) {
    int m = 1;
    while (m < rows) m *= 2;
    auto it = buckets_.find(m);
    if (it != buckets_.end()) return it->second;

    const memory::desc src_md({m, k_}, memory::data_type::u8, memory::format_tag::ab);
    const memory::desc any_wei_md({k_, n_}, memory::data_type::s8, memory::format_tag::any);
    const memory::desc dst_md({m, n_}, memory::data_type::s32, memory::format_tag::ab);
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md, any_wei_md, dst_md), device_.engine);

    Bucket b{dnnl::matmul(pd), memory(src_md, device_.engine, DNNL_MEMORY_NONE), memory(pd.weights_desc(), device_.engine),
             memory(dst_md, device_.engine, DNNL_MEMORY_NONE), {}, {}};
    b.own_src.assign(static_cast<std::size_t>(m) * static_cast<std::size_t>(k_), 0);
    b.own_dst.assign(static_cast<std::size_t>(m) * static_cast<std::size_t>(n_), 0);
    b.src.set_data_handle(b.own_src.data());
    b.dst.set_data_handle(b.own_dst.data());
    // Pack the weights into the layout the primitive chose.
    memory user({{k_, n_}, memory::data_type::s8, memory::format_tag::ab}, device_.engine, weights_.data());
    dnnl::reorder(user, b.weights).execute(device_.stream, user, b.weights);
    device_.stream.wait();
    return buckets_.emplace(m, std::move(b)).first->second;
}

void Int8Matmul::run(const std::uint8_t* src, int rows, std::int32_t* dst) {
    if (rows <= 0) return;
    Bucket& b = bucket_for(rows);
    const int m = static_cast<int>(b.src.get_desc().dims()[0]);
    if (rows == m) {
        // The caller's buffers are exactly the bucket's shape: run on them in place.
        b.src.set_data_handle(const_cast<std::uint8_t*>(src));
        b.dst.set_data_handle(dst);
        b.primitive.execute(device_.stream, {{DNNL_ARG_SRC, b.src}, {DNNL_ARG_WEIGHTS, b.weights}, {DNNL_ARG_DST, b.dst}});
        device_.stream.wait();
        b.src.set_data_handle(b.own_src.data());
        b.dst.set_data_handle(b.own_dst.data());
        return;
    }
    auto* in = static_cast<std::uint8_t*>(b.src.get_data_handle());
    std::memcpy(in, src, static_cast<std::size_t>(rows) * static_cast<std::size_t>(k_));
    // Padding rows of a previous larger call are harmless: their outputs are not read.
    b.primitive.execute(device_.stream, {{DNNL_ARG_SRC, b.src}, {DNNL_ARG_WEIGHTS, b.weights}, {DNNL_ARG_DST, b.dst}});
    device_.stream.wait();
    std::memcpy(dst, b.dst.get_data_handle(), static_cast<std::size_t>(rows) * static_cast<std::size_t>(n_) * sizeof(std::int32_t));
}

void reference_matmul(const std::uint8_t* src, int rows, int k, int n, const std::int8_t* weights, std::int32_t* dst) {
    for (int i = 0; i < rows; ++i) {
        for (int j = 0; j < n; ++j) {
            std::int32_t acc = 0;
            for (int p = 0; p < k; ++p) acc += static_cast<std::int32_t>(src[i * k + p]) * weights[p * n + j];
            dst[i * n + j] = acc;
        }
    }
}

}  // namespace moe::nn
