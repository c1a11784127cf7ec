#!/usr/bin/env bash
# libFuzzer targets of every decoder (fuzz/, issue 15), built with clang 16 from Debian with
# AddressSanitizer and UndefinedBehaviorSanitizer into build-fuzz/.
#
#   scripts/fuzz.sh --build            configure and build every target (incremental)
#   scripts/fuzz.sh TARGET SECONDS     run one target that long on its corpus; prints its
#                                      executions and exits 1 on a finding
#   scripts/fuzz.sh --list             the targets
#
# Targets: rlp transaction block consensus p2p wal model config jsonrpc evm. The corpus of a
# target lives in build-fuzz/corpus/TARGET (seeded from ../shared/ethereum-tests, the
# repository and, for wal and consensus, a few seconds of build/cmd/moed/moed devnet, by
# scripts/fuzz_seeds.py; grown by every run); a crashing input is written to
# build-fuzz/findings/TARGET/. Environment: MOE_SHARED_DIR (default ../shared), MOE_JOBS (2).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$repo/build-fuzz"
targets=(rlp transaction block consensus p2p wal model config jsonrpc evm)
shared="${MOE_SHARED_DIR:-$repo/../shared}"

build() {
  command -v clang++-16 >/dev/null || { echo "fuzz: clang++-16 is missing: run scripts/install-deps.sh" >&2; exit 2; }
  CC=clang-16 CXX=clang++-16 cmake -S "$repo" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMOE_FUZZ=ON -DMOE_BUILD_TESTS=OFF -DMOE_BUILD_BENCH=OFF >/dev/null
  cmake --build "$out" -j "${MOE_JOBS:-2}" --target "${targets[@]/#/fuzz_}"
}

case "${1:-}" in
  --build) build; exit 0 ;;
  --list) printf '%s\n' "${targets[@]}"; exit 0 ;;
  ""|-h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
target="$1"
seconds="${2:-60}"
[[ " ${targets[*]} " == *" $target "* ]] || { echo "fuzz: unknown target '$target' (scripts/fuzz.sh --list)" >&2; exit 2; }
[[ $seconds =~ ^[0-9]+$ && $seconds -ge 1 ]] || { echo "fuzz: SECONDS must be a whole number >= 1" >&2; exit 2; }
binary="$out/fuzz/fuzz_$target"
# Several targets may start at once (ctest -j): one builds, the others wait for it.
if [[ ! -x $binary ]]; then
  mkdir -p "$out"
  (flock 9; [[ -x $binary ]] || build >/dev/null) 9>"$out/.build.lock"
fi
corpus="$out/corpus/$target"
findings="$out/findings/$target"
mkdir -p "$corpus" "$findings"
if [[ -z "$(ls -A "$corpus")" ]]; then python3 "$repo/scripts/fuzz_seeds.py" "$target" "$shared" "$repo" "$corpus"; fi
log="$out/fuzz_$target.log"
status=0
# -rss_limit_mb: a decoder that allocates what a length field claims is a finding too.
(cd "$findings" && "$binary" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$findings/" "$corpus") >"$log" 2>&1 || status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
echo "fuzz $target: ${runs:-?} executions in ${seconds} s, corpus $(ls "$corpus" | wc -l) inputs, exit $status"
if [[ $status -ne 0 ]]; then
  grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$log" | head -20 >&2
  echo "fuzz $target: the whole log is $log" >&2
  exit 1
fi
