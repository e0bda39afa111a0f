#!/usr/bin/env bash
# A caught injected bug must replay: the sweep exits 1, and its `reproduce:` line, run
# again, fails again (exit 1) with the same trace hash. Usage: reproduce_replays.sh KVSIM BUG [MORE KVSIM FLAGS...]
set -euo pipefail
kvsim=$1
bug=$2
shift 2
sweep_status=0
sweep_output=$("$kvsim" --sweep 1..200 --jobs 2 --fail-fast --inject-bug "$bug" "$@") ||
  sweep_status=$?
if [[ "$sweep_status" -ne 1 ]]; then
  echo "FAIL: the sweep exited $sweep_status, not 1 (a violation)"
  tail -3 <<<"$sweep_output"
  exit 1
fi
reproduce=$(grep -m1 '^reproduce: kvsim ' <<<"$sweep_output" | sed 's/^reproduce: kvsim //')
if [[ -z "$reproduce" ]]; then
  echo "FAIL: no reproduce line for $bug in seeds 1..200"
  tail -3 <<<"$sweep_output"
  exit 1
fi
seed=$(sed -E 's/^--seed ([0-9]+).*/\1/' <<<"$reproduce")
first=$(grep -m1 -E "^seed=$seed FAILED" <<<"$sweep_output")
replay_status=0
# shellcheck disable=SC2086  # the reproduce line is a list of flags
replay=$("$kvsim" $reproduce) || replay_status=$?
if [[ "$replay_status" -ne 1 ]]; then
  echo "FAIL: kvsim $reproduce exited $replay_status when replayed, not 1"
  exit 1
fi
again=$(grep -m1 -E "^seed=$seed FAILED" <<<"$replay")
if [[ "${first##* trace=}" != "${again##* trace=}" ]]; then
  echo "FAIL: trace hash differs: '$first' then '$again'"
  exit 1
fi
echo "ok: $bug caught by kvsim $reproduce, replayed with the same trace hash (${again##* trace=})"
