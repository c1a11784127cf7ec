#!/usr/bin/env bash
# The contract and fraud models on the shared data.
#   reproducible: trains a small version of each model twice with one seed; the files must be
#                 identical (anyone can rebuild the shipped models).
#   shipped:      evaluates chain-config/models/{contract,fraud}.moe on their held-out split and
#                 requires macro_f1 >= 0.90 (contract) and f1 >= 0.90 (fraud), and of the fraud
#                 model at the preset thresholds at most 1% of ordinary traffic flagged, none rejected.
set -euo pipefail
moed=${MOED:?set MOED to the moed executable}
shared=${MOE_SHARED_DIR:?set MOE_SHARED_DIR to the shared/ folder}
data="$shared/data"
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

case "${1:-}" in
  reproducible)
    for run in 1 2; do
      "$moed" train --task contract --data "$data" --out "$tmp/contract$run.moe" --seed 11 --epochs 3 >/dev/null 2>&1
      "$moed" train --task fraud --data "$data/eth_fraud_accounts_and_txns" --out "$tmp/fraud$run.moe" --seed 11 --epochs 2 \
        --accounts 1500 --rows-per-account 8 >/dev/null 2>&1
    done
    status=0
    for task in contract fraud; do
      a=$(sha256sum <"$tmp/${task}1.moe" | cut -d' ' -f1)
      b=$(sha256sum <"$tmp/${task}2.moe" | cut -d' ' -f1)
      echo "$task: $a $b"
      [[ $a == "$b" ]] || { echo "FAIL: two $task trainings with one seed differ"; status=1; }
    done
    exit $status
    ;;
  shipped)
    "$moed" moe eval --task contract --data "$data" >"$tmp/contract.txt" 2>/dev/null
    "$moed" moe eval --task fraud --data "$data/eth_fraud_accounts_and_txns" >"$tmp/fraud.txt" 2>/dev/null
    cat "$tmp/contract.txt" "$tmp/fraud.txt"
    macro=$(sed -n 's/^macro_f1=//p' "$tmp/contract.txt")
    f1=$(sed -n 's/^f1=//p' "$tmp/fraud.txt")
    [[ -n $macro && -n $f1 ]] || { echo "FAIL: an eval printed no final figure"; exit 1; }
    # Ordinary traffic the model never trained on (held-back generated worlds), at the
    # preset's thresholds: at most 1 in 100 flagged, none rejected (issue 13).
    read -r false_flag false_reject < <(sed -n 's/^false_flag=\([0-9.]*\) false_reject=\([0-9.]*\).*/\1 \2/p' "$tmp/fraud.txt")
    [[ -n $false_flag && -n $false_reject ]] || { echo "FAIL: the fraud eval printed no false_flag/false_reject"; exit 1; }
    awk -v m="$macro" -v f="$f1" -v ff="$false_flag" -v fr="$false_reject" 'BEGIN {
      if (m < 0.90 || f < 0.90) { print "FAIL: below the 0.90 bars"; exit 1 }
      if (ff > 0.01 || fr > 0) { print "FAIL: ordinary traffic flagged " ff " or rejected " fr; exit 1 }
      print "above the bars" }'
    ;;
  *)
    echo "usage: task_models.sh reproducible|shipped" >&2
    exit 2
    ;;
esac
