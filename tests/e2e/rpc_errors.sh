#!/usr/bin/env bash
# JSON-RPC errors over plain HTTP: each malformed request gets its code, and the node then
# still answers. Prints "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/devnet.sh"

passed=0
failed=0
check() {  # check NAME CONDITION_OUTPUT_GREP_PATTERN OUTPUT
  if grep -qE -- "$2" <<<"$3"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $1: expected /$2/, got: ${3:0:300}"
  fi
}
still_answers() { check "$1 (then eth_blockNumber)" '"result":"0x[0-9a-f]+"' "$(rpc eth_blockNumber)"; }

devnet_start || exit 1
trap 'devnet_stop >/dev/null 2>&1; rm -rf "$DEVNET_HOME" "$DEVNET_HOME.log"' EXIT

out=$(curl -s -X POST -H 'content-type: application/json' --data '{"jsonrpc":"2.0","id":1,"method":' "$DEVNET_URL")
check "malformed JSON" '"code":-32700' "$out"; still_answers "malformed JSON"

out=$(rpc eth_noSuchMethod '[]')
check "unknown method" '"code":-32601.*does not exist' "$out"; still_answers "unknown method"

out=$(rpc eth_getBalance '["0x1234","latest"]')
check "bad address" '"code":-32602' "$out"; still_answers "bad address"

out=$(rpc eth_getBalance '[]')
check "missing params" '"code":-32602' "$out"; still_answers "missing params"

out=$(curl -s -X POST -H 'content-type: application/json' --data '{"jsonrpc":"1.0","id":7,"method":"eth_chainId"}' "$DEVNET_URL")
check "wrong version" '"code":-32600' "$out"; still_answers "wrong version"

big=$(mktemp)
python3 -c 'import sys; sys.stdout.write("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"web3_sha3\",\"params\":[\"0x" + "ab"*(3*1024*1024) + "\"]}")' >"$big"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/json' --data-binary "@$big" "$DEVNET_URL")
check "oversize body" '^413$' "$code"; still_answers "oversize body"
rm -f "$big"

batch=$(python3 -c 'import json; print(json.dumps([{"jsonrpc":"2.0","id":i,"method":"eth_chainId"} for i in range(1001)]))')
out=$(curl -s -X POST -H 'content-type: application/json' --data "$batch" "$DEVNET_URL")
check "oversize batch" '"code":-32005.*batch too large' "$out"; still_answers "oversize batch"

# 100000 requests: over the body limit (curl sends Expect: 100-continue, so the node answers
# from the headers) and under it (refused from a count before any request is parsed).
huge=$(mktemp)
python3 -c 'import json,sys; sys.stdout.write(json.dumps([{"jsonrpc":"2.0","id":i,"method":"eth_blockNumber","params":[]} for i in range(100000)]))' >"$huge"
out=$(curl -s -w ' %{http_code}' -X POST -H 'content-type: application/json' --data-binary "@$huge" "$DEVNET_URL")
check "batch of 100000 over the body limit" '"code":-32005.*too large.* 413$' "$out"; still_answers "batch of 100000 over the body limit"
python3 -c 'import sys; sys.stdout.write("[" + ",".join(["{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\"}"] * 100000) + "]")' >"$huge"
out=$(curl -s -X POST -H 'content-type: application/json' --data-binary "@$huge" "$DEVNET_URL")
check "batch of 100000 under the body limit" '"code":-32005.*batch too large' "$out"; still_answers "batch of 100000 under the body limit"
python3 -c 'import sys; sys.stdout.write("[" * 1000000)' >"$huge"
out=$(curl -s -X POST -H 'content-type: application/json' --data-binary "@$huge" "$DEVNET_URL")
check "a million nested brackets" '"code":-32600.*nested deeper' "$out"; still_answers "a million nested brackets"
rm -f "$huge"

out=$(curl -s -X POST -H 'content-type: application/json' \
  --data '[{"jsonrpc":"2.0","id":"a","method":"eth_chainId"},{"jsonrpc":"2.0","method":"eth_chainId"},{"jsonrpc":"2.0","id":3,"method":"net_version"},{"jsonrpc":"2.0","id":null,"method":"eth_blockNumber"}]' "$DEVNET_URL")
n=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(len(r), sorted(str(x["id"]) for x in r))' "$out")
check "batch with a notification" "^3 \['3', 'None', 'a'\]$" "$n"

out=$(curl -s -X POST -H 'content-type: application/json' --data '{"jsonrpc":"2.0","method":"eth_chainId"}' "$DEVNET_URL")
check "notification gets no response" '^$' "$out"

code=$(curl -s -o /dev/null -w '%{http_code}' "$DEVNET_URL/health")
check "/health" '^200$' "$code"
out=$(curl -s "$DEVNET_URL/metrics")
check "/metrics block height" '^moe_block_height [0-9]+' "$(grep '^moe_block_height' <<<"$out")"
check "/metrics per-method calls" 'moe_rpc_calls_total\{method="eth_blockNumber"\} [1-9]' "$out"

if ! devnet_stop; then failed=$((failed + 1)); echo "FAIL moed did not exit cleanly on SIGTERM"; else passed=$((passed + 1)); fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
