#!/usr/bin/env bash
# A caught injected bug must replay: the sweep's `reproduce:` line, run again, fails again
# with the same trace hash. Usage: reproduce_replays.sh KVSIM BUG [MORE KVSIM FLAGS...]
set -euo pipefail
kvsim=$1
bug=$2
shift 2
sweep_output=$("$kvsim" --sweep 1..200 --jobs 2 --fail-fast --inject-bug "$bug" "$@" || true)
reproduce=$(grep -m1 '^reproduce: kvsim ' <<<"$sweep_output" | sed 's/^reproduce: kvsim //')
if [[ -z "$reproduce" ]]; then
  echo "FAIL: no reproduce line for $bug in seeds 1..200"
  tail -3 <<<"$sweep_output"
  exit 1
fi
seed=$(sed -E 's/^--seed ([0-9]+).*/\1/' <<<"$reproduce")
first=$(grep -m1 -E "^seed=$seed FAILED" <<<"$sweep_output")
# shellcheck disable=SC2086  # the reproduce line is a list of flags
if replay=$("$kvsim" $reproduce); then
  echo "FAIL: kvsim $reproduce passed when replayed"
  exit 1
fi
again=$(grep -m1 -E "^seed=$seed FAILED" <<<"$replay")
if [[ "${first##* trace=}" != "${again##* trace=}" ]]; then
  echo "FAIL: trace hash differs: '$first' then '$again'"
  exit 1
fi
echo "ok: $bug caught by kvsim $reproduce, replayed with the same trace hash (${again##* trace=})"
