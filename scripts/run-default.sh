#!/usr/bin/env bash
# The main job on the bundled default: installs dependencies, prepares the
# data, builds, quantises the committed float model (models/signcnn_fashion.onnx)
# to int8 xmodels, and classifies the 10,000-row test CSV through VART with
# the emulator plugin, printing the classification summary and throughput.
#   scripts/run-default.sh [extra `signdpu run` flags]
# Environment: BUILD_DIR (default build-release), OUT_DIR (default out/default),
#   SIGNDPU_SKIP_APT=1 to skip apt.
set -euo pipefail
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then  # the header above; the job does not start
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-release}"
OUT_DIR="${OUT_DIR:-$ROOT/out/default}"
MODEL=models/signcnn_fashion.onnx
LABELS=models/fashion.labels.txt

bash scripts/setup-deps.sh --runtime   # no torch, qemu, cross compilers, clang, test libraries
bash scripts/prepare-data.sh
GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
cmake -S "$ROOT" -B "$BUILD_DIR" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DSIGNDPU_BUILD_TESTS=OFF -DSIGNDPU_BUILD_BENCH=OFF >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" --target signdpu signdpu-quantize signdpu_emu

echo "== quantise $MODEL (3,200 calibration images, float vs int8 on 10,000 test images)"
"$BUILD_DIR/bin/signdpu-quantize" --model "$MODEL" --calib data/fashion_train.csv \
  --calib_iter 100 --calib_batch_size 32 --eval data/fashion_test.csv \
  --labels "$LABELS" --output_dir "$OUT_DIR" --name signcnn_fashion

echo "== signdpu run (emulator via VART, 2 threads) on data/fashion_test.csv"
"$BUILD_DIR/bin/signdpu" run --model "$OUT_DIR/signcnn_fashion.xmodel" --csv data/fashion_test.csv \
  --labels "$LABELS" --mode ref --threads 2 --quiet --summary-json "$OUT_DIR/run_summary.json" "$@"
