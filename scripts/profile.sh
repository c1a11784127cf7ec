#!/usr/bin/env bash
# Where a loaded node spends its CPU (issue 17): perf records every moed process of a devnet
# or of a 4-validator localnet while 'moed load' sends signed transfers, then prints the costs
# per committed transfer, by component and by leaf symbol, in microseconds beside a sender
# recovery measured in the same run (bench_core's BM_SenderRecovery).
#
#   scripts/profile.sh devnet   [RATE] [SECONDS]   (default 1000 20)
#   scripts/profile.sh localnet [RATE] [SECONDS]   (default 400 20; 4 validators, 1 s blocks)
#
# Environment: MOED (build/cmd/moed/moed), BENCH_CORE (build/bench/bench_core), OUT (a folder
# to keep perf.data, the load's output and the report in; default a temporary one, removed),
# TESTNET_BLOCK_GAS_LIMIT and TESTNET_BLOCK_INTERVAL_MS (the localnet's; the preset's 30M and
# 1000 ms by default).
# Needs perf (linux-perf) with perf_event_paranoid <= 2 (user-space samples of our own processes).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
MOED="${MOED:-$repo/build/cmd/moed/moed}"
BENCH_CORE="${BENCH_CORE:-$repo/build/bench/bench_core}"
source "$repo/tests/e2e/lib/devnet.sh"  # free_ports

mode=${1:-}
case "$mode" in
  devnet) rate=${2:-1000} seconds=${3:-20} ;;
  localnet) rate=${2:-400} seconds=${3:-20} ;;
  *) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
command -v perf >/dev/null || { echo "profile: perf is missing (linux-perf): run scripts/install-deps.sh" >&2; exit 1; }
[[ -x $MOED && -x $BENCH_CORE ]] || { echo "profile: build first (scripts/build.sh)" >&2; exit 1; }

keep=${OUT:+1}
OUT="${OUT:-$(mktemp -d /tmp/moe_profile_XXXXXX)}"
mkdir -p "$OUT"
pids=() devnet_pid=""
cleanup() {
  [[ -n $devnet_pid ]] && { kill -TERM "$devnet_pid" 2>/dev/null || true; wait "$devnet_pid" 2>/dev/null || true; }
  [[ $mode == localnet ]] && DIR="$OUT/testnet" MOED="$MOED" bash "$repo/scripts/testnet.sh" down >/dev/null 2>&1 || true
  [[ -n $keep ]] || rm -rf "$OUT"
}
trap cleanup EXIT

wait_for_block() {  # wait_for_block URL N
  for _ in $(seq 1 150); do
    local h
    h=$(curl -s --max-time 1 -H 'content-type: application/json' \
        -d '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}' "$1" | sed -n 's/.*"result":"\(0x[0-9a-f]*\)".*/\1/p' || true)
    [[ -n $h ]] && (( h >= $2 )) && return 0
    sleep 0.2
  done
  echo "profile: $1 made no block" >&2; exit 1
}

if [[ $mode == devnet ]]; then
  port=$(free_port)
  "$MOED" devnet --home "$OUT/devnet" --rpc-port "$port" >"$OUT/moed.log" 2>&1 &
  devnet_pid=$!
  pids=("$devnet_pid")
  urls="http://127.0.0.1:$port"
  wait_for_block "$urls" 0
  accounts=10
else
  base=$(free_ports 8)
  export DIR="$OUT/testnet" MOED TESTNET_RPC_BASE=$base TESTNET_P2P_BASE=$((base + 4))
  bash "$repo/scripts/testnet.sh" up 4 >/dev/null
  for i in 0 1 2 3; do pids+=("$(cat "$DIR/node$i/moed.pid")"); done
  urls="$(for i in 0 1 2 3; do echo "http://127.0.0.1:$((base + i))"; done | paste -sd,)"
  wait_for_block "http://127.0.0.1:$base" 3
  accounts=$(( rate / 4 > 10 ? rate / 4 : 10 ))
fi

# Sampled while the load runs (DWARF unwinding: the build keeps its debug information).
perf record -q -F 250 --call-graph dwarf,16384 -p "$(IFS=,; echo "${pids[*]}")" -o "$OUT/perf.data" 2>"$OUT/perf.log" &
perf_pid=$!
sleep 0.5
"$MOED" load --rpc "$urls" --rate "$rate" --seconds "$seconds" --accounts "$accounts" | tee "$OUT/load.txt"
kill -INT "$perf_pid"; wait "$perf_pid" || true

committed=$(sed -n 's/^committed: *\([0-9]*\) in.*/\1/p' "$OUT/load.txt")
recovery_ns=$("$BENCH_CORE" --benchmark_filter='BM_SenderRecovery$' --benchmark_format=json 2>/dev/null |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["benchmarks"][0]["cpu_time"])')
echo
echo "== $mode: $rate transfers/s offered for $seconds s; $(nproc) cores; load average $(cut -d' ' -f1 /proc/loadavg)"
perf script -i "$OUT/perf.data" -F comm,tid,period,ip,sym,dso 2>/dev/null |
  python3 "$repo/scripts/profile_report.py" "${committed:-0}" "$recovery_ns" | tee "$OUT/report.md"
[[ -n $keep ]] && echo "kept in $OUT (perf report -i $OUT/perf.data)"
