#!/usr/bin/env bash
# scripts/run-default.sh prints no build noise: the set-up steps (packages,
# data, configure, build) show one "== ..." line each and their output goes
# to BUILD_DIR/run-default-setup.log; --verbose shows it; a failing step
# prints the log's end and exits 1. Runs the real script in a copy of the
# tree with stand-ins for setup-deps.sh, prepare-data.sh, cmake and the two
# programs (each prints noise, as the real ones do).
#   run_default_quiet_test.sh SOURCE_DIR WORK_DIR
set -uo pipefail
SRC="$1"; WORK="$2"
rm -rf "$WORK"; mkdir -p "$WORK/root/scripts" "$WORK/stubs"
cp "$SRC/scripts/run-default.sh" "$WORK/root/scripts/"
for s in setup-deps prepare-data; do
  printf '#!/usr/bin/env bash\necho "%s: NOISE apt and data lines"\n[[ -n "${STUB_FAIL:-}" && "%s" == "$STUB_FAIL" ]] && exit 3\nexit 0\n' "$s" "$s" > "$WORK/root/scripts/$s.sh"
done
cat > "$WORK/stubs/cmake" <<'STUB'
#!/usr/bin/env bash
echo "-- NOISE configure line"; echo "[1/99] NOISE Building CXX object"
if [[ "$1" == --build ]]; then
  mkdir -p "$2/bin"
  for p in signdpu signdpu-quantize; do printf '#!/usr/bin/env bash\necho "%s result line"\n' "$p" > "$2/bin/$p"; chmod +x "$2/bin/$p"; done
fi
STUB
chmod +x "$WORK/stubs/cmake"
fails=0
check() { if eval "$1"; then echo "ok: $2"; else echo "FAIL: $2"; fails=$((fails + 1)); fi; }
run() { PATH="$WORK/stubs:$PATH" BUILD_DIR="$WORK/build" OUT_DIR="$WORK/out" bash "$WORK/root/scripts/run-default.sh" "$@"; }
out=$(run 2>&1); rc=$?
printf '%s\n' "$out"
check "[[ $rc -eq 0 ]]" "exit 0"
check "[[ \$(printf '%s\n' \"\$out\" | grep -c NOISE) -eq 0 ]]" "no set-up or build output"
check "[[ \$(printf '%s\n' \"\$out\" | grep -c '^== ') -eq 6 ]]" "one '== ' line per step (4 set-up steps, quantise, run)"
check "printf '%s\n' \"\$out\" | grep -q 'signdpu-quantize result line' && printf '%s\n' \"\$out\" | grep -q 'signdpu result line'" "the programs' output is shown"
check "grep -q 'NOISE Building CXX object' '$WORK/build/run-default-setup.log'" "the build output is in BUILD_DIR/run-default-setup.log"
out=$(run --verbose 2>&1); rc=$?
check "[[ $rc -eq 0 && \$(printf '%s\n' \"\$out\" | grep -c NOISE) -ge 4 ]]" "--verbose shows the set-up output"
out=$(STUB_FAIL=prepare-data run 2>&1); rc=$?
printf '%s\n' "$out"
check "[[ $rc -eq 1 ]] && printf '%s\n' \"\$out\" | grep -q 'run-default.sh: data (scripts/prepare-data.sh) failed; the end of'" "a failing step names itself and exits 1"
check "printf '%s\n' \"\$out\" | grep -q 'prepare-data: NOISE'" "... and shows the end of its log"
((fails)) && { echo "$fails check(s) failed"; exit 1; }
echo "all run-default.sh quiet checks passed"
