#!/usr/bin/env bash
# What loadFixture costs (tests/e2e/dev_fixture.mjs: 50 rounds of a mined transaction, evm_revert
# and evm_snapshot through ethers) on a fresh `moed devnet` and on Anvil in the same run: both
# wall times and the ratio moed / Anvil. Extra arguments go to `moed devnet`.
#
#   bench/dev_fixture.sh [moed devnet options...]
# MOED: the moed to measure (default build/cmd/moed/moed). Needs tests/e2e/node_modules (npm ci).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
export MOED="${MOED:-$repo/build/cmd/moed/moed}"
[[ -x $MOED ]] || { echo "no moed at $MOED (build it, or set MOED)" >&2; exit 1; }
cd "$repo/tests/e2e"
[[ -d node_modules ]] || { echo "run npm ci in tests/e2e first" >&2; exit 1; }
exec node dev_fixture.mjs "$@"
