#!/usr/bin/env bash
# How much do the int8 results depend on which calibration images were used?
# Quantises the bundled model with signdpu-quantize's default settings on K
# disjoint calibration sets of 3,200 rows each from data/fashion_train.csv
# (rows 1-3200, 3201-6400, ...; labels unused), evaluates each on the
# 10,000-row test CSV with the bit-exact int8 kernels, and prints a table plus
# the minimum and median over the sets. Results: out/robustness/robustness.json.
#   scripts/quantize-robustness.sh [K (default 4)] [extra signdpu-quantize flags]
# Environment: BUILD_DIR (default build-release), SIGNDPU_SKIP_APT=1.
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then  # the header above; nothing runs
  sed -n '2,/^[^#]/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-release}"
OUT="$ROOT/out/robustness"
K="${1:-4}"
shift || true
bash scripts/setup-deps.sh >/dev/null
bash scripts/prepare-data.sh >/dev/null
GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
cmake -S "$ROOT" -B "$BUILD_DIR" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DSIGNDPU_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" --target signdpu-quantize >/dev/null
rm -rf "$OUT"
mkdir -p "$OUT"
for ((k = 0; k < K; ++k)); do
  first=$((k * 3200 + 2))  # line 1 is the header
  sed -n "${first},$((first + 3199))p" data/fashion_train.csv > "$OUT/calib$k.csv"
  [[ $(wc -l < "$OUT/calib$k.csv") -eq 3200 ]] || { echo "data/fashion_train.csv has too few rows for set $k" >&2; exit 1; }
  echo "== set $k: rows $((first - 1))..$((first + 3198))"
  "$BUILD_DIR/bin/signdpu-quantize" --model models/signcnn_fashion.onnx --calib "$OUT/calib$k.csv" \
    --eval data/fashion_test.csv --output_dir "$OUT/set$k" --name signcnn_fashion --no-progress "$@" \
    > "$OUT/set$k.txt"
  rm -f "$OUT/calib$k.csv"
done
/usr/bin/python3 - "$OUT" "$K" "$*" <<'PY'
import json, os, statistics, sys
out, k, flags = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = []
for i in range(k):
    r = json.load(open(os.path.join(out, f"set{i}", "report.json")))
    rows.append({"set": i, "first_row": i * 3200 + 1, "float_accuracy": r["float_accuracy"], "int8_accuracy": r["int8_accuracy"],
                 "top1_agreement": r["top1_agreement"], "calib_seconds": r["calib_seconds"]})
print(f"\nflags: {flags or '(defaults)'}\n")
print("| calibration rows | float | int8 | top-1 agreement | calibration + quantisation |\n|---|---|---|---|---|")
for r in rows:
    print(f"| {r['first_row']}..{r['first_row'] + 3199} | {r['float_accuracy']:.4f} | {r['int8_accuracy']:.4f} | "
          f"{r['top1_agreement']:.4f} | {r['calib_seconds']:.2f} s |")
agree = [r["top1_agreement"] for r in rows]
drop = [100 * (r["float_accuracy"] - r["int8_accuracy"]) for r in rows]
secs = [r["calib_seconds"] for r in rows]
summary = {"flags": flags, "sets": rows, "agreement_min": min(agree), "agreement_median": statistics.median(agree),
           "accuracy_drop_points_max": max(drop), "calib_seconds_median": statistics.median(secs)}
print(f"\nagreement min {min(agree):.4f}, median {statistics.median(agree):.4f}; "
      f"largest accuracy drop {max(drop):+.2f} points; calibration median {statistics.median(secs):.2f} s")
json.dump(summary, open(os.path.join(out, "robustness.json"), "w"), indent=2)
print(f"wrote {os.path.join(out, 'robustness.json')}")
PY
