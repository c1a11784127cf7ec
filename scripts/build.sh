#!/usr/bin/env bash
# Installs what is missing, then configures and builds moechain into build/ (incremental).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
build_type=${MOE_BUILD_TYPE:-RelWithDebInfo}
jobs=${MOE_JOBS:-2}
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$build_type" ${MOE_CMAKE_ARGS:-}
cmake --build build -j "$jobs"
