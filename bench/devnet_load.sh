#!/usr/bin/env bash
# Committed transfers per second of a fresh `moed devnet` and of Anvil on this machine, one
# after the other in the same run, both driven by `moed load` (64 senders of the test mnemonic)
# at the same offered rate, both with a 30M gas limit; Anvil automining (its default) and with
# 1-second blocks. Prints each `moed load` report and the ratio moed / Anvil.
#
#   bench/devnet_load.sh [RATE] [SECONDS] [moed devnet options...]   (default 3000 10)
# MOED: the moed to measure (default build/cmd/moed/moed). Needs tests/e2e/node_modules (npm ci).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
export MOED="${MOED:-$repo/build/cmd/moed/moed}"
rate=${1:-3000} seconds=${2:-10}; shift $(( $# < 2 ? $# : 2 ))
anvil="$repo/tests/e2e/node_modules/.bin/anvil"
[[ -x $anvil ]] || { echo "no anvil at $anvil: run npm ci in tests/e2e" >&2; exit 1; }
source "$repo/tests/e2e/lib/devnet.sh"

pid=
work=$(mktemp -d /tmp/moed-bench-XXXXXX)
cleanup() {
  [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  devnet_stop >/dev/null 2>&1 || true
  rm -rf "$work" "${DEVNET_HOME:-}" "${DEVNET_HOME:-}.log"
}
trap cleanup EXIT

load() {  # load URL -> committed transfers/s (the report goes to stderr)
  local out
  out=$("$MOED" load --rpc "$1" --rate "$rate" --seconds "$seconds" --accounts 64 --timeout 60 2>&1)
  echo "$out" >&2
  sed -n 's/^committed transfers\/s: *\([0-9.]*\).*/\1/p' <<<"$out" | head -n 1
}

anvil_run() {  # anvil_run ARGS... -> committed transfers/s
  local port; port=$(free_port)
  "$anvil" --host 127.0.0.1 --port "$port" --gas-limit 30000000 "$@" >"$work/anvil.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    curl -s -X POST -H 'content-type: application/json' \
      --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "http://127.0.0.1:$port" | grep -q result && break
    sleep 0.1
  done
  load "http://127.0.0.1:$port"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=
}

echo "== moed devnet $* ($MOED), offered $rate transfers/s for $seconds s, 64 senders" >&2
DEVNET_HOME=$work/devnet
DEVNET_PORT=$(free_port)
DEVNET_URL="http://127.0.0.1:$DEVNET_PORT"
"$MOED" devnet --home "$DEVNET_HOME" --rpc-port "$DEVNET_PORT" --log-level warn "$@" >"$work/moed.log" 2>&1 &
DEVNET_PID=$!
for _ in $(seq 1 200); do rpc eth_chainId | grep -q result && break; sleep 0.1; done
moed=$(load "$DEVNET_URL")
devnet_stop
echo "== anvil (automine), same rate" >&2
auto=$(anvil_run)
echo "== anvil --block-time 1, same rate" >&2
interval=$(anvil_run --block-time 1)
echo "committed transfers/s: moed $moed, anvil automine $auto, anvil 1 s blocks $interval"
awk -v m="$moed" -v a="$auto" -v i="$interval" 'BEGIN { printf "moed / anvil automine: %.2fx; moed / anvil 1 s blocks: %.2fx\n", m / a, m / i }'
