#!/usr/bin/env bash
# The operator's probes (issue 16, item 4). Node 0 of a two-validator testnet, started alone:
# /health/live answers 200 while /health/ready answers 503 with a reason (no peer; it cannot
# commit), and /metrics already holds every series the dashboard and alerts of deploy/ use,
# at zero. Then node 1 starts: node 0 becomes ready and blocks are committed; a refused
# transaction and an unknown method are counted by reason and method class.
set -euo pipefail

MOED="${MOED:?set MOED to the moed binary}"
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib/devnet.sh"
command -v jq >/dev/null || { echo "jq is missing: run scripts/install-deps.sh" >&2; exit 1; }
tmp="$(mktemp -d /tmp/moe_health_XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for i in 0 1; do [[ -f $tmp/node$i.log ]] && tail -20 "$tmp/node$i.log" >&2; done; exit 1; }

rpc_base=$(free_ports 4); p2p_base=$((rpc_base + 2))  # one run of four: the two bases cannot overlap
"$MOED" testnet --validators 2 --out "$tmp/tn" --rpc-base "$rpc_base" --p2p-base "$p2p_base" >/dev/null
url0="http://127.0.0.1:$rpc_base"
start_node() {
  "$MOED" start --home "$tmp/tn/node$1" >"$tmp/node$1.log" 2>&1 &
  pids+=($!)
}
get() { curl -s -o "$tmp/body" -w '%{http_code}' "$1"; }

start_node 0
for _ in $(seq 1 100); do [[ $(get "$url0/health/live" || true) == 200 ]] && break; sleep 0.1; done
[[ $(get "$url0/health/live") == 200 ]] || fail "/health/live of a serving node is not 200"
[[ $(jq -r .status "$tmp/body") == ok ]] || fail "/health/live body: $(cat "$tmp/body")"
[[ $(get "$url0/health") == 200 ]] || fail "/health no longer answers 200"
sleep 1  # consensus runs; the peer is still absent
code=$(get "$url0/health/ready")
[[ $code == 503 ]] || fail "/health/ready of a validator without its peer answered $code: $(cat "$tmp/body")"
[[ $(jq -r .status "$tmp/body") == "not ready" ]] || fail "/health/ready body: $(cat "$tmp/body")"
jq -r .reason "$tmp/body" | grep -q "no peer connected" || fail "/health/ready reason: $(cat "$tmp/body")"

# Every series deploy/ uses exists before the first block and the first request, at zero.
metrics=$(curl -s "$url0/metrics")
zero() {  # zero SERIES: the line exists with value 0
  grep -qxF "$1 0" <<<"$metrics" || fail "no '$1 0' in /metrics before the first block: $(grep -F "${1%%\{*}" <<<"$metrics" | head -3)"
}
zero moe_block_height
zero moe_transactions_committed_total
zero moe_transaction_finality_seconds_count
zero moe_consensus_height_seconds_count
zero 'moe_consensus_height_seconds_bucket{le="+Inf"}'
zero moe_consensus_halted
zero moe_p2p_peers
zero 'moe_p2p_sent_bytes_total{type="compact_proposal"}'
zero 'moe_p2p_received_bytes_total{type="vote"}'
zero moe_mempool_transactions
zero 'moe_mempool_refused_total{reason="full"}'
zero 'moe_mempool_refused_total{reason="invalid"}'
zero 'moe_mempool_refused_total{reason="screening"}'
zero 'moe_rpc_requests_total{class="eth"}'
zero 'moe_rpc_request_errors_total{class="eth"}'
zero 'moe_rpc_requests_total{class="unknown"}'
zero 'moe_rpc_calls_total{method="eth_sendRawTransaction"}'
for d in accept flag reject; do zero "moe_screening_verdicts_total{decision=\"$d\"}"; done
for e in 0 7; do
  zero "moe_expert_verdicts_total{expert=\"$e\"}"
  zero "moe_expert_failovers_total{expert=\"$e\"}"
  zero "moe_screening_expert_selections_total{expert=\"$e\"}"
done
grep -qxF "moe_p2p_persistent_peers 1" <<<"$metrics" || fail "moe_p2p_persistent_peers is not 1"

# With its peer, node 0 is ready and commits.
start_node 1
ready=0
for _ in $(seq 1 300); do
  if [[ $(get "$url0/health/ready" || true) == 200 ]] && (( $(jq .block_number "$tmp/body") > 0 )); then ready=1; break; fi
  sleep 0.1
done
(( ready )) || fail "node 0 is not ready at a block above 0 within 30 s of its peer starting: $(cat "$tmp/body")"
[[ $(jq -r .status "$tmp/body") == ready && $(jq .peers "$tmp/body") == 1 ]] || fail "/health/ready body: $(cat "$tmp/body")"

DEVNET_URL=$url0
rpc eth_sendRawTransaction '["0x00"]' | grep -q error || fail "an undecodable transaction was accepted"
rpc no_suchMethod | grep -q -- -32601 || fail "an unknown method did not answer -32601"
metrics=$(curl -s "$url0/metrics")
grep -qxF 'moe_mempool_refused_total{reason="invalid"} 1' <<<"$metrics" || fail "the refusal is not counted as invalid"
grep -qxF 'moe_rpc_request_errors_total{class="eth"} 1' <<<"$metrics" || fail "the eth error is not counted by class"
grep -qxF 'moe_rpc_requests_total{class="unknown"} 1' <<<"$metrics" || fail "the unknown method is not counted"
grep -qxF 'moe_p2p_peers 1' <<<"$metrics" || fail "moe_p2p_peers is not 1"
height=$(sed -n 's/^moe_block_height //p' <<<"$metrics")
(( height > 0 )) || fail "moe_block_height is $height"
# Proposals travel compact (the block's transaction hashes), never as whole blocks.
compact=$(sed -n 's/^moe_p2p_sent_bytes_total{type="compact_proposal"} //p' <<<"$metrics")
full=$(sed -n 's/^moe_p2p_sent_bytes_total{type="proposal"} //p' <<<"$metrics")
(( compact > 0 && full == 0 )) || fail "proposal bytes sent: compact $compact, full $full"
echo "ok: live 200, ready 503 alone and 200 with its peer at block $height; every series present at zero from start-up"
