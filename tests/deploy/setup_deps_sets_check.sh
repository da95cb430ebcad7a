#!/usr/bin/env bash
# scripts/setup-deps.sh package sets: --runtime (what scripts/run-default.sh
# installs) holds no torch, qemu, cross compiler, clang, test or benchmark
# library, and the full set (scripts/test.sh) holds all of the runtime set and
# those. run-default.sh asks for --runtime and configures without tests and
# benchmarks (so OpenCV's dnn and GoogleTest are not needed); test.sh asks
# for the full set. Nothing is installed (--list).
#   setup_deps_sets_check.sh SOURCE_DIR
set -euo pipefail
src="$1"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
runtime="$(bash "$src/scripts/setup-deps.sh" --list --runtime)"
full="$(bash "$src/scripts/setup-deps.sh" --list)"
for p in python3-torch qemu-user g++-aarch64-linux-gnu clang libclang-rt-14-dev libgtest-dev libgmock-dev \
         libbenchmark-dev mmdebstrap libonnx-testdata; do
  grep -qx "$p" <<<"$runtime" && bad "--runtime installs $p"
  grep -qx "$p" <<<"$full" || bad "the full set lacks $p"
done
for p in $runtime; do grep -qx "$p" <<<"$full" || bad "the full set lacks runtime package $p"; done
for p in libvart-dev libxir-dev libopencv-dev libonnx-dev dataset-fashion-mnist python3-numpy cmake; do
  grep -qx "$p" <<<"$runtime" || bad "--runtime lacks $p (needed to build and run the main job)"
done
grep -qE '^(step "[^"]*" )?bash scripts/setup-deps.sh --runtime' "$src/scripts/run-default.sh" || bad "run-default.sh does not use --runtime"
grep -q -- '-DSIGNDPU_BUILD_TESTS=OFF -DSIGNDPU_BUILD_BENCH=OFF' "$src/scripts/run-default.sh" ||
  bad "run-default.sh does not configure without tests and benchmarks"
grep -qE '^bash scripts/setup-deps.sh$' "$src/scripts/test.sh" || bad "test.sh does not install the full set"
# run-default.sh's configuration (tests and benchmarks off) needs none of the
# test-only packages: a real configure with GoogleTest and Google Benchmark
# hidden from CMake must succeed.
if command -v cmake >/dev/null; then
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
  if cmake -S "$src" -B "$tmp/b" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DSIGNDPU_BUILD_TESTS=OFF -DSIGNDPU_BUILD_BENCH=OFF \
       -DCMAKE_DISABLE_FIND_PACKAGE_GTest=TRUE -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=TRUE >"$tmp/log" 2>&1; then
    echo "ok: run-default.sh's configuration configures without GoogleTest and Google Benchmark"
  else
    bad "run-default.sh's configuration needs a test-only package:"; tail -n 15 "$tmp/log"
  fi
fi
rc=0; bash "$src/scripts/setup-deps.sh" --bogus >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || bad "unknown argument: exit $rc, expected 2"
((fail == 0)) && echo "ok: --runtime = $(wc -w <<<"$runtime") packages, full = $(wc -w <<<"$full"); run-default.sh uses --runtime"
exit "$fail"
