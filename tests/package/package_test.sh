#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds a separate project
# against it with find_package(signdpu).   package_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build="$1" src="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 1; }
test -f "$tmp/prefix/lib/cmake/signdpu/signdpuConfig.cmake" || { echo "FAIL: no signdpuConfig.cmake"; exit 1; }
cmake -S "$src/tests/package/consumer" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$tmp/prefix" > "$tmp/cfg.log" 2>&1 || { cat "$tmp/cfg.log"; exit 1; }
cmake --build "$tmp/consumer" > "$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; exit 1; }
"$tmp/consumer/consumer"
echo "ok: find_package(signdpu) from an installed prefix builds and runs"
