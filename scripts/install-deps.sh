#!/usr/bin/env bash
# Installs what moechain needs from Debian 12 packages, and nothing else.
# Idempotent: packages already present are left alone; apt runs only when something is missing.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config ccache
  libsecp256k1-dev        # keys, signatures, recovery
  libcrypto++-dev         # Keccak-256, SHA-256, RIPEMD-160
  librocksdb-dev          # storage
  libboost-dev            # Multiprecision, Beast, Asio (headers)
  nlohmann-json3-dev      # JSON (RPC, configs, ethereum/tests)
  libcli11-dev            # moed's command line (CLI11)
  libdnnl-dev             # oneDNN: MoE inference and training
  zlib1g-dev              # gzip training data (moe_offline)
  python3-sklearn         # scripts/baseline.py, the gradient-boosting baseline
  libgtest-dev libgmock-dev libbenchmark-dev
  nodejs npm              # end-to-end tests with ethers.js and solc-js
  curl                    # RPC tests from the shell
  jq                      # scripts/testnet.sh reads JSON-RPC answers
  prometheus              # integration.prometheus scrapes a devnet with deploy/'s config and rules (and promtool)
  clang-16 libclang-rt-16-dev libomp-16-dev  # scripts/fuzz.sh: libFuzzer, ASan/UBSan runtimes, OpenMP for oneDNN
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js may come from elsewhere on a developer machine; only install it when no node exists.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do
    [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p")
  done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all packages present"
fi
