#!/usr/bin/env bash
# The one test command: installs what is needed, builds and runs every test.
#   scripts/test.sh                 # deps + Release build + all tests
#   scripts/test.sh --sanitize      # also the ASan+UBSan build of the whole suite
#   scripts/test.sh --tsan          # also the ThreadSanitizer build (runner/emulator tests)
#   scripts/test.sh --cross         # also the aarch64 cross build, tests under qemu
# Environment: BUILD_DIR (default build-test), JOBS (default nproc),
#   SIGNDPU_SKIP_APT=1 to skip apt (packages already present).
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then  # the header above; nothing runs
  sed -n '2,/^[^#]/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
JOBS="${JOBS:-$(nproc)}"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-test}"
SANITIZE=0; TSAN=0; CROSS=0
for arg in "$@"; do
  case "$arg" in
    --sanitize) SANITIZE=1 ;;
    --tsan) TSAN=1 ;;
    --cross) CROSS=1 ;;
    --all) SANITIZE=1; TSAN=1; CROSS=1 ;;
    *) echo "test.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

step() { printf '\n==== %s (%s)\n' "$*" "$(date +%T)"; }

step "dependencies"
bash scripts/setup-deps.sh

if [[ -x scripts/prepare-data.sh ]]; then
  step "data"
  bash scripts/prepare-data.sh
fi

GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)

run_suite() {  # run_suite DIR [cmake args...]
  local dir="$1"; shift
  step "configure $dir $*"
  cmake -S "$ROOT" -B "$dir" "${GEN[@]}" "$@"
  step "build $dir"
  cmake --build "$dir" -j "$JOBS"
  step "ctest $dir"
  (cd "$dir" && ctest --output-on-failure -j "$JOBS" --timeout 900 -LE bench)
}

run_suite "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release

if ((SANITIZE)); then
  run_suite "${BUILD_DIR}-asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIGNDPU_SANITIZE=address -DSIGNDPU_BUILD_BENCH=OFF
fi
if ((TSAN)); then
  # ThreadSanitizer on the multi-threaded code: the emulator plugin (through
  # real libvart), the optimised kernels shared across threads, the quantiser's
  # calibration/evaluation threads and the runner's pipeline (e2e run_csv).
  dir="${BUILD_DIR}-tsan"
  step "configure $dir (TSan)"
  cmake -S "$ROOT" -B "$dir" "${GEN[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIGNDPU_SANITIZE=thread -DSIGNDPU_BUILD_BENCH=OFF
  step "build $dir (TSan targets)"
  cmake --build "$dir" -j "$JOBS" --target emu_runner_test conv2d_fix_optimized_test pool_fix_optimized_test \
    signdpu signdpu-quantize signdpu_emu signdpu_media make_test_media
  step "ctest $dir (TSan)"
  (cd "$dir" && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ctest --output-on-failure --timeout 900 \
    -R '^(emu_runner_test|conv2d_fix_optimized_test|pool_fix_optimized_test|e2e_quantize|e2e_run_csv)$')
fi
if ((CROSS)) && [[ -x scripts/cross-test.sh ]]; then
  step "aarch64 cross build under qemu"
  SIGNDPU_HOST_BUILD_DIR="$BUILD_DIR" bash scripts/cross-test.sh
fi
step "all tests passed"
