#include "moe/requant.hpp"

#include <cmath>

namespace moe::nn {

FixedPointScale scale_from_real(double real) {
    FixedPointScale s;
    if (!(real > 0)) return FixedPointScale{0, 0};
    int exponent = 0;
    const double mantissa = std::frexp(real, &exponent);  // real = mantissa * 2^exponent, mantissa in [0.5, 1)
    auto q = static_cast<std::int64_t>(std::llround(mantissa * static_cast<double>(1ll << 31)));
    if (q == (1ll << 31)) {
        q /= 2;
        ++exponent;
    }
    s.multiplier = static_cast<std::int32_t>(q);
    s.shift = -exponent;
    if (s.shift < 0) s.shift = 0;  // scales >= 1 are clamped: activations never need them
    if (s.shift > 31) s = FixedPointScale{0, 0};
    return s;
}

}  // namespace moe::nn
