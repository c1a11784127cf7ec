#pragma once

#include <string>

namespace moe::node {

/// `moed moe bench`: the int8 and f32 expert against the naive loop and the CPU's measured
/// peak, whole-MoE rows/s, and the MoE cost per transaction beside sender recovery. Prints a
/// table and ends with "peak_ratio=R naive_ratio=N" (int8 expert, batch 1024).
int run_moe_bench(int threads, double seconds_per_case);

}  // namespace moe::node
