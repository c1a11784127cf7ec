#!/usr/bin/env bash
# A local N-validator testnet in a folder: create, start, watch, kill, restart, stop.
#
#   scripts/testnet.sh up N [DIR]   create DIR with 'moed testnet' if missing, start every node
#   scripts/testnet.sh status       node, pid alive?, height, head hash, peers, validator power
#   scripts/testnet.sh kill I       SIGKILL node I (a crash)
#   scripts/testnet.sh stop I       SIGTERM node I and wait for it to exit
#   scripts/testnet.sh start I      start node I again
#   scripts/testnet.sh logs I [-f]  the last 50 lines of node I's log (or follow it)
#   scripts/testnet.sh down         stop every node
#   scripts/testnet.sh experts      per expert (moe_getExperts of the first node that answers):
#                                   served, committee (node indexes), power, verdicts carried,
#                                   answers, agreement %, failovers, missed duties per member
#
# Environment: MOED (default build/cmd/moed/moed), DIR (default ./testnet),
# TESTNET_RPC_BASE (8545), TESTNET_P2P_BASE (26656), TESTNET_BLOCK_GAS_LIMIT and
# TESTNET_BLOCK_INTERVAL_MS (the preset's 30M and 1000; read when 'up' creates DIR). Node I
# answers JSON-RPC on RPC_BASE + I.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
MOED="${MOED:-$repo/build/cmd/moed/moed}"
DIR="${DIR:-./testnet}"
RPC_BASE="${TESTNET_RPC_BASE:-8545}"
P2P_BASE="${TESTNET_P2P_BASE:-26656}"

die() { echo "testnet: $*" >&2; exit 1; }
usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

node_dir() { echo "$DIR/node$1"; }
node_pid() { local f; f="$(node_dir "$1")/moed.pid"; [[ -f $f ]] && cat "$f" || true; }
# A killed node whose parent does not reap it stays a zombie, which kill -0 still finds.
pid_alive() { kill -0 "$1" 2>/dev/null && [[ "$(ps -o stat= -p "$1" 2>/dev/null)" != Z* ]]; }
alive() { local pid; pid="$(node_pid "$1")"; [[ -n $pid ]] && pid_alive "$pid"; }
nodes() { local d; for d in "$DIR"/node*; do [[ -d $d ]] && echo "${d##*/node}"; done | sort -n; }
rpc_port() { echo $((RPC_BASE + $1)); }

# rpc PORT METHOD [PARAMS]: the raw JSON-RPC response, or nothing when the node does not answer.
rpc() {
  curl -s --max-time 2 -H 'Content-Type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":${3:-[]}}" "http://127.0.0.1:$1/" || true
}
# field JSON PATH: a value from a response (PATH as jq writes it), with jq or a small sed.
field() {
  if command -v jq >/dev/null 2>&1; then
    jq -r "$2 // empty" <<<"$1" 2>/dev/null || true
  else
    local key="${2##*.}"
    sed -n "s/.*\"$key\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p" <<<"$1" | head -n 1
  fi
}
hex_to_dec() { [[ $1 =~ ^0x[0-9a-fA-F]+$ ]] && echo $(($1)) || echo "-"; }

start_node() {
  local i=$1 d; d="$(node_dir "$i")"
  [[ -d $d ]] || die "no node $i in $DIR"
  if alive "$i"; then echo "node$i already runs (pid $(node_pid "$i"))"; return; fi
  local old_pid; old_pid="$(node_pid "$i")"
  # A watcher waits for the node and logs how it ended: a node that crashes on its own
  # (a signal, an abort) would otherwise vanish without a line, as its parent is gone.
  (
    trap '' HUP
    "$MOED" start --home "$d" >>"$d/moed.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$d/moed.pid"
    wait "$pid"
    status=$?
    if ((status > 128)); then how="killed by signal $((status - 128)) ($(kill -l $((status - 128)) 2>/dev/null))"; else how="exited with status $status"; fi
    echo "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ) testnet.sh: moed (pid $pid) $how" >>"$d/moed.log"
  ) >/dev/null 2>&1 &
  for _ in $(seq 1 50); do [[ -s $d/moed.pid && $(cat "$d/moed.pid") != "${old_pid:-}" ]] && break; sleep 0.01; done
  sleep 0.3
  if ! alive "$i"; then
    # The watcher's line says how it ended; give it a moment to land.
    for _ in $(seq 1 20); do grep -q "testnet.sh: moed (pid $(node_pid "$i"))" "$d/moed.log" && break; sleep 0.05; done
    echo "node$i exited at once; the end of its log:" >&2
    tail -n 5 "$d/moed.log" >&2
    return 1
  fi
  echo "node$i started (pid $(node_pid "$i"), rpc http://127.0.0.1:$(rpc_port "$i"))"
}

stop_node() {
  local i=$1 pid; pid="$(node_pid "$i")"
  if ! alive "$i"; then echo "node$i is not running"; return; fi
  kill -TERM "$pid"
  for _ in $(seq 1 300); do pid_alive "$pid" || { echo "node$i stopped"; return; }; sleep 0.1; done
  die "node$i (pid $pid) did not exit within 30 s of SIGTERM"
}

validator_power() {
  local port=$1 address=$2 res
  res="$(rpc "$port" validator_getValidators)"
  if [[ -z $res || -n "$(field "$res" .error.code)" ]]; then echo "-"; return; fi
  if command -v jq >/dev/null 2>&1; then
    jq -r --arg a "${address,,}" \
      '[(.result.validators // .result // [])[] | select((.address // "" | ascii_downcase) == $a) | .power][0] // "-"' \
      <<<"$res" 2>/dev/null || echo "-"
  else
    echo "-"
  fi
}

status() {
  [[ -d $DIR ]] || die "no testnet in $DIR (run: $0 up N)"
  printf '%-6s %-8s %-6s %-8s %-68s %-6s %s\n' node pid alive height head peers power
  local i port pid res height head peers address
  for i in $(nodes); do
    port="$(rpc_port "$i")"; pid="$(node_pid "$i")"
    height="-"; head="-"; peers="-"
    res="$(rpc "$port" eth_blockNumber)"
    [[ -n $res ]] && height="$(hex_to_dec "$(field "$res" .result)")"
    res="$(rpc "$port" eth_getBlockByNumber '["latest",false]')"
    [[ -n $res ]] && head="$(field "$res" .result.hash)"
    res="$(rpc "$port" net_peerCount)"
    [[ -n $res ]] && peers="$(hex_to_dec "$(field "$res" .result)")"
    address="$(field "$(cat "$(node_dir "$i")/keys/validator_key.json")" .address)"
    printf '%-6s %-8s %-6s %-8s %-68s %-6s %s\n' "node$i" "${pid:--}" "$(alive "$i" && echo yes || echo no)" \
      "$height" "${head:--}" "$peers" "$(hex_to_dec "$(validator_power "$port" "$address")")"
  done
}

# node_names: {"0xaddress": "nI"} for the validator keys of DIR, to name committee members.
node_names() {
  local i f
  for i in $(nodes); do
    f="$(node_dir "$i")/keys/validator_key.json"
    [[ -f $f ]] && jq -c --arg n "n$i" '{((.address // "") | ascii_downcase): $n}' "$f" 2>/dev/null
  done | jq -s 'add // {}'
}

# The table of decision 004's observability: what each expert's committee did in the blocks
# the answering node committed since it started (its counters are in memory).
experts() {
  [[ -d $DIR ]] || die "no testnet in $DIR (run: $0 up N)"
  command -v jq >/dev/null 2>&1 || die "jq is missing: run scripts/install-deps.sh"
  local i res="" from=""
  for i in $(nodes); do
    res="$(rpc "$(rpc_port "$i")" moe_getExperts)"
    [[ -n $res ]] && { from="node$i"; break; }
  done
  [[ -n $from ]] || die "no node answers JSON-RPC (is the testnet up? $0 status)"
  if [[ -n "$(field "$res" .error.code)" ]]; then
    echo "$from has no moe_getExperts ($(field "$res" .error.message)): expert routing is not in this moed" >&2
    return 1
  fi
  jq -r --argjson names "$(node_names)" --arg from "$from" --arg height "$(hex_to_dec "$(field "$res" .result.height)")" '
    def who: (.address // "" | ascii_downcase) as $a | ($names[$a] // ($a[0:6] + ".." + $a[-4:]));
    def pct(a; b): if b > 0 then "\((a * 100 / b) | floor)%" else "-" end;
    .result as $r
    | "\($from), committees of height \($height), routing " +
      (if $r.routing == null then "off (no routing object in the genesis)"
       else "top_k \($r.routing.topK), min committee \($r.routing.minCommitteeSize), quorum \($r.routing.quorumBps) bps, failover after \($r.routing.failoverHeights) heights" end),
      (["expert", "served", "committee", "power", "verdicts", "answers", "agree", "failovers", "missed"] | @tsv),
      ($r.experts[] | [
        .expert, (if .served then "yes" else "no" end),
        ([.committee[] | who] | if length == 0 then "-" else join(",") end),
        .power, .verdicts, .answers, pct(.agreeing; .answers), .failedOver,
        ((.missed // {}) | to_entries | map(select(.value > 0) | "\(.key | ascii_downcase as $a | $names[$a] // ($a[0:6] + ".." + $a[-4:])):\(.value)")
         | if length == 0 then "0" else join(",") end)
      ] | @tsv)
  ' <<<"$res" | awk -F '\t' '
    NR == 1 { print; next }
    { rows[NR] = $0; for (c = 1; c <= NF; ++c) if (length($c) > w[c]) w[c] = length($c); if (NF > nf) nf = NF }
    END { for (r = 2; r <= NR; ++r) { n = split(rows[r], f, "\t"); line = "";
            for (c = 1; c <= n; ++c) line = line (c < n ? sprintf("%-" w[c] + 2 "s", f[c]) : f[c]); print line } }'
}

cmd="${1:-}"; shift || true
case "$cmd" in
  up)
    [[ $# -ge 1 ]] || usage
    n=$1; [[ $n =~ ^[0-9]+$ && $n -ge 1 ]] || die "N must be a positive number"
    [[ $# -ge 2 ]] && DIR=$2
    [[ -x $MOED ]] || die "no moed at $MOED (build it, or set MOED)"
    if [[ ! -d $DIR/node0 ]]; then
      "$MOED" testnet --validators "$n" --out "$DIR" --rpc-base "$RPC_BASE" --p2p-base "$P2P_BASE" \
        ${TESTNET_BLOCK_GAS_LIMIT:+--block-gas-limit "$TESTNET_BLOCK_GAS_LIMIT"} \
        ${TESTNET_BLOCK_INTERVAL_MS:+--block-interval-ms "$TESTNET_BLOCK_INTERVAL_MS"}
    fi
    failed=0
    for i in $(nodes); do start_node "$i" || failed=1; done
    exit "$failed"
    ;;
  status) status ;;
  kill)
    [[ $# -eq 1 ]] || usage
    alive "$1" || die "node$1 is not running"
    kill -KILL "$(node_pid "$1")"; echo "node$1 killed"
    ;;
  stop) [[ $# -eq 1 ]] || usage; stop_node "$1" ;;
  start) [[ $# -eq 1 ]] || usage; [[ -x $MOED ]] || die "no moed at $MOED"; start_node "$1" ;;
  logs)
    [[ $# -ge 1 ]] || usage
    log="$(node_dir "$1")/moed.log"; [[ -f $log ]] || die "no log for node$1"
    if [[ ${2:-} == -f ]]; then exec tail -n 50 -f "$log"; else tail -n 50 "$log"; fi
    ;;
  down) for i in $(nodes); do stop_node "$i"; done ;;
  experts) experts ;;
  *) usage ;;
esac
