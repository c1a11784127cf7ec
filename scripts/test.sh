#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, conformance, model, integration, e2e).
# Extra arguments go to ctest, e.g. scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh
bash scripts/fuzz.sh --build  # the fuzz targets (clang 16, ASan + UBSan) the `fuzz` label runs
if [[ -f tests/e2e/package-lock.json ]]; then
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi
cd build
ctest --output-on-failure -j "${MOE_JOBS:-2}" --timeout 900 "$@"
