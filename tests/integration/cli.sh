#!/usr/bin/env bash
# moed's command line (CLI11): help for every command, unknown commands and flags refused with
# status 2 and the nearest spelling, required options named, the version with its revision.
set -euo pipefail
: "${MOED:?MOED must name the moed binary}"
fails=0
check() {  # check WHAT EXPECTED_STATUS PATTERN -- ARGS...: runs moed ARGS, matches stdout+stderr
  local what=$1 want=$2 pattern=$3
  shift 4
  local out status=0
  out=$("$MOED" "$@" 2>&1) || status=$?
  if [[ $status -ne $want ]] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL: $what: moed $* exited $status (want $want), output:"
    sed 's/^/  | /' <<<"$out" | head -20
    fails=$((fails + 1))
  else
    echo "ok: $what"
  fi
}

check "no command is a usage error" 2 "Subcommands:" -- 
check "--help lists the commands" 0 "devnet .*single-validator devnet" -- --help
for cmd in devnet init start testnet load conformance moe train byzantine version; do
  check "$cmd --help" 0 "Usage: .*$cmd" -- "$cmd" --help
done
for sub in selftest info eval features replay-plan bench; do
  check "moe $sub --help" 0 "Usage: .*$sub" -- moe "$sub" --help
done
check "byzantine double-prevote --help" 0 "--peer" -- byzantine double-prevote --help
check "start's options are listed" 0 "--mempool-max-per-sender" -- start --help
check "an unknown command names the nearest" 2 "unknown argument 'strat' \(did you mean 'start'\?\)" -- strat
check "an unknown flag names the nearest" 2 "unknown argument '--hom' \(did you mean '--home'\?\)" -- start --hom /tmp/x
check "an unknown moe command names the nearest" 2 "did you mean 'eval'" -- moe evl
check "a flag of another command is refused" 2 "unknown argument '--validators'" -- devnet --validators 4
check "a required option is named" 2 "--out .*required" -- train --task fraud
check "a value outside the choices is refused" 2 "--task" -- train --task fruad --out /tmp/never.moe
check "a flag without its value is refused" 2 "--home" -- init --preset devnet --home
check "an integer out of range is refused with its range" 2 "--worlds must be an integer from 0 to 1000, got '5000'" -- moe replay-plan --worlds 5000
check "a number that is not one is refused" 2 "--validators must be an integer from 1 to 100, got '4x'" -- testnet --validators 4x --out /nonexistent/never
check "train's integers are read the same way" 2 "--epochs must be an integer from 1 to 10000, got '-3'" -- train --task fraud --out /nonexistent/never.moe --epochs=-3
check "train and moe features read the fraud training set's flags alike" 2 "--drainer-family must be an integer from 1 to 2, got '3'" -- train --task fraud --out /nonexistent/never.moe --drainer-family 3
check "(features)" 2 "--drainer-family must be an integer from 1 to 2, got '3'" -- moe features --task fraud --data /nonexistent --out /nonexistent/never.csv --drainer-family 3
check "the held-back worlds of moe features are counted in range" 2 "--worlds-held-back must be an integer from 1 to 10000, got '0'" -- moe features --task fraud --data /nonexistent --out /nonexistent/never.csv --traffic --worlds-held-back 0
check "a fraud feature schema moed does not compute is refused" 2 "--fraud-schema must be an integer from 2 to 4, got '5'" -- train --task fraud --out /nonexistent/never.moe --fraud-schema 5
check "a depth out of range is refused" 2 "--depth must be an integer from 1 to 8, got '0'" -- train --task fraud --out /nonexistent/never.moe --depth 0
check "contradicting flags are refused" 2 "--instant excludes --no-instant" -- start --home /nonexistent --instant --no-instant
check "a model that would not be written is refused" 2 "--init-seeds writes no model" -- train --task fraud --out /nonexistent/never.moe --init-seeds 3
home=$(mktemp -d)/home
trap 'rm -rf "$(dirname "$home")"' EXIT
"$MOED" init --preset devnet --home "$home" >/dev/null
check "a bad value is refused by the command" 2 "--rpc-port must be a port number" -- start --home "$home" --rpc-port 99999
# A node asked for sub-second blocks on a genesis of 1 s blocks says what it will get (decision 003).
out=$(timeout 3 "$MOED" start --home "$home" --no-instant --block-interval-ms 500 --rpc-port 0 2>&1 || true)
if grep -q "block_interval_ms 500 is under a second but the genesis asks for 1000 ms blocks" <<<"$out"; then
  echo "ok: sub-second blocks on a 1 s genesis are warned about"
else
  echo "FAIL: no warning for sub-second blocks on a 1 s genesis, output:"
  sed 's/^/  | /' <<<"$out" | head -20
  fails=$((fails + 1))
fi
check "version carries the git revision" 0 "^moed/v[0-9.]+-[0-9a-f]{12}" -- version
check "--version says the same" 0 "^moed/v[0-9.]+-[0-9a-f]{12}" -- --version

if ((fails)); then
  echo "$fails check(s) failed"
  exit 1
fi
echo "all checks passed"
