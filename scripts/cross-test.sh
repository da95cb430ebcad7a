#!/usr/bin/env bash
# aarch64 cross build against a Debian arm64 sysroot, test suite under qemu.
#
#   scripts/cross-test.sh [--build-dir DIR] [--sysroot DIR] [--jobs N]
#                         [--all-labels] [--no-tests] [-- CTEST_ARGS...]
#
# 1. scripts/make-sysroot.sh (cached in /var/cache/signdpu/sysroot-arm64 or
#    $SIGNDPU_SYSROOT; about 35 s the first time, instant afterwards);
# 2. configure with cmake/toolchain-aarch64-debian.cmake and
#    SIGNDPU_BUILD_HOST_TOOLS=OFF (the board build: no ONNX import, no
#    quantiser), SIGNDPU_BUILD_BENCH=OFF;
# 3. build `all` (libraries, the app and the emulator plugin once they exist,
#    the tests);
# 4. ctest: every aarch64 test program runs under qemu-aarch64 -L SYSROOT
#    (CMAKE_CROSSCOMPILING_EMULATOR). Tests labelled bench or python are left
#    out unless --all-labels: the python ones exercise host tooling, not
#    aarch64 code.
# Prints how long each step took. Exit: 0 pass, 2 usage, 3 a tool is missing,
# 1 any step failed.
# Environment: CROSS_BUILD_DIR, JOBS (default 2), SIGNDPU_SYSROOT.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${CROSS_BUILD_DIR:-$ROOT/build-aarch64}"
SYSROOT="${SIGNDPU_SYSROOT:-/var/cache/signdpu/sysroot-arm64}"
JOBS="${JOBS:-2}"
EXCLUDE_LABELS='bench|python'
RUN_TESTS=1
CTEST_EXTRA=()

while (($#)); do
  case "$1" in
    --build-dir) BUILD_DIR="$2"; shift 2 ;;
    --sysroot) SYSROOT="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    --all-labels) EXCLUDE_LABELS='bench'; shift ;;
    --no-tests) RUN_TESTS=0; shift ;;
    --) shift; CTEST_EXTRA=("$@"); break ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
timed() {  # timed NAME command...
  local name="$1"; shift
  local start=$SECONDS
  printf '\n==== cross-test: %s (%s)\n' "$name" "$(date +%T)"
  "$@"
  SECONDS_OF[$name]=$((SECONDS - start))
}

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

printf '\ncross-test: aarch64 build in %s; times: sysroot %ss, configure %ss, build %ss' \
  "$BUILD_DIR" "${SECONDS_OF[sysroot]}" "${SECONDS_OF[configure]}" "${SECONDS_OF[build]}"
if ((RUN_TESTS)); then printf ', ctest under qemu %ss' "${SECONDS_OF[ctest]}"; fi
printf '\n'
