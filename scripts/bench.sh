#!/usr/bin/env bash
# Builds and runs the benchmarks; every figure is printed next to its baseline from the same run.
# Usage: scripts/bench.sh [core|storage|...]  (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
min_time=${MOE_BENCH_MIN_TIME:-0.5}
for b in ${@:-core storage admission evm moe devnet_load}; do
  echo "== bench_$b"
  if [[ $b == devnet_load ]]; then
    build/bench/bench_devnet_load 2> >(grep -v ' INFO ' >&2)
  else
    "build/bench/bench_$b" --benchmark_min_time="$min_time" 2> >(grep -v " INFO " >&2)
  fi
done
