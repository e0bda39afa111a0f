#!/usr/bin/env bash
# /metrics passes `promtool check metrics` (Prometheus' naming and format rules: base units,
# _total/_seconds/_bytes suffixes, HELP and TYPE) after traffic on every route. kvnode
# listens on port 0 and reports the port it bound through --port-file.
# Usage: metrics_promtool.sh KVNODE. Exit 77 (skipped) where promtool is not installed
# (tools/bootstrap installs it with the prometheus package).
set -euo pipefail
kvnode=$1
if ! command -v promtool >/dev/null; then
  echo "SKIPPED: promtool is not installed (tools/bootstrap installs prometheus)"
  exit 77
fi
work=$(mktemp -d)
pid=
cleanup() {
  if [[ -n "$pid" ]]; then
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
"$kvnode" --id n1 --listen 127.0.0.1:0 --port-file "$work/port" --data-dir "$work/data" \
  --n 1 --w 1 --r 1 --cluster-token s3cret >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  [[ -s "$work/port" ]] && break
  sleep 0.05
done
[[ -s "$work/port" ]] || { echo "FAIL: no port file"; cat "$work/log"; exit 1; }
address=$(cat "$work/port")
grep -q "listening on $address " "$work/log" || { echo "FAIL: the log does not say $address"; exit 1; }
url="http://$address"
curl -sf -m 5 -X PUT --data-binary v "$url/kv/a" >/dev/null
curl -sf -m 5 "$url/kv/a" >/dev/null
curl -s -m 5 -o /dev/null "$url/kv/missing"
curl -sf -m 5 -X DELETE "$url/kv/a" >/dev/null
curl -sf -m 5 "$url/health" >/dev/null
curl -s -m 5 -o /dev/null -X POST "$url/internal/gossip" -d '{}'
curl -sf -m 5 "$url/metrics" >"$work/metrics"
grep -q '^ringkv_request_duration_seconds_bucket' "$work/metrics" ||
  { echo "FAIL: no latency histogram in /metrics"; exit 1; }
if ! promtool check metrics <"$work/metrics"; then
  echo "FAIL: promtool check metrics"
  exit 1
fi
echo "ok: /metrics of $address passes promtool check metrics ($(grep -c '^# TYPE' "$work/metrics") metrics)"
