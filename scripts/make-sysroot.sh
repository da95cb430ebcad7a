#!/usr/bin/env bash
# Makes (once) a Debian 12 arm64 sysroot for cross builds and qemu tests.
#
#   scripts/make-sysroot.sh [--sysroot DIR] [--mirror URL] [--force] [--print]
#                           [--print-stamp]
#
# Why a sysroot and not `apt-get install libvart-dev:arm64`: glog, gflags and
# OpenCV are not Multi-Arch: same in Debian 12, so installing arm64 -dev
# packages on the host silently removes the amd64 VART/XIR stack.
# mmdebstrap --variant=extract only unpacks the .debs
# into DIR: no maintainer scripts run, nothing touches the host's dpkg.
#
# The result is cached outside the git checkout (default
# /var/cache/signdpu/sysroot-arm64, or $SIGNDPU_SYSROOT) so every checkout and
# CI run on the same machine reuses it. A stamp file records what was asked
# for; the sysroot is rebuilt only when that changes (or with --force). A
# flock serialises concurrent callers. The tree is made in DIR.tmp.PID and
# renamed into place, so an interrupted run never leaves a half sysroot behind
# a valid stamp.
#
# --print prints the sysroot path on stdout when ready; --print-stamp prints
# the stamp an up-to-date sysroot carries and exits.
# Exit codes: 0 ready, 2 usage, 3 a tool is missing, 4 mmdebstrap failed.
set -euo pipefail

SYSROOT="${SIGNDPU_SYSROOT:-/var/cache/signdpu/sysroot-arm64}"
SUITE=bookworm
ARCH=arm64
TRIPLET=aarch64-linux-gnu
MIRROR=""
FORCE=0
PRINT=0
PRINT_STAMP=0

# Everything the board-side build (SIGNDPU_BUILD_HOST_TOOLS=OFF) and its tests
# link against. libstdc++-12-dev matches the host's g++-12 cross compiler.
PACKAGES=(
  libc6-dev libstdc++-12-dev
  libvart-dev libxir-dev libunilog-dev libgoogle-glog-dev libgflags-dev
  libtarget-factory-dev libprotobuf-dev
  libopencv-dev
  nlohmann-json3-dev libcli11-dev libcivetweb-dev libsystemd-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
# Bump when the way the tree is post-processed changes.
RECIPE_VERSION=1

usage() {
  sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'
}

while (($#)); do
  case "$1" in
    --sysroot) SYSROOT="$2"; shift 2 ;;
    --mirror) MIRROR="$2"; shift 2 ;;
    --force) FORCE=1; shift ;;
    --print) PRINT=1; shift ;;
    --print-stamp) PRINT_STAMP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "make-sysroot: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

# Reuse the host's own Debian mirror (deb822 debian.sources or a classic
# sources.list), so the sysroot comes from the same place apt-get uses here.
host_uri() {  # $1: path suffix to match, e.g. /debian or /debian-security
  local suffix="$1" f
  for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r "$f" ]] || continue
    grep -hoE '(URIs:[[:space:]]*|^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)[a-z]+://[^[:space:]]+' "$f" 2>/dev/null |
      grep -oE '[a-z]+://[^[:space:]]+' | sed 's:/*$::' | grep -E "${suffix}\$" | head -n1
  done | head -n1
}
if [[ -z "$MIRROR" ]]; then
  MIRROR="$(host_uri /debian || true)"
  MIRROR="${MIRROR:-http://deb.debian.org/debian}"
fi
SECURITY="$(host_uri /debian-security || true)"
SECURITY="${SECURITY:-${MIRROR%/debian}/debian-security}"

SOURCES=(
  "deb ${MIRROR} ${SUITE} main"
  "deb ${MIRROR} ${SUITE}-updates main"
  "deb ${SECURITY} ${SUITE}-security main"
)

STAMP_NAME=.signdpu-sysroot-stamp
expected_stamp() {
  printf 'recipe=%s\nsuite=%s\narch=%s\npackages=%s\n' \
    "$RECIPE_VERSION" "$SUITE" "$ARCH" "${PACKAGES[*]}"
}

is_ready() {
  [[ -f "$SYSROOT/$STAMP_NAME" ]] &&
    [[ "$(sed -n '1,4p' "$SYSROOT/$STAMP_NAME")" == "$(expected_stamp)" ]] &&
    [[ -e "$SYSROOT/usr/lib/$TRIPLET/libvart-runner.so" ]]
}

if ((PRINT_STAMP)); then
  expected_stamp
  exit 0
fi

if ((FORCE == 0)) && is_ready; then
  echo "make-sysroot: $SYSROOT is up to date ($(sed -n 's/^created=//p' "$SYSROOT/$STAMP_NAME"))" >&2
  ((PRINT)) && echo "$SYSROOT"
  exit 0
fi

if ! command -v mmdebstrap >/dev/null; then
  echo "make-sysroot: mmdebstrap not found; run scripts/setup-deps.sh (package mmdebstrap)" >&2
  exit 3
fi

parent="$(dirname "$SYSROOT")"
mkdir -p "$parent"
exec 9>"$SYSROOT.lock"
if ! flock -n 9; then
  echo "make-sysroot: another run holds $SYSROOT.lock; waiting" >&2
  flock 9
  if ((FORCE == 0)) && is_ready; then
    ((PRINT)) && echo "$SYSROOT"
    exit 0
  fi
fi

tmp="$SYSROOT.tmp.$$"
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT

include="$(IFS=,; echo "${PACKAGES[*]}")"
echo "make-sysroot: mmdebstrap $SUITE/$ARCH from $MIRROR into $SYSROOT (a few minutes, about 1 GB)" >&2
start=$(date +%s)
# The mirror is a snapshot (old Valid-Until), as the host's apt config allows.
if ! mmdebstrap --variant=extract --arch="$ARCH" --include="$include" \
    --aptopt='Acquire::Check-Valid-Until "false"' \
    --aptopt='Acquire::Languages "none"' \
    --skip=cleanup/apt \
    "$SUITE" "$tmp" "${SOURCES[@]}" >&2; then
  echo "make-sysroot: mmdebstrap failed (mirror $MIRROR)" >&2
  exit 4
fi

# The extract variant runs no maintainer scripts, so update-alternatives never
# made the libblas.so.3 / liblapack.so.3 links that OpenCV needs at link and
# run time. Point them where update-alternatives would (highest priority
# first: OpenBLAS pthread 100, OpenBLAS serial/openmp 95/90, reference 10).
libdir="$tmp/usr/lib/$TRIPLET"
for lib in libblas.so.3 liblapack.so.3; do
  if [[ -e "$libdir/$lib" ]]; then continue; fi
  target=""
  for impl in openblas-pthread openblas-openmp openblas-serial blas lapack atlas; do
    if [[ -e "$libdir/$impl/$lib" ]]; then target="$impl/$lib"; break; fi
  done
  if [[ -z "$target" ]]; then
    echo "make-sysroot: warning: no provider for $lib in $libdir" >&2
    continue
  fi
  ln -s "$target" "$libdir/$lib"  # relative: valid both for the linker and for qemu -L
  echo "make-sysroot: $lib -> $target" >&2
done

# Absolute symlinks inside the tree (e.g. usr/lib/.../libfoo.so -> /lib/...)
# would point into the host; make them relative to the sysroot.
while IFS= read -r -d '' link; do
  dest="$(readlink "$link")"
  [[ "$dest" == /* ]] || continue
  rel="$(realpath -m -s --relative-to="$(dirname "$link")" "$tmp$dest")"
  ln -sfn "$rel" "$link"
done < <(find "$tmp/usr/lib" "$tmp/usr/include" "$tmp/lib" -type l -print0 2>/dev/null || true)

{
  expected_stamp
  printf 'mirror=%s\ncreated=%s\nseconds=%s\n' "$MIRROR" "$(date -u +%FT%TZ)" "$(($(date +%s) - start))"
} >"$tmp/$STAMP_NAME"

rm -rf "$SYSROOT.old"
if [[ -e "$SYSROOT" ]]; then mv "$SYSROOT" "$SYSROOT.old"; fi
mv "$tmp" "$SYSROOT"
trap - EXIT
rm -rf "$SYSROOT.old"
echo "make-sysroot: ready in $(($(date +%s) - start)) s: $SYSROOT" >&2
((PRINT)) && echo "$SYSROOT"
exit 0
