#!/usr/bin/env bash
# Every tool's --help prints its usage (naming the tool) on stdout and exits 0; an unknown option exits 2 and
# says "unknown option" on stderr. Usage: help_and_bad_options.sh SOURCE_DIR KVSIM KVNODE
#   KVCTL KVBENCH SSTDUMP
set -euo pipefail
source_dir=$1
shift
failures=0
check_help() {  # NAME COMMAND...
  local name=$1 out err status=0
  shift
  out=$("$@" --help 2>/dev/null) || status=$?
  if ((status != 0)) || ! grep -q "$name" <<<"$out"; then
    echo "FAIL: $name --help exited $status with ${#out} bytes of usage on stdout"
    failures=$((failures + 1))
  fi
}
check_unknown() {  # NAME COMMAND...
  local name=$1 err status=0
  shift
  err=$("$@" --no-such-option 2>&1 >/dev/null) || status=$?
  if ((status != 2)) || ! grep -qi "unknown option" <<<"$err"; then
    echo "FAIL: $name --no-such-option exited $status: $err"
    failures=$((failures + 1))
  fi
}
declare -A binary=([kvsim]=$1 [kvnode]=$2 [kvctl]=$3 [kvbench]=$4 [sstdump]=$5)
for tool in kvsim kvnode kvctl kvbench sstdump; do
  check_help "$tool" "${binary[$tool]}"
done
for tool in kvsim kvnode kvctl kvbench; do
  check_unknown "$tool" "${binary[$tool]}"
done
for script in local-cluster bench-cluster explore bootstrap run-fuzzers; do
  check_help "$script" "$source_dir/tools/$script"
done
if ((failures > 0)); then exit 1; fi
echo "ok: --help exits 0 with usage on stdout, unknown options exit 2, for every tool"
