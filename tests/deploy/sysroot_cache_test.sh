#!/usr/bin/env bash
# scripts/make-sysroot.sh's cache logic, offline: an up-to-date stamp means
# no mmdebstrap run at all (exit 0 with mmdebstrap absent from PATH); a stale
# stamp means a rebuild, which here reports the missing mmdebstrap (exit 3).
#   sysroot_cache_test.sh SOURCE_DIR
set -euo pipefail
script="$1/scripts/make-sysroot.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

mkdir -p "$tmp/bin" "$tmp/sysroot/usr/lib/aarch64-linux-gnu"
for t in bash sed grep date dirname mkdir flock rm cat; do ln -s "$(command -v "$t")" "$tmp/bin/$t"; done
touch "$tmp/sysroot/usr/lib/aarch64-linux-gnu/libvart-runner.so"
{ bash "$script" --print-stamp; echo "created=test"; } >"$tmp/sysroot/.signdpu-sysroot-stamp"

rc=0
out="$(PATH="$tmp/bin" bash "$script" --sysroot "$tmp/sysroot" --print 2>&1)" || rc=$?
[[ $rc -eq 0 ]] || bad "up-to-date sysroot: exit $rc: $out"
grep -q "is up to date" <<<"$out" || bad "no 'up to date' message: $out"
grep -qx "$tmp/sysroot" <<<"$out" || bad "--print did not print the path: $out"

sed -i 's/^packages=/packages=changed /' "$tmp/sysroot/.signdpu-sysroot-stamp"
rc=0
out="$(PATH="$tmp/bin" bash "$script" --sysroot "$tmp/sysroot" 2>&1)" || rc=$?
[[ $rc -eq 3 ]] || bad "stale stamp without mmdebstrap: exit $rc, expected 3: $out"
grep -q "mmdebstrap not found" <<<"$out" || bad "does not name mmdebstrap: $out"
[[ -e "$tmp/sysroot/usr/lib/aarch64-linux-gnu/libvart-runner.so" ]] || bad "the old sysroot was removed before a new one existed"
((fail == 0)) && echo "ok: cached sysroot reused without mmdebstrap; stale stamp triggers a rebuild"
exit "$fail"
