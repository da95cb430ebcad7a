#!/usr/bin/env bash
# Checks systemd unit files with systemd-analyze (issue 8).
#
#   unit_check.sh verify UNIT...              `systemd-analyze verify` prints nothing
#   unit_check.sh security THRESHOLD UNIT...  exposure <= THRESHOLD/10
# A UNIT given as UNIT::DROPIN is checked with the drop-in's lines appended
# (what systemd reads with DROPIN in UNIT.d/), e.g. signdpu-serve.conf.
#
# The units run /usr/bin/signdpu, which does not exist on a build host, and
# `systemd-analyze verify` exits 1 when ExecStart's binary is missing. So
# each unit is checked as a copy in a temporary directory whose ExecStart
# binary is replaced by /bin/true (same arguments, same everything else).
# `verify` exits 0 on unknown keys and bad values, so any output at all is a
# failure; a self-check first makes sure that an unknown key does produce
# output here, so a silent systemd-analyze cannot pass the test vacuously.
set -euo pipefail

mode="${1:-}"; shift || true
command -v systemd-analyze >/dev/null || { echo "FAIL: systemd-analyze not found (package systemd)"; exit 1; }
TRUE_BIN=/bin/true
[[ -x "$TRUE_BIN" ]] || TRUE_BIN=/usr/bin/true

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# copy_unit SRC[::DROPIN] DIR: DIR/<same name> with ExecStart's binary ->
# /bin/true, and the drop-in's lines appended when one is given.
copy_unit() {
  local src="${1%%::*}" dropin="" dir="$2"
  [[ "$1" == *::* ]] && dropin="${1#*::}"
  mkdir -p "$dir"
  grep -qE '^ExecStart=[-@:+!]*/' "$src" || { echo "FAIL: $src has no absolute ExecStart=" >&2; exit 1; }
  sed -E "s#^(ExecStart=[-@:+!]*)/[^[:space:]]+#\\1${TRUE_BIN}#" "$src" >"$dir/$(basename "$src")"
  [[ -z "$dropin" ]] || cat "$dropin" >>"$dir/$(basename "$src")"
  echo "$dir/$(basename "$src")"
}

verify_quiet() {  # verify_quiet UNIT -> prints output, returns rc
  local out rc=0
  out="$(systemd-analyze verify --man=no "$1" 2>&1)" || rc=$?
  printf '%s' "$out"
  return "$rc"
}

case "$mode" in
  verify)
    (($#)) || { echo "usage: $0 verify UNIT..."; exit 2; }
    # Self-check: an unknown key must be reported.
    probe="$(copy_unit "$1" "$tmp/probe")"
    sed -i 's/^\[Service\]$/[Service]\nSigndpuNoSuchKey=1/' "$probe"
    probe_out="$(verify_quiet "$probe" || true)"
    if [[ -z "$probe_out" ]]; then
      echo "FAIL: self-check: systemd-analyze verify printed nothing for an unknown key; cannot trust it"
      exit 1
    fi
    n=0
    for unit in "$@"; do
      n=$((n + 1))
      copy="$(copy_unit "$unit" "$tmp/u$n")"
      rc=0
      out="$(verify_quiet "$copy")" || rc=$?
      if [[ $rc -ne 0 || -n "$out" ]]; then
        echo "FAIL: systemd-analyze verify $unit (ExecStart binary -> $TRUE_BIN): exit $rc, output:"
        echo "$out"
        exit 1
      fi
      echo "ok: systemd-analyze verify --man=no $unit: exit 0, no output (ExecStart binary -> $TRUE_BIN)"
    done
    ;;
  security)
    threshold="${1:-}"; shift || true
    [[ "$threshold" =~ ^[0-9]+$ ]] && (($#)) || { echo "usage: $0 security THRESHOLD UNIT..."; exit 2; }
    n=0
    for unit in "$@"; do
      n=$((n + 1))
      copy="$(copy_unit "$unit" "$tmp/s$n")"
      rc=0
      out="$(systemd-analyze security --offline=true --threshold="$threshold" "$copy" 2>&1)" || rc=$?
      overall="$(grep -o 'Overall exposure level.*' <<<"$out" || true)"
      if [[ $rc -ne 0 || -z "$overall" ]]; then
        echo "$out"
        echo "FAIL: systemd-analyze security --offline=true --threshold=$threshold $unit: exit $rc; $overall"
        exit 1
      fi
      echo "ok: $unit: $overall (threshold $threshold = $((threshold / 10)).$((threshold % 10)))"
    done
    ;;
  *)
    echo "usage: $0 verify UNIT... | security THRESHOLD UNIT..."; exit 2 ;;
esac
