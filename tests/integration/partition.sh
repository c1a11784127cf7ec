#!/usr/bin/env bash
# Network partitions of a 4-validator localnet, each validator in a network namespace of its
# own, linked to a bridge in a fifth one (nothing touches the host's network):
#   2|2   no half has more than 2/3 of the power: no block is committed on either side, and
#         the blocks both sides hold are the same
#   3|1   the three go on; the one does not
#   heal  all converge on one chain: the one catches up, the same hashes on every node, no
#         evidence against anyone
# A partition moves veth ends from one bridge to another (packets are dropped, not refused),
# as a cut cable does. Needs root, iproute2 and network namespaces; exits 77 (skipped) with a
# message where it cannot create them. Prints "N passed, N failed".
set -uo pipefail
[[ -n ${MOED:-} && -x $MOED ]] || { echo "set MOED to the moed executable" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is missing: run scripts/install-deps.sh" >&2; exit 1; }

tag="mp$$"
br="$tag-br"
ns() { echo "$tag-n$1"; }
skip() { echo "SKIPPED: $*" >&2; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "network namespaces need root"
command -v ip >/dev/null || skip "no ip (iproute2)"
work=$(mktemp -d /tmp/moed-partition-XXXXXX)
pids=()
cleanup() {
  local p i
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
  done
  for i in 0 1 2 3; do ip netns del "$(ns "$i")" 2>/dev/null; done
  ip netns del "$br" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$br" 2>/dev/null || skip "cannot create a network namespace (ip netns add)"

passed=0
failed=0
check() {  # check NAME CONDITION_EXIT_STATUS DETAIL
  if [[ $2 -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $1: $3"; fi
}

# The network: a bridge for each side; node i is 10.201.0.(i+1) on its eth0.
ip -n "$br" link set lo up
for b in side0 side1; do ip -n "$br" link add "$b" type bridge && ip -n "$br" link set "$b" up; done
for i in 0 1 2 3; do
  ip netns add "$(ns "$i")"
  ip -n "$(ns "$i")" link set lo up
  ip -n "$(ns "$i")" link add eth0 type veth peer name "port$i" netns "$br"
  ip -n "$(ns "$i")" addr add "10.201.0.$((i + 1))/24" dev eth0
  ip -n "$(ns "$i")" link set eth0 up
  ip -n "$br" link set "port$i" master side0 up
done
# split A B C D: node i goes to side (digit i).
split() { local i sides=$1; for i in 0 1 2 3; do ip -n "$br" link set "port$i" master "side${sides:$i:1}"; done; }

# The homes: 'moed testnet', then each node listens on its own address and dials the others'.
"$MOED" testnet --validators 4 --out "$work/net" --rpc-base 8545 --p2p-base 26656 >/dev/null 2>&1 ||
  { echo "moed testnet failed" >&2; exit 1; }
for i in 0 1 2 3; do
  peers=$(for j in 0 1 2 3; do [[ $j -ne $i ]] && echo "10.201.0.$((j + 1)):$((26656 + j))"; done | jq -R . | jq -sc .)
  jq --arg host "10.201.0.$((i + 1))" --argjson peers "$peers" '.p2p_host = $host | .persistent_peers = $peers' \
    "$work/net/node$i/config.json" >"$work/config.json" && mv "$work/config.json" "$work/net/node$i/config.json"
done
for i in 0 1 2 3; do
  ip netns exec "$(ns "$i")" "$MOED" start --home "$work/net/node$i" >"$work/node$i.log" 2>&1 &
  pids+=($!)
done

rpc() {  # rpc I METHOD [PARAMS]: the result, or nothing
  ip netns exec "$(ns "$1")" curl -s --max-time 5 -H 'Content-Type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":${3:-[]}}" "http://127.0.0.1:$((8545 + $1))/" |
    jq -c '.result // empty' 2>/dev/null
}
height() { local h; h=$(rpc "$1" eth_blockNumber | tr -d '"'); [[ -n $h ]] && echo $((h)) || echo -1; }
heights() { local i; for i in "$@"; do height "$i"; done | paste -sd' '; }
# wait_until SECONDS COMMAND...: until the command succeeds; its status.
wait_until() {
  local end=$((SECONDS + $1)); shift
  until "$@"; do ((SECONDS < end)) || return 1; sleep 0.5; done
}
all_at_least() { local h=$1 i; shift; for i in "$@"; do (($(height "$i") >= h)) || return 1; done; }
hash_at() { rpc "$1" eth_getBlockByNumber "[\"0x$(printf '%x' "$2")\",false]" | jq -r '.hash // "none"'; }
# same_chain UP_TO NODES...: every node holds the same hash at every height 1..UP_TO.
same_chain() {
  local up_to=$1 h i first; shift
  for ((h = 1; h <= up_to; h++)); do
    first=$(hash_at "$1" "$h")
    [[ $first != none ]] || return 1
    for i in "${@:2}"; do [[ $(hash_at "$i" "$h") == "$first" ]] || return 1; done
  done
}
min_height() { local i; for i in "$@"; do height "$i"; done | sort -n | head -1; }

wait_until 120 all_at_least 3 0 1 2 3
check "the four start and commit" $? "heights $(heights 0 1 2 3)"

# 2|2: what each side committed before the cut may differ by the one height in flight; after
# that, nothing more.
split 0011
sleep 3
before=$(heights 0 1 2 3)
sleep 12
after=$(heights 0 1 2 3)
check "2|2: no side commits" "$([[ $before == "$after" ]]; echo $?)" "heights $before, 12 s later $after"
low=$(min_height 0 1 2 3)
same_chain "$low" 0 1 2 3
check "2|2: both sides hold the same blocks" $? "up to $low"

# 3|1: the three go on (node 2 joins nodes 0 and 1), node 3 does not.
split 0001
h3=$(height 3)
top=$(heights 0 1 2 | tr ' ' '\n' | sort -n | tail -1)
wait_until 120 all_at_least $((top + 3)) 0 1 2
check "3|1: the three commit" $? "from $top, now $(heights 0 1 2)"
check "3|1: the one does not" "$([[ $(height 3) -le $((h3 + 1)) ]]; echo $?)" "from $h3 to $(height 3)"

# Heal: node 3 catches up and all hold one chain.
split 0000
top=$(height 0)
wait_until 180 all_at_least $((top + 2)) 0 1 2 3
check "heal: all four go on, node 3 caught up" $? "node 0 was at $top, now $(heights 0 1 2 3)"
low=$(min_height 0 1 2 3)
same_chain "$low" 0 1 2 3
check "heal: one chain on every node" $? "up to $low"
evidence=0
for i in 0 1 2 3; do
  n=$(rpc "$i" validator_getEvidence '["0x1","latest"]' | jq '(.committed | length) + (.pending | length)')
  evidence=$((evidence + ${n:-1}))
done
check "heal: no evidence against anyone" "$([[ $evidence -eq 0 ]]; echo $?)" "$evidence pieces of evidence"

echo "$passed passed, $failed failed (heights at the end: $(heights 0 1 2 3))"
[[ $failed -eq 0 ]]
