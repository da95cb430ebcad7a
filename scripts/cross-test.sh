#!/usr/bin/env bash
# aarch64 cross build against a Debian arm64 sysroot, test suite under qemu,
# and the x86-vs-aarch64 identical-output check (issue 8).
#
#   scripts/cross-test.sh [--build-dir DIR] [--sysroot DIR] [--jobs N]
#                         [--all-labels] [--no-tests] [--no-compare]
#                         [--host-build-dir DIR] [--model ONNX]
#                         [-- CTEST_ARGS...]
#
# 1. scripts/make-sysroot.sh (cached in /var/cache/signdpu/sysroot-arm64 or
#    $SIGNDPU_SYSROOT; about 35 s the first time, instant afterwards);
# 2. configure with cmake/toolchain-aarch64-debian.cmake and
#    SIGNDPU_BUILD_HOST_TOOLS=OFF (the board build: no ONNX import, no
#    quantiser), SIGNDPU_BUILD_BENCH=OFF;
# 3. build `all` (libraries, the app and the emulator plugin, the tests);
# 4. ctest: every aarch64 test program runs under qemu-aarch64 -L SYSROOT
#    (CMAKE_CROSSCOMPILING_EMULATOR). Tests labelled bench or python are left
#    out unless --all-labels: the python ones exercise host tooling, not
#    aarch64 code. --no-tests skips this step.
# 5. identical outputs (skipped with --no-compare): builds the x86 tools
#    (signdpu, signdpu-quantize, the emulator plugin) in --host-build-dir
#    (default build-cross-host; an existing x86 build dir is reused and
#    brought up to date), quantises the model on x86 (models/signcnn_fashion.onnx;
#    if absent the tutorial CNN from bench/make_tutorial_onnx.py with random
#    weights, else tests/data/onnx/cnn_small_pytorch.onnx) with
#    --calib tests/data/fashion_sample.csv --calib_iter 6, then runs
#    `signdpu dump --limit 200 --mode ref` and `signdpu run --json --mode ref`
#    on the sample CSV natively and under qemu (the aarch64 binary finds
#    libvart/libxir in the sysroot through qemu -L and the emulator plugin
#    through its DT_RPATH). The NEON run uses the app as installed on a board
#    (`cmake --install --prefix /usr` into a stage folder, DT_RPATH
#    $ORIGIN/../lib) and must log "kernels neon" (GLOG_vmodule=emu_runner=1);
#    a second aarch64 run (build tree) uses SIGNDPU_REFERENCE_KERNELS=1.
#    Every int8 output tensor must be byte-identical (`signdpu compare`) and
#    every frame's classes the same; otherwise the first difference is printed.
# Prints how long each step took. Exit: 0 pass, 2 usage, 3 a tool is missing,
# 1 any step failed or an output differs.
# Environment: CROSS_BUILD_DIR, JOBS (default 2), SIGNDPU_SYSROOT,
#   SIGNDPU_HOST_BUILD_DIR (x86 build dir for step 5), SIGNDPU_CROSS_MODEL
#   (ONNX for step 5).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${CROSS_BUILD_DIR:-$ROOT/build-aarch64}"
SYSROOT="${SIGNDPU_SYSROOT:-/var/cache/signdpu/sysroot-arm64}"
JOBS="${JOBS:-2}"
EXCLUDE_LABELS='bench|python'
RUN_TESTS=1
RUN_COMPARE=1
HOST_BUILD_DIR="${SIGNDPU_HOST_BUILD_DIR:-$ROOT/build-cross-host}"
MODEL="${SIGNDPU_CROSS_MODEL:-}"
CTEST_EXTRA=()

while (($#)); do
  case "$1" in
    --build-dir) BUILD_DIR="$2"; shift 2 ;;
    --sysroot) SYSROOT="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    --all-labels) EXCLUDE_LABELS='bench'; shift ;;
    --no-tests) RUN_TESTS=0; shift ;;
    --no-compare) RUN_COMPARE=0; shift ;;
    --host-build-dir) HOST_BUILD_DIR="$2"; shift 2 ;;
    --model) MODEL="$2"; shift 2 ;;
    --) shift; CTEST_EXTRA=("$@"); break ;;
    -h|--help) sed -n '2,/^[^#]/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "cross-test: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

missing=()
for tool in aarch64-linux-gnu-g++ aarch64-linux-gnu-gcc qemu-aarch64 mmdebstrap cmake; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
  echo "cross-test: missing on PATH: ${missing[*]} (packages g++-aarch64-linux-gnu qemu-user mmdebstrap cmake: run scripts/setup-deps.sh)" >&2
  exit 3
fi

GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)

declare -A SECONDS_OF
PHASES=()
timed() {  # timed NAME command...
  local name="$1"; shift
  local start=$SECONDS rc=0
  printf '\n==== cross-test: %s (%s)\n' "$name" "$(date +%T)"
  "$@" || rc=$?
  SECONDS_OF[$name]=$((SECONDS - start))
  PHASES+=("$name")
  return $rc
}
START_ALL=$SECONDS

timed sysroot bash "$ROOT/scripts/make-sysroot.sh" --sysroot "$SYSROOT"
timed configure cmake -S "$ROOT" -B "$BUILD_DIR" "${GEN[@]}" \
  -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchain-aarch64-debian.cmake" \
  -DSIGNDPU_SYSROOT="$SYSROOT" \
  -DCMAKE_BUILD_TYPE=Release \
  -DSIGNDPU_BUILD_HOST_TOOLS=OFF \
  -DSIGNDPU_BUILD_BENCH=OFF
timed build cmake --build "$BUILD_DIR" -j "$JOBS"
if ((RUN_TESTS)); then
  timed ctest bash -c 'cd "$1" && shift && exec ctest --output-on-failure "$@"' _ "$BUILD_DIR" \
    -j "$JOBS" --timeout 900 -LE "$EXCLUDE_LABELS" "${CTEST_EXTRA[@]}"
fi

# ---- 5. identical outputs: x86 build vs aarch64 build under qemu ---------------
SAMPLE="$ROOT/tests/data/fashion_sample.csv"
CMP_DIR="$BUILD_DIR/cross-compare"
QEMU=(qemu-aarch64 -L "$SYSROOT")
CMP_FAILED=0
MODEL_NOTE=""

host_tools() {
  if [[ -f "$HOST_BUILD_DIR/CMakeCache.txt" ]]; then
    if grep -q '^CMAKE_TOOLCHAIN_FILE:' "$HOST_BUILD_DIR/CMakeCache.txt"; then
      echo "cross-test: $HOST_BUILD_DIR is a cross build; --host-build-dir needs an x86 build" >&2
      return 1
    fi
    echo "cross-test: reusing the x86 build in $HOST_BUILD_DIR"
  else
    cmake -S "$ROOT" -B "$HOST_BUILD_DIR" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release \
      -DSIGNDPU_BUILD_TESTS=OFF -DSIGNDPU_BUILD_BENCH=OFF || return 1
  fi
  cmake --build "$HOST_BUILD_DIR" -j "$JOBS" --target signdpu signdpu-quantize signdpu_emu || return 1
}

pick_model() {
  mkdir -p "$CMP_DIR"
  if [[ -n "$MODEL" ]]; then
    MODEL_NOTE="$MODEL (given)"
  elif [[ -f "$ROOT/models/signcnn_fashion.onnx" ]]; then
    MODEL="$ROOT/models/signcnn_fashion.onnx"; MODEL_NOTE="models/signcnn_fashion.onnx"
  elif /usr/bin/python3 -c 'import torch, onnx' 2>/dev/null &&
       /usr/bin/python3 "$ROOT/bench/make_tutorial_onnx.py" "$CMP_DIR/tutorial_cnn.onnx"; then
    MODEL="$CMP_DIR/tutorial_cnn.onnx"
    MODEL_NOTE="tutorial CNN with random weights from bench/make_tutorial_onnx.py (models/signcnn_fashion.onnx not present)"
  else
    MODEL="$ROOT/tests/data/onnx/cnn_small_pytorch.onnx"
    MODEL_NOTE="tests/data/onnx/cnn_small_pytorch.onnx (no models/signcnn_fashion.onnx, no torch for the tutorial CNN)"
  fi
  [[ -f "$MODEL" ]] || { echo "cross-test: model $MODEL not found" >&2; return 1; }
  echo "cross-test: model: $MODEL_NOTE"
}

quantize() {
  rm -rf "$CMP_DIR/q"
  "$HOST_BUILD_DIR/bin/signdpu-quantize" --model "$MODEL" --calib "$SAMPLE" --calib_iter 6 --calib_batch_size 32 \
    --output_dir "$CMP_DIR/q" --name cross --no-progress || return 1
  [[ -s "$CMP_DIR/q/cross.xmodel" ]] || { echo "cross-test: the quantiser wrote no cross.xmodel" >&2; return 1; }
}

# on_target NAME x86|aarch64 [ENV=VALUE...]: dump + run --json, log with the
# emulator's kernel choice (GLOG_vmodule=emu_runner=1).
on_target() {
  local name="$1" arch="$2"; shift 2
  local app=("$HOST_BUILD_DIR/bin/signdpu")
  case "$arch" in
    aarch64) app=("${QEMU[@]}" "$BUILD_DIR/bin/signdpu") ;;
    aarch64-installed) app=("${QEMU[@]}" "$CMP_DIR/stage/usr/bin/signdpu") ;;
  esac
  local log="$CMP_DIR/$name.log" xm="$CMP_DIR/q/cross.xmodel"
  rm -rf "${CMP_DIR:?}/dump-$name"
  env GLOG_logtostderr=1 GLOG_minloglevel=0 GLOG_vmodule=emu_runner=1 "$@" \
    "${app[@]}" dump --model "$xm" --csv "$SAMPLE" --limit 200 --mode ref --out "$CMP_DIR/dump-$name" >"$log" 2>&1 ||
    { cat "$log" >&2; echo "cross-test: $name: dump failed" >&2; return 1; }
  env GLOG_logtostderr=1 GLOG_minloglevel=0 GLOG_vmodule=emu_runner=1 "$@" \
    "${app[@]}" run --model "$xm" --csv "$SAMPLE" --mode ref --json >"$CMP_DIR/run-$name.jsonl" 2>>"$log" ||
    { cat "$log" >&2; echo "cross-test: $name: run failed" >&2; return 1; }
  local kernels
  kernels="$(grep -o 'signdpu-emu: subgraph .*: kernels [a-z0-9]*' "$log" | sed 's/.*: kernels //' | sort -u | paste -sd, -)"
  KERNELS_OF[$name]="${kernels:-unknown}"
  echo "cross-test: $name: kernels ${KERNELS_OF[$name]}; $(grep -c . "$CMP_DIR/run-$name.jsonl") frames classified;" \
    "dump: $(cd "$CMP_DIR/dump-$name" && ls ./*.bin | wc -l) tensors, $(cat "$CMP_DIR/dump-$name"/*.bin | wc -c) bytes"
}
declare -A KERNELS_OF

# The aarch64 app as built (DT_RPATH = the build tree's lib/) and as installed
# on a board (`cmake --install --prefix /usr` into a stage folder: DT_RPATH
# $ORIGIN/../lib). Under qemu -L the loader looks in SYSROOT first for every
# path, so libvart/libxir/glog/OpenCV come from the arm64 sysroot and the
# plugin from the rpath; no LD_LIBRARY_PATH (QEMU_SET_ENV) is needed.
stage_aarch64() {
  local app="$BUILD_DIR/bin/signdpu" staged="$CMP_DIR/stage/usr/bin/signdpu" rpath
  aarch64-linux-gnu-readelf -h "$app" 2>/dev/null | grep -q 'Machine:.*AArch64' ||
    { echo "cross-test: $app is not an aarch64 executable" >&2; return 1; }
  rm -rf "$CMP_DIR/stage"
  DESTDIR="$CMP_DIR/stage" cmake --install "$BUILD_DIR" --prefix /usr >"$CMP_DIR/stage.log" 2>&1 ||
    { cat "$CMP_DIR/stage.log" >&2; return 1; }
  for bin in "$app" "$staged"; do
    rpath="$(aarch64-linux-gnu-readelf -d "$bin" | sed -n 's/.*(RPATH).*\[\(.*\)\]/\1/p')"
    if [[ -z "$rpath" ]]; then
      echo "cross-test: $bin has no DT_RPATH (plain dlopen of the plugin needs it; DT_RUNPATH does not work)" >&2
      return 1
    fi
    echo "cross-test: ${bin#"$ROOT/"}: DT_RPATH $rpath"
  done
  [[ -n "$(find "$CMP_DIR/stage/usr" -name libvart-signdpu-emu-runner.so -print -quit)" ]] ||
    { echo "cross-test: the stage has no libvart-signdpu-emu-runner.so" >&2; return 1; }
}

# same_classes NAME_A NAME_B: every frame's top classes identical, in order.
same_classes() {
  /usr/bin/python3 - "$CMP_DIR/run-$1.jsonl" "$CMP_DIR/run-$2.jsonl" "$1" "$2" <<'PY'
import json, sys
a = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
b = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
key = lambda d: (d["frame"], d.get("class"), [t["class"] for t in d["top"]])
if len(a) != len(b):
    print(f"cross-test: {sys.argv[3]} has {len(a)} frames, {sys.argv[4]} {len(b)}")
    sys.exit(1)
for x, y in zip(a, b):
    if key(x) != key(y):
        print(f"cross-test: first class difference at frame {x['frame']}: {sys.argv[3]} {key(x)} vs {sys.argv[4]} {key(y)}")
        sys.exit(1)
probs = sum(x["top"] == y["top"] for x, y in zip(a, b))
classes = sorted(set(x.get("class") for x in a))
print(f"cross-test: {sys.argv[3]} vs {sys.argv[4]}: {len(a)} frames, classes identical "
      f"(distinct predicted classes {classes}); top-k probabilities identical in {probs}/{len(a)} frames")
PY
}

compare_dumps() {  # compare_dumps NAME_A NAME_B
  if "$HOST_BUILD_DIR/bin/signdpu" compare "$CMP_DIR/dump-$1" "$CMP_DIR/dump-$2" >"$CMP_DIR/compare-$1-$2.txt" 2>&1; then
    echo "cross-test: dump $1 vs $2: $(tail -n1 "$CMP_DIR/compare-$1-$2.txt")"
  else
    echo "cross-test: dump $1 vs $2 DIFFER:" >&2
    grep -v ': identical' "$CMP_DIR/compare-$1-$2.txt" >&2
    return 1
  fi
}

compare_all() {
  local ok=0
  compare_dumps x86 aarch64-neon || ok=1
  compare_dumps x86 aarch64-reference || ok=1
  same_classes x86 aarch64-neon || ok=1
  if [[ "${KERNELS_OF[aarch64-neon]}" != neon ]]; then
    echo "cross-test: the aarch64 run used kernels '${KERNELS_OF[aarch64-neon]}', expected neon" >&2; ok=1
  fi
  if [[ "${KERNELS_OF[aarch64-reference]}" != reference ]]; then
    echo "cross-test: SIGNDPU_REFERENCE_KERNELS=1 run used kernels '${KERNELS_OF[aarch64-reference]}'" >&2; ok=1
  fi
  return $ok
}

if ((RUN_COMPARE)); then
  timed host-tools host_tools
  timed model pick_model
  timed quantize quantize
  timed stage-aarch64 stage_aarch64
  timed run-x86 on_target x86 x86
  timed run-aarch64-neon on_target aarch64-neon aarch64-installed
  timed run-aarch64-reference on_target aarch64-reference aarch64 SIGNDPU_REFERENCE_KERNELS=1
  timed compare compare_all || CMP_FAILED=1
fi

printf '\ncross-test: aarch64 build in %s; times:' "$BUILD_DIR"
sep=' '
for name in "${PHASES[@]}"; do printf '%s%s %ss' "$sep" "$name" "${SECONDS_OF[$name]}"; sep=', '; done
printf '; total %ss\n' "$((SECONDS - START_ALL))"
if ((RUN_COMPARE)); then
  if ((CMP_FAILED)); then
    printf 'cross-test: x86 (%s kernels) and aarch64 (%s kernels) outputs DIFFER; files in %s\n' \
      "${KERNELS_OF[x86]}" "${KERNELS_OF[aarch64-neon]}" "$CMP_DIR"
    exit 1
  fi
  printf 'cross-test: x86 (%s kernels) and aarch64 under qemu (%s, and %s) give byte-identical int8 outputs and the same classes on %s (model: %s)\n' \
    "${KERNELS_OF[x86]}" "${KERNELS_OF[aarch64-neon]}" "${KERNELS_OF[aarch64-reference]}" "${SAMPLE#"$ROOT/"}" "$MODEL_NOTE"
fi
