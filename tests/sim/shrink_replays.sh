#!/usr/bin/env bash
# A run's schedule replays from its file with the same trace hash (kvsim --schedule-out,
# --schedule-from); kvsim --shrink on a run that an injected bug makes fail ends with a
# replay command whose run fails with the same invariant and the same trace hash it
# printed, and the shrunk schedule is smaller (fewer requests, no more faults).
# Usage: shrink_replays.sh KVSIM
set -euo pipefail
kvsim=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
recorded=$("$kvsim" --seed 3 --ops 2000 --schedule-out "$work/seed3.json" | tail -1)
replayed=$("$kvsim" --schedule-from "$work/seed3.json" --ops 2000 | tail -1)
if [[ "${recorded##* trace=}" != "${replayed##* trace=}" ]]; then
  echo "FAIL: the schedule of seed 3 replayed as '$replayed', the run was '$recorded'"
  exit 1
fi
grep -q '"fault":' "$work/seed3.json" || { echo "FAIL: seed 3 recorded no fault"; exit 1; }
status=0
output=$("$kvsim" --seed 6 --inject-bug skip-write-back --shrink --shrink-out "$work/min.json" 2>"$work/progress") ||
  status=$?
if [[ "$status" -ne 1 ]]; then
  echo "FAIL: --shrink exited $status, not 1"
  tail -5 <<<"$output"
  exit 1
fi
grep -q '^shrink: step 1: ' "$work/progress" || { echo "FAIL: no progress lines"; exit 1; }
grep -q '^shrink: step [0-9]*: without requests' "$work/progress" ||
  { echo "FAIL: the schedule was never cut event by event"; exit 1; }
sizes=$(grep -m1 '^shrink: [0-9]* steps' <<<"$output")
before=$(sed -E 's/.*ops ([0-9]+) -> ([0-9]+).*/\1/' <<<"$sizes")
after=$(sed -E 's/.*ops ([0-9]+) -> ([0-9]+).*/\2/' <<<"$sizes")
faults_before=$(sed -E 's/.*faults ([0-9]+) -> ([0-9]+).*/\1/' <<<"$sizes")
faults_after=$(sed -E 's/.*faults ([0-9]+) -> ([0-9]+).*/\2/' <<<"$sizes")
if ((after >= before || faults_after > faults_before)); then
  echo "FAIL: nothing shrank: $sizes"
  exit 1
fi
invariant=$(grep -m1 '^VIOLATION of ' <<<"$output" | sed -E 's/^VIOLATION of ([a-z -]+) at .*/\1/')
last=$(tail -1 <<<"$output")
reproduce=$(grep -m1 '^reproduce: kvsim ' <<<"$output" | sed 's/^reproduce: kvsim //')
replay_status=0
# shellcheck disable=SC2086  # the reproduce line is a list of flags
replay=$("$kvsim" $reproduce) || replay_status=$?
if [[ "$replay_status" -ne 1 ]] || ! grep -q "^VIOLATION of $invariant at " <<<"$replay" ||
   [[ "$(tail -1 <<<"$replay")" != "$last" ]]; then
  echo "FAIL: 'kvsim $reproduce' did not fail the same way: $(tail -1 <<<"$replay") vs $last"
  exit 1
fi
echo "ok: $sizes; kvsim $reproduce fails with $invariant again ($last)"
