#!/usr/bin/env bash
# A validator whose disk fills up: 4 validators, node 3's home (`full_disk.sh home`: the WAL
# fails first) or only its database (`full_disk.sh db`: the WAL has room, RocksDB has none) on
# a tmpfs of 16 MiB that the test creates. Once the tmpfs is full (a filler file takes the
# rest) and the WAL or the database cannot be written:
#   - node 3 halts by itself, cleanly (it exits with status 3, not killed by a signal) and says why
#   - the other three go on
#   - with the space back, node 3 restarts at a block the others hold with the same hash
#     (nothing partial), catches up and signs again
#   - no node holds evidence against node 3 (it signed nothing it had not logged)
# Needs root (mount); exits 77 (skipped) with a message where it cannot mount a tmpfs.
# Prints "N passed, N failed".
set -uo pipefail
[[ -n ${MOED:-} && -x $MOED ]] || { echo "set MOED to the moed executable" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is missing: run scripts/install-deps.sh" >&2; exit 1; }
mode=${1:-home}
[[ $mode == home || $mode == db ]] || { echo "usage: full_disk.sh home|db" >&2; exit 2; }
skip() { echo "SKIPPED: $*" >&2; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "mounting a tmpfs needs root"

work=$(mktemp -d /tmp/moed-fulldisk-XXXXXX)
disk="$work/disk"
mkdir -p "$disk"
pids=(0 0 0 0)
cleanup() {
  local p
  for p in "${pids[@]}"; do [[ $p -gt 0 ]] && kill -TERM "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do
    [[ $p -gt 0 ]] || continue
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
  done
  mountpoint -q "$disk" && umount "$disk"
  rm -rf "$work"
}
trap cleanup EXIT
mount -t tmpfs -o size=16m tmpfs "$disk" 2>/dev/null || skip "cannot mount a tmpfs"

passed=0
failed=0
check() {  # check NAME STATUS DETAIL
  if [[ $2 -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $1: $3"; fi
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# Four homes with free ports (moed testnet numbers them from a base; rewrite each config).
"$MOED" testnet --validators 4 --out "$work/net" >/dev/null 2>&1 || { echo "moed testnet failed" >&2; exit 1; }
rpc_ports=() p2p_ports=()
for i in 0 1 2 3; do rpc_ports+=("$(free_port)"); p2p_ports+=("$(free_port)"); done
for i in 0 1 2 3; do
  peers=$(for j in 0 1 2 3; do [[ $j -ne $i ]] && echo "127.0.0.1:${p2p_ports[$j]}"; done | jq -R . | jq -sc .)
  jq --argjson rpc "${rpc_ports[$i]}" --argjson p2p "${p2p_ports[$i]}" --argjson peers "$peers" \
    '.rpc_port = $rpc | .p2p_port = $p2p | .persistent_peers = $peers' "$work/net/node$i/config.json" >"$work/c.json" &&
    mv "$work/c.json" "$work/net/node$i/config.json"
done
if [[ $mode == home ]]; then
  mv "$work/net/node3" "$disk/node3"
  home() { [[ $1 -eq 3 ]] && echo "$disk/node3" || echo "$work/net/node$1"; }
else
  mkdir "$disk/data"
  ln -s "$disk/data" "$work/net/node3/data"
  home() { echo "$work/net/node$1"; }
fi
start() { "$MOED" start --home "$(home "$1")" >>"$work/node$1.log" 2>&1 & pids[$1]=$!; }
for i in 0 1 2 3; do start "$i"; done

rpc() {  # rpc I METHOD [PARAMS]: the result, or nothing
  curl -s --max-time 5 -H 'Content-Type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":${3:-[]}}" "http://127.0.0.1:${rpc_ports[$1]}/" |
    jq -c '.result // empty' 2>/dev/null
}
height() { local h; h=$(rpc "$1" eth_blockNumber | tr -d '"'); [[ -n $h ]] && echo $((h)) || echo -1; }
heights() { local i; for i in "$@"; do height "$i"; done | paste -sd' '; }
wait_until() {  # wait_until SECONDS COMMAND...
  local end=$((SECONDS + $1)); shift
  until "$@"; do ((SECONDS < end)) || return 1; sleep 0.5; done
}
all_at_least() { local h=$1 i; shift; for i in "$@"; do (($(height "$i") >= h)) || return 1; done; }
hash_at() { rpc "$1" eth_getBlockByNumber "[\"0x$(printf '%x' "$2")\",false]" | jq -r '.hash // "none"'; }
exited() { ! kill -0 "${pids[3]}" 2>/dev/null; }

wait_until 120 all_at_least 3 0 1 2 3
check "the four start and commit" $? "heights $(heights 0 1 2 3)"
address=$(jq -r .address "$(home 3)/keys/validator_key.json" | tr 'A-F' 'a-f')

# Fill the disk, and give the blocks something to carry.
dd if=/dev/zero of="$disk/filler" bs=64k 2>/dev/null
"$MOED" load --rpc "http://127.0.0.1:${rpc_ports[0]}" --rate 20 --seconds 5 --timeout 60 >"$work/load.out" 2>&1 &
load_pid=$!
wait_until 120 exited
check "a full disk halts node 3 by itself" $? "it still runs 120 s after the disk filled; the end of its log: $(tail -n 5 "$work/node3.log")"
wait "${pids[3]}"
status=$?
pids[3]=0
check "it exits with the halted status 3, not killed by a signal" "$([[ $status -eq 3 ]]; echo $?)" "exit status $status"
why=$(grep -iE "no space left|cannot write|cannot commit" "$work/node3.log" | head -n 1)
check "it says why" "$([[ -n $why ]]; echo $?)" "$(tail -n 5 "$work/node3.log")"
echo "node 3 halted: $why"
wait "$load_pid"

top=$(height 0)
wait_until 120 all_at_least $((top + 3)) 0 1 2
check "the other three go on" $? "from $top, now $(heights 0 1 2)"

# Space back: node 3 resumes at a block the others hold.
rm -f "$disk/filler"
start 3
wait_until 60 all_at_least 0 3
resumed=$(height 3)
check "node 3 restarts" "$([[ $resumed -ge 3 ]]; echo $?)" "height $resumed; the end of its log: $(tail -n 5 "$work/node3.log")"
same=0
for ((h = 1; h <= resumed; h++)); do [[ $(hash_at 3 "$h") == "$(hash_at 0 "$h")" ]] || same=1; done
check "everything it held is the others' chain" "$same" "heights 1..$resumed differ from node 0"
top=$(height 0)
wait_until 180 all_at_least $((top + 2)) 0 1 2 3
check "node 3 catches up and all go on" $? "node 0 was at $top, now $(heights 0 1 2 3)"
signs() { rpc 0 validator_getCommit '["latest"]' | jq -e --arg a "$address" '[.signatures[] | .validator | ascii_downcase] | index($a) != null' >/dev/null; }
wait_until 60 signs
check "node 3 signs commits again" $? "no commit of node 0 carries its signature"
evidence=0
for i in 0 1 2 3; do
  n=$(rpc "$i" validator_getEvidence '["0x1","latest"]' | jq '(.committed | length) + (.pending | length)')
  evidence=$((evidence + ${n:-1}))
done
check "no evidence against anyone" "$([[ $evidence -eq 0 ]]; echo $?)" "$evidence pieces of evidence"

echo "$passed passed, $failed failed (resumed at $resumed; heights at the end: $(heights 0 1 2 3))"
[[ $failed -eq 0 ]]
