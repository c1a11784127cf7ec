#!/usr/bin/env bash
# A 4-validator localnet on this machine under the load script: sustained committed transfers
# per second and inclusion (= finality) latency p50/p99, beside the offered rate.
#
#   bench/testnet_load.sh [RATE] [SECONDS] [VALIDATORS]   (default 300 30 4)
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
echo "== $validators validators, offered $rate transfers/s for $seconds s from $accounts senders (1 s blocks, 30M gas)"
bash "$repo/scripts/load.sh" "$rate" "$seconds" --accounts "$accounts"
