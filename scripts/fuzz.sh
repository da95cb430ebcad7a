#!/usr/bin/env bash
# Runs each libFuzzer target for a given time (default 60 s each):
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#     targets: csv preprocess xmodel raw_tensor onnx json_text flags labels image_check
# Builds with clang (-fsanitize=fuzzer,address,undefined) in build-fuzz/. New
# corpus entries go to build-fuzz/corpus/<target>; crashes are copied into
# tests/fuzz/corpus/<target>/ so that the ordinary test suite replays them
# (fuzz_replay_<target>) from then on.
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then  # the header above; nothing runs
  sed -n '2,/^[^#]/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_EACH="${1:-60}"; shift || true
TARGETS=("$@"); ((${#TARGETS[@]})) || TARGETS=(csv preprocess xmodel raw_tensor onnx json_text flags labels image_check)
BUILD="$ROOT/build-fuzz"
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ missing (scripts/setup-deps.sh installs clang)"; exit 3; }
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DSIGNDPU_FUZZ=ON -DSIGNDPU_SANITIZE=address -DSIGNDPU_WERROR=OFF \
  -DSIGNDPU_BUILD_BENCH=OFF >/dev/null
status=0
for t in "${TARGETS[@]}"; do
  cmake --build "$BUILD" --target "fuzz_$t" -j "$(nproc)"
  mkdir -p "$BUILD/corpus/$t" "$BUILD/crashes/$t"
  echo "== fuzz_$t for ${SECONDS_EACH}s"
  max_len=65536
  [[ "$t" == xmodel ]] && max_len=262144  # the seed xmodels are ~66 KB
  if ! "$BUILD/bin/fuzz_$t" -max_total_time="$SECONDS_EACH" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$BUILD/crashes/$t/" "$BUILD/corpus/$t" "$ROOT/tests/fuzz/corpus/$t"; then
    status=1
    for c in "$BUILD/crashes/$t"/*; do
      [[ -f "$c" ]] || continue
      cp "$c" "$ROOT/tests/fuzz/corpus/$t/"
      echo "fuzz_$t: crash saved as tests/fuzz/corpus/$t/$(basename "$c") (now a regression test)"
    done
  fi
done
exit $status
