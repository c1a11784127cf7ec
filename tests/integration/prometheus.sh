#!/usr/bin/env bash
# The operator's kit against real processes (issue 16, item 4): a devnet and a real Prometheus
# with deploy/'s scrape config and alert rules (only the target and the intervals changed).
# After `moed load` sends transfers and a scrape sees them, every expression of the Grafana
# dashboard's panels must return series through Prometheus's HTTP API, every alert rule must
# evaluate without error with every metric it reads present, and the up/block alerts must be
# quiet; then the node is stopped and MoedDown must go pending. promtool checks the files.
set -euo pipefail

MOED="${MOED:?set MOED to the moed binary}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
source "$repo/tests/e2e/lib/devnet.sh"
deploy="$repo/deploy"
fail() { echo "FAIL: $*" >&2; [[ -f ${tmp:-}/prometheus.log ]] && tail -20 "$tmp/prometheus.log" >&2; exit 1; }

command -v prometheus >/dev/null ||
  fail "prometheus is not installed (Debian package 'prometheus'): run scripts/install-deps.sh"
command -v jq >/dev/null || fail "jq is missing: run scripts/install-deps.sh"

if command -v promtool >/dev/null; then
  promtool check config "$deploy/prometheus/prometheus.yml" >/dev/null || fail "promtool check config"
  promtool check rules "$deploy/prometheus/moed.rules.yml" >/dev/null || fail "promtool check rules"
  echo "promtool: config and rules valid"
else
  echo "promtool not found: the files are checked by loading them into prometheus only"
fi

tmp="$(mktemp -d /tmp/moe_prometheus_XXXXXX)"
prom_pid=

cleanup() {
  [[ -n $prom_pid ]] && { kill -TERM "$prom_pid" 2>/dev/null || true; wait "$prom_pid" 2>/dev/null || true; }
  devnet_stop >/dev/null 2>&1 || true
  rm -rf "$tmp" "${DEVNET_HOME:-/nonexistent}" "${DEVNET_HOME:-/nonexistent}.log"
}
trap cleanup EXIT

# The systemd unit, with this build's moed as ExecStart: systemd reads every key (it only
# warns, and exits 0, on an unknown key or a bad value, so any output fails).
if command -v systemd-analyze >/dev/null; then
  sed "s|/usr/local/bin/moed|$(realpath "$MOED")|" "$deploy/moed.service" >"$tmp/moed.service"
  out=$(systemd-analyze verify "$tmp/moed.service" 2>&1) || fail "systemd-analyze verify moed.service: $out"
  [[ -z $out ]] || fail "systemd-analyze verify moed.service: $out"
  echo "systemd-analyze: moed.service verified"
fi

devnet_start

# deploy/'s files, with the devnet as target and 1 s intervals: nothing else changes.
cp "$deploy/prometheus/moed.rules.yml" "$tmp/"
replace_once() {  # replace_once FILE FROM TO: exactly one occurrence of FROM, or fail
  local n; n=$(grep -cF -- "$2" "$1" || true)
  [[ $n == 1 ]] || fail "$1: expected one '$2', found $n"
  sed -i "s|$2|$3|" "$1"
}
cp "$deploy/prometheus/prometheus.yml" "$tmp/prometheus.yml"
replace_once "$tmp/prometheus.yml" "'127.0.0.1:8545'" "'127.0.0.1:$DEVNET_PORT'"
replace_once "$tmp/prometheus.yml" "scrape_interval: 15s" "scrape_interval: 1s"
replace_once "$tmp/prometheus.yml" "evaluation_interval: 15s" "evaluation_interval: 1s"

prom_port=$(free_port)
prom="http://127.0.0.1:$prom_port"
prometheus --config.file "$tmp/prometheus.yml" --storage.tsdb.path "$tmp/data" \
  --web.listen-address "127.0.0.1:$prom_port" >"$tmp/prometheus.log" 2>&1 &
prom_pid=$!
for _ in $(seq 1 300); do
  curl -sf "$prom/-/ready" >/dev/null && break
  kill -0 "$prom_pid" 2>/dev/null || fail "prometheus exited"
  sleep 0.1
done
curl -sf "$prom/-/ready" >/dev/null || fail "prometheus not ready within 30 s"

query() {  # query EXPR -> the API's JSON answer
  curl -s -G "$prom/api/v1/query" --data-urlencode "query=$1"
}
series() {  # series EXPR -> how many series it returns (fails on a query error)
  local out; out=$(query "$1")
  [[ $(jq -r .status <<<"$out") == success ]] || fail "query error for '$1': $out"
  jq '.data.result | length' <<<"$out"
}
value() {  # value EXPR -> the first series' value
  query "$1" | jq -r '.data.result[0].value[1] // "none"'
}

# A scrape before the load, so that rate() sees the counters move.
for _ in $(seq 1 100); do [[ $(value 'up{job="moed"}') == 1 ]] && break; sleep 0.1; done
[[ $(value 'up{job="moed"}') == 1 ]] || fail "prometheus has not scraped the devnet within 10 s"

# Real transactions: signed transfers through the project's load generator.
"$MOED" load --rpc "$DEVNET_URL" --rate 10 --seconds 2 >"$tmp/load.log" 2>&1 || { cat "$tmp/load.log" >&2; fail "moed load"; }
committed=0
for _ in $(seq 1 200); do
  v=$(value 'moe_transactions_committed_total{job="moed"}')
  if [[ $v != none ]] && (( v >= 20 )); then committed=$v; break; fi
  sleep 0.1
done
(( committed >= 20 )) || fail "no scrape shows the 20 transfers committed (moe_transactions_committed_total: $v)"
accepted=$(value 'moe_screening_verdicts_total{job="moed",decision="accept"}')
[[ $accepted != none ]] && (( accepted >= 20 )) || fail "screening verdicts (accept) scraped: $accepted, want >= 20"
finality=$(value 'moe_transaction_finality_seconds_count{job="moed"}')
[[ $finality != none ]] && (( finality >= 20 )) || fail "finality observations scraped: $finality, want >= 20 (one per committed transfer)"
sleep 3  # rate() over the dashboard's windows needs a few samples after the load
p99=$(value 'histogram_quantile(0.99, rate(moe_transaction_finality_seconds_bucket{job="moed"}[1m]))')
[[ $p99 != NaN && $p99 != none ]] || fail "no finality p99 through Prometheus: $p99"
echo "finality of the transfers, p99 from the histogram through Prometheus: ${p99} s"

# Every panel expression of the dashboard, with its variables set as Grafana would for "All".
dashboard="$deploy/grafana/moed-dashboard.json"
jq -e '.panels | length > 0' "$dashboard" >/dev/null || fail "the dashboard has no panels"
checked=0
while IFS= read -r expr; do
  q=${expr//\$instance/.+}
  q=${q//\$__rate_interval/1m}
  n=$(series "$q")
  (( n > 0 )) || fail "dashboard expression returns no series: $expr"
  checked=$((checked + 1))
done < <(jq -r '.panels[] | .targets[]? | .expr' "$dashboard")
echo "dashboard: $checked panel expressions, each returns series"

# Every alert rule as Prometheus loaded it: evaluated without error, and every metric it reads
# present; the node is up and committing, so MoedDown and MoedNoNewBlock are inactive.
rules() { curl -s "$prom/api/v1/rules?type=alert"; }
for _ in $(seq 1 100); do
  [[ $(rules | jq '[.data.groups[].rules[] | select(.lastEvaluation | startswith("0001"))] | length') == 0 ]] && break
  sleep 0.1
done
alerts=$(rules)
n_rules=$(jq '[.data.groups[].rules[]] | length' <<<"$alerts")
(( n_rules == $(grep -c -- '- alert:' "$deploy/prometheus/moed.rules.yml") )) || fail "prometheus loaded $n_rules alert rules"
while IFS=$'\t' read -r name health query_text; do
  [[ $health == ok ]] || fail "alert $name: health $health: $(jq -r --arg n "$name" '.data.groups[].rules[] | select(.name == $n) | .lastError' <<<"$alerts")"
  series "$query_text" >/dev/null  # a valid query
  for metric in $(grep -oE '\b(moe_[a-z_]+|up)\b' <<<"$query_text" | sort -u); do
    (( $(series "$metric{job=\"moed\"}") > 0 )) || fail "alert $name reads $metric, which has no series"
  done
done < <(jq -r '.data.groups[].rules[] | [.name, .health, .query] | @tsv' <<<"$alerts")
for name in MoedDown MoedNoNewBlock MoedHalted MoedNoPeers MoedMempoolNearFull; do
  state=$(jq -r --arg n "$name" '.data.groups[].rules[] | select(.name == $n) | .state' <<<"$alerts")
  [[ $state == inactive ]] || fail "alert $name is $state on a healthy devnet"
done
echo "alerts: $n_rules rules evaluate, every metric they read present, none active"

# The node stops: MoedDown must leave inactive (pending for its 'for:', then firing).
devnet_stop
for _ in $(seq 1 100); do
  state=$(rules | jq -r '.data.groups[].rules[] | select(.name == "MoedDown") | .state')
  [[ $state != inactive ]] && break
  sleep 0.1
done
[[ $state == pending || $state == firing ]] || fail "MoedDown is $state 10 s after the node stopped"
echo "ok: MoedDown $state once the node stopped"
echo "integration.prometheus: $committed transfers scraped, $checked dashboard expressions and $n_rules alert rules checked"
