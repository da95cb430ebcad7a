#!/usr/bin/env bash
# `cmake --install --component service` puts the unit, config, sysusers file,
# labels and docs where deploy/CMakeLists.txt says, with paths rewritten for
# the configured prefix, and the installed unit still passes verify.
#   install_test.sh SOURCE_DIR BINARY_DIR BINDIR SYSCONFDIR DATADIR UNITDIR SYSUSERSDIR
# (all absolute, as configured: CMAKE_INSTALL_FULL_* and the SIGNDPU_* dirs)
set -euo pipefail
src="$1" bin="$2" bindir="$3" sysconfdir="$4" datadir="$5" unitdir="$6" sysusersdir="$7"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

DESTDIR="$tmp/root" cmake --install "$bin" --component service >"$tmp/log" 2>&1 || { cat "$tmp/log"; bad "cmake --install failed"; exit 1; }
root="$tmp/root"
unit="$root$unitdir/signdpu.service"
conf="$root$sysconfdir/signdpu/signdpu.conf"
serve="$root$datadir/signdpu/systemd/signdpu-serve.conf"
for f in "$unit" "$conf" "$root$sysusersdir/signdpu.conf" "$root$datadir/signdpu/labels.txt" "$serve"; do
  [[ -f "$f" ]] || bad "not installed: ${f#$root}"
done
if [[ -f "$unit" ]]; then
  grep -qx "ExecStart=$bindir/signdpu run .*" "$unit" || bad "unit ExecStart not rewritten to $bindir: $(grep ExecStart= "$unit")"
  grep -qx "EnvironmentFile=-$sysconfdir/signdpu/signdpu.conf" "$unit" || bad "unit EnvironmentFile not rewritten to $sysconfdir"
  grep -qx "Environment=SIGNDPU_MODEL=$datadir/signdpu/models/signdpu_zcu104.xmodel" "$unit" || bad "unit model path not rewritten to $datadir"
  bash "$src/tests/deploy/unit_check.sh" verify "$unit" || bad "installed unit fails verify"
  [[ -f "$serve" ]] && { bash "$src/tests/deploy/unit_check.sh" verify "$unit::$serve" || bad "installed unit with the --serve drop-in fails verify"; }
fi
if [[ -f "$conf" ]]; then
  grep -qx "SIGNDPU_LABELS=$datadir/signdpu/labels.txt" "$conf" || bad "config labels path not rewritten to $datadir"
fi
cmp -s "$root$datadir/signdpu/labels.txt" "$src/models/sign.labels.txt" || bad "labels.txt is not models/sign.labels.txt"
((fail == 0)) && echo "ok: installed under DESTDIR: $(cd "$root" && find . -type f | sort | tr '\n' ' ')"
exit "$fail"
