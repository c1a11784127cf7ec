#!/usr/bin/env bash
# 'moed testnet' writes N homes that share one genesis listing all N validators, with
# consecutive ports and every other node as a persistent peer; it refuses a used folder.
# Then scripts/testnet.sh starts, watches, lists the experts of, kills, restarts and stops two
# of them.
# The files use fixed ports 28545+ (RPC) and 36656+ (P2P), never 8545; the nodes the script
# starts take free ones.
set -euo pipefail

MOED="${MOED:?set MOED to the moed binary}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
source "$repo/tests/e2e/lib/devnet.sh"
command -v jq >/dev/null || { echo "jq is missing: run scripts/install-deps.sh" >&2; exit 1; }
tmp="$(mktemp -d /tmp/moe_testnet_XXXXXX)"
cleanup() { DIR="$tmp/run" MOED="$MOED" bash "$repo/scripts/testnet.sh" down >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

out="$tmp/tn"
"$MOED" testnet --validators 4 --out "$out" --rpc-base 28545 --p2p-base 36656 >/dev/null

for i in 0 1 2 3; do
  h="$out/node$i"
  for f in config.json genesis.json keys/validator_key.json keys/node_key.json; do
    [[ -f $h/$f ]] || fail "node$i lacks $f"
  done
  [[ $(stat -c %a "$h/keys/validator_key.json") == 600 ]] || fail "node$i's validator key is not 0600"
  cmp -s "$out/node0/genesis.json" "$h/genesis.json" || fail "node$i has another genesis"
  [[ $(jq .rpc_port "$h/config.json") == $((28545 + i)) ]] || fail "node$i rpc_port"
  [[ $(jq .p2p_port "$h/config.json") == $((36656 + i)) ]] || fail "node$i p2p_port"
  want="$(for j in 0 1 2 3; do [[ $j == "$i" ]] || echo "127.0.0.1:$((36656 + j))"; done)"
  [[ "$(jq -r '.persistent_peers[]' "$h/config.json")" == "$want" ]] || fail "node$i persistent_peers"
  address="$(jq -r .address "$h/keys/validator_key.json")"
  [[ $(jq --arg a "$address" '[.validators[] | select(.address == $a and .power == 100)] | length' "$h/genesis.json") == 1 ]] ||
    fail "node$i's validator is not in the genesis with power 100"
done
[[ $(jq '.validators | length' "$out/node0/genesis.json") == 4 ]] || fail "the genesis lists other than 4 validators"
[[ $(jq -r .name "$out/node0/genesis.json") == localnet ]] || fail "the default preset is not localnet"
[[ $(jq '[.validators[].address] | unique | length' "$out/node0/genesis.json") == 4 ]] || fail "validators repeat"
# Every expert of the fraud model is hosted by exactly two of the four genesis validators.
[[ $(jq '[.validators[].experts[]] | group_by(.) | map(length) == [2,2,2,2,2,2,2,2]' "$out/node0/genesis.json") == true ]] ||
  fail "the genesis does not seat each of the 8 experts on two validators: $(jq -c '[.validators[].experts]' "$out/node0/genesis.json")"

# A used folder, and bad arguments, are refused with an error.
if "$MOED" testnet --validators 2 --out "$out" 2>/dev/null; then fail "a non-empty folder was overwritten"; fi
if "$MOED" testnet --validators 0 --out "$tmp/zero" 2>/dev/null; then fail "0 validators accepted"; fi
if "$MOED" testnet --validators 2 --out "$tmp/p" --rpc-base 65535 2>/dev/null; then fail "ports past 65535 accepted"; fi
if "$MOED" testnet --validators 2 --out "$tmp/q" --preset nope 2>/dev/null; then fail "an unknown preset accepted"; fi
if "$MOED" testnet --validators 2 --out "$tmp/g" --block-gas-limit 4999 2>/dev/null; then fail "a gas limit under 5000 accepted"; fi
[[ ! -e $tmp/zero && ! -e $tmp/p && ! -e $tmp/q && ! -e $tmp/g ]] || fail "a refused testnet left files behind"
"$MOED" testnet --validators 2 --out "$tmp/gas" --block-gas-limit 60000000 >/dev/null
[[ $(jq .block_gas_limit "$tmp/gas/node0/genesis.json") == 60000000 ]] || fail "--block-gas-limit is not the genesis's"
cmp -s "$tmp/gas/node0/genesis.json" "$tmp/gas/node1/genesis.json" || fail "--block-gas-limit: node1 has another genesis"

# The script: up, status, kill, start, stop, down.
base="$(free_ports 4)"
export DIR="$tmp/run" MOED TESTNET_RPC_BASE="$base" TESTNET_P2P_BASE="$((base + 2))"
ts="$repo/scripts/testnet.sh"
bash "$ts" up 2 >/dev/null
height() { bash "$ts" status | awk -v n="node$1" '$1 == n { print $4 }'; }
wait_height() {
  for _ in $(seq 1 100); do h="$(height "$1")"; [[ $h =~ ^[0-9]+$ && $h -ge 1 ]] && return; sleep 0.2; done
  bash "$ts" status >&2; bash "$ts" logs "$1" >&2; fail "node$1 made no block"
}
wait_height 0; wait_height 1
# The experts table: `moed testnet` seats each of the fraud model's 8 experts on two genesis
# validators, so with two validators every expert is served by both from the first block.
experts="$(bash "$ts" experts)" || fail "testnet.sh experts failed: $experts"
[[ $(sed -n 2p <<<"$experts") =~ ^expert\ +served\ +committee ]] || fail "testnet.sh experts printed no header: $experts"
[[ $(awk 'NR > 2 && $1 ~ /^[0-7]$/ && $2 == "yes" && ($3 == "n0,n1" || $3 == "n1,n0")' <<<"$experts" | wc -l) == 8 ]] ||
  fail "testnet.sh experts does not list the 8 experts served by n0 and n1: $experts"
row() { bash "$ts" status | awk -v n="node$1" '$1 == n'; }  # whole output read: no SIGPIPE under pipefail
[[ $(row 1) =~ ^node1\ +[0-9]+\ +yes ]] || fail "status does not show node1 alive"
bash "$ts" kill 1 >/dev/null
sleep 0.3
[[ $(row 1) =~ ^node1\ +[0-9]+\ +no ]] || fail "node1 still alive after kill"
bash "$ts" start 1 >/dev/null
wait_height 1
bash "$ts" stop 0 >/dev/null
[[ $(row 0) =~ ^node0\ +[0-9]+\ +no ]] || fail "node0 alive after stop"
[[ $(bash "$ts" logs 0) == *"stopped cleanly"* ]] || fail "node0 did not stop cleanly"
bash "$ts" down >/dev/null
echo "testnet files and script: ok"
