#!/usr/bin/env bash
# The main job on the bundled default: installs dependencies, prepares the
# data, builds, quantises the committed float model (models/signcnn_fashion.onnx)
# to int8 xmodels, and classifies the 10,000-row test CSV through VART with
# the emulator plugin, printing the classification summary and throughput.
#   scripts/run-default.sh [--verbose] [extra `signdpu run` flags]
# The set-up steps (packages, data, build) print nothing but one line each;
# their output goes to BUILD_DIR/run-default-setup.log (its end is printed
# when a step fails). --verbose shows it as it happens.
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

VERBOSE=0
RUN_ARGS=()
for a in "$@"; do
  if [[ "$a" == --verbose ]]; then VERBOSE=1; else RUN_ARGS+=("$a"); fi
done
mkdir -p "$BUILD_DIR"
LOG="$BUILD_DIR/run-default-setup.log"
: > "$LOG"
# step TITLE COMMAND...: one line, the output in $LOG (or shown with --verbose).
step() {
  local title="$1"; shift
  echo "== $title"
  if ((VERBOSE)); then "$@"; return; fi
  if ! "$@" >>"$LOG" 2>&1; then
    echo "run-default.sh: $title failed; the end of $LOG:" >&2
    tail -n 40 "$LOG" >&2
    exit 1
  fi
}
step "packages (scripts/setup-deps.sh --runtime)" bash scripts/setup-deps.sh --runtime  # no torch, qemu, cross compilers, clang, test libraries
step "data (scripts/prepare-data.sh)" bash scripts/prepare-data.sh
GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
step "configure $BUILD_DIR" cmake -S "$ROOT" -B "$BUILD_DIR" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DSIGNDPU_BUILD_TESTS=OFF -DSIGNDPU_BUILD_BENCH=OFF
step "build signdpu, signdpu-quantize, the emulator plugin and the media module" \
  cmake --build "$BUILD_DIR" -j "$(nproc)" --target signdpu signdpu-quantize signdpu_emu signdpu_media

echo "== quantise $MODEL (3,200 calibration images, float vs int8 on 10,000 test images)"
"$BUILD_DIR/bin/signdpu-quantize" --model "$MODEL" --calib data/fashion_train.csv \
  --calib_iter 100 --calib_batch_size 32 --eval data/fashion_test.csv \
  --labels "$LABELS" --output_dir "$OUT_DIR" --name signcnn_fashion

echo "== signdpu run (emulator via VART, 2 threads) on data/fashion_test.csv"
"$BUILD_DIR/bin/signdpu" run --model "$OUT_DIR/signcnn_fashion.xmodel" --csv data/fashion_test.csv \
  --labels "$LABELS" --mode ref --threads 2 --quiet --summary-json "$OUT_DIR/run_summary.json" ${RUN_ARGS[@]+"${RUN_ARGS[@]}"}
