#!/usr/bin/env bash
# Measures, in one run on one machine, and prints a table of ratios:
#   1. the emulator vs OpenCV DNN float32 on the same ONNX (2 threads, batch 1 and 64)
#   2. calibration of 100 x 32 images vs the Vitis AI flow's 4 min 28 s
#   3. CSV ingest MB/s vs numpy.loadtxt on the same file
#   4. `signdpu run` end to end on the 10,000-row test CSV (2 threads)
#   5. peak RSS of that `signdpu run`
#   6. ONNX Runtime (npm onnxruntime-node, CPU) on the same float ONNX and on a
#      QDQ int8 copy of it (bench/make_qdq_onnx.py, calibrated on the same 3,200
#      rows): accuracy on the 10,000 test images, throughput at batch 1 and 64
#      with the same 2 threads, ratios to the emulator. Skipped (and said so)
#      without node/npm or when the package cannot be installed.
#   7. the second, bigger model: Xilinx's PointPillars (both DPU subgraphs of
#      `signdpu compile tests/data/xmodels/voxelnet_quantized.xmodel`, 5.37
#      GMAC per frame) through the emulator, 2 threads: GMAC/s and the share
#      of the int8 peak (bench/pointpillars_bench.cc)
#   8. the heavy models of the op set (bench/bench_models.h, built at bench
#      time with seeded weights): a transposed-conv decoder (3.0 GMAC per
#      frame) and a MobileNet-v1-style depthwise-separable net (0.57 GMAC),
#      each written as a host xmodel and run through libvart + the emulator
#      plugin, 2 threads: GMAC/s and share of the int8 peak on the default
#      (optimised) path, and the speed-up over the reference path (whose
#      first output must hash equal) (bench/model_bench.cc)
# Results also go to out/bench/bench.json. Method: docs/benchmarks.md.
# Environment: BUILD_DIR (default build-release), SIGNDPU_SKIP_APT=1,
#   SIGNDPU_ORT_VERSION (onnxruntime-node version, default 1.30.0),
#   SIGNDPU_SKIP_ORT=1 to leave ONNX Runtime out,
#   SIGNDPU_BENCH_MODEL_SECONDS (default 20): minimum time of each step-8 run
#   on the optimised path (the reference runs time 4 frames).
set -euo pipefail
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
[[ $# -eq 0 ]] || { echo "bench.sh: unexpected argument '$1' (see --help)" >&2; exit 2; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-release}"
OUT="$ROOT/out/bench"
mkdir -p "$OUT"
bash scripts/setup-deps.sh >/dev/null
bash scripts/prepare-data.sh >/dev/null
GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
cmake -S "$ROOT" -B "$BUILD_DIR" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DSIGNDPU_BUILD_TESTS=OFF -DSIGNDPU_BUILD_BENCH=ON >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" --target signdpu signdpu-quantize signdpu_emu emu_vs_opencv csv_ingest pointpillars_bench model_bench >/dev/null
B="$BUILD_DIR/bin"
TEST_CSV=data/fashion_test.csv

echo "== 1/8 emulator vs OpenCV DNN (this takes a few minutes)"
"$B/emu_vs_opencv" --benchmark_min_time=0.5 --benchmark_repetitions=5 > "$OUT/emu_vs_opencv.txt" 2>&1
sed -n '/== emulator/,$p' "$OUT/emu_vs_opencv.txt"

echo "== 2/8 calibration, 100 x 32 images"
"$B/signdpu-quantize" --model models/signcnn_fashion.onnx --calib data/fashion_train.csv --calib_iter 100 \
  --calib_batch_size 32 --output_dir "$OUT/q" --name signcnn_fashion --labels models/fashion.labels.txt --no-progress > "$OUT/quantize.txt"
calib_s=$(/usr/bin/python3 -c "import json; print(json.load(open('$OUT/q/report.json'))['calib_seconds'])")

echo "== 3/8 CSV ingest ($TEST_CSV)"
ours=$("$B/csv_ingest" "$TEST_CSV")
np_s=$(/usr/bin/python3 - "$TEST_CSV" <<'PY'
import sys, time, numpy as np
t = time.perf_counter(); a = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, dtype=np.uint8); s = time.perf_counter() - t
assert a.shape[1] == 785
print(s)
PY
)

echo "== 4/8 + 5/8 signdpu run end to end, peak RSS"
/usr/bin/time -v "$B/signdpu" run --model "$OUT/q/signcnn_fashion.xmodel" --csv "$TEST_CSV" --mode ref --threads 2 \
  --quiet --no-progress --summary-json "$OUT/run.json" > "$OUT/run.txt" 2> "$OUT/run.time"
rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$OUT/run.time")

echo "== 6/8 ONNX Runtime (npm onnxruntime-node), float and QDQ int8, 2 threads"
ORT_DIR="$BUILD_DIR/ort"
ORT_VERSION="${SIGNDPU_ORT_VERSION:-1.30.0}"
ort_json=""
ort_skip=""
if [[ "${SIGNDPU_SKIP_ORT:-0}" == "1" ]]; then
  ort_skip="SIGNDPU_SKIP_ORT=1"
elif ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  ort_skip="node/npm not found"
else
  have=$(node -p "try { require('$ORT_DIR/node_modules/onnxruntime-node/package.json').version } catch (e) { '' }" 2>/dev/null || true)
  if [[ "$have" != "$ORT_VERSION" ]]; then
    mkdir -p "$ORT_DIR"
    # --ignore-scripts: the npm tarball already holds the linux x64 CPU
    # library (bin/napi-v*/linux/x64/libonnxruntime.so.1); nothing is downloaded by scripts.
    (cd "$ORT_DIR" && npm install --ignore-scripts --no-audit --no-fund "onnxruntime-node@$ORT_VERSION" > "$OUT/npm.txt" 2>&1) \
      || ort_skip="npm install onnxruntime-node@$ORT_VERSION failed (see $OUT/npm.txt)"
  fi
  if [[ -z "$ort_skip" ]]; then
    if /usr/bin/python3 bench/make_qdq_onnx.py augment models/signcnn_fashion.onnx "$OUT/ort_aug.onnx" &&
       node bench/ort_bench.js calib --ort "$ORT_DIR" --model "$OUT/ort_aug.onnx" --csv data/fashion_train.csv \
         --rows 3200 --out "$OUT/ort_ranges.json" > /dev/null &&
       /usr/bin/python3 bench/make_qdq_onnx.py qdq models/signcnn_fashion.onnx "$OUT/ort_ranges.json" \
         "$OUT/signcnn_fashion_qdq.onnx" > /dev/null &&
       node bench/ort_bench.js bench --ort "$ORT_DIR" --float models/signcnn_fashion.onnx \
         --qdq "$OUT/signcnn_fashion_qdq.onnx" --csv "$TEST_CSV" --threads 2 --min-time 0.5 --reps 5 --out "$OUT/ort.json"; then
      ort_json="$OUT/ort.json"
    else
      ort_skip="ONNX Runtime run failed (messages above)"
    fi
  fi
fi
[[ -n "$ort_skip" ]] && echo "ONNX Runtime: skipped: $ort_skip"

echo "== 7/8 PointPillars (signdpu compile of Xilinx's voxelnet_quantized.xmodel), both DPU subgraphs, 2 threads"
"$B/pointpillars_bench" --threads 2 --min-time 20 2>/dev/null | tail -n 1 > "$OUT/pointpillars.json"
cat "$OUT/pointpillars.json"

echo "== 8/8 heavy models of the op set: transposed-conv decoder, depthwise-separable net (libvart + emulator plugin, 2 threads)"
MODEL_SECONDS="${SIGNDPU_BENCH_MODEL_SECONDS:-20}"
for m in decoder dw_separable; do
  "$B/model_bench" --model "$m" --out "$OUT" --threads 2 --min-time "$MODEL_SECONDS" 2> "$OUT/$m.txt" | tail -n 1 > "$OUT/$m.json"
  SIGNDPU_REFERENCE_KERNELS=1 "$B/model_bench" --model "$m" --out "$OUT" --threads 2 --min-time 0 --min-frames 4 \
    2>> "$OUT/$m.txt" | tail -n 1 > "$OUT/${m}_reference.json"
  grep -m1 "saturated share" "$OUT/$m.txt"
  cat "$OUT/$m.json"
done

/usr/bin/python3 - "$OUT" "$calib_s" "$np_s" "$rss_kb" "$ours" "$ort_json" "$ort_skip" <<'PY'
import json, re, sys, os
out, calib_s, np_s, rss_kb, ours = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), json.loads(sys.argv[5])
ort_json, ort_skip = sys.argv[6], sys.argv[7]
pp = json.load(open(os.path.join(out, "pointpillars.json")))
txt = open(os.path.join(out, "emu_vs_opencv.txt")).read()
rows = re.findall(r"batch\s+(\d+), (\d) threads?: emulator\s+(\d+) images/s, OpenCV\s+(\d+) images/s", txt)
run = json.load(open(os.path.join(out, "run.json")))
csv_mb = ours["bytes"] / 1e6
res = {"emulator_vs_opencv": [{"batch": int(b), "threads": int(t), "emu_fps": int(e), "opencv_fps": int(c), "ratio": int(e) / int(c)} for b, t, e, c in rows],
       "calib_seconds": calib_s, "calib_vs_vitis_ratio": 268.0 / calib_s,
       "csv_mb_per_s": ours["mb_per_s_median"], "numpy_loadtxt_mb_per_s": csv_mb / np_s, "csv_ratio": ours["mb_per_s_median"] / (csv_mb / np_s),
       "run_frames": run["frames"], "run_seconds": run["seconds"], "run_fps_e2e": run["fps_e2e"], "run_fps_dpu": run["fps_dpu"],
       "run_accuracy": run["accuracy"], "peak_rss_mb": rss_kb / 1024.0}
emu2 = {r["batch"]: r["emu_fps"] for r in res["emulator_vs_opencv"] if r["threads"] == 2}
if ort_json:
    o = json.load(open(ort_json))
    ort = {"version": o["onnxruntime_node_version"], "threads": o["threads"], "images": o["images"], "models": {}}
    for key, m in o["models"].items():
        e = {"file": m["file"], "accuracy": m["accuracy"], "fps_batch1": m["fps_batch1"],
             "fps_batch1_one_stream": m["fps_batch1_one_stream"], "fps_batch64": m["fps_batch64"]}
        for b in (1, 64):
            if b in emu2:
                e[f"emulator_ratio_batch{b}"] = emu2[b] / m[f"fps_batch{b}"]
        e["accuracy_vs_emulator_points"] = 100.0 * (m["accuracy"] - run["accuracy"]) if run.get("accuracy") is not None else None
        ort["models"][key] = e
    res["onnxruntime"] = ort
else:
    res["onnxruntime"] = {"skipped": ort_skip}
res["pointpillars"] = pp
for m in ("decoder", "dw_separable"):
    opt = json.load(open(os.path.join(out, m + ".json")))
    ref = json.load(open(os.path.join(out, m + "_reference.json")))
    res[m] = {"gmac_per_frame": opt["gmac_per_frame"], "gmac_per_s": opt["gmac_per_s"], "share_of_peak": opt["share_of_peak"],
              "fps": opt["fps"], "reference_fps": ref["fps"], "reference_ratio": opt["fps"] / ref["fps"],
              "bit_exact_with_reference": opt["output_fnv1a"] == ref["output_fnv1a"],
              "gmac_per_cpu_s": opt["gmac_per_cpu_s"], "share_of_core_peak": opt["share_of_core_peak"],
              "reference_gmac_per_cpu_s": ref["gmac_per_cpu_s"], "reference_ratio_per_cpu_s": opt["gmac_per_cpu_s"] / ref["gmac_per_cpu_s"],
              "threads": opt["threads"], "frames": opt["frames"],
              "seconds": opt["seconds"], "kernels": opt["kernels"], "peak_gmac_per_s": opt["peak_gmac_per_s"],
              "saturated_share": opt["saturated_share"], "ops": opt["ops"]}
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
print(f"\n| second model | MAC/frame | frames/s | GMAC/s | share of int8 peak ({pp['peak_gmac_per_s']:.0f} GMAC/s) | GMAC per CPU s (share of one core) |\n|---|---|---|---|---|---|")
print(f"| PointPillars, signdpu compile, {pp['threads']} threads, {pp['kernels']} | {pp['macs_per_frame'] / 1e9:.2f} G | {pp['fps']:.2f} | "
      f"{pp['gmac_per_s']:.1f} | {100 * pp['share_of_peak']:.1f} % | {pp['gmac_per_cpu_s']:.1f} ({100 * pp['share_of_core_peak']:.1f} %) |")
print(f"\n| op-set model (libvart + emulator plugin) | GMAC/frame | frames/s | GMAC/s | share of int8 peak | GMAC per CPU s (share of one core) | reference path frames/s | speed-up (wall; per CPU s) | bit-exact |\n|---|---|---|---|---|---|---|---|---|")
for m, label in (("decoder", "transposed-conv decoder"), ("dw_separable", "depthwise-separable net")):
    r = res[m]
    print(f"| {label}, {r['threads']} threads, {r['kernels']} | {r['gmac_per_frame']:.2f} | {r['fps']:.1f} | {r['gmac_per_s']:.1f} | "
          f"{100 * r['share_of_peak']:.1f} % | {r['gmac_per_cpu_s']:.1f} ({100 * r['share_of_core_peak']:.1f} %) | "
          f"{r['reference_fps']:.2f} | {r['reference_ratio']:.0f}x; {r['reference_ratio_per_cpu_s']:.0f}x | {'yes' if r['bit_exact_with_reference'] else 'NO'} |")
if ort_json:
    v = res["onnxruntime"]["version"]
    print(f"\n| ONNX Runtime {v}, 2 threads, same run | accuracy (10,000) | batch 1 images/s | batch 64 images/s | emulator / ORT b1 | emulator / ORT b64 |\n|---|---|---|---|---|---|")
    acc = run.get("accuracy")
    print(f"| signdpu emulator (int8, `signdpu run` / emu_vs_opencv) | {acc if acc is None else f'{acc:.4f}'} | {emu2.get(1, 0)} | {emu2.get(64, 0)} | 1 | 1 |")
    for key, label in (("float", "ORT float32"), ("qdq_int8", "ORT QDQ int8")):
        m = res["onnxruntime"]["models"][key]
        print(f"| {label} | {m['accuracy']:.4f} | {m['fps_batch1']:.0f} | {m['fps_batch64']:.0f} | "
              f"{m.get('emulator_ratio_batch1', float('nan')):.2f}x | {m.get('emulator_ratio_batch64', float('nan')):.2f}x |")
else:
    print(f"\nONNX Runtime: skipped ({ort_skip})")
print(f"\nwrote {os.path.join(out, 'bench.json')}")
PY
