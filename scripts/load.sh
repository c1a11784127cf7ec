#!/usr/bin/env bash
# Drives a running local testnet with 'moed load': signed transfers at RATE per second for
# SECONDS, spread over every node of DIR, then what was committed and how fast.
#
#   scripts/load.sh RATE SECONDS [moed load options...]
#
# Environment as scripts/testnet.sh: MOED, DIR (./testnet), TESTNET_RPC_BASE (8545).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
MOED="${MOED:-$repo/build/cmd/moed/moed}"
DIR="${DIR:-./testnet}"
RPC_BASE="${TESTNET_RPC_BASE:-8545}"

[[ $# -ge 2 ]] || { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
rate=$1 seconds=$2; shift 2
[[ -x $MOED ]] || { echo "load: no moed at $MOED (build it, or set MOED)" >&2; exit 1; }

urls=()
for d in "$DIR"/node*; do
  [[ -d $d ]] || continue
  i="${d##*/node}"
  urls+=("http://127.0.0.1:$((RPC_BASE + i))")
done
((${#urls[@]})) || { echo "load: no testnet in $DIR (run scripts/testnet.sh up N)" >&2; exit 1; }

exec "$MOED" load --rpc "$(IFS=,; echo "${urls[*]}")" --rate "$rate" --seconds "$seconds" "$@"
