#!/usr/bin/env bash
# End-to-end tests of signdpu-quantize and signdpu through real libvart and
# our emulator plugin. One case per invocation (ctest runs each separately):
#   e2e.sh CASE BIN_DIR SOURCE_DIR WORK_DIR
set -uo pipefail
CASE="$1"; BIN="$2"; SRC="$3"; WORK="$4"
SAMPLE="$SRC/tests/data/fashion_sample.csv"
MODEL="${SIGNDPU_E2E_MODEL:-$SRC/models/signcnn_fashion.onnx}"
LABELS="$SRC/models/fashion.labels.txt"
Q="$WORK/q"
XM="$Q/signcnn_fashion.xmodel"
mkdir -p "$WORK"
export GLOG_minloglevel=${GLOG_minloglevel:-1}

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { if eval "$1"; then echo "ok: $2"; else fail "$2 ($1)"; fi; }
# expect_error NAME EXPECTED_RC MESSAGE_SUBSTRING -- command...
expect_error() {
  local name="$1" want_rc="$2" msg="$3"; shift 4
  local out rc
  out="$("$@" 2>&1 >/dev/null)"; rc=$?
  if [[ $rc -ne $want_rc ]]; then fail "$name: exit $rc, expected $want_rc; stderr: $out"; return; fi
  if [[ "$out" != *"$msg"* ]]; then fail "$name: stderr lacks '$msg': $out"; return; fi
  local lines; lines=$(printf '%s\n' "$out" | grep -c '^signdpu[-a-z]*: error:')
  if [[ $lines -ne 1 ]]; then fail "$name: expected one error line, got $lines: $out"; return; fi
  echo "ok: $name -> exit $rc: $(printf '%s\n' "$out" | grep ': error:')"
}
json() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

case "$CASE" in
quantize)
  rm -rf "$Q"
  "$BIN/signdpu-quantize" --model "$MODEL" --calib "$SAMPLE" --calib_iter 6 --calib_batch_size 32 \
    --eval "$SAMPLE" --labels "$LABELS" --output_dir "$Q" --name signcnn_fashion --no-progress > "$WORK/quantize.txt"
  rc=$?
  cat "$WORK/quantize.txt"
  check "[[ $rc -eq 0 ]]" "signdpu-quantize exits 0"
  for f in signcnn_fashion_int.xmodel signcnn_fashion.xmodel report.json; do check "[[ -s '$Q/$f' ]]" "wrote $f"; done
  for k in float_accuracy int8_accuracy top1_agreement eval_images calib_images calib_seconds layers; do
    check "json '$Q/report.json' '\"$k\" in d' | grep -q True" "report has $k"
  done
  check "[[ \$(json '$Q/report.json' 'd[\"calib_images\"]') -eq 192 ]]" "192 calibration images (6 x 32)"
  check "[[ \$(json '$Q/report.json' 'd[\"eval_images\"]') -eq 200 ]]" "200 evaluation images"
  check "json '$Q/report.json' 'all(k in l for l in d[\"layers\"] for k in (\"name\",\"op\",\"fix_point_input\",\"fix_point_weights\",\"fix_point_bias\",\"fix_point_output\",\"shift_cut\",\"shift_bias\",\"sqnr_db\"))' | grep -q True" "every layer has fix points, shifts, SQNR"
  check "json '$Q/report.json' 'd[\"int8_accuracy\"] >= d[\"float_accuracy\"] - 0.03' | grep -q True" "int8 accuracy within 3 points of float on 200 rows"
  check "grep -q 'accuracy on 200 images' '$WORK/quantize.txt'" "human summary printed"
  ;;
second_cnn)
  # A different CNN (valid padding, 3 convs, strided conv, 3x3 max pool, dense, softmax).
  Q2="$WORK/q2"; rm -rf "$Q2"
  "$BIN/signdpu-quantize" --model "$SRC/tests/data/onnx/second_cnn.onnx" --calib "$SAMPLE" --calib_iter 6 \
    --eval "$SAMPLE" --output_dir "$Q2" --no-progress > "$WORK/q2.txt"; rc=$?
  cat "$WORK/q2.txt"
  check "[[ $rc -eq 0 ]]" "second CNN quantises"
  check "json '$Q2/report.json' 'len(d[\"layers\"]) == 6 and d[\"top1_agreement\"] >= 0.9' | grep -q True" "6 DPU layers, top-1 agreement >= 0.9"
  "$BIN/signdpu" run --model "$Q2/second_cnn.xmodel" --csv "$SAMPLE" --mode ref --quiet --summary-json "$WORK/s2.json" >/dev/null 2>&1
  want=$(json "$Q2/report.json" 'd["int8_accuracy"]'); got=$(json "$WORK/s2.json" 'd["accuracy"]')
  check "[[ '$want' == '$got' ]]" "run accuracy ($got) equals the report's int8 accuracy ($want)"
  ;;
run_csv)
  "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --threads 2 --quiet --summary-json "$WORK/s.json" > "$WORK/run.txt" 2> "$WORK/run.err"
  rc=$?
  cat "$WORK/run.txt" "$WORK/run.err"
  check "[[ $rc -eq 0 ]]" "signdpu run exits 0"
  check "[[ \$(json '$WORK/s.json' 'd[\"frames\"]') -eq 200 ]]" "200 frames"
  want=$(json "$Q/report.json" 'd["int8_accuracy"]')
  got=$(json "$WORK/s.json" 'd["accuracy"]')
  check "[[ '$want' == '$got' ]]" "run accuracy ($got) equals the quantiser's int8 accuracy ($want) on the same rows"
  for k in fps_e2e fps_dpu; do check "json '$WORK/s.json' 'd[\"$k\"] > 0' | grep -q True" "summary $k > 0"; done
  check "json '$WORK/s.json' 'all(k in d[\"latency_us\"] for k in (\"mean\",\"p50\",\"p99\"))' | grep -q True" "latency mean/p50/p99"
  check "grep -q '^FPS=' '$WORK/run.txt'" "Vitis-style FPS= line"
  check "grep -q 'confusion matrix' '$WORK/run.txt'" "confusion matrix printed"
  check "grep -q 'T-shirt/top' '$WORK/run.txt'" "label names used"
  # One thread gives the same classifications as two.
  "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --threads 1 --json > "$WORK/t1.jsonl" 2>/dev/null
  "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --threads 2 --json > "$WORK/t2.jsonl" 2>/dev/null
  check "[[ \$(wc -l < '$WORK/t1.jsonl') -eq 200 ]]" "--json: one line per frame"
  check "/usr/bin/python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' '$WORK/t1.jsonl'" "--json lines parse"
  check "diff <(cut -d, -f1-5 '$WORK/t1.jsonl') <(cut -d, -f1-5 '$WORK/t2.jsonl') >/dev/null" "threads 1 and 2 give identical per-frame classes, in order"
  "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --limit 17 --quiet --summary-json "$WORK/l.json" >/dev/null 2>&1
  check "[[ \$(json '$WORK/l.json' 'd[\"frames\"]') -eq 17 ]]" "--limit 17"
  ;;
media)
  "$BIN/make_test_media" "$SAMPLE" "$WORK/media" 40 || fail "make_test_media"
  "$BIN/signdpu" run --model "$XM" --images "$WORK/media/images" --mode ref --quiet --summary-json "$WORK/img.json" >/dev/null 2>&1
  check "[[ \$(json '$WORK/img.json' 'd[\"frames\"]') -eq 40 ]]" "--images: 40 frames"
  "$BIN/signdpu" run --model "$XM" --video "$WORK/media/frames.avi" --mode ref --quiet --summary-json "$WORK/vid.json" >/dev/null 2>&1
  check "[[ \$(json '$WORK/vid.json' 'd[\"frames\"]') -eq 40 ]]" "--video: 40 frames"
  # The image path (centre ROI of a 160x112 frame, INTER_AREA 4x down) recovers the CSV classes.
  "$BIN/signdpu" run --model "$XM" --images "$WORK/media/images" --mode ref --json 2>/dev/null > "$WORK/img.jsonl"
  "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --limit 40 --mode ref --json 2>/dev/null > "$WORK/csv40.jsonl"
  same=$(/usr/bin/python3 -c "import json,sys; a=[json.loads(l)['class'] for l in open(sys.argv[1])]; b=[json.loads(l)['class'] for l in open(sys.argv[2])]; print(sum(x==y for x,y in zip(a,b)))" "$WORK/img.jsonl" "$WORK/csv40.jsonl")
  check "[[ $same -eq 40 ]]" "image frames classified like their CSV rows ($same/40)"
  "$BIN/signdpu" run --model "$XM" --video "$WORK/media/frames.avi" --mode ref --quiet --record "$WORK/rec.avi" >/dev/null 2>&1
  check "[[ -s '$WORK/rec.avi' ]]" "--record writes an annotated video"
  ;;
signal)
  "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --bench 60 --quiet --summary-json "$WORK/sig.json" > "$WORK/sig.txt" 2>&1 &
  pid=$!
  sleep 2
  kill -INT $pid
  wait $pid; rc=$?
  check "[[ $rc -eq 0 ]]" "SIGINT: exit 0 (got $rc)"
  check "grep -q '(interrupted)' '$WORK/sig.txt'" "SIGINT: final summary printed"
  check "json '$WORK/sig.json' 'd[\"interrupted\"] and d[\"frames\"] > 0' | grep -q True" "SIGINT: summary JSON written"
  "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --bench 60 --quiet > "$WORK/term.txt" 2>&1 &
  pid=$!
  sleep 2
  kill -TERM $pid
  wait $pid; rc=$?
  check "[[ $rc -eq 0 ]]" "SIGTERM: exit 0 (got $rc)"
  check "grep -q '^FPS=' '$WORK/term.txt'" "SIGTERM: final summary printed"
  ;;
bad_input)
  head -c 5000 "$XM" > "$WORK/truncated.xmodel"
  head -c 100000 /dev/urandom > "$WORK/random.xmodel"
  printf 'label,pixel1\n1,2\n' > "$WORK/two_cols.csv"
  { head -n 3 "$SAMPLE"; echo "3,abc$(printf ',0%.0s' $(seq 1 783))"; } > "$WORK/bad_cell.csv"
  expect_error "missing CSV" 1 "no/such.csv" -- "$BIN/signdpu" run --model "$XM" --csv "$WORK/no/such.csv" --mode ref
  expect_error "wrong column count" 1 "two_cols.csv:1: 2 columns" -- "$BIN/signdpu" run --model "$XM" --csv "$WORK/two_cols.csv" --mode ref
  expect_error "non-numeric cell" 1 "bad_cell.csv:4: column 2 (pixel1): 'abc'" -- "$BIN/signdpu" run --model "$XM" --csv "$WORK/bad_cell.csv" --mode ref --quiet
  out=$("$BIN/signdpu" run --model "$XM" --csv "$WORK/bad_cell.csv" --mode ref --quiet --skip-bad 2>/dev/null); rc=$?
  check "[[ $rc -eq 0 ]] && grep -q 'skipped bad inputs: 1' <<< \"\$out\"" "--skip-bad continues and counts"
  expect_error "truncated xmodel" 1 "truncated.xmodel" -- "$BIN/signdpu" run --model "$WORK/truncated.xmodel" --csv "$SAMPLE" --mode ref
  expect_error "random xmodel" 1 "random.xmodel" -- "$BIN/signdpu" run --model "$WORK/random.xmodel" --csv "$SAMPLE" --mode ref
  expect_error "xmodel without DPU subgraph" 1 "no DPU subgraph" -- "$BIN/signdpu" run --model "$Q/signcnn_fashion_int.xmodel" --csv "$SAMPLE" --mode ref
  expect_error "missing camera" 1 "/dev/video99" -- "$BIN/signdpu" run --model "$XM" --camera /dev/video99 --mode ref
  expect_error "mode run without a DPU" 1 "mode run" -- "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode run
  expect_error "bad mode" 1 "--mode 'fast'" -- "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode fast
  expect_error "bad roi" 1 "--roi" -- "$BIN/signdpu" run --model "$XM" --images "$WORK" --roi 1,2 --mode ref
  out=$("$BIN/signdpu" run --model "$XM" 2>&1); rc=$?
  check "[[ $rc -eq 2 ]]" "missing source: usage error exit 2"
  # Quantiser bad input: nothing left behind.
  expect_error "quantize: bad calibration cell" 1 "bad_cell.csv:4: column 2" -- "$BIN/signdpu-quantize" --model "$MODEL" --calib "$WORK/bad_cell.csv" --output_dir "$WORK/qbad" --no-progress
  check "[[ -z \"\$(ls -A '$WORK/qbad' 2>/dev/null)\" ]]" "quantize: no partial output files"
  printf 'not an onnx model' > "$WORK/bad.onnx"
  expect_error "quantize: corrupt ONNX" 1 "bad.onnx" -- "$BIN/signdpu-quantize" --model "$WORK/bad.onnx" --calib "$SAMPLE" --output_dir "$WORK/qbad2" --no-progress
  : > "$WORK/empty.csv"
  expect_error "quantize: empty calibration set" 1 "empty.csv" -- "$BIN/signdpu-quantize" --model "$MODEL" --calib "$WORK/empty.csv" --output_dir "$WORK/qbad3" --no-progress
  ;;
inspect_dump)
  "$BIN/signdpu" inspect "$XM" > "$WORK/inspect.txt"; rc=$?
  cat "$WORK/inspect.txt"
  check "[[ $rc -eq 0 ]]" "inspect exits 0"
  check "grep -q 'device DPU' '$WORK/inspect.txt' && grep -q 'dpu_fingerprint 0x' '$WORK/inspect.txt'" "inspect: DPU device and fingerprint"
  check "grep -q 'fix_point' '$WORK/inspect.txt'" "inspect: tensor fix points"
  rm -rf "$WORK/dumpA" "$WORK/dumpB" "$WORK/xdump"  # a rerun must not compare stale dumps
  "$BIN/signdpu" dump --model "$XM" --csv "$SAMPLE" --limit 20 --mode ref --out "$WORK/dumpA" >/dev/null 2>&1 || fail "dump A"
  SIGNDPU_REFERENCE_KERNELS=1 "$BIN/signdpu" dump --model "$XM" --csv "$SAMPLE" --limit 20 --mode ref --out "$WORK/dumpB" >/dev/null 2>&1 || fail "dump B"
  "$BIN/signdpu" compare "$WORK/dumpA" "$WORK/dumpB" > "$WORK/cmp.txt"; rc=$?
  cat "$WORK/cmp.txt"
  check "[[ $rc -eq 0 ]]" "compare: optimised vs reference kernels identical"
  f=$(ls "$WORK/dumpB"/*.bin | head -1)
  printf '\x7f' | dd of="$f" bs=1 seek=5 conv=notrunc 2>/dev/null
  "$BIN/signdpu" compare "$WORK/dumpA" "$WORK/dumpB" > "$WORK/cmp2.txt" 2>&1; rc=$?
  cat "$WORK/cmp2.txt"
  check "[[ $rc -ne 0 ]] && grep -q 'first at \[0,' '$WORK/cmp2.txt'" "compare: a flipped byte is found and located"
  XIL="$SRC/tests/data/xmodels/zcu104_mnist_custom_op.xmodel"
  if [[ -f "$XIL" ]]; then
    "$BIN/signdpu" inspect "$XIL" > "$WORK/xil.txt" || fail "inspect Xilinx fixture"
    check "grep -q 'DPUCZDX8G' '$WORK/xil.txt'" "inspect Xilinx-compiled xmodel: DPU name"
    head -c 784 /dev/urandom > "$WORK/in.bin"
    "$BIN/signdpu" dump --model "$XIL" --input-raw "$WORK/in.bin" --mode ref --out "$WORK/xdump" > "$WORK/xdump.txt" 2>&1; rc=$?
    cat "$WORK/xdump.txt"
    check "[[ $rc -eq 0 ]] && [[ \$(ls '$WORK/xdump'/*.bin | wc -l) -ge 2 ]]" "dump of both DPU subgraphs of the Xilinx-compiled xmodel"
  fi
  ;;
notify)
  # The app's sd_notify datagrams, received on a fake NOTIFY_SOCKET (what
  # systemd does for Type=notify): READY=1, WATCHDOG=1 (rate-limited to
  # WATCHDOG_USEC/2), STATUS=<fps>, STOPPING=1 last.
  SOCKDIR=$(mktemp -d /tmp/signdpu-notify.XXXXXX)  # sun_path is 108 bytes: keep it short
  trap 'rm -rf "$SOCKDIR"' EXIT
  SOCK="$SOCKDIR/notify.sock"
  lpid=
  listen() {  # listen LOGFILE: binds $SOCK, one datagram per line (newlines shown as '\n')
    rm -f "$SOCK" "$1" "$1.bound"
    /usr/bin/python3 -c '
import socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(240)
open(out + ".bound", "w").close()
with open(out, "w") as f:
    while True:
        try:
            d = s.recv(4096)
        except socket.timeout:
            break
        f.write(d.decode("utf-8", "replace").replace("\n", "\\n") + "\n")
        f.flush()
        if d == b"STOPPING=1":
            s.settimeout(1)  # collect anything sent after STOPPING=1, then quit
' "$SOCK" "$1" &
    lpid=$!
    for _ in $(seq 100); do [[ -e "$1.bound" ]] && return 0; sleep 0.1; done
    fail "notify listener did not bind $SOCK"
  }
  # unlisten [SECONDS]: wait (default 20 s) for the listener to quit after STOPPING=1, then stop it.
  unlisten() {
    for _ in $(seq $((${1:-20} * 10))); do kill -0 "$lpid" 2>/dev/null || break; sleep 0.1; done
    kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null; lpid=
  }
  count() { grep -c -x -- "$2" "$1"; }
  # A STATUS line as the frame loop writes it ("12.3 fps, 4567 frames") with FPS > 0.
  fps_status() { grep -Ex 'STATUS=[0-9]+(\.[0-9]+)? fps, [0-9]+ frames?' "$1" | awk -F'[= ]' '$2 + 0 > 0 { ok = 1 } END { exit !ok }'; }
  # check_messages LOG NAME: the protocol as a service manager sees it.
  check_messages() {
    local log="$1" name="$2"
    echo "--- $name: $(wc -l < "$log") datagrams: $(sort "$log" | uniq -c | sort -rn | head -n 6 | sed 's/^ *//' | paste -sd';')"
    check "[[ \$(count '$log' 'READY=1') -eq 1 && \$(head -n1 '$log') == READY=1 ]]" "$name: READY=1 once, first"
    check "[[ \$(count '$log' 'STOPPING=1') -eq 1 && \$(tail -n1 '$log') == STOPPING=1 ]]" "$name: STOPPING=1 once, last"
    check "fps_status '$log'" "$name: STATUS=<fps> fps, <n> frames with FPS > 0"
    check "! grep -Evx 'READY=1|STOPPING=1|WATCHDOG=1|STATUS=.*' '$log'" "$name: nothing but READY/WATCHDOG/STATUS/STOPPING"
  }

  # 1. A normal 3 s run. WATCHDOG_PID names the app itself, as systemd sets it
  #    for the main process: exec keeps the subshell's pid.
  listen "$WORK/notify1.log"
  t0=$(date +%s%N)
  (NOTIFY_SOCKET="$SOCK" WATCHDOG_USEC=200000 WATCHDOG_PID=$BASHPID \
     exec "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --bench 3 --quiet > "$WORK/notify1.txt" 2>&1)
  rc=$?
  ms=$((($(date +%s%N) - t0) / 1000000))
  unlisten
  check "[[ $rc -eq 0 ]]" "run with NOTIFY_SOCKET: exit 0 (got $rc)"
  check_messages "$WORK/notify1.log" "3 s run"
  wd=$(count "$WORK/notify1.log" 'WATCHDOG=1')
  check "[[ $wd -ge 1 ]]" "3 s run: WATCHDOG=1 sent ($wd times)"
  # Rate limit WATCHDOG_USEC/2 = 100 ms: at most one ping per 100 ms of run time (+1 for the first).
  check "[[ $wd -le $((ms / 100 + 1)) ]]" "3 s run: watchdog rate limit ($wd pings in $ms ms)"
  check "[[ \$(grep -c '^STATUS=' '$WORK/notify1.log') -ge 2 ]]" "3 s run: STATUS about once a second"

  # 2. WATCHDOG_PID naming another process: no WATCHDOG=1, the rest unchanged.
  listen "$WORK/notify2.log"
  NOTIFY_SOCKET="$SOCK" WATCHDOG_USEC=200000 WATCHDOG_PID=1 \
    "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --bench 2 --quiet > "$WORK/notify2.txt" 2>&1
  rc=$?
  unlisten
  check "[[ $rc -eq 0 ]]" "WATCHDOG_PID of another process: exit 0 (got $rc)"
  check_messages "$WORK/notify2.log" "WATCHDOG_PID=1"
  check "[[ \$(count '$WORK/notify2.log' 'WATCHDOG=1') -eq 0 ]]" "WATCHDOG_PID=1: no watchdog pings"

  # 3. SIGTERM (systemctl stop) during a long run; WATCHDOG_PID unset (means: for us).
  listen "$WORK/notify3.log"
  NOTIFY_SOCKET="$SOCK" WATCHDOG_USEC=200000 \
    "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --bench 120 --quiet > "$WORK/notify3.txt" 2>&1 &
  pid=$!
  t0=$(date +%s)
  for _ in $(seq 600); do
    grep -qx 'WATCHDOG=1' "$WORK/notify3.log" 2>/dev/null && grep -q '^STATUS=' "$WORK/notify3.log" && break
    sleep 0.1
  done
  kill -TERM "$pid"
  wait "$pid"; rc=$?
  secs=$(($(date +%s) - t0))
  unlisten
  check "[[ $rc -eq 0 ]]" "SIGTERM: exit 0 (got $rc)"
  check "[[ $secs -lt 100 ]]" "SIGTERM: stopped early (${secs} s of a 120 s run)"
  check "grep -q '(interrupted)' '$WORK/notify3.txt'" "SIGTERM: summary says interrupted"
  check_messages "$WORK/notify3.log" "SIGTERM"
  check "[[ \$(count '$WORK/notify3.log' 'WATCHDOG=1') -ge 1 ]]" "SIGTERM: WATCHDOG=1 with WATCHDOG_PID unset"

  # 4. Without NOTIFY_SOCKET nothing is sent and nothing fails (a shell run).
  listen "$WORK/notify4.log"
  env -u NOTIFY_SOCKET WATCHDOG_USEC=200000 "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --limit 20 --quiet > /dev/null 2>&1
  rc=$?
  unlisten 1
  check "[[ $rc -eq 0 && ! -s '$WORK/notify4.log' ]]" "no NOTIFY_SOCKET: exit 0, no datagrams"
  ;;
compile)
  # signdpu compile of our own quantiser-format file gives the same DPU
  # program as signdpu-quantize's host xmodel: byte-identical outputs on the
  # whole test CSV (10,000 images when data/ is prepared, else the sample).
  CSV="$SRC/data/fashion_test.csv"; [[ -f "$CSV" ]] || CSV="$SAMPLE"
  rm -rf "$WORK/compiled.xmodel" "$WORK/cdumpA" "$WORK/cdumpB"
  "$BIN/signdpu" compile "$Q/signcnn_fashion_int.xmodel" -o "$WORK/compiled.xmodel" > "$WORK/compile.txt"; rc=$?
  cat "$WORK/compile.txt"
  check "[[ $rc -eq 0 && -s '$WORK/compiled.xmodel' ]]" "compile of signcnn_fashion_int.xmodel exits 0"
  check "grep -q '^DPU subgraph 0: ' '$WORK/compile.txt' && ! grep -q '^DPU subgraph 1' '$WORK/compile.txt'" "one DPU subgraph"
  "$BIN/signdpu" dump --model "$XM" --csv "$CSV" --limit 10000 --mode ref --out "$WORK/cdumpA" >/dev/null 2>&1 || fail "dump host xmodel"
  "$BIN/signdpu" dump --model "$WORK/compiled.xmodel" --csv "$CSV" --limit 10000 --mode ref --out "$WORK/cdumpB" >/dev/null 2>&1 || fail "dump compiled xmodel"
  a=$(ls "$WORK/cdumpA"/*.bin 2>/dev/null); b=$(ls "$WORK/cdumpB"/*.bin 2>/dev/null)
  check "[[ -n '$a' && -n '$b' ]] && cmp -s $a $b" "compiled vs host xmodel: identical int8 outputs on $(( $(wc -l < "$CSV") - 1 )) rows of $(basename "$CSV")"
  # signdpu-quantize writes its host xmodel through this same compile step:
  # the two files list the same subgraphs, tensors (vai_c_xir's names) and fix points.
  "$BIN/signdpu" inspect "$XM" 2>/dev/null | tail -n +2 > "$WORK/inspect_host.txt"
  "$BIN/signdpu" inspect "$WORK/compiled.xmodel" 2>/dev/null | tail -n +2 > "$WORK/inspect_compiled.txt"
  check "[[ -s '$WORK/inspect_host.txt' ]] && cmp -s '$WORK/inspect_host.txt' '$WORK/inspect_compiled.txt' && grep -q 'output input_fix ' '$WORK/inspect_host.txt'" \
    "the quantiser's host xmodel is the compile step's output (same inspect listing)"
  # inspect --against: the quantiser-format file beside its host xmodel, per
  # DPU op the fix point of the fix after it = the compiled tensor's; only
  # the reshape-fix the compile adds after the dense has no quantiser op.
  "$BIN/signdpu" inspect "$Q/signcnn_fashion_int.xmodel" --against "$XM" > "$WORK/against.txt" 2>/dev/null; rc=$?
  cat "$WORK/against.txt"
  check "[[ $rc -eq 0 ]] && tail -n 1 '$WORK/against.txt' | grep -qx '20 matched, 20 equal fix points, 0 differing, 1 unmatched'" \
    "inspect _int.xmodel --against the host xmodel: 20 DPU ops matched, all fix points equal"
  check "[[ \$(grep -c '^- ' '$WORK/against.txt') -eq 1 ]] && grep -qE '^- reshape-fix .*\\(only in other\\)$' '$WORK/against.txt' && ! grep -q '^! ' '$WORK/against.txt'" \
    "inspect --against: the only unmatched row is the compile's reshape-fix, none differs"
  "$BIN/signdpu" run --model "$WORK/compiled.xmodel" --csv "$SAMPLE" --mode ref --quiet --no-progress \
    --summary-json "$WORK/compiled_run.json" > /dev/null 2>&1; rc=$?
  check "[[ $rc -eq 0 ]]" "signdpu run classifies with the compiled xmodel"
  "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --quiet --no-progress \
    --summary-json "$WORK/host_run.json" > /dev/null 2>&1
  acc_c=$(json "$WORK/compiled_run.json" "d['accuracy']" 2>/dev/null); acc_h=$(json "$WORK/host_run.json" "d['accuracy']" 2>/dev/null)
  check "[[ -n '$acc_c' && '$acc_c' == '$acc_h' ]]" \
    "same accuracy as the host xmodel ($acc_c; the compile keeps the input mean/scale/labels graph attributes)"
  expect_error "compile: no such file" 1 "no such file" -- "$BIN/signdpu" compile "$WORK/none_int.xmodel" -o "$WORK/x.xmodel"
  expect_error "compile: a compiled model" 1 "compiled already" -- "$BIN/signdpu" compile "$XM" -o "$WORK/x.xmodel"
  expect_error "compile: bad --fingerprint" 1 "--fingerprint" -- "$BIN/signdpu" compile "$Q/signcnn_fashion_int.xmodel" -o "$WORK/x.xmodel" --fingerprint 0xZZ
  expect_error "compile: unknown --target" 1 "DPUNOPE" -- "$BIN/signdpu" compile "$Q/signcnn_fashion_int.xmodel" -o "$WORK/x.xmodel" --target DPUNOPE
  "$BIN/signdpu" compile "$Q/signcnn_fashion_int.xmodel" -o "$WORK/fp.xmodel" --fingerprint 0x101000056010407 > /dev/null 2>&1
  check "'$BIN/signdpu' inspect '$WORK/fp.xmodel' 2>/dev/null | grep -q 'dpu_fingerprint 0x0101000056010407'" "--fingerprint is written into the DPU subgraph"
  ;;
*) echo "unknown case $CASE"; exit 2 ;;
esac
echo "$CASE: $fails failure(s)"
[[ $fails -eq 0 ]]
