#!/usr/bin/env bash
# A 4-validator localnet on this machine under the load script: sustained committed transfers
# per second and inclusion (= finality) latency p50/p99, beside the offered rate and the raw
# limit of sender recovery on this machine measured in the same run.
#
#   bench/testnet_load.sh [RATE] [SECONDS] [VALIDATORS]   (default 300 30 4)
#
# TESTNET_BLOCK_GAS_LIMIT and TESTNET_BLOCK_INTERVAL_MS set the genesis's gas limit and block
# interval (the localnet preset's 30M and 1000 ms: 1 s blocks of 30M hold 1,428 transfers, so
# 2,000/s needs more gas or shorter blocks).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
export MOED="${MOED:-$repo/build/cmd/moed/moed}"
rate=${1:-300} seconds=${2:-30} validators=${3:-4}
export DIR; DIR="$(mktemp -d)/testnet"
export TESTNET_RPC_BASE=${TESTNET_RPC_BASE:-39545} TESTNET_P2P_BASE=${TESTNET_P2P_BASE:-39645}
trap 'bash "$repo/scripts/testnet.sh" down >/dev/null 2>&1 || true; rm -rf "$(dirname "$DIR")"' EXIT

bash "$repo/scripts/testnet.sh" up "$validators" "$DIR" >/dev/null
for _ in $(seq 1 100); do
  h=$(curl -s --max-time 1 -H 'content-type: application/json' \
      -d '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}' "http://127.0.0.1:$TESTNET_RPC_BASE/" |
      sed -n 's/.*"result":"\(0x[0-9a-f]*\)".*/\1/p')
  [[ -n $h ]] && (( h >= 3 )) && break
  sleep 0.3
done
# A pool holds at most 64 transactions of one sender: a sender per 4 transfers/s keeps every
# sender well inside that while its transactions wait about a block.
accounts=$(( rate / 4 > 10 ? rate / 4 : 10 ))
gas_limit=${TESTNET_BLOCK_GAS_LIMIT:-30000000} interval_ms=${TESTNET_BLOCK_INTERVAL_MS:-1000}
echo "== $validators validators, offered $rate transfers/s for $seconds s from $accounts senders ($interval_ms ms blocks, $((gas_limit / 1000000))M gas)"
bash "$repo/scripts/load.sh" "$rate" "$seconds" --accounts "$accounts"

# What the validators sent each other, by message type, per transaction committed (all of
# them, the senders' funding included): each transaction should cross each link once, in
# gossip; proposals name it by its hash (decision 003, "Proposals travel compact").
for i in $(seq 0 $((validators - 1))); do
  curl -s --max-time 5 "http://127.0.0.1:$((TESTNET_RPC_BASE + i))/metrics" || true
done | awk '
  /^moe_p2p_sent_bytes_total\{/ { split($1, a, "\""); sent[a[2]] += $2; total += $2 }
  /^moe_transactions_committed_total / { committed = $2 }
  END {
    if (total == 0 || committed == 0) { print "p2p bytes:             not exported by this moed"; exit }
    printf "p2p bytes sent:        %.0f per committed transaction, all validators (", total / committed
    n = split("pooled_transactions compact_proposal proposal proposal_transactions_request proposal_transactions vote", k, " ")
    for (j = 1; j <= n; j++) printf "%s%s %.1f", (j > 1 ? ", " : ""), k[j], sent[k[j]] / committed
    printf ")\n"
  }'

# The raw limit beside it, measured in the same run (issue 17): every validator recovers every
# sender once, so the machine's cores, each recovering at bench_core's rate, bound the chain at
# cores x rate / validators transfers a second.
bench_core=${BENCH_CORE:-$repo/build/bench/bench_core}
if [[ -x $bench_core ]]; then
  recovery_ns=$("$bench_core" --benchmark_filter='BM_SenderRecovery$' --benchmark_format=json 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["benchmarks"][0]["cpu_time"])')
  awk -v ns="$recovery_ns" -v cores="$(nproc)" -v n="$validators" 'BEGIN {
    printf "raw limit:             %.0f transfers/s (%d cores x %.0f sender recoveries/s on one core, bench_core, over %d validators)\n",
           cores * 1e9 / ns / n, cores, 1e9 / ns, n }'
else
  echo "raw limit:             not measured (no bench_core at $bench_core; set BENCH_CORE)"
fi
