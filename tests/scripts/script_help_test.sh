#!/usr/bin/env bash
# `--help` of every script in scripts/ prints its usage text (no comment
# markers, no build or apt noise, nothing on stderr), exits 0 and starts
# nothing: the build, output and sysroot folders named in the environment are
# not created, and the source tree's git status does not change.
#   script_help_test.sh SOURCE_DIR WORK_DIR
set -uo pipefail
SRC="$1"; WORK="$2"
rm -rf "$WORK"; mkdir -p "$WORK"
fails=0
check() { if eval "$1"; then echo "ok: $s: $2"; else echo "FAIL: $s: $2"; fails=$((fails + 1)); fi; }
git_status() { git -C "$SRC" status --porcelain --untracked-files=all 2>/dev/null | sort; }
before=$(git_status)
scripts=()
for f in "$SRC"/scripts/*.sh; do scripts+=("$(basename "$f")"); done
[[ ${#scripts[@]} -ge 12 ]] || { echo "FAIL: expected at least 12 scripts in scripts/, found ${#scripts[@]}"; exit 1; }
for s in "${scripts[@]}"; do
  for flag in --help -h; do
    out=$(BUILD_DIR="$WORK/build" OUT_DIR="$WORK/out" CROSS_BUILD_DIR="$WORK/cross" SIGNDPU_SYSROOT="$WORK/sysroot" \
          SIGNDPU_SKIP_APT=1 timeout 20 bash "$SRC/scripts/$s" $flag </dev/null 2>"$WORK/$s.err"); rc=$?
    check "[[ $rc -eq 0 ]]" "$flag exits 0 (got $rc)"
    check "[[ ! -s '$WORK/$s.err' ]]" "$flag: nothing on stderr"
    check "[[ \$(printf '%s\n' \"\$out\" | grep -c .) -ge 3 ]]" "$flag: at least 3 lines of usage"
    check "[[ \$(printf '%s\n' \"\$out\" | grep -c '^#') -eq 0 ]]" "$flag: no '#' comment markers"
    check "[[ \$(printf '%s\n' \"\$out\" | grep -c '^set \|setup-deps:\|^-- \|^\[\|^==== ') -eq 0 ]]" "$flag: no script code or build output"
    check "[[ \"\$out\" == *'scripts/$s'* || \"\$out\" == *'BUILD_DIR'* ]]" "$flag: usage text names the script or its settings"
    check "[[ -z \"\$(ls -A '$WORK' | grep -v '\.err$')\" ]]" "$flag: no build, output or sysroot folder created"
  done
done
s=tree; check "[[ \"\$(git_status)\" == \"\$before\" ]]" "no file in the source tree changed by any --help"
s=bench.sh
out=$(timeout 20 bash "$SRC/scripts/bench.sh" --bogus 2>&1); rc=$?
check "[[ $rc -eq 2 && \"\$out\" == *\"unexpected argument '--bogus'\"* ]]" "refuses an unknown argument (exit 2)"
((fails)) && { echo "$fails check(s) failed"; exit 1; }
echo "all script --help checks passed (${#scripts[@]} scripts)"
