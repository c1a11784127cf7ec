#!/usr/bin/env bash
# Crashes under load: a 4-validator localnet (scripts/testnet.sh) takes signed transfers from
# 'moed load' while, for R rounds, a random validator is SIGKILLed at a random moment and
# restarted a random moment later. Then every node must hold the same chain:
#   forks     heights whose block hash differs between nodes (each node is read up to the
#             lowest head of all)
#   evidence  evidence committed or pending on any node, against anyone
#   lost      receipts the load generator saw (moed load --receipts) that a node no longer
#             has in the same block (counted per node)
# and every node must have come back and caught up with node 0 within 120 s. Prints one
# summary line; exits 1 when any count is not 0 or a node is down or behind, 2 on bad usage.
#
#   scripts/chaos.sh [ROUNDS]         (default 10)
#
# Environment: MOED (default build/cmd/moed/moed), DIR (default: a new temp folder, removed
# afterwards unless KEEP=1 or a check failed), RATE (transfers/s, default 40), SEED (for
# $RANDOM, default: the pid), VALIDATORS (default 4). Ports: free ones on 127.0.0.1.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
MOED="${MOED:-$repo/build/cmd/moed/moed}"
ROUNDS="${1:-10}"
RATE="${RATE:-40}"
VALIDATORS="${VALIDATORS:-4}"
SEED="${SEED:-$$}"
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -ge 1 ]] || { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[[ -x $MOED ]] || { echo "chaos: no moed at $MOED (build it, or set MOED)" >&2; exit 2; }
command -v jq >/dev/null || { echo "chaos: jq is missing: run scripts/install-deps.sh" >&2; exit 2; }
RANDOM=$SEED

own_dir=0
if [[ -z ${DIR:-} ]]; then DIR=$(mktemp -d /tmp/moed-chaos-XXXXXX); own_dir=1; fi
export DIR MOED

# A base port with VALIDATORS free ports after it, for RPC and for P2P.
free_range() {
  python3 - "$VALIDATORS" "$@" <<'PY'
import random, socket, sys
n, taken = int(sys.argv[1]), {int(p) for p in sys.argv[2:]}
for _ in range(200):
    base = random.randrange(20000, 60000)
    ports = range(base, base + n)
    if taken & set(ports):
        continue
    try:
        socks = []
        for p in ports:
            s = socket.socket(); s.bind(("127.0.0.1", p)); socks.append(s)
        for s in socks: s.close()
        print(base); sys.exit(0)
    except OSError:
        for s in socks: s.close()
sys.exit(1)
PY
}
TESTNET_RPC_BASE=$(free_range)
TESTNET_P2P_BASE=$(free_range $(seq "$TESTNET_RPC_BASE" $((TESTNET_RPC_BASE + VALIDATORS - 1))))
export TESTNET_RPC_BASE TESTNET_P2P_BASE
testnet() { "$repo/scripts/testnet.sh" "$@"; }
url() { echo "http://127.0.0.1:$((TESTNET_RPC_BASE + $1))"; }
rpc() {  # rpc I BODY: the raw response of node I, or nothing
  curl -s --max-time 10 -H 'Content-Type: application/json' -d "$2" "$(url "$1")" || true
}
height() { local r; r=$(rpc "$1" '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}'); jq -r '.result // empty' <<<"$r" 2>/dev/null | xargs -r printf '%d\n'; }

load_pid=""
passed=0
cleanup() {
  [[ -n $load_pid ]] && kill -TERM "$load_pid" 2>/dev/null || true
  testnet down >/dev/null 2>&1 || true
  if [[ $own_dir -eq 1 && ${KEEP:-0} != 1 && $passed -eq 1 ]]; then rm -rf "$DIR"; else echo "chaos: the homes and logs are in $DIR" >&2; fi
  return 0
}
trap cleanup EXIT

testnet up "$VALIDATORS" "$DIR" >/dev/null
for i in $(seq 0 $((VALIDATORS - 1))); do
  for _ in $(seq 1 300); do [[ -n "$(height "$i")" ]] && break; sleep 0.1; done
done

# The load runs through every round: about 3.5 s a round on average, 5.5 s at most.
urls=$(for i in $(seq 0 $((VALIDATORS - 1))); do url "$i"; done | paste -sd,)
receipts="$DIR/receipts.txt"
: >"$receipts"
"$MOED" load --rpc "$urls" --rate "$RATE" --seconds $((ROUNDS * 4 + 5)) --accounts 20 --timeout 60 \
  --receipts "$receipts" >"$DIR/load.out" 2>&1 &
load_pid=$!

kills=0
for round in $(seq 1 "$ROUNDS"); do
  sleep "$((1 + RANDOM % 2)).$((RANDOM % 10))"
  victim=$((RANDOM % VALIDATORS))
  if ! testnet kill "$victim" >/dev/null; then
    echo "chaos: node$victim had exited by itself before round $round; the end of its log:" >&2
    tail -n 20 "$DIR/node$victim/moed.log" >&2
    exit 1
  fi
  kills=$((kills + 1))
  sleep "0.$((2 + RANDOM % 8))$((RANDOM % 10))"
  if ! testnet start "$victim" >/dev/null; then
    echo "chaos: node$victim did not restart in round $round" >&2
    exit 1
  fi
  echo "round $round: node$victim killed and restarted" >&2
done
load_status=0
wait "$load_pid" || load_status=$?
load_pid=""

# Every node back and at least at node0's head; then compare up to the lowest head.
down=0
for i in $(seq 0 $((VALIDATORS - 1))); do
  for _ in $(seq 1 600); do [[ -n "$(height "$i")" ]] && break; sleep 0.1; done
  [[ -n "$(height "$i")" ]] || { echo "chaos: node$i does not answer after the rounds" >&2; down=$((down + 1)); }
done
[[ $down -eq 0 ]] || exit 1
target=$(height 0)
behind=0
for i in $(seq 0 $((VALIDATORS - 1))); do
  for _ in $(seq 1 1200); do (($(height "$i") >= target)) && break; sleep 0.1; done
  (($(height "$i") >= target)) || { echo "chaos: node$i is at $(height "$i"), still below $target after 120 s" >&2; behind=$((behind + 1)); }
done
lowest=$(for i in $(seq 0 $((VALIDATORS - 1))); do height "$i"; done | sort -n | head -1)

# Block hashes of heights 1..lowest, 100 a batch, node by node.
hashes() {  # hashes I: "height hash" lines
  local from to body
  for ((from = 1; from <= lowest; from += 100)); do
    to=$((from + 99 > lowest ? lowest : from + 99))
    body=$(for ((h = from; h <= to; h++)); do printf '{"jsonrpc":"2.0","id":%d,"method":"eth_getBlockByNumber","params":["0x%x",false]}\n' "$h" "$h"; done | jq -sc .)
    rpc "$1" "$body" | jq -r '.[] | "\(.id) \(.result.hash // "none")"'
  done | sort -n
}
hashes 0 >"$DIR/hashes0"
forks=0
for i in $(seq 1 $((VALIDATORS - 1))); do
  hashes "$i" >"$DIR/hashes$i"
  forks=$((forks + $(diff "$DIR/hashes0" "$DIR/hashes$i" | grep -c '^>' || true)))
done
missing=$(cat "$DIR"/hashes* | grep -c ' none$' || true)

evidence=0
for i in $(seq 0 $((VALIDATORS - 1))); do
  r=$(rpc "$i" '{"jsonrpc":"2.0","id":1,"method":"validator_getEvidence","params":["0x1","latest"]}')
  n=$(jq -r '(.result.committed | length) + (.result.pending | length)' <<<"$r" 2>/dev/null || echo x)
  [[ $n =~ ^[0-9]+$ ]] || { echo "chaos: node$i: validator_getEvidence gave $r" >&2; exit 1; }
  evidence=$((evidence + n))
done

# Every receipt seen still there, in the same block, on every node (500 a batch).
seen=$(wc -l <"$receipts")
lost=0
if [[ $seen -eq 0 ]]; then
  echo "chaos: the load generator saw no receipt; the end of its output:" >&2
  tail -n 20 "$DIR/load.out" >&2
fi
for i in $(seq 0 $((VALIDATORS - 1))); do
  [[ $seen -gt 0 ]] || break
  split -l 500 "$receipts" "$DIR/batch."
  for f in "$DIR"/batch.*; do
    body=$(awk '{printf "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"eth_getTransactionReceipt\",\"params\":[\"%s\"]}\n", NR, $1}' "$f" | jq -sc .)
    got=$(rpc "$i" "$body" | jq -r '.[] | "\(.id) \(.result.blockHash // "none")"' | sort -n | cut -d' ' -f2)
    lost=$((lost + $(paste -d' ' <(cut -d' ' -f3 "$f") <(echo "$got") | awk '$1 != $2' | wc -l)))
    rm -f "$f"
  done
done

committed=$(sed -n 's/^committed: *\([0-9]*\).*/\1/p' "$DIR/load.out")
accepted=$(sed -n 's/^accepted: *\([0-9]*\).*/\1/p' "$DIR/load.out")
echo "chaos: $ROUNDS rounds, $kills kills, seed $SEED; $lowest blocks on every node, $behind node(s) behind; forks $forks, missing blocks $missing, evidence $evidence; load: accepted ${accepted:-?}, committed ${committed:-?}, exit $load_status; receipts seen $seen, lost $lost"
[[ $behind -eq 0 && $forks -eq 0 && $missing -eq 0 && $evidence -eq 0 && $lost -eq 0 && $seen -gt 0 && $load_status -eq 0 ]] && passed=1
[[ $passed -eq 1 ]]
