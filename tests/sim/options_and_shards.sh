#!/usr/bin/env bash
# Options as data and sharded sweeps, through kvsim's command line:
#   1. `--seed S --options-out F` and `--options-from F` give the same trace hash (seeds
#      1..8, drawn with every kind of configuration), and `--set` changes the run;
#   2. a sweep split in 4 shards (--json) and merged gives the same failing seeds, with
#      the same reproduce lines, as the unsplit sweep (an injected bug makes some fail).
# Usage: options_and_shards.sh KVSIM
set -euo pipefail
kvsim=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

trace_of() { grep -m1 -E '^seed=[0-9]+ (ok|FAILED) ' <<<"$1" | sed -E 's/.* trace=//'; }

for seed in 1 2 3 4 5 6 7 8; do
  first=$("$kvsim" --seed "$seed" --ops 400 --options-out "$work/s$seed.json") || true
  again=$("$kvsim" --options-from "$work/s$seed.json") || true
  if [[ -z "$(trace_of "$first")" || "$(trace_of "$first")" != "$(trace_of "$again")" ]]; then
    echo "FAIL: seed $seed: --options-from did not replay --seed: '$(trace_of "$first")' vs '$(trace_of "$again")'"
    exit 1
  fi
done
changed=$("$kvsim" --options-from "$work/s1.json" --set crash_permille=0 --set keys=2) || true
if [[ "$(trace_of "$changed")" == "$(trace_of "$("$kvsim" --options-from "$work/s1.json")")" ]] ||
   ! grep -q 'crash=0‰' <<<"$changed" || ! grep -q ' keys=2 ' <<<"$changed"; then
  echo "FAIL: --set did not change the run"
  exit 1
fi
if "$kvsim" --options-from "$work/s1.json" --set no_such_option=1 2>"$work/err"; then
  echo "FAIL: an unknown option was accepted"
  exit 1
fi
grep -q "unknown option 'no_such_option'" "$work/err" || { cat "$work/err"; exit 1; }

sweep=(--sweep 1..24 --jobs 2 --ops 400 --inject-bug skip-write-back)
whole=$("$kvsim" "${sweep[@]}") || true
for shard in 1 2 3 4; do
  "$kvsim" "${sweep[@]}" --shard "$shard/4" --json >"$work/shard$shard.jsonl" 2>/dev/null || true
done
merged=$("$kvsim" --merge "$work"/shard*.jsonl) || true
whole_failing=$(grep -m1 '^failing seeds:' <<<"$whole" || echo "failing seeds: none")
merged_failing=$(grep -m1 '^failing seeds:' <<<"$merged" || echo "failing seeds: none")
if [[ "$whole_failing" != "$merged_failing" ]] || ! grep -q '^sweep 1..24 seeds=24 ' <<<"$merged"; then
  echo "FAIL: shards merged to '$merged_failing', the whole sweep had '$whole_failing'"
  tail -4 <<<"$merged"
  exit 1
fi
if [[ "$(grep '^reproduce:' <<<"$whole" | sort)" != "$(grep '^reproduce:' <<<"$merged" | sort)" ]]; then
  echo "FAIL: reproduce lines differ between the whole and the merged sweep"
  exit 1
fi
if "$kvsim" --merge "$work/shard1.jsonl" "$work/shard2.jsonl" >"$work/partial" ||
   ! grep -q 'have no result' "$work/partial"; then
  echo "FAIL: a merge with shards missing passed"
  exit 1
fi
echo "ok: options files replay seeds 1..8; 4 shards merged = the whole sweep ($whole_failing)"
