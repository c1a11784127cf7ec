#!/usr/bin/env bash
# Per-validator screening work as validators are added (issues 8 and 13, decision 004): for each
# N, an N-validator localnet from `moed testnet`, whose genesis seats each of the fraud model's 8
# experts on 2 validators round-robin (each hosts about 16/N experts), so it routes from block 2
# without registration; a burst of transfers ('moed load') and contract calls. Then, over the
# routed transactions of that window (moe_getRouting on node 0), the share of them each
# validator had to score (it sits in the committee of one of the planned experts) and the share
# whose block counted its answer, against everyone-scores-everything (100% each).
#
#   bench/testnet_routing_share.sh [VALIDATORS...]   (default 4 7)
#
# Environment: MOED (build/cmd/moed/moed), RATE (20 transfers/s), LOAD_SECONDS (5), CALLS (20),
# CAPACITY (routing.capacity_percent; unset: the preset's; 0 = none: the gate alone decides, so
# the committees of its favourite experts score most transactions).
# Needs jq, node and tests/e2e's ethers (cd tests/e2e && npm ci). 127.0.0.1, free ports only.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
export MOED="${MOED:-$repo/build/cmd/moed/moed}"
rate=${RATE:-20} seconds=${LOAD_SECONDS:-5} calls=${CALLS:-20} capacity=${CAPACITY:-}
(($# > 0)) || set -- 4 7

[[ -x $MOED ]] || { echo "routing share: no moed at $MOED (build it, or set MOED)" >&2; exit 1; }
command -v jq >/dev/null || { echo "routing share: jq is missing: run scripts/install-deps.sh" >&2; exit 1; }
command -v node >/dev/null || { echo "routing share: node is missing: run scripts/install-deps.sh" >&2; exit 1; }
[[ -d $repo/tests/e2e/node_modules/ethers ]] || { echo "routing share: no ethers: cd tests/e2e && npm ci" >&2; exit 1; }

tmp="$(mktemp -d /tmp/moe_routing_share_XXXXXX)"
export DIR="$tmp/net"
cleanup() { bash "$repo/scripts/testnet.sh" down >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_base COUNT: a base port with COUNT ports after it that nobody listens on, below the
# kernel's ephemeral range (an outgoing connection may hold a port in it at any time).
free_base() {
  local base p ok low
  low="$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
  for _ in $(seq 1 100); do
    base=$((20000 + RANDOM % (low - 20000 - $1))) ok=1
    for ((p = base; p < base + $1; ++p)); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then ok=0; break; fi
    done
    ((ok)) && { echo "$base"; return; }
  done
  echo "routing share: no free port range" >&2; return 1
}
rpc() {
  curl -s --max-time 3 -H 'Content-Type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":${3:-[]}}" "http://127.0.0.1:$1/" || true
}
height() { local h; h="$(rpc "$1" eth_blockNumber | jq -r '.result // empty' 2>/dev/null)"; [[ -n $h ]] && echo $((h)) || echo 0; }
# wait_for SECONDS WHAT COMMAND...: polls COMMAND every 0.5 s.
wait_for() {
  local limit=$1 what=$2; shift 2
  for ((t = 0; t < limit * 2; ++t)); do "$@" && return 0; sleep 0.5; done
  echo "routing share: timed out after $limit s waiting for $what" >&2
  bash "$repo/scripts/testnet.sh" status >&2 || true
  tail -n 5 "$DIR/node0/moed.log" >&2 || true
  return 1
}
all_served() {
  local i
  for ((i = 0; i < n; ++i)); do
    [[ $(rpc $((rpc_base + i)) moe_getExperts | jq '[.result.experts[] | select(.served and (.committee | length) == 2)] | length' 2>/dev/null) == 8 ]] || return 1
  done
}
above() { (($(height "$rpc_base") >= $1)); }

summary=()
for n in "$@"; do
  [[ $n =~ ^[0-9]+$ && $n -ge 2 ]] || { echo "routing share: N must be at least 2 (got $n)" >&2; exit 2; }
  started=$SECONDS
  # Another process may take a port between the probe and the bind: then new ports, 3 tries.
  for attempt in 1 2 3; do
    bash "$repo/scripts/testnet.sh" down >/dev/null 2>&1 || true
    rm -rf "$DIR"
    rpc_base="$(free_base "$n")" p2p_base="$(free_base "$n")"
    export TESTNET_RPC_BASE=$rpc_base TESTNET_P2P_BASE=$p2p_base
    "$MOED" testnet --validators "$n" --out "$DIR" --rpc-base "$rpc_base" --p2p-base "$p2p_base" >/dev/null
    # One of a committee of two answering is a quorum, so a precommit that misses a
    # certificate does not hold a block back.
    jq --arg c "$capacity" '.routing += {min_committee_size: 2, top_k: 2, failover_heights: 3, quorum_bps: 5000} |
        if $c == "" then . else .routing.capacity_percent = ($c | tonumber) end' \
      "$DIR/node0/genesis.json" >"$tmp/genesis.json"
    for ((i = 0; i < n; ++i)); do cp "$tmp/genesis.json" "$DIR/node$i/genesis.json"; done
    bash "$repo/scripts/testnet.sh" up "$n" "$DIR" >/dev/null && break
    ((attempt < 3)) || { echo "routing share: the $n nodes did not start" >&2; exit 1; }
  done
  echo "== $n validators (rpc $rpc_base+, p2p $p2p_base+, capacity_percent $(jq '.routing.capacity_percent' "$tmp/genesis.json"))"
  wait_for 60 "block 2" above 2
  wait_for 30 "every expert to be served by its 2 genesis hosts" all_served
  # A block is routed with the committees of its parent's height (its certificate's): the
  # window starts at the first block whose parent already had them.
  from=$(($(height "$rpc_base") + 2))
  wait_for 30 "block $((from - 1))" above $((from - 1))

  urls="$(for ((i = 0; i < n; ++i)); do printf 'http://127.0.0.1:%d,' $((rpc_base + i)); done)"
  "$MOED" load --rpc "${urls%,}" --rate "$rate" --seconds "$seconds" --accounts 8 2>&1 | sed 's/^/   /'
  node "$repo/bench/routing_share.mjs" calls "$DIR" "$rpc_base" "$calls" | sed 's/^/   /'
  bash "$repo/scripts/testnet.sh" experts | sed 's/^/   /' || true

  r="$(node "$repo/bench/routing_share.mjs" report "$DIR" "$rpc_base" "$from")"
  line="$(jq -r '
    def pct: (. * 10 | round / 10 | tostring) + "%";
    def mean: add / length;
    "validators=\(.validators): \(.routed) routed of \(.transactions) transactions (blocks \(.from)..\(.head), \(.failovers) failed over);" +
    " scored (duty) mean \(.dutyShare | mean | pct), max \(.dutyShare | max | pct);" +
    " answered mean \(.answerShare | mean | pct), max \(.answerShare | max | pct)" +
    " [per validator: \(.dutyShare | map(round | tostring + "%") | join(" "))]; planned experts: \(.plannedExperts | tojson); not routed: \(.unrouted | tojson) in blocks \(.unroutedBlocks | tojson)"' <<<"$r")"
  echo "   $line ($((SECONDS - started)) s)"
  summary+=("$line")
  bash "$repo/scripts/testnet.sh" down >/dev/null
done

echo "== share of transactions each validator scored (everyone-scores-everything = 100% each)"
printf '%s\n' "${summary[@]}"
