#!/usr/bin/env bash
# Runs `moed moe selftest` under several oneDNN ISA caps and requires the same output hashes
# from each: consensus inference must give the same bits on every CPU. Prints "N passed, N failed".
set -uo pipefail
moed=${MOED:?set MOED to the moed executable}
cd "$(dirname "$0")/../.."  # so chain-config/models is found

reference=""
declare -A seen_isa=()
passed=0
failed=0
for isa in SSE41 AVX2 AVX512_CORE AVX512_CORE_VNNI AVX512_CORE_AMX default; do
  if [[ $isa == default ]]; then
    out=$("$moed" moe selftest 2>"/tmp/cross_isa_$$.err")
  else
    out=$(ONEDNN_MAX_CPU_ISA=$isa "$moed" moe selftest 2>"/tmp/cross_isa_$$.err")
  fi
  rc=$?
  effective=$(grep -o 'effective ISA [A-Z0-9_]*' "/tmp/cross_isa_$$.err" | awk '{print $3}')
  line=$(grep '^selftest sha256=' <<<"$out")
  if [[ $rc -ne 0 || -z $line ]]; then
    echo "FAIL $isa: selftest did not run: $(cat "/tmp/cross_isa_$$.err")"
    failed=$((failed + 1))
    continue
  fi
  seen_isa[$effective]=1
  if [[ -z $reference ]]; then
    reference=$out
  fi
  if [[ $out == "$reference" ]]; then
    echo "ok   $isa (effective $effective): ${line#selftest }"
    passed=$((passed + 1))
  else
    echo "FAIL $isa (effective $effective): outputs differ"
    diff <(echo "$reference") <(echo "$out")
    failed=$((failed + 1))
  fi
done
rm -f "/tmp/cross_isa_$$.err"
# A comparison of one ISA with itself would prove nothing.
if [[ ${#seen_isa[@]} -lt 2 ]]; then
  echo "FAIL only ${#seen_isa[@]} distinct ISA ran: nothing was compared"
  failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
