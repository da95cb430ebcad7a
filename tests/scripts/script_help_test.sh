#!/usr/bin/env bash
# `--help` of scripts/run-default.sh and scripts/bench.sh prints the usage text
# (no comment markers, no build or apt noise), exits 0 and starts nothing: the
# build and output folders given in the environment are not created.
#   script_help_test.sh SOURCE_DIR WORK_DIR
set -uo pipefail
SRC="$1"; WORK="$2"
rm -rf "$WORK"; mkdir -p "$WORK"
fails=0
for s in run-default.sh bench.sh; do
  out=$(BUILD_DIR="$WORK/build" OUT_DIR="$WORK/out" SIGNDPU_SKIP_APT=1 timeout 20 bash "$SRC/scripts/$s" --help 2>"$WORK/$s.err"); rc=$?
  check() { if eval "$1"; then echo "ok: $s: $2"; else echo "FAIL: $s: $2"; fails=$((fails + 1)); fi; }
  check "[[ $rc -eq 0 ]]" "--help exits 0 (got $rc)"
  check "[[ ! -s '$WORK/$s.err' ]]" "nothing on stderr"
  check "[[ \$(printf '%s\n' \"\$out\" | grep -c '^#') -eq 0 ]]" "no '#' comment markers"
  check "[[ \$(printf '%s\n' \"\$out\" | grep -c '^set \|setup-deps:\|^-- \|^\[') -eq 0 ]]" "no script code or build output"
  check "[[ \"\$out\" == *'scripts/$s'* || \"\$out\" == *'BUILD_DIR'* ]]" "usage text mentions the script's settings"
  check "[[ ! -e '$WORK/build' && ! -e '$WORK/out' ]]" "no build or output folder created"
done
out=$(timeout 20 bash "$SRC/scripts/bench.sh" --bogus 2>&1); rc=$?
if [[ $rc -eq 2 && "$out" == *"unexpected argument '--bogus'"* ]]; then echo "ok: bench.sh refuses an unknown argument (exit 2)"; else echo "FAIL: bench.sh --bogus: rc $rc: $out"; fails=$((fails + 1)); fi
((fails)) && { echo "$fails check(s) failed"; exit 1; }
echo "all script --help checks passed"
