#!/usr/bin/env bash
# `moed load` against other Ethereum nodes and through failures:
#   1. Anvil, with a second URL where nothing listens: every transfer is committed, the dead
#      URL is reported with its failures and its senders failed over.
#   2. Hardhat, with 12 senders: the two extra senders are funded on top of Hardhat's own
#      10000 ETH, so their balances exceed 2^64 wei and must parse as 256-bit quantities.
#   3. A moed devnet SIGKILLed in the middle of the run and restarted on the same home: the
#      run goes on, reports the failures, and every accepted transfer is committed.
# Needs MOED and tests/e2e/node_modules (npm ci). Prints "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/devnet.sh"
bin="$here/node_modules/.bin"
[[ -x $bin/anvil && -x $bin/hardhat ]] || { echo "no anvil or hardhat in $bin: run npm ci in tests/e2e" >&2; exit 1; }

passed=0
failed=0
check() {  # check NAME PATTERN OUTPUT
  if grep -qE -- "$2" <<<"$3"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $1: expected /$2/, got:"
    echo "$3"
  fi
}

work=$(mktemp -d /tmp/moed-load-XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  devnet_stop >/dev/null 2>&1
  rm -rf "$work" "${DEVNET_HOME:-}" "${DEVNET_HOME:-}.log"
}
trap cleanup EXIT

wait_for() {  # wait_for URL LOG: until it answers eth_chainId (60 s), else the log
  for _ in $(seq 1 600); do
    curl -s -X POST -H 'content-type: application/json' \
      --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$1" | grep -q result && return 0
    sleep 0.1
  done
  echo "$1 did not answer within 60 s; the end of its log:" >&2
  tail -n 20 "$2" >&2
  return 1
}

# 1. Anvil and a URL where nothing listens.
port=$(free_port) dead=$(free_port)
"$bin/anvil" --host 127.0.0.1 --port "$port" >"$work/anvil.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$port" "$work/anvil.log" || exit 1
out=$("$MOED" load --rpc "http://127.0.0.1:$port,http://127.0.0.1:$dead" --rate 40 --seconds 2 --timeout 30 2>&1)
check "anvil: exit status 0" '^ok$' "$([[ $? -eq 0 ]] && echo ok || echo "exit $?")"
check "anvil: every transfer committed" 'committed: +80 in' "$out"
check "anvil: the dead URL is reported" "127.0.0.1:$dead  posted [0-9]+, accepted 0, failures [1-9][0-9]*, failed over 40 .*refused" "$out"

# 2. Hardhat, balances above 2^64 wei.
port=$(free_port)
echo 'module.exports = {};' >"$work/hardhat.config.cjs"
# Hardhat insists on running from the project that installs it.
(cd "$here" && exec "$bin/hardhat" --config "$work/hardhat.config.cjs" node --hostname 127.0.0.1 --port "$port") >"$work/hardhat.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$port" "$work/hardhat.log" || exit 1
out=$("$MOED" load --rpc "http://127.0.0.1:$port" --rate 40 --seconds 2 --accounts 12 --timeout 30 2>&1)
check "hardhat: exit status 0" '^ok$' "$([[ $? -eq 0 ]] && echo ok || echo "exit $?")"
check "hardhat: every transfer committed" 'committed: +80 in' "$out"

# 3. A devnet killed and restarted while the load runs.
devnet_start || exit 1
"$MOED" load --rpc "$DEVNET_URL" --rate 30 --seconds 6 --timeout 60 --receipts "$work/receipts" >"$work/load.out" 2>&1 &
load_pid=$!
sleep 2
kill -KILL "$DEVNET_PID"
wait "$DEVNET_PID" 2>/dev/null
sleep 1
devnet_start "$DEVNET_HOME" || exit 1
wait "$load_pid"
status=$?
out=$(cat "$work/load.out")
echo "$out"
check "devnet restarted: exit status 0" '^ok$' "$([[ $status -eq 0 ]] && echo ok || echo "exit $status")"
check "devnet restarted: the failures are reported" "$DEVNET_URL  posted [0-9]+, accepted [0-9]+, failures [1-9]" "$out"
accepted=$(sed -n 's/^accepted: *\([0-9]*\).*/\1/p' <<<"$out")
check "devnet restarted: every accepted transfer committed" "committed: +$accepted in" "$out"
# Every receipt the run saw is still there after the restart, in the same block.
lost=0
while read -r hash number block_hash; do
  got=$(rpc eth_getTransactionReceipt "[\"$hash\"]")
  grep -q "\"blockHash\":\"$block_hash\"" <<<"$got" || lost=$((lost + 1))
done <"$work/receipts"
check "devnet restarted: receipts recorded" '^[1-9][0-9]* ' "$(wc -l <"$work/receipts") lines"
check "devnet restarted: no receipt lost" '^0$' "$lost"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
