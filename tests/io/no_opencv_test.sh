#!/usr/bin/env bash
# The quantiser must not pull OpenCV (issue 15): neither the binary nor any
# shared library it loads may need libopencv_*.
#   no_opencv_test.sh BINARY
set -u
bin="$1"
[[ -x "$bin" ]] || { echo "FAIL: $bin is not an executable"; exit 1; }
needed=$(readelf -d "$bin" | grep NEEDED) || { echo "FAIL: readelf -d $bin found no NEEDED entries"; exit 1; }
if grep -i opencv <<<"$needed"; then
  echo "FAIL: $bin links OpenCV directly"
  exit 1
fi
loaded=$(ldd "$bin") || { echo "FAIL: ldd $bin"; exit 1; }
if grep -i opencv <<<"$loaded"; then
  echo "FAIL: $bin loads OpenCV through a dependency"
  exit 1
fi
echo "ok: $(grep -c NEEDED <<<"$needed") NEEDED entries, none OpenCV; ldd: none OpenCV"
