#!/usr/bin/env bash
# Soak: FRAMES frames (default 1,000,000) through `signdpu run` and the
# emulator, sampling the process's RSS every 2 s; prints the RSS curve and
# whether it stayed flat (last sample within 10 % of the one after warm-up).
# A report, not a CI test.   scripts/soak.sh [FRAMES] [XMODEL]
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then  # the header above; nothing runs
  sed -n '2,/^[^#]/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
FRAMES="${1:-1000000}"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-release}"
XMODEL="${2:-$ROOT/out/default/signcnn_fashion.xmodel}"
if [[ ! -f "$XMODEL" ]]; then
  echo "soak.sh: $XMODEL missing: run scripts/run-default.sh first (or pass an xmodel)" >&2
  exit 2
fi
OUT="$ROOT/out/soak"; mkdir -p "$OUT"
"$BUILD_DIR/bin/signdpu" run --model "$XMODEL" --csv tests/data/fashion_sample.csv --mode ref --threads 2 \
  --bench 100000 --limit "$FRAMES" --quiet --no-progress --summary-json "$OUT/summary.json" > "$OUT/run.txt" 2>&1 &
pid=$!
: > "$OUT/rss.tsv"
t0=$(date +%s)
while kill -0 $pid 2>/dev/null; do
  rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null || true)
  [[ -n "$rss" ]] && printf '%s\t%s\n' "$(( $(date +%s) - t0 ))" "$rss" >> "$OUT/rss.tsv"
  sleep 2
done
wait $pid
/usr/bin/python3 - "$OUT" <<'PY'
import json, sys, os
out = sys.argv[1]
rows = [tuple(map(int, l.split())) for l in open(os.path.join(out, "rss.tsv")) if l.strip()]
s = json.load(open(os.path.join(out, "summary.json")))
print(f"frames {s['frames']}, {s['seconds']:.1f} s, {s['fps_e2e']:.0f} frames/s")
print("t(s)  RSS(MB)")
for t, kb in rows: print(f"{t:4d}  {kb/1024:7.1f}")
if len(rows) >= 3:
    warm, last = rows[1][1], rows[-1][1]
    flat = abs(last - warm) <= 0.10 * warm
    print(f"RSS after warm-up {warm/1024:.1f} MB, at the end {last/1024:.1f} MB: {'flat' if flat else 'GROWING'}")
PY
