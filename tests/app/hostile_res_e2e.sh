#!/usr/bin/env bash
# Issue 14, resources: small hostile inputs must end with ONE clear error line
# and an exit code in 1..127, in bounded time (the ctest timeout), without
# exhausting memory: every program runs under `prlimit --as=1GiB` (address
# space) unless the build is ASan-instrumented (SIGNDPU_ASAN=1: ASan reserves
# terabytes of shadow address space, so the cap is skipped there and said so).
#   hostile_res_e2e.sh CASE BIN_DIR SOURCE_DIR WORK_DIR      CASE: inputs models quantizer dump
set -uo pipefail
CASE="$1"; BIN="$2"; SRC="$3"; WORK="$4"
SAMPLE="$SRC/tests/data/fashion_sample.csv"
XM="$WORK/q/signcnn_fashion.xmodel"   # made by the e2e_quantize fixture
ONNX="${SIGNDPU_E2E_MODEL:-$SRC/models/signcnn_fashion.onnx}"
H="$WORK/hostile_res_$CASE"
rm -rf "$H"; mkdir -p "$H"
export GLOG_minloglevel=${GLOG_minloglevel:-1}
# glibc reserves 64 MiB of address space per thread arena: keep the count
# small so that the cap measures what the program allocates.
export MALLOC_ARENA_MAX=2

CAP=()
if [[ "${SIGNDPU_ASAN:-0}" == 1 ]]; then
  echo "note: ASan build: running without the prlimit --as cap"
elif command -v prlimit >/dev/null; then
  CAP=(prlimit --as=$((1 << 30)) --)
  echo "memory cap: prlimit --as=1GiB"
else
  echo "note: prlimit not found: running without the memory cap"
fi

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# expect_error NAME MESSAGE_SUBSTRING -- command...: exit in 1..127 (not a
# signal), exactly one "<program>: error:" line, containing the substring.
expect_error() {
  local name="$1" msg="$2"; shift 3
  local out rc
  out="$(timeout 120 "${CAP[@]}" "$@" 2>&1 >/dev/null)"; rc=$?
  if [[ $rc -eq 124 ]]; then fail "$name: timed out (hang)"; return; fi
  if [[ $rc -lt 1 || $rc -gt 127 ]]; then fail "$name: exit $rc, expected 1..127; stderr: $out"; return; fi
  if [[ "$out" != *"$msg"* ]]; then fail "$name: stderr lacks '$msg': $out"; return; fi
  local lines; lines=$(printf '%s\n' "$out" | grep -c '^signdpu[-a-z]*: error:')
  if [[ $lines -ne 1 ]]; then fail "$name: expected one error line, got $lines: $out"; return; fi
  echo "ok: $name -> exit $rc: $(printf '%s\n' "$out" | grep ': error:')"
}
check() { if eval "$1"; then echo "ok: $2"; else fail "$2 ($1)"; fi; }

[[ -s "$XM" ]] || { echo "FAIL: $XM missing (the e2e_quantize fixture makes it)"; exit 1; }

case "$CASE" in
inputs)
  # Endless, device and FIFO inputs.
  expect_error "run --csv /dev/zero" "/dev/zero: not a regular file (device or socket)" -- \
    "$BIN/signdpu" run --model "$XM" --csv /dev/zero --mode ref --quiet
  expect_error "run --csv /dev/urandom --skip-bad" "/dev/urandom: not a regular file" -- \
    "$BIN/signdpu" run --model "$XM" --csv /dev/urandom --mode ref --quiet --skip-bad
  ln -s /dev/zero "$H/zero.csv"
  expect_error "run --csv symlink to /dev/zero" "zero.csv: not a regular file" -- \
    "$BIN/signdpu" run --model "$XM" --csv "$H/zero.csv" --mode ref --quiet
  # A regular file without newlines (the old skip loop spun on it forever).
  { head -n 1 "$SAMPLE"; head -c $((20 << 20)) /dev/zero | tr '\0' '7'; } > "$H/no_newline.csv"
  expect_error "run --csv without newlines --skip-bad" "no_newline.csv:2: no end of line within" -- \
    "$BIN/signdpu" run --model "$XM" --csv "$H/no_newline.csv" --mode ref --quiet --skip-bad
  { head -n 3 "$SAMPLE"; head -c 100000 /dev/zero; } > "$H/binary.csv"
  expect_error "run --csv with NUL bytes --skip-bad" "binary.csv:4: NUL byte: binary data" -- \
    "$BIN/signdpu" run --model "$XM" --csv "$H/binary.csv" --mode ref --quiet --skip-bad
  # A FIFO as calibration file is refused before it is opened (no writer:
  # opening would block); as --csv it is a stream (docs/testing.md).
  mkfifo "$H/calib.fifo"
  expect_error "quantize --calib FIFO" "calib.fifo: is a FIFO or pipe; this CSV must be a regular file" -- \
    "$BIN/signdpu-quantize" --model "$ONNX" --calib "$H/calib.fifo" --output_dir "$H/q" --no-progress
  expect_error "quantize --calib /dev/zero" "/dev/zero: not a regular file" -- \
    "$BIN/signdpu-quantize" --model "$ONNX" --calib /dev/zero --output_dir "$H/q" --no-progress
  expect_error "quantize --model /dev/zero" "ONNX file '/dev/zero': not a regular file" -- \
    "$BIN/signdpu-quantize" --model /dev/zero --calib "$SAMPLE" --output_dir "$H/q" --no-progress
  expect_error "run --model /dev/zero" "xmodel '/dev/zero': not a regular file" -- \
    "$BIN/signdpu" run --model /dev/zero --csv "$SAMPLE" --mode ref --quiet
  expect_error "dump --input-raw /dev/zero" "--input-raw '/dev/zero': not a regular file" -- \
    "$BIN/signdpu" dump --model "$XM" --input-raw /dev/zero --mode ref --out "$H/d"
  head -c 1000 /dev/urandom > "$H/odd.bin"
  expect_error "dump --input-raw of 1000 bytes (not whole frames)" "not a whole number of frames of the input's 784 bytes" -- \
    "$BIN/signdpu" dump --model "$XM" --input-raw "$H/odd.bin" --mode ref --out "$H/d"
  head -c $((784 * 400000)) /dev/zero > "$H/big.bin"   # 299 MiB of frames: over the budget
  expect_error "dump --input-raw of 400000 frames" "more than the tensor memory budget of 256.0 MiB" -- \
    "$BIN/signdpu" dump --model "$XM" --input-raw "$H/big.bin" --mode ref --out "$H/d"
  rm -f "$H/big.bin"
  ;;
models)
  "$BIN/make_hostile_models" "$H" || { echo "FAIL: make_hostile_models"; exit 1; }
  check "[[ \$(stat -c %s '$H/huge_input.xmodel') -lt 65536 ]]" "huge_input.xmodel is under 64 KB"
  expect_error "run huge-input xmodel from a CSV" "has shape 1x12288x12288x1; --csv $SAMPLE gives frames of 28x28x1" -- \
    "$BIN/signdpu" run --model "$H/huge_input.xmodel" --csv "$SAMPLE" --mode ref --quiet
  mkdir -p "$H/media"
  "$BIN/make_test_media" "$SAMPLE" "$H/media" 2 >/dev/null || fail "make_test_media"
  expect_error "run huge-input xmodel from images" "more than the tensor memory budget of 256.0 MiB" -- \
    "$BIN/signdpu" run --model "$H/huge_input.xmodel" --images "$H/media/images" --mode ref --quiet
  expect_error "dump huge-input xmodel" "more than the tensor memory budget" -- \
    "$BIN/signdpu" dump --model "$H/huge_input.xmodel" --csv "$SAMPLE" --mode ref --out "$H/d"
  # Within the app's budget (one runner, batch 2: 64 MiB of buffers) but not
  # the emulator's: 52 MiB of tensors per image x batch 2 x 4 worker threads.
  out=$(SIGNDPU_EMU_THREADS=4 timeout 120 "${CAP[@]}" "$BIN/signdpu" run --model "$H/deep.xmodel" --images "$H/media/images" \
        --mode ref --threads 1 --emu-batch 2 --quiet 2>&1); rc=$?
  check "[[ $rc -ge 1 && $rc -le 127 ]]" "emulator over budget: exit $rc"
  check "grep -q 'x batch 2 x 4 threads is more than the tensor memory budget of 256 MiB' <<<\"\$out\"" "the emulator refuses before allocating: $(grep -o 'signdpu-emu: .*' <<<"$out" | head -1)"
  check "[[ \$(grep -c '^signdpu: error:' <<<\"\$out\") -eq 1 ]]" "one error line"
  expect_error "inspect 5000-op xmodel" "5000 ops, more than the 4096 an xmodel may have" -- \
    "$BIN/signdpu" inspect "$H/many_ops.xmodel"
  expect_error "run 5000-op xmodel" "5000 ops, more than the 4096" -- \
    "$BIN/signdpu" run --model "$H/many_ops.xmodel" --csv "$SAMPLE" --mode ref --quiet
  expect_error "quantize 5000-node ONNX" "many_nodes.onnx: 5000 nodes, more than the 4096 a graph may have" -- \
    "$BIN/signdpu-quantize" --model "$H/many_nodes.onnx" --calib "$SAMPLE" --output_dir "$H/q" --no-progress
  expect_error "quantize ONNX with a 12288x12288 input" "pixels per frame; a calibration CSV row" -- \
    "$BIN/signdpu-quantize" --model "$H/huge_input.onnx" --calib "$SAMPLE" --output_dir "$H/q" --no-progress
  expect_error "quantize ONNX with a NaN weight" "node 'conv1' (Conv, opset 13): constant 'conv1.weight' element 7 is NaN" -- \
    "$BIN/signdpu-quantize" --model "$H/nan_weights.onnx" --calib "$SAMPLE" --output_dir "$H/q" --no-progress
  check "[[ ! -e '$H/q' ]] || [[ -z \$(ls -A '$H/q') ]]" "no quantiser outputs after the errors"
  ;;
quantizer)
  Q="$H/out"
  QARGS=(--model "$ONNX" --calib "$SAMPLE" --calib_iter 1 --calib_batch_size 8 --tune_images 0 --output_dir "$Q" --no-progress)
  # A signal while the outputs wait in the temporary folder: 143 / 130, the
  # folder removed, nothing in the output directory.
  for sig in TERM INT; do
    rm -rf "$Q"
    SIGNDPU_QUANTIZE_TEST_PAUSE_MS=20000 "${CAP[@]}" "$BIN/signdpu-quantize" "${QARGS[@]}" > /dev/null 2> "$H/sig.txt" &
    pid=$!
    for _ in $(seq 1 600); do compgen -G "$Q/.signdpu-quantize-*/report.json" > /dev/null && break; sleep 0.1; done
    check "compgen -G '$Q/.signdpu-quantize-*/report.json' > /dev/null" "SIG$sig: outputs are in the temporary folder first"
    kill -s "$sig" "$pid"
    wait "$pid"; rc=$?
    want=$([[ $sig == TERM ]] && echo 143 || echo 130)
    check "[[ $rc -eq $want ]]" "SIG$sig: exit $rc (expected $want)"
    check "[[ -z \$(ls -A '$Q') ]]" "SIG$sig: output directory empty (no temporary folder, no partial outputs): \$(ls -A '$Q')"
    check "grep -q 'interrupted by SIG$sig' '$H/sig.txt'" "SIG$sig: says so on stderr"
  done
  # report.json cannot be put in place (a folder in the way): an error
  # naming the cause, and neither xmodel left behind.
  rm -rf "$Q"; mkdir -p "$Q/report.json"
  expect_error "quantize with report.json blocked" "report.json': Is a directory" -- "$BIN/signdpu-quantize" "${QARGS[@]}"
  check "[[ ! -e '$Q/signcnn_fashion.xmodel' && ! -e '$Q/signcnn_fashion_int.xmodel' ]]" "no xmodel left when report.json fails"
  check "[[ -z \$(ls -A '$Q' | grep -v '^report.json\$') ]]" "no temporary folder left"
  # The same for report.html (issue 17): all or none.
  rm -rf "$Q"; mkdir -p "$Q/report.html"
  expect_error "quantize with report.html blocked" "report.html': Is a directory" -- "$BIN/signdpu-quantize" "${QARGS[@]}"
  check "[[ ! -e '$Q/signcnn_fashion.xmodel' && ! -e '$Q/report.json' ]]" "no xmodel or report.json left when report.html fails"
  # A normal run still writes all four (report.html since issue 17).
  rm -rf "$Q"
  "${CAP[@]}" "$BIN/signdpu-quantize" "${QARGS[@]}" > /dev/null 2>&1 || fail "quantize under the cap"
  check "[[ -s '$Q/signcnn_fashion.xmodel' && -s '$Q/signcnn_fashion_int.xmodel' && -s '$Q/report.json' && -s '$Q/report.html' ]]" "all four outputs"
  check "[[ \$(ls -A '$Q' | wc -l) -eq 4 ]]" "nothing else in the output directory"
  ;;
dump)
  A="$H/a"; B="$H/b"
  "${CAP[@]}" "$BIN/signdpu" dump --model "$XM" --csv "$SAMPLE" --limit 8 --mode ref --out "$A" > "$H/dump.txt" 2>&1 || fail "dump A"
  cp -r "$A" "$B"
  base=$(basename "$(ls "$A"/*.bin | head -1)" .bin)
  check "[[ -n '$base' ]]" "dump wrote tensors"
  # An unwritable target: non-zero exit and the real cause.
  mkdir -p "$H/c/$base.bin"
  expect_error "dump onto a folder named like its output" "$base.bin': exists and is not a regular file" -- \
    "$BIN/signdpu" dump --model "$XM" --csv "$SAMPLE" --limit 8 --mode ref --out "$H/c"
  touch "$H/file"
  expect_error "dump --out under a file" "--out $H/file/sub" -- \
    "$BIN/signdpu" dump --model "$XM" --csv "$SAMPLE" --limit 8 --mode ref --out "$H/file/sub"
  # compare: tensors present on one side only, both ways; hostile files.
  "${CAP[@]}" "$BIN/signdpu" compare "$A" "$B" > /dev/null 2>&1 || fail "identical dumps compare equal"
  echo '{"shape":[1]}' > "$B/extra.tensor.json"; head -c 4 /dev/zero > "$B/extra.tensor.bin"
  out=$("${CAP[@]}" "$BIN/signdpu" compare "$A" "$B" 2>&1); rc=$?
  check "[[ $rc -ge 1 && $rc -le 127 ]] && [[ '$out' == *'extra.tensor: MISSING in $A'* ]]" "compare: a tensor only in B is a difference"
  rm -f "$B/extra.tensor."*
  mv "$B/$base.json" "$H/"; mv "$B/$base.bin" "$H/"
  out=$("${CAP[@]}" "$BIN/signdpu" compare "$A" "$B" 2>&1); rc=$?
  check "[[ $rc -ge 1 && $rc -le 127 ]] && [[ '$out' == *'$base: MISSING in $B'* ]]" "compare: a tensor only in A is a difference"
  mv "$H/$base.json" "$H/$base.bin" "$B/"
  rm -f "$B/$base.bin"; ln -s /dev/zero "$B/$base.bin"
  expect_error "compare with a .bin symlinked to /dev/zero" "1 of" -- "$BIN/signdpu" compare "$A" "$B"
  out=$("$BIN/signdpu" compare "$A" "$B" 2>&1)
  check "[[ '$out' == *'$base: UNREADABLE: dumped tensor'*'not a regular file'* ]]" "compare names the unreadable tensor"
  rm -f "$B/$base.bin"; cp "$A/$base.bin" "$B/"
  printf '{"shape":[-7,99999999999999999999,"x"],"frames":-1}' > "$B/$base.json"
  printf '{"shape":[0,-1,9223372036854775807]}' > "$A/$base.json"
  printf '\x7f' | dd of="$B/$base.bin" bs=1 seek=3 conv=notrunc 2>/dev/null
  expect_error "compare with hostile sidecar shapes" "differ or are missing" -- "$BIN/signdpu" compare "$A" "$B"
  mkfifo "$B/fifo.json"
  expect_error "compare with a FIFO sidecar in B only" "differ or are missing" -- "$BIN/signdpu" compare "$A" "$B"
  mkfifo "$A/fifo3.json" "$B/fifo3.json"
  expect_error "compare with a FIFO sidecar on both sides" "fifo3.json': not a regular file" -- "$BIN/signdpu" compare "$A" "$B"
  ;;
*)
  echo "unknown case $CASE"; exit 2 ;;
esac

if [[ $fails -gt 0 ]]; then echo "$fails check(s) failed"; exit 1; fi
echo "all checks passed"
