#!/usr/bin/env bash
# Measures, in one run on one machine, and prints a table of ratios:
#   1. the emulator vs OpenCV DNN float32 on the same ONNX (2 threads, batch 1 and 64)
#   2. calibration of 100 x 32 images vs the Vitis AI flow's 4 min 28 s
#   3. CSV ingest MB/s vs numpy.loadtxt on the same file
#   4. `signdpu run` end to end on the 10,000-row test CSV (2 threads)
#   5. peak RSS of that `signdpu run`
# Results also go to out/bench/bench.json. Method: docs/benchmarks.md.
# Environment: BUILD_DIR (default build-release), SIGNDPU_SKIP_APT=1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-release}"
OUT="$ROOT/out/bench"
mkdir -p "$OUT"
bash scripts/setup-deps.sh >/dev/null
bash scripts/prepare-data.sh >/dev/null
GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
cmake -S "$ROOT" -B "$BUILD_DIR" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DSIGNDPU_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" --target signdpu signdpu-quantize signdpu_emu emu_vs_opencv csv_ingest >/dev/null
B="$BUILD_DIR/bin"
TEST_CSV=data/fashion_test.csv

echo "== 1/5 emulator vs OpenCV DNN (this takes a few minutes)"
"$B/emu_vs_opencv" --benchmark_min_time=0.5 --benchmark_repetitions=5 > "$OUT/emu_vs_opencv.txt" 2>&1
sed -n '/== emulator/,$p' "$OUT/emu_vs_opencv.txt"

echo "== 2/5 calibration, 100 x 32 images"
"$B/signdpu-quantize" --model models/signcnn_fashion.onnx --calib data/fashion_train.csv --calib_iter 100 \
  --calib_batch_size 32 --output_dir "$OUT/q" --name signcnn_fashion --labels models/fashion.labels.txt --no-progress > "$OUT/quantize.txt"
calib_s=$(/usr/bin/python3 -c "import json; print(json.load(open('$OUT/q/report.json'))['calib_seconds'])")

echo "== 3/5 CSV ingest ($TEST_CSV)"
ours=$("$B/csv_ingest" "$TEST_CSV")
np_s=$(/usr/bin/python3 - "$TEST_CSV" <<'PY'
import sys, time, numpy as np
t = time.perf_counter(); a = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, dtype=np.uint8); s = time.perf_counter() - t
assert a.shape[1] == 785
print(s)
PY
)

echo "== 4/5 + 5/5 signdpu run end to end, peak RSS"
/usr/bin/time -v "$B/signdpu" run --model "$OUT/q/signcnn_fashion.xmodel" --csv "$TEST_CSV" --mode ref --threads 2 \
  --quiet --no-progress --summary-json "$OUT/run.json" > "$OUT/run.txt" 2> "$OUT/run.time"
rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$OUT/run.time")

/usr/bin/python3 - "$OUT" "$calib_s" "$np_s" "$rss_kb" "$ours" <<'PY'
import json, re, sys, os
out, calib_s, np_s, rss_kb, ours = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), json.loads(sys.argv[5])
txt = open(os.path.join(out, "emu_vs_opencv.txt")).read()
rows = re.findall(r"batch\s+(\d+), (\d) threads?: emulator\s+(\d+) images/s, OpenCV\s+(\d+) images/s", txt)
run = json.load(open(os.path.join(out, "run.json")))
csv_mb = ours["bytes"] / 1e6
res = {"emulator_vs_opencv": [{"batch": int(b), "threads": int(t), "emu_fps": int(e), "opencv_fps": int(c), "ratio": int(e) / int(c)} for b, t, e, c in rows],
       "calib_seconds": calib_s, "calib_vs_vitis_ratio": 268.0 / calib_s,
       "csv_mb_per_s": ours["mb_per_s_median"], "numpy_loadtxt_mb_per_s": csv_mb / np_s, "csv_ratio": ours["mb_per_s_median"] / (csv_mb / np_s),
       "run_frames": run["frames"], "run_seconds": run["seconds"], "run_fps_e2e": run["fps_e2e"], "run_fps_dpu": run["fps_dpu"],
       "run_accuracy": run["accuracy"], "peak_rss_mb": rss_kb / 1024.0}
json.dump(res, open(os.path.join(out, "bench.json"), "w"), indent=2)
def row(name, value, target, met):
    print(f"| {name:<44} | {value:<28} | {target:<18} | {'met' if met else 'NOT met':<7} |")
print("\n| measurement | result | goal | |\n|---|---|---|---|")
for r in res["emulator_vs_opencv"]:
    if r["threads"] == 2:
        row(f"emulator / OpenCV DNN, 2 threads, batch {r['batch']}", f"{r['emu_fps']} / {r['opencv_fps']} = {r['ratio']:.2f}x", ">= 3x (min 2x)", r["ratio"] >= 3)
row("calibration 100 x 32 (Vitis AI: 268 s)", f"{calib_s:.2f} s = {res['calib_vs_vitis_ratio']:.0f}x faster", "< 2 s", calib_s < 2)
row("CSV ingest vs numpy.loadtxt", f"{res['csv_mb_per_s']:.0f} vs {res['numpy_loadtxt_mb_per_s']:.1f} MB/s = {res['csv_ratio']:.0f}x", ">= 20x", res["csv_ratio"] >= 20)
row(f"signdpu run, {run['frames']} frames end to end", f"{run['seconds']:.2f} s ({run['fps_e2e']:.0f} fps)", "< 1 s", run["seconds"] < 1)
row("peak RSS of signdpu run", f"{res['peak_rss_mb']:.1f} MB", "< 64 MB", res["peak_rss_mb"] < 64)
print(f"\nwrote {os.path.join(out, 'bench.json')}")
PY
