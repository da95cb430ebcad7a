#!/usr/bin/env bash
# Hostile user text, options and outputs of `signdpu run` (issue 14, text
# half), end to end through the real programs. One group of cases per
# invocation (ctest runs each group separately):
#   hostile_text_e2e.sh GROUP BIN_DIR SOURCE_DIR WORK_DIR
# WORK_DIR is e2e.sh's folder: the model comes from its `quantize` case
# (ctest fixture quantized_model). Every refused input must end with an
# exit code in 1..127 (not a signal), exactly one "signdpu: error:" line
# naming the flag, file or row, and no stdout that pretends success (no
# summary, no FPS= line).
set -uo pipefail
GROUP="$1"; BIN="$2"; SRC="$3"; WORK="$4"
SAMPLE="$SRC/tests/data/fashion_sample.csv"
MODEL="${SIGNDPU_E2E_MODEL:-$SRC/models/signcnn_fashion.onnx}"
LABELS="$SRC/models/fashion.labels.txt"
XM="$WORK/q/signcnn_fashion.xmodel"
T="$WORK/hostile_text/$GROUP"
rm -rf "$T"; mkdir -p "$T"
export GLOG_minloglevel=${GLOG_minloglevel:-1}
[[ -s "$XM" ]] || { echo "FAIL: $XM missing (run the e2e_quantize fixture first)"; exit 1; }

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
json_ok() { /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8", errors="strict"))' "$1" 2>/dev/null; }
jsonl_ok() { /usr/bin/python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1], encoding="utf-8", errors="strict")]' "$1" 2>/dev/null; }

# refused NAME MESSAGE_SUBSTRING -- command...   (STDOUT_TO=/dev/full: stdout there)
refused() {
  local name="$1" msg="$2"; shift 3
  : > "$T/out"
  "$@" >"${STDOUT_TO:-$T/out}" 2>"$T/err"; local rc=$?
  local err; err="$(cat "$T/err")"
  if (( rc < 1 || rc > 127 )); then fail "$name: exit $rc (want 1..127, not a signal); stderr: $err"; return; fi
  local lines; lines=$(grep -c '^signdpu[-a-z]*: error:' "$T/err")
  if (( lines != 1 )); then fail "$name: $lines error lines, want 1: $err"; return; fi
  if ! grep '^signdpu[-a-z]*: error:' "$T/err" | grep -qF -- "$msg"; then fail "$name: error lacks '$msg': $err"; return; fi
  if grep -qE '^(summary:|FPS=)' "$T/out"; then fail "$name: stdout claims a result: $(head -3 "$T/out")"; return; fi
  ok "$name -> exit $rc: $(grep ': error:' "$T/err")"
}
RUN=("$BIN/signdpu" run --model "$XM" --mode ref)

make_media() {
  "$BIN/make_test_media" "$SAMPLE" "$T/media" 3 >/dev/null || fail "make_test_media"
}

case "$GROUP" in
numbers)
  make_media
  refused "negative --limit" "--limit '-5': out of range" -- "${RUN[@]}" --csv "$SAMPLE" --limit -5
  refused "zero --limit" "--limit '0': out of range" -- "${RUN[@]}" --csv "$SAMPLE" --limit 0
  refused "huge --limit" "--limit '99999999999999999999': out of range" -- "${RUN[@]}" --csv "$SAMPLE" --limit 99999999999999999999
  refused "huge --threads" "--threads '4294967297': out of range (expected 1 to 64)" -- "${RUN[@]}" --csv "$SAMPLE" --threads 4294967297
  refused "text --top-k" "--top-k 'two': not an integer" -- "${RUN[@]}" --csv "$SAMPLE" --top-k two
  refused "huge --emu-batch" "--emu-batch '2147483648': out of range" -- "${RUN[@]}" --csv "$SAMPLE" --emu-batch 2147483648
  refused "nan --bench" "--bench 'nan': not a number" -- "${RUN[@]}" --csv "$SAMPLE" --bench nan
  refused "negative --bench" "--bench '-1': out of range" -- "${RUN[@]}" --csv "$SAMPLE" --bench -1
  refused "huge --width" "--width '99999999999': out of range" -- "${RUN[@]}" --camera 0 --width 99999999999
  refused "inf --fps" "--fps 'inf': not a number" -- "${RUN[@]}" --camera 0 --fps inf
  refused "dump negative --limit" "--limit '-1': out of range" -- "$BIN/signdpu" dump --model "$XM" --csv "$SAMPLE" --out "$T/d" --limit -1
  # x + w overflows int: must be refused as outside the frame, with the given values.
  refused "--roi x+w overflow" "ROI 2147483647,0,2147483647,10 lies outside the 160x112 frame" -- \
    "${RUN[@]}" --images "$T/media/images" --roi 2147483647,0,2147483647,10
  refused "--roi y+h overflow" "ROI 10,10,2147483647,2147483647 lies outside" -- \
    "${RUN[@]}" --images "$T/media/images" --roi 10,10,2147483647,2147483647
  refused "--roi field beyond int" "--roi W '99999999999': out of range" -- \
    "${RUN[@]}" --images "$T/media/images" --roi 1,1,99999999999,5
  refused "--roi with a CSV" "--roi 0,0,5,5: CSV rows are already model-sized" -- "${RUN[@]}" --csv "$SAMPLE" --roi 0,0,5,5
  ;;
empty_flags)
  refused "--csv ''" "--csv: empty value" -- "${RUN[@]}" --csv ""
  refused "--images ''" "--images: empty value" -- "${RUN[@]}" --images ""
  refused "--video ''" "--video: empty value" -- "${RUN[@]}" --video ""
  refused "--labels ''" "--labels: empty value" -- "${RUN[@]}" --csv "$SAMPLE" --labels ""
  refused "--model ''" "--model: empty value" -- "$BIN/signdpu" run --model "" --csv "$SAMPLE"
  refused "--summary-json ''" "--summary-json: empty value" -- "${RUN[@]}" --csv "$SAMPLE" --summary-json ""
  refused "--record ''" "--record: empty value" -- "${RUN[@]}" --csv "$SAMPLE" --record ""
  refused "--roi ''" "--roi: empty value" -- "${RUN[@]}" --csv "$SAMPLE" --roi ""
  ;;
utf8)
  # Latin-1 bytes in an image name, a labels file, a CSV path, a model path.
  make_media
  mkdir -p "$T/lat"
  cp "$(ls "$T"/media/images/*.png | head -1)" "$T/lat/$(printf 'caf\xe9.png')"
  cp "$(ls "$T"/media/images/*.png | sed -n 2p)" "$T/lat/$(printf 'x\nFPS=99999.png')"
  { head -9 "$LABELS"; printf 'Ankle b\xf6ot\n'; } > "$T/latin1.labels"
  "${RUN[@]}" --images "$T/lat" --labels "$T/latin1.labels" --json --summary-json "$T/s.json" >"$T/run.jsonl" 2>"$T/err"
  rc=$?
  [[ $rc -eq 0 ]] && ok "--json with Latin-1 names exits 0" || fail "--json with Latin-1 names: exit $rc: $(cat "$T/err")"
  [[ $(wc -l < "$T/run.jsonl") -eq 2 ]] && ok "two JSON lines" || fail "want 2 JSON lines: $(cat "$T/run.jsonl")"
  jsonl_ok "$T/run.jsonl" && ok "--json lines are valid UTF-8 JSON" || fail "--json output is not valid UTF-8 JSON"
  json_ok "$T/s.json" && ok "--summary-json is valid UTF-8 JSON" || fail "--summary-json invalid"
  "${RUN[@]}" --images "$T/lat" --labels "$T/latin1.labels" >"$T/run.txt" 2>"$T/err"
  [[ $? -eq 0 ]] && ok "text output exits 0" || fail "text output: $(cat "$T/err")"
  [[ $(grep -c '^FPS=' "$T/run.txt") -eq 1 ]] && ok "a file name cannot forge an FPS= line" || fail "FPS= lines: $(grep -c '^FPS=' "$T/run.txt")"
  grep -qF 'x\nFPS=99999.png' "$T/run.txt" && ok "the newline in the name is shown escaped" || fail "escaped name missing"
  # Quantiser report.json and dump sidecars with a Latin-1 model / CSV path.
  cp "$MODEL" "$T/$(printf 'm\xe9.onnx')"
  cp "$SAMPLE" "$T/$(printf 's\xe9.csv')"
  "$BIN/signdpu-quantize" --model "$T/$(printf 'm\xe9.onnx')" --calib "$T/$(printf 's\xe9.csv')" --calib_iter 1 \
    --calib_batch_size 8 --tune_images 0 --name m1 --output_dir "$T/q" --no-progress >/dev/null 2>"$T/err"
  rc=$?
  [[ $rc -eq 0 ]] && ok "signdpu-quantize with a Latin-1 model path exits 0" || fail "quantize: exit $rc: $(cat "$T/err")"
  json_ok "$T/q/report.json" && ok "report.json is valid UTF-8 JSON" || fail "report.json invalid"
  "$BIN/signdpu" dump --model "$XM" --csv "$T/$(printf 's\xe9.csv')" --limit 4 --mode ref --out "$T/dump" >/dev/null 2>"$T/err"
  rc=$?
  [[ $rc -eq 0 ]] && ok "dump with a Latin-1 CSV path exits 0" || fail "dump: exit $rc: $(cat "$T/err")"
  n=0; for j in "$T"/dump/*.json; do json_ok "$j" || fail "dump sidecar $j invalid"; n=$((n + 1)); done
  (( n > 0 )) && ok "$n dump sidecars are valid UTF-8 JSON" || fail "no dump sidecars"
  ;;
labels)
  head -3 "$LABELS" > "$T/three.labels"
  refused "run: 3 labels for 10 classes" "--labels $T/three.labels: 3 labels for a model with 10 classes" -- \
    "${RUN[@]}" --csv "$SAMPLE" --labels "$T/three.labels"
  { cat "$LABELS"; echo "Extra"; } > "$T/eleven.labels"
  refused "run: 11 labels for 10 classes" "11 labels for a model with 10 classes" -- \
    "${RUN[@]}" --csv "$SAMPLE" --labels "$T/eleven.labels"
  { head -4 "$LABELS"; printf 'Coat\rFPS=99999\n'; tail -5 "$LABELS"; } > "$T/cr.labels"
  refused "run: CR in a label" "--labels $T/cr.labels: line 5: control character 0x0d" -- \
    "${RUN[@]}" --csv "$SAMPLE" --labels "$T/cr.labels"
  { head -4 "$LABELS"; printf 'Coat\033[2J\n'; tail -5 "$LABELS"; } > "$T/esc.labels"
  refused "run: ESC in a label" "control character 0x1b" -- "${RUN[@]}" --csv "$SAMPLE" --labels "$T/esc.labels"
  refused "run: labels from /dev/zero" "--labels" -- timeout 20 "${RUN[@]}" --csv "$SAMPLE" --labels /dev/zero
  refused "quantize: 3 labels for 10 classes" "3 labels for a model with 10 classes" -- \
    "$BIN/signdpu-quantize" --model "$MODEL" --calib "$SAMPLE" --calib_iter 1 --calib_batch_size 8 --tune_images 0 \
    --labels "$T/three.labels" --output_dir "$T/q" --no-progress
  refused "quantize: CR in a label" "line 5: control character 0x0d" -- \
    "$BIN/signdpu-quantize" --model "$MODEL" --calib "$SAMPLE" --calib_iter 1 --labels "$T/cr.labels" --output_dir "$T/q" --no-progress
  [[ ! -e "$T/q/m1.xmodel" && -z "$(ls "$T/q" 2>/dev/null | grep -v '^\.')" ]] && ok "quantize left no outputs" || fail "quantize left $(ls "$T/q")"
  # Ground-truth labels the model cannot predict (10 classes: 0..9).
  { head -3 "$SAMPLE"; sed -n 4p "$SAMPLE" | sed 's/^[0-9]*,/12,/'; } > "$T/label12.csv"
  refused "CSV label out of range" "label12.csv:4: label 12 is out of range for the model's 10 classes" -- \
    "${RUN[@]}" --csv "$T/label12.csv"
  refused "CSV label out of range under --skip-bad" "label 12 is out of range" -- \
    "${RUN[@]}" --csv "$T/label12.csv" --skip-bad
  refused "quantize --eval label out of range" "label12.csv:4: label 12 is out of range for the model's 10 classes (0..9)" -- \
    "$BIN/signdpu-quantize" --model "$MODEL" --calib "$SAMPLE" --calib_iter 1 --calib_batch_size 8 --tune_images 0 \
    --eval "$T/label12.csv" --output_dir "$T/q" --no-progress
  ;;
no_frames)
  head -1 "$SAMPLE" > "$T/header_only.csv"
  refused "header-only CSV" "no frames from CSV $T/header_only.csv" -- "${RUN[@]}" --csv "$T/header_only.csv"
  { head -1 "$SAMPLE"; echo "1,2,3"; echo "x,y"; } > "$T/all_bad.csv"
  refused "every row bad under --skip-bad" "all 2 inputs were bad and skipped (first: " -- \
    "${RUN[@]}" --csv "$T/all_bad.csv" --skip-bad
  make_media
  mkdir -p "$T/bad_images" "$T/empty_images" "$T/one_cut"
  printf 'not an image' > "$T/bad_images/a.png"
  head -c 300 "$(ls "$T"/media/images/*.png | head -1)" > "$T/bad_images/b.png"
  refused "every image bad under --skip-bad" "no frames from images $T/bad_images" -- \
    "${RUN[@]}" --images "$T/bad_images" --skip-bad
  refused "empty image folder" "no image files" -- "${RUN[@]}" --images "$T/empty_images"
  # A truncated image is bad (strict: an error naming it; --skip-bad: counted).
  cp "$T"/media/images/*.png "$T/one_cut/"
  f="$(ls "$T"/one_cut/*.png | head -1)"; head -c $(( $(stat -c %s "$f") - 30 )) "$f" > "$T/cut.tmp" && mv "$T/cut.tmp" "$f"
  refused "truncated PNG" "$(basename "$f"): truncated PNG" -- "${RUN[@]}" --images "$T/one_cut"
  "${RUN[@]}" --images "$T/one_cut" --skip-bad --quiet --summary-json "$T/s.json" >/dev/null 2>&1
  rc=$?
  got=$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["frames"], d["skipped"])' "$T/s.json" 2>/dev/null)
  [[ $rc -eq 0 && "$got" == "2 1" ]] && ok "--skip-bad: truncated PNG counted as skipped (frames skipped = $got)" \
    || fail "--skip-bad with one truncated PNG: exit $rc, frames skipped = '$got', want '2 1'"
  ;;
writes)
  make_media
  STDOUT_TO=/dev/full refused "per-frame text to /dev/full" "writing to standard output failed: No space left on device" -- \
    "${RUN[@]}" --csv "$SAMPLE"
  STDOUT_TO=/dev/full refused "--json lines to /dev/full" "writing to standard output failed" -- \
    "${RUN[@]}" --csv "$SAMPLE" --json
  STDOUT_TO=/dev/full refused "summary only (--quiet) to /dev/full" "writing to standard output failed" -- \
    "${RUN[@]}" --csv "$SAMPLE" --quiet --limit 3
  STDOUT_TO=/dev/full refused "inspect to /dev/full" "writing to standard output failed" -- "$BIN/signdpu" inspect "$XM"
  # A reader that goes away (`| head -1`): SIGPIPE is ignored, the failed
  # write is one error line and exit 1, never death by signal 13.
  mkfifo "$T/pipe"
  head -c 1 "$T/pipe" > /dev/null &
  STDOUT_TO="$T/pipe" refused "--json into a pipe whose reader exits" "writing to standard output failed: Broken pipe" -- \
    "${RUN[@]}" --csv "$SAMPLE" --json
  wait
  refused "--summary-json in a missing folder" "--summary-json $T/no/such/s.json: folder $T/no/such does not exist" -- \
    "${RUN[@]}" --csv "$SAMPLE" --quiet --summary-json "$T/no/such/s.json"
  refused "--summary-json is a directory" "--summary-json $T: is a directory" -- \
    "${RUN[@]}" --csv "$SAMPLE" --quiet --summary-json "$T"
  # A FIFO (any non-regular file): refused before the run, never replaced
  # by the atomic rename (as root that once replaced /dev/full itself).
  mkfifo "$T/s.fifo"
  refused "--summary-json onto a FIFO" "--summary-json $T/s.fifo: exists and is not a regular file" -- \
    "${RUN[@]}" --csv "$SAMPLE" --quiet --limit 3 --summary-json "$T/s.fifo"
  [[ -p "$T/s.fifo" ]] && ok "the FIFO is still a FIFO" || fail "the FIFO was replaced"
  if [[ $(id -u) -ne 0 ]]; then
    mkdir -p "$T/ro" && chmod 555 "$T/ro"
    refused "--summary-json in a read-only folder" "is not writable" -- \
      "${RUN[@]}" --csv "$SAMPLE" --quiet --summary-json "$T/ro/s.json"
  else
    echo "skip: read-only folder case (root ignores permissions)"
  fi
  refused "--record with a CSV" "--record $T/r.avi: a CSV source has no images to record" -- \
    "${RUN[@]}" --csv "$SAMPLE" --record "$T/r.avi"
  refused "--record in a missing folder" "--record $T/no/r.avi: folder $T/no does not exist" -- \
    "${RUN[@]}" --images "$T/media/images" --record "$T/no/r.avi"
  refused "--record with an unknown file type" "--record $T/r.weird: cannot open a video writer" -- \
    "${RUN[@]}" --images "$T/media/images" --record "$T/r.weird"
  [[ ! -e "$T/r.weird" ]] && ok "the failed --record probe left no file" || fail "$T/r.weird left behind"
  # A full disk, simulated with RLIMIT_FSIZE (writes past the limit fail
  # with EFBIG once SIGXFSZ is ignored; the limit applies to regular files).
  full_disk() { local limit="$1"; shift; bash -c 'trap "" XFSZ; exec prlimit --fsize="$0" "$@"' "$limit" "$@"; }
  refused "--summary-json on a full disk" "--summary-json: cannot write '$T/s.json': File too large" -- \
    full_disk 300 "${RUN[@]}" --images "$T/media/images" --quiet --summary-json "$T/s.json"
  [[ -z "$(ls "$T" | grep '^s\.json')" ]] && ok "no partial summary file left" || fail "left $(ls "$T" | grep '^s\.json')"
  refused "--record on a full disk" "--record $T/full.avi: the recorded video is incomplete (3 frames written" -- \
    full_disk 5000 "${RUN[@]}" --images "$T/media/images" --quiet --record "$T/full.avi"
  ;;
display)
  make_media
  refused "--display without a display" "--display: no display" -- \
    env -u DISPLAY -u WAYLAND_DISPLAY "${RUN[@]}" --images "$T/media/images" --display
  refused "--display with a dead display" "--display: the GUI back end cannot open a window" -- \
    env -u WAYLAND_DISPLAY DISPLAY=:97 "${RUN[@]}" --images "$T/media/images" --display
  refused "--display with a CSV" "--display: a CSV source has no images" -- "${RUN[@]}" --csv "$SAMPLE" --display
  # GStreamer pipeline text is opened in a probe process first; odd
  # pipelines end with "cannot open", never with a signal.
  refused "--video unknown element" "video foo ! bar: cannot open" -- timeout 120 "${RUN[@]}" --video "foo ! bar"
  refused "--video syntax error" "video !!: cannot open" -- timeout 120 "${RUN[@]}" --video "!!"
  refused "--video /dev/zero into decodebin" "cannot open" -- \
    timeout 120 "${RUN[@]}" --video "filesrc location=/dev/zero ! decodebin ! appsink"
  refused "--video Latin-1 pipeline" "cannot open" -- timeout 120 "${RUN[@]}" --video "$(printf 'a\xff ! b')"
  refused "--camera index beyond int" "--camera '99999999999999999999': out of range (expected 0 to 1023)" -- \
    "${RUN[@]}" --camera 99999999999999999999
  ;;
*) echo "unknown group $GROUP"; exit 2 ;;
esac
echo "$GROUP: $fails failure(s)"
[[ $fails -eq 0 ]]
