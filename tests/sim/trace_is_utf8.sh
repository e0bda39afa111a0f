#!/usr/bin/env bash
# kvsim --trace writes valid JSON lines in UTF-8: text such as the options' "‰" goes out as
# itself, never as byte-wise escapes. Usage: trace_is_utf8.sh KVSIM
set -euo pipefail
kvsim=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$kvsim" --seed 3 --ops 200 --trace "$work/trace.jsonl" >/dev/null
python3 - "$work/trace.jsonl" <<'PY'
import json, sys
raw = open(sys.argv[1], "rb").read()
text = raw.decode("utf-8")  # raises on invalid UTF-8
lines = [json.loads(line) for line in text.splitlines()]
assert "\\u00e2" not in text, "byte-wise escapes of UTF-8 in the trace"
assert "\u2030" in lines[0]["text"], "the options line lost its per-mille sign"
print("ok: %d trace lines, valid UTF-8 JSON" % len(lines))
PY
