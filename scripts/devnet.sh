#!/usr/bin/env bash
# Installs what is missing, builds, and starts a single-validator devnet (arguments go to moed devnet).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh
exec build/cmd/moed/moed devnet "$@"
