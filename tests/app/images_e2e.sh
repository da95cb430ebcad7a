#!/usr/bin/env bash
# Issue 17 sections 2 and 6 end to end: one's own image folders for
# signdpu-quantize --calib/--eval and signdpu run --images, --save-frames,
# hostile folders, --version, --help defaults, and runs whose stderr holds no
# raw glog or OpenCV log line. Image folders are made in the test from the
# committed CSV sample (make_image_folders). One case per invocation:
#   images_e2e.sh CASE BIN_DIR SOURCE_DIR WORK_DIR
# Needs the e2e_quantize fixture ($WORK/q: calibrated on the sample, 6 x 32).
set -uo pipefail
CASE="$1"; BIN="$2"; SRC="$3"; WORK="$4"
SAMPLE="$SRC/tests/data/fashion_sample.csv"
MODEL="$SRC/models/signcnn_fashion.onnx"
LABELS="$SRC/models/fashion.labels.txt"
Q="$WORK/q"
XM="$Q/signcnn_fashion.xmodel"
W="$WORK/images_$CASE"
rm -rf "$W"; mkdir -p "$W"
# No GLOG_* or OPENCV_LOG_LEVEL from the environment: the programs' own defaults are under test.
unset GLOG_minloglevel GLOG_logtostderr GLOG_stderrthreshold GLOG_v OPENCV_LOG_LEVEL

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { if eval "$1"; then echo "ok: $2"; else fail "$2 ($1)"; fi; }
json() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
# No raw glog line ("W1201 10:00:00.123 ...", glog 0.6: "W20261201 10:00:00.123 ...") and no OpenCV
# log line ("[ WARN:0@0.1] ...") in a file.
clean_log() {
  ! grep -Eq '^[IWEF]([0-9]{4})?[0-9]{4} ' "$1" && ! grep -Fq '[ WARN:' "$1" && ! grep -Fq '[ERROR:' "$1" && ! grep -Fq '[ INFO:' "$1"
}
# expect_error NAME MESSAGE_SUBSTRING -- command...: exit 1, exactly one stderr line, an error naming MESSAGE.
expect_error() {
  local name="$1" msg="$2"; shift 3
  local out rc
  out="$("$@" 2>&1 >/dev/null)"; rc=$?
  if [[ $rc -ne 1 ]]; then fail "$name: exit $rc, expected 1; stderr: $out"; return; fi
  if [[ "$out" != *"$msg"* ]]; then fail "$name: stderr lacks '$msg': $out"; return; fi
  # Our lines only ("signdpu: mode ref requested" may come first), exactly one of them an error.
  if [[ $(printf '%s\n' "$out" | grep -c ': error: ') -ne 1 || $(printf '%s\n' "$out" | grep -vc '^signdpu[-a-z]*: ') -ne 0 ]]; then
    fail "$name: expected exactly one error line and no other program's lines, got: $out"; return
  fi
  echo "ok: $name -> $out"
}
QUANT=("$BIN/signdpu-quantize" --model "$MODEL" --no-progress --labels "$LABELS")
fixpoints() {  # the per-layer fix points of a report.json, one line per layer
  /usr/bin/python3 -c "import json,sys
for l in json.load(open(sys.argv[1]))['layers']:
    print(l['name'], l['fix_point_input'], l['fix_point_weights'], l['fix_point_bias'], l['fix_point_output'], l['shift_cut'], l['shift_bias'])" "$1"
}

case "$CASE" in
calib_fixpoints)
  # 28x28 images (PNG, BMP, PGM, TIFF, in the CSV's row order) calibrate to the same fix points as the CSV rows.
  "$BIN/make_image_folders" "$SAMPLE" "$W/flat" 200 flat || fail "make_image_folders flat"
  mkdir -p "$W/flat/.cache" && cp "$W/flat/img_00000.png" "$W/flat/.cache/ignored.png"  # hidden: not read
  echo "not an image" > "$W/flat/README.txt"                                            # not an image name: not read
  "${QUANT[@]}" --calib "$SAMPLE" --calib_iter 6 --calib_batch_size 32 --no-report-html --output_dir "$W/qcsv" \
    > "$W/qcsv.txt" 2> "$W/qcsv.err"; rc1=$?
  "${QUANT[@]}" --calib "$W/flat" --calib_iter 6 --calib_batch_size 32 --no-report-html --output_dir "$W/qdir" \
    > "$W/qdir.txt" 2> "$W/qdir.err"; rc2=$?
  cat "$W/qdir.err"
  check "[[ $rc1 -eq 0 && $rc2 -eq 0 ]]" "quantise with --calib CSV and --calib DIR: exit 0"
  check "[[ \$(json '$W/qdir/report.json' 'd[\"calib_images\"]') -eq 192 ]]" "--calib DIR: 192 calibration images (6 x 32)"
  fixpoints "$W/qcsv/report.json" > "$W/fp_csv.txt"; fixpoints "$W/qdir/report.json" > "$W/fp_dir.txt"
  check "[[ -s '$W/fp_csv.txt' ]] && diff '$W/fp_csv.txt' '$W/fp_dir.txt'" \
    "every layer's fix points and shifts equal between --calib CSV and --calib DIR ($(wc -l < "$W/fp_csv.txt") layers)"
  check "clean_log '$W/qdir.err'" "no glog/OpenCV log lines"
  ;;
eval_accuracy)
  # Class folders (class 1 named "Trouser", the others by number) of varied sizes, formats, gray and BGR.
  "$BIN/make_image_folders" "$SAMPLE" "$W/classes" 200 classes || fail "make_image_folders classes"
  check "[[ -d '$W/classes/Trouser' && -d '$W/classes/0' ]]" "class folders by name and by number"
  "${QUANT[@]}" --calib "$SAMPLE" --calib_iter 6 --calib_batch_size 32 --eval "$W/classes" --output_dir "$W/q" \
    --sensitivity_images 50 > "$W/q.txt" 2> "$W/q.err"; rc=$?
  cat "$W/q.txt" "$W/q.err"
  check "[[ $rc -eq 0 ]]" "quantise with --eval DIR: exit 0"
  check "[[ \$(json '$W/q/report.json' 'd[\"eval_images\"]') -eq 200 ]]" "200 evaluation images"
  for k in float_accuracy int8_accuracy; do
    want=$(json "$Q/report.json" "d['$k']"); got=$(json "$W/q/report.json" "d['$k']")
    check "[[ '$want' == '$got' ]]" "--eval DIR $k ($got) equals the CSV's on the same rows ($want)"
  done
  check "[[ -s '$W/q/report.html' ]]" "report.html written from the folder"
  check "clean_log '$W/q.err'" "no glog/OpenCV log lines"
  ;;
run_images)
  "$BIN/make_image_folders" "$SAMPLE" "$W/classes" 200 classes || fail "make_image_folders classes"
  "$BIN/signdpu" run --model "$XM" --images "$W/classes" --mode ref --summary-json "$W/img.json" > "$W/img.txt" 2> "$W/img.err"; rc=$?
  "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --quiet --summary-json "$W/csv.json" > /dev/null 2>&1
  tail -n 25 "$W/img.txt"; cat "$W/img.err"
  check "[[ $rc -eq 0 ]]" "run --images DIR with class folders: exit 0"
  want=$(json "$W/csv.json" 'd["accuracy"]'); got=$(json "$W/img.json" 'd["accuracy"]')
  check "[[ '$want' == '$got' && '$got' != None ]]" "run --images DIR accuracy ($got) equals --csv accuracy ($want)"
  check "[[ \$(json '$W/img.json' 'd[\"labelled_frames\"]') -eq 200 ]]" "200 labelled frames"
  check "[[ \"\$(json '$W/img.json' 'sorted(d)')\" == \"\$(json '$W/csv.json' 'sorted(d)')\" ]]" "same summary JSON keys as a labelled CSV"
  check "grep -q '^accuracy: ' '$W/img.txt' && grep -q 'confusion matrix' '$W/img.txt'" "accuracy and confusion matrix printed"
  check "grep -q '(truth Trouser, ' '$W/img.txt'" "per-frame lines carry the truth from the folder name"
  check "grep -q 'class folders' '$W/img.txt'" "summary names the class-folder source"
  check "clean_log '$W/img.err'" "no glog/OpenCV log lines"
  # A folder with images and no sub-folders: unlabelled, no accuracy.
  "$BIN/make_image_folders" "$SAMPLE" "$W/flat" 5 flat >/dev/null
  "$BIN/signdpu" run --model "$XM" --images "$W/flat" --mode ref --quiet --summary-json "$W/flat.json" >/dev/null 2>&1
  check "[[ \$(json '$W/flat.json' 'd[\"accuracy\"]') == None && \$(json '$W/flat.json' 'd[\"frames\"]') -eq 5 ]]" \
    "flat folder: 5 unlabelled frames, accuracy null"
  ;;
save_frames)
  # CSV -> --save-frames (class folders of 28x28 PNGs) -> --eval DIR: the same accuracy.
  "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --quiet --save-frames "$W/saved" > /dev/null 2> "$W/s.err"; rc=$?
  cat "$W/s.err"
  check "[[ $rc -eq 0 ]]" "run --csv --save-frames: exit 0"
  check "[[ \$(find '$W/saved' -name 'frame_*.png' | wc -l) -eq 200 ]]" "200 PNG files"
  check "[[ -d '$W/saved/Trouser' && -d '$W/saved/0' ]]" "labelled frames in class folders (T-shirt/top as 0)"
  check "[[ -z \"\$(find '$W/saved' -name '*.tmp.*')\" ]]" "no temporary files left"
  check "grep -q 'signdpu: --save-frames: wrote 200 frames to ' '$W/s.err'" "says how many frames it wrote"
  "${QUANT[@]}" --calib "$SAMPLE" --calib_iter 6 --calib_batch_size 32 --eval "$W/saved" --no-report-html \
    --output_dir "$W/q" > /dev/null 2>&1 || fail "quantise --eval saved frames"
  want=$(json "$Q/report.json" 'd["int8_accuracy"]'); got=$(json "$W/q/report.json" 'd["int8_accuracy"]')
  check "[[ '$want' == '$got' ]]" "--eval on the saved frames: int8 accuracy ($got) equals the CSV's ($want)"
  # A camera-like source (160x112 frames): the saved model pixels classify exactly as the frames did.
  "$BIN/make_image_folders" "$SAMPLE" "$W/cam" 40 camera >/dev/null || fail "make_image_folders camera"
  "$BIN/signdpu" run --model "$XM" --images "$W/cam" --mode ref --json --save-frames "$W/camsaved" > "$W/cam.jsonl" 2>/dev/null
  "$BIN/signdpu" run --model "$XM" --images "$W/camsaved" --mode ref --json > "$W/camsaved.jsonl" 2>/dev/null
  cls() { /usr/bin/python3 -c "import json,sys; [print(json.loads(l)['class']) for l in open(sys.argv[1])]" "$1"; }
  check "[[ \$(cls '$W/cam.jsonl' | wc -l) -eq 40 ]] && diff <(cls '$W/cam.jsonl') <(cls '$W/camsaved.jsonl') >/dev/null" \
    "40 saved frames give the same classes as the original frames, in order"
  check "[[ \$(/usr/bin/python3 -c \"import struct,sys; d=open(sys.argv[1],'rb').read(24); print(struct.unpack('>II', d[16:24]))\" '$W/camsaved/frame_00000000.png') == '(28, 28)' ]]" \
    "saved model pixels are 28x28"
  # Bounded count, raw frames, "1 frame".
  "$BIN/signdpu" run --model "$XM" --images "$W/cam" --mode ref --quiet --limit 10 --save-frames "$W/raw" \
    --save-frames-raw --save-frames-max 3 > /dev/null 2> "$W/raw.err"
  check "[[ \$(ls '$W/raw' | wc -l) -eq 3 ]]" "--save-frames-max 3: 3 files of 10 frames"
  check "grep -q 'wrote 3 frames to' '$W/raw.err'" "says 3 frames"
  check "[[ \$(/usr/bin/python3 -c \"import struct,sys; d=open(sys.argv[1],'rb').read(24); print(struct.unpack('>II', d[16:24]))\" '$W/raw/frame_00000000.png') == '(160, 112)' ]]" \
    "--save-frames-raw keeps the 160x112 frame"
  "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --quiet --limit 1 --save-frames "$W/one" > "$W/one.txt" 2> "$W/one.err"
  check "grep -q 'wrote 1 frame to' '$W/one.err' && ! grep -qE '(^|[^0-9.])1 frames' '$W/one.err' '$W/one.txt'" "'1 frame', not '1 frames'"
  check "grep -q '^summary: 1 frame from' '$W/one.txt'" "summary: '1 frame from'"
  echo x > "$W/afile"
  expect_error "--save-frames on a file" "--save-frames $W/afile: exists and is not a folder" -- \
    "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --quiet --save-frames "$W/afile"
  expect_error "--save-frames under a missing folder" "--save-frames $W/no/such: cannot create the folder" -- \
    "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --quiet --save-frames "$W/no/such"
  ;;
hostile)
  H="$W/h"
  "$BIN/make_image_folders" "$SAMPLE" "$H/good" 4 flat >/dev/null
  mk() { rm -rf "$H/$1"; mkdir -p "$H/$1"; cp "$H/good/img_00000.png" "$H/$1/"; }
  # garbage bytes, an empty file, a cut-short PNG, a non-UTF-8 name, a PNG declaring 100000 x 100000 pixels
  mk garbage; head -c 3000 /dev/urandom > "$H/garbage/noise.png"
  mk empty_file; : > "$H/empty_file/zero.jpg"
  mk truncated; head -c 100 "$H/good/img_00000.png" > "$H/truncated/cut.png"
  mk nonutf8; head -c 500 /dev/urandom > "$H/nonutf8/bad$(printf '\xff')name.png"
  mk huge; /usr/bin/python3 - "$H/huge/huge.png" <<'PY'
import struct, sys, zlib
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 100000, 100000, 8, 0, 0, 0, 0))
png += chunk(b'IDAT', zlib.compress(b'\0' * 100001)) + chunk(b'IEND', b'')
open(sys.argv[1], 'wb').write(png)
PY
  for d in garbage:noise.png empty_file:zero.jpg truncated:cut.png nonutf8:name.png huge:huge.png; do
    dir=${d%%:*}; file=${d#*:}
    msg="$file"; [[ $dir == huge ]] && msg="huge.png: image of 100000x100000 pixels, more than the 67108864-pixel budget"
    expect_error "--calib with $dir" "$msg" -- "${QUANT[@]}" --calib "$H/$dir" --calib_iter 1 --calib_batch_size 2 \
      --no-report-html --output_dir "$W/q_$dir"
    expect_error "run --images with $dir" "$msg" -- "$BIN/signdpu" run --model "$XM" --images "$H/$dir" --mode ref --quiet
    out=$("$BIN/signdpu" run --model "$XM" --images "$H/$dir" --mode ref --quiet --skip-bad 2>&1); rc=$?
    check "[[ $rc -eq 0 && \"\$out\" == *'skipped bad inputs: 1'* ]]" "run --images --skip-bad with $dir: the bad file skipped, exit 0"
  done
  check "[[ ! -e '$W/q_garbage' ]]" "a failed quantisation writes nothing"
  # An empty folder, a folder of non-images.
  mkdir -p "$H/none/sub"; echo x > "$H/none/notes.txt"
  expect_error "--calib empty tree" "--calib $H/none: no image files" -- "${QUANT[@]}" --calib "$H/none" --output_dir "$W/qn"
  expect_error "run --images empty" "--images $H/none" -- "$BIN/signdpu" run --model "$XM" --images "$H/none" --mode ref
  # A symlink loop: skipped with one warning line naming it, the images are read once.
  mkdir -p "$H/loop/a"; cp "$H/good/"img_* "$H/loop/a/"; ln -s .. "$H/loop/a/back"
  "${QUANT[@]}" --calib "$H/loop" --calib_iter 1 --calib_batch_size 4 --no-report-html --output_dir "$W/ql" \
    > /dev/null 2> "$W/loop.err"; rc=$?
  cat "$W/loop.err"
  check "[[ $rc -eq 0 ]]" "--calib with a symlink loop: exit 0"
  check "[[ \$(wc -l < '$W/loop.err') -eq 1 ]] && grep -q '^signdpu-quantize: warning: --calib .*a/back: skipped, a symlink back to a folder already read (loop)' '$W/loop.err'" \
    "one warning line naming the loop"
  check "[[ \$(json '$W/ql/report.json' 'd[\"calib_images\"]') -eq 4 ]]" "4 images, each read once"
  # Class folders: an unknown name, an image beside the class folders.
  mkdir -p "$H/cls/Trouser" "$H/cls/zebra"; cp "$H/good/img_00000.png" "$H/cls/Trouser/"; cp "$H/good/img_00001.bmp" "$H/cls/zebra/"
  expect_error "--eval unknown class folder" "zebra: folder name 'zebra' is not a class (expected a class name from --labels $LABELS or a class number 0..9)" -- \
    "${QUANT[@]}" --calib "$SAMPLE" --calib_iter 1 --eval "$H/cls" --output_dir "$W/qc"
  expect_error "run --images unknown class folder" "folder name 'zebra' is not a class" -- \
    "$BIN/signdpu" run --model "$XM" --images "$H/cls" --mode ref --quiet
  rm -rf "$H/cls/zebra"; cp "$H/good/img_00002.pgm" "$H/cls/"
  expect_error "--eval image beside class folders" "img_00002.pgm: an image beside the class folders" -- \
    "${QUANT[@]}" --calib "$SAMPLE" --calib_iter 1 --eval "$H/cls" --output_dir "$W/qc"
  ;;
quiet_logs)
  # The main job's two steps (scripts/run-default.sh) on the sample: no raw glog or OpenCV lines on stderr.
  "${QUANT[@]}" --calib "$SAMPLE" --calib_iter 6 --calib_batch_size 32 --eval "$SAMPLE" --output_dir "$W/q" \
    --name signcnn_fashion --sensitivity_images 50 > "$W/q.txt" 2> "$W/q.err"; rc1=$?
  "$BIN/signdpu" run --model "$W/q/signcnn_fashion.xmodel" --csv "$SAMPLE" --labels "$LABELS" --mode ref --threads 2 \
    --quiet --summary-json "$W/s.json" > "$W/run.txt" 2> "$W/run.err"; rc2=$?
  "$BIN/signdpu" run --model "$W/q/signcnn_fashion.xmodel" --images "$W/nonexistent" --mode ref > /dev/null 2> "$W/bad.err"
  "$BIN/signdpu" run --model "$W/q/signcnn_fashion.xmodel" --camera 57 --mode ref > /dev/null 2> "$W/cam.err"
  for f in q.err run.err bad.err cam.err; do echo "--- $f"; cat "$W/$f"; done
  check "[[ $rc1 -eq 0 && $rc2 -eq 0 ]]" "quantise and run: exit 0"
  for f in q.err run.err bad.err cam.err; do check "clean_log '$W/$f'" "$f: no glog (^[IWEF][yyyy]mmdd ) or OpenCV ([ WARN:) lines"; done
  check "[[ \$(grep -vc '^signdpu: ' '$W/run.err') -eq 0 ]]" "run: every stderr line is ours ('signdpu: ...')"
  check "[[ \$(grep -c ': error: ' '$W/cam.err') -eq 1 && \$(grep -vc '^signdpu: ' '$W/cam.err') -eq 0 ]] && grep -q '^signdpu: error: camera 57: cannot open' '$W/cam.err'" \
    "a missing camera: our one error line, nothing from OpenCV"
  ;;
version_help)
  for p in signdpu signdpu-quantize; do
    out=$("$BIN/$p" --version 2> "$W/$p.err"); rc=$?
    echo "$out"
    check "[[ $rc -eq 0 && ! -s '$W/$p.err' ]]" "$p --version: exit 0, nothing on stderr"
    check "[[ \$(printf '%s\n' \"\$out\" | head -1) =~ ^$p\ [0-9]+\.[0-9]+\.[0-9]+ ]]" "$p --version: program and project version first"
    check "[[ \"\$out\" =~ VART\ [0-9]+\.[0-9]+ && \"\$out\" =~ XIR\ [0-9]+\.[0-9]+ && \"\$out\" =~ target-factory\ [0-9] ]]" \
      "$p --version: VART, XIR and target-factory versions"
    if git -C "$SRC" rev-parse --git-dir > /dev/null 2>&1; then
      check "[[ \"\$out\" == *'(git '* ]]" "$p --version: git describe of the checkout"
    fi
  done
  # --help: every option that takes a value and is not required shows its default.
  # CLI11 help: an option line ("  --flag TYPE  text"), its text sometimes wrapped onto the next lines.
  # Prints the options that take a value, are not REQUIRED, are not one of a group's exclusive
  # choices (indented 4: --csv/--camera/..., of which exactly one is required) and name no default.
  no_default() {
    /usr/bin/python3 -c '
import re, sys
blocks = []
for line in sys.stdin.read().splitlines():
    if re.match(r"^ {2,4}-", line): blocks.append(line)
    elif blocks and re.match(r"^ {6,}\S", line) and not line.strip().startswith("-"): blocks[-1] += " " + line.strip()
for b in blocks:
    m = re.match(r"^( +)(-\S+) \S", b)  # one space after the name: a type (TEXT, INT, TARGET, [=N], ...)
    if m and len(m.group(1)) == 2 and "REQUIRED" not in b and "default" not in b.lower(): print(b)
'
  }
  for cmd in "signdpu run" "signdpu-quantize" "signdpu dump" "signdpu inspect"; do
    help=$($BIN/$cmd --help 2>&1); rc=$?
    missing=$(printf '%s\n' "$help" | no_default)
    check "[[ $rc -eq 0 && -z \"\$missing\" ]]" "$cmd --help: every optional value flag shows its default${missing:+; missing: $missing}"
  done
  help=$("$BIN/signdpu" run --help)
  for want in "default 2" "auto (default)" "centre (default)" "default 1000" "default 8"; do
    check "[[ \"\$help\" == *'$want'* ]]" "signdpu run --help shows '$want'"
  done
  help=$("$BIN/signdpu-quantize" --help)
  for want in "default 100" "default 32" "min-mse (default)" "default 8"; do
    check "[[ \"\$help\" == *'$want'* ]]" "signdpu-quantize --help shows '$want'"
  done
  ;;
*) echo "unknown case $CASE"; exit 2 ;;
esac
((fails)) && { echo "$fails check(s) failed"; exit 1; }
echo "all checks passed ($CASE)"
