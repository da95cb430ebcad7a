#!/usr/bin/env bash
# The drop-in DPU runner (docs/emulator.md, "Drop-in"): an unmodified VART
# client creating runners with mode "run" runs Xilinx-compiled xmodels on a PC
# when LD_LIBRARY_PATH points at the drop-in folder, bit-exact to mode "ref".
#   dropin_test.sh BUILD_DIR SOURCE_DIR STOCK_VART_CLIENT
set -euo pipefail
build="$1" src="$2" client="$3"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

plugin="$build/lib/libvart-signdpu-emu-runner.so"
dropin="$build/lib/dropin"
test -x "$client" || fail "no client $client"
test -f "$plugin" || fail "no plugin $plugin"
test -e "$dropin/libvart-dpu-runner.so" || fail "no drop-in $dropin/libvart-dpu-runner.so"
# The client carries no path to the plugin and does not link it.
if readelf -d "$client" | grep -Eq 'RPATH|RUNPATH'; then fail "the client has an RPATH/RUNPATH"; fi
if readelf -d "$client" | grep -q signdpu; then fail "the client links signdpu code"; fi

# Installed prefix: the drop-in folder must be there too.
cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "install"; }
libdir="$(find "$tmp/prefix" -path '*/signdpu/vart-emu' -type d | head -n 1)"
test -n "$libdir" || fail "no */signdpu/vart-emu in the installed prefix"
test -e "$libdir/libvart-dpu-runner.so" || fail "installed drop-in link does not resolve: $(ls -l "$libdir")"

check_model() {
  local model="$1" tag="$2" folder="$3"
  # Reference: mode ref, the plugin named through the `lib` override.
  env -u LD_LIBRARY_PATH "$client" "$model" ref "$tmp/$tag.ref" "$plugin" > "$tmp/$tag.ref.log" 2>&1 \
    || { cat "$tmp/$tag.ref.log"; fail "$tag: mode ref"; }
  # Stock mode run: the library the subgraph names, found through LD_LIBRARY_PATH.
  LD_LIBRARY_PATH="$folder" "$client" "$model" run "$tmp/$tag.run" > "$tmp/$tag.run.log" 2>&1 \
    || { cat "$tmp/$tag.run.log"; fail "$tag: mode run with LD_LIBRARY_PATH=$folder"; }
  # /proc/self/maps shows the file the link resolves to.
  local real
  real="$(readlink -f "$folder/libvart-dpu-runner.so")"
  grep -qxF "mapped: $real" "$tmp/$tag.run.log" \
    || { cat "$tmp/$tag.run.log"; fail "$tag: the drop-in ($real) was not loaded"; }
  if grep -q "^mapped: /usr/lib.*libvart-dpu-runner" "$tmp/$tag.run.log"; then
    cat "$tmp/$tag.run.log"; fail "$tag: Xilinx's DPU runner was loaded instead of the drop-in"
  fi
  test "$(grep -c '^subgraph ' "$tmp/$tag.run.log")" = 2 || { cat "$tmp/$tag.run.log"; fail "$tag: expected 2 DPU subgraphs"; }
  test -s "$tmp/$tag.run" || fail "$tag: no output"
  cmp "$tmp/$tag.ref" "$tmp/$tag.run" || fail "$tag: mode run differs from mode ref"
  # The outputs are not the 0x5A fill the client writes before the job.
  local distinct
  distinct="$(od -An -v -tx1 "$tmp/$tag.run" | tr -s ' ' '\n' | sort -u | wc -l)"
  test "$distinct" -gt 8 || fail "$tag: outputs look unwritten ($distinct distinct bytes)"
  echo "ok: $tag in mode run through $folder matches mode ref ($(stat -c %s "$tmp/$tag.run") bytes)"
}

# Control: without the drop-in, mode run loads Xilinx's DPU runner, which
# cannot run on a PC (no DPU); so the comparisons below are about the drop-in.
if (ulimit -c 0; env -u LD_LIBRARY_PATH "$client" "$src/tests/data/xmodels/vai25_zcu104_mnist_custom_op.xmodel" run \
      "$tmp/control.run") > "$tmp/control.log" 2>&1; then
  cat "$tmp/control.log"; fail "mode run without the drop-in succeeded: this test cannot tell the drop-in from Xilinx's runner"
fi 2>/dev/null
echo "ok: control: mode run without the drop-in fails on this PC (Xilinx's DPU runner, no DPU)"

for folder in "$dropin" "$libdir"; do
  n=0
  for model in "$src/tests/data/xmodels/vai25_zcu104_mnist_custom_op.xmodel" \
               "$src/tests/data/xmodels/zcu104_mnist_custom_op.xmodel"; do
    n=$((n + 1))
    check_model "$model" "m$n-$(basename "$(dirname "$folder")")" "$folder"
  done
done
