#!/usr/bin/env bash
# Board behaviours of `signdpu run`, tested through the real libvart and the
# emulator's board mode (docs/emulator.md "Board mode"; issue 13). One case
# per invocation:
#   board_mode_e2e.sh CASE BIN_DIR SOURCE_DIR WORK_DIR
# Needs the host xmodel the e2e_quantize fixture writes ($WORK/q), whose DPU
# subgraph carries the Vitis AI 2.5 fingerprint 0x101000016010407.
set -uo pipefail
CASE="$1"; BIN="$2"; SRC="$3"; WORK="$4"
SAMPLE="$SRC/tests/data/fashion_sample.csv"
XM="$WORK/q/signcnn_fashion.xmodel"
CUSTOM="$SRC/tests/data/xmodels/vai25_zcu104_mnist_custom_op.xmodel"
FP25=0x101000016010407
FP30=0x101000056010407
export GLOG_minloglevel=${GLOG_minloglevel:-1}
unset SIGNDPU_EMU_FINGERPRINT SIGNDPU_EMU_SYNC SIGNDPU_EMU_STALL_MS SIGNDPU_EMU_DELAY_MS SIGNDPU_PROBE_TIMEOUT_MS

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { if eval "$1"; then echo "ok: $2"; else fail "$2 ($1)"; fi; }
json() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
errlines() { grep -c '^signdpu: error:' "$1"; }
[[ -s "$XM" ]] || { echo "FAIL: $XM missing (the e2e_quantize fixture writes it)"; exit 1; }

# listen LOG: a fake NOTIFY_SOCKET; one line per datagram: "<ms since start> <datagram>".
SOCKDIR=$(mktemp -d /tmp/signdpu-bm.XXXXXX)
trap 'rm -rf "$SOCKDIR"' EXIT
SOCK="$SOCKDIR/notify.sock"
lpid=
listen() {
  rm -f "$SOCK" "$1" "$1.bound"
  /usr/bin/python3 -c '
import socket, sys, time
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(120)
t0 = time.monotonic()
open(out + ".bound", "w").close()
with open(out, "w") as f:
    while True:
        try:
            d = s.recv(4096)
        except socket.timeout:
            break
        f.write("%d %s\n" % ((time.monotonic() - t0) * 1000, d.decode("utf-8", "replace").replace("\n", "\\n")))
        f.flush()
        if d == b"STOPPING=1":
            s.settimeout(1)
' "$SOCK" "$1" &
  lpid=$!
  for _ in $(seq 100); do [[ -e "$1.bound" ]] && return 0; sleep 0.1; done
  fail "notify listener did not bind $SOCK"
}
unlisten() {  # unlisten [SECONDS]: wait (default 10 s) for the listener to quit after STOPPING=1
  for _ in $(seq $((${1:-10} * 10))); do kill -0 "$lpid" 2>/dev/null || break; sleep 0.1; done
  kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null; lpid=
}
# longest_gap LOG: the longest time (ms) between READY=1 and STOPPING=1 without WATCHDOG=1.
longest_gap() {
  awk '$2 == "READY=1" { last = $1; on = 1 } on && $2 == "WATCHDOG=1" { if ($1 - last > g) g = $1 - last; last = $1 }
       on && $2 == "STOPPING=1" { if ($1 - last > g) g = $1 - last; on = 0 } END { print g + 0 }' "$1"
}

case "$CASE" in
fingerprint)
  # A Vitis AI 2.5 model on a board that reports the 3.0 fingerprint: refused
  # at start, one line with both values, no frame, no READY=1.
  listen "$WORK/bm_fp.log"
  (NOTIFY_SOCKET="$SOCK" SIGNDPU_EMU_FINGERPRINT=$FP30 exec "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" \
     --mode ref > "$WORK/bm_fp.out" 2> "$WORK/bm_fp.err")
  rc=$?
  unlisten 1
  cat "$WORK/bm_fp.err"
  check "[[ $rc -ne 0 && $rc -lt 128 ]]" "mismatch: non-zero exit, no crash (got $rc)"
  check "[[ \$(errlines '$WORK/bm_fp.err') -eq 1 ]]" "mismatch: exactly one error line"
  check "grep '^signdpu: error:' '$WORK/bm_fp.err' | grep -q '$FP25' && grep '^signdpu: error:' '$WORK/bm_fp.err' | grep -q '$FP30'" \
    "mismatch: the line names both fingerprints in hex"
  check "grep '^signdpu: error:' '$WORK/bm_fp.err' | grep -qi 'recompile'" "mismatch: the line says what to do"
  check "[[ ! -s '$WORK/bm_fp.out' ]]" "mismatch: no frame processed (stdout empty)"
  check "! grep -q 'READY=1' '$WORK/bm_fp.log'" "mismatch: no READY=1"
  # The same through auto (no DPU here: auto -> ref, same check).
  SIGNDPU_EMU_FINGERPRINT=$FP30 "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" > /dev/null 2> "$WORK/bm_fp2.err"
  rc=$?
  check "[[ $rc -ne 0 && \$(errlines '$WORK/bm_fp2.err') -eq 1 ]] && grep -q '$FP30' '$WORK/bm_fp2.err'" "mismatch in mode auto: refused the same way"
  # The matching board, and 0 (check off, as VART): runs.
  for fp in $FP25 0; do
    SIGNDPU_EMU_FINGERPRINT=$fp "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --limit 16 --quiet \
      --summary-json "$WORK/bm_fp_ok.json" > /dev/null 2> "$WORK/bm_fp_ok.err"
    rc=$?
    check "[[ $rc -eq 0 && \$(json '$WORK/bm_fp_ok.json' 'd[\"frames\"]') -eq 16 ]]" "board fingerprint $fp: runs 16 frames"
  done
  SIGNDPU_EMU_FINGERPRINT=0xnothex "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref > /dev/null 2> "$WORK/bm_fp3.err"
  rc=$?
  check "[[ $rc -ne 0 && \$(errlines '$WORK/bm_fp3.err') -eq 1 ]] && grep -q SIGNDPU_EMU_FINGERPRINT '$WORK/bm_fp3.err'" "malformed SIGNDPU_EMU_FINGERPRINT: one error line naming it"
  ;;
run_fingerprint)
  # Mode run reads the board's fingerprints the way VART does
  # (xir::DpuController::get_instance()->get_fingerprint(core)) in the probe
  # child. A fake libvart-dpu-controller.so.2 (first on LD_LIBRARY_PATH, only
  # the child dlopen()s it) plays a 2-core Vitis AI 3.0 board: refused at
  # start with both values, before any runner, no frame, no READY=1.
  FAKE="$BIN/../tests/app/fake-dpu-controller"
  [[ -e "$FAKE/libvart-dpu-controller.so.2" ]] || { echo "FAIL: $FAKE/libvart-dpu-controller.so.2 not built"; exit 1; }
  listen "$WORK/bm_rfp.log"
  (NOTIFY_SOCKET="$SOCK" LD_LIBRARY_PATH="$FAKE" SIGNDPU_FAKE_DPU_FINGERPRINTS="$FP30 $FP30" exec "$BIN/signdpu" run \
     --model "$XM" --csv "$SAMPLE" --mode run > "$WORK/bm_rfp.out" 2> "$WORK/bm_rfp.err")
  rc=$?
  unlisten 1
  cat "$WORK/bm_rfp.err"
  check "[[ $rc -ne 0 && $rc -lt 128 && \$(errlines '$WORK/bm_rfp.err') -eq 1 ]]" "mode run, 3.0 board: one error line, exit $rc"
  check "grep '^signdpu: error:' '$WORK/bm_rfp.err' | grep -q \"this board's DPU has $FP30\" && grep '^signdpu: error:' '$WORK/bm_rfp.err' | grep -q '$FP25'" \
    "mode run: the line holds the model's and the board's fingerprints"
  check "[[ ! -s '$WORK/bm_rfp.out' ]] && ! grep -q READY=1 '$WORK/bm_rfp.log'" "mode run mismatch: no frame, no READY=1"
  # A board whose controller reports 0 (Vivado flow: VART skips the check) or
  # XLNX_ENABLE_FINGERPRINT_CHECK=0: no mismatch line (the fake then cannot
  # run a job: the run fails later, at Xilinx's runner, with another line).
  for env in "SIGNDPU_FAKE_DPU_FINGERPRINTS=0" "SIGNDPU_FAKE_DPU_FINGERPRINTS=$FP30 XLNX_ENABLE_FINGERPRINT_CHECK=0"; do
    env LD_LIBRARY_PATH="$FAKE" $env "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode run > /dev/null 2> "$WORK/bm_rfp2.err"
    check "! grep -q 'fingerprint mismatch' '$WORK/bm_rfp2.err' && [[ \$(errlines '$WORK/bm_rfp2.err') -eq 1 ]]" "$env: no fingerprint refusal ($(grep -o 'error: .\{0,90\}' "$WORK/bm_rfp2.err"))"
  done
  ;;
custom_op)
  # Xilinx's compiled MNIST with a CPU custom op between two DPU subgraphs:
  # run refuses it naming the op; inspect and dump still work.
  "$BIN/signdpu" run --model "$CUSTOM" --csv "$SAMPLE" --mode ref > "$WORK/bm_co.out" 2> "$WORK/bm_co.err"
  rc=$?
  cat "$WORK/bm_co.err"
  check "[[ $rc -ne 0 && $rc -lt 128 && \$(errlines '$WORK/bm_co.err') -eq 1 ]]" "custom op: one error line, exit $rc"
  check "grep '^signdpu: error:' '$WORK/bm_co.err' | grep -q 'Mylayer' && grep '^signdpu: error:' '$WORK/bm_co.err' | grep -q 'subgraph_custom_layer'" \
    "custom op: the line names the op type and the subgraph"
  check "[[ ! -s '$WORK/bm_co.out' ]]" "custom op: no frame processed"
  "$BIN/signdpu" inspect "$CUSTOM" > "$WORK/bm_co_inspect.txt" 2>&1
  check "[[ \$? -eq 0 ]] && grep -q Mylayer '$WORK/bm_co_inspect.txt'" "custom op: inspect still works"
  rm -rf "$WORK/bm_co_dump"
  "$BIN/signdpu" dump --model "$CUSTOM" --csv "$SAMPLE" --limit 4 --mode ref --out "$WORK/bm_co_dump" > "$WORK/bm_co_dump.txt" 2>&1
  rc=$?
  cat "$WORK/bm_co_dump.txt" | tail -n 5
  check "[[ $rc -eq 0 ]]" "custom op: dump still works (exit $rc)"
  ;;
probe)
  # The probe runs once per process, before any runner: 4 runners whose jobs
  # stall 0.3 s each share one probe child (counted from its log line, not
  # from the wall clock, which a loaded machine stretches).
  GLOG_minloglevel=0 GLOG_vmodule=model=1 GLOG_logtostderr=1 SIGNDPU_EMU_STALL_MS=300 "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" \
    --mode ref --threads 4 --emu-batch 1 --limit 4 > /dev/null 2> "$WORK/bm_probe.err"
  rc=$?
  probes=$(grep -c 'probe: subgraph' "$WORK/bm_probe.err")
  check "[[ $rc -eq 0 ]]" "stalled run with 4 runners: exit 0"
  check "[[ $probes -eq 1 ]]" "one probe per process: $probes probe children for 4 runners"
  # A probe that does not finish (VART waiting on /tmp/DPU_0 on a board; an
  # injected stall here) is killed after its time limit: one line, no READY.
  listen "$WORK/bm_probe.log"
  t0=$(date +%s%N)
  (NOTIFY_SOCKET="$SOCK" SIGNDPU_EMU_STALL_MS=60000 SIGNDPU_PROBE_TIMEOUT_MS=1000 exec "$BIN/signdpu" run --model "$XM" \
     --csv "$SAMPLE" --mode ref > "$WORK/bm_probe2.out" 2> "$WORK/bm_probe2.err")
  rc=$?
  ms=$((($(date +%s%N) - t0) / 1000000))
  unlisten 1
  cat "$WORK/bm_probe2.err"
  check "[[ $rc -ne 0 && $rc -lt 128 && \$(errlines '$WORK/bm_probe2.err') -eq 1 ]]" "probe timeout: one error line, exit $rc"
  check "grep -q 'did not finish within 1000 ms' '$WORK/bm_probe2.err'" "probe timeout: says so"
  check "[[ $ms -lt 30000 ]]" "probe timeout: gave up after $ms ms (the stall is 60000)"
  check "[[ ! -s '$WORK/bm_probe2.out' ]] && ! grep -q READY=1 '$WORK/bm_probe.log'" "probe timeout: no frame, no READY=1"
  SIGNDPU_PROBE_TIMEOUT_MS=soon "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref > /dev/null 2> "$WORK/bm_probe3.err"
  rc=$?
  check "[[ $rc -ne 0 && \$(errlines '$WORK/bm_probe3.err') -eq 1 ]] && grep -q SIGNDPU_PROBE_TIMEOUT_MS '$WORK/bm_probe3.err'" "malformed SIGNDPU_PROBE_TIMEOUT_MS: one error line naming it"
  # The app does not link the emulator plugin (libvart dlopen()s it).
  if command -v readelf > /dev/null; then
    check "! readelf -d '$BIN/signdpu' | grep NEEDED | grep -q signdpu-emu" "signdpu does not link libvart-signdpu-emu-runner.so"
  fi
  ;;
watchdog)
  # 1. Every job hangs 3 s (SIGNDPU_EMU_STALL_MS): with WatchdogSec=1s the
  #    pings stop for longer than the interval, so systemd would restart.
  listen "$WORK/bm_wd1.log"
  (NOTIFY_SOCKET="$SOCK" WATCHDOG_USEC=1000000 WATCHDOG_PID=$BASHPID SIGNDPU_EMU_STALL_MS=3000 exec "$BIN/signdpu" run \
     --model "$XM" --csv "$SAMPLE" --mode ref --threads 1 --emu-batch 1 --limit 2 --quiet > /dev/null 2>&1)
  rc=$?
  unlisten
  gap=$(longest_gap "$WORK/bm_wd1.log")
  echo "--- stalled job: $(tr '\n' ';' < "$WORK/bm_wd1.log")"
  check "[[ $rc -eq 0 ]]" "stalled job run: exit 0 once the jobs return"
  check "grep -q 'READY=1' '$WORK/bm_wd1.log'" "stalled job: READY=1 sent"
  check "[[ $gap -ge 2500 ]]" "stalled job: no WATCHDOG=1 for $gap ms (> WatchdogSec=1000 ms: systemd restarts)"
  # 2. The same run without the stall: pings keep within the interval.
  listen "$WORK/bm_wd2.log"
  (NOTIFY_SOCKET="$SOCK" WATCHDOG_USEC=1000000 WATCHDOG_PID=$BASHPID exec "$BIN/signdpu" run \
     --model "$XM" --csv "$SAMPLE" --mode ref --bench 3 --quiet > /dev/null 2>&1)
  rc=$?
  unlisten
  gap=$(longest_gap "$WORK/bm_wd2.log")
  wd=$(grep -c ' WATCHDOG=1$' "$WORK/bm_wd2.log")
  check "[[ $rc -eq 0 && $wd -ge 3 && $gap -lt 1000 ]]" "frames flowing: $wd pings, longest gap $gap ms (< 1000 ms)"
  # 3. A source that stalls: a video arriving through a pipe whose writer goes
  #    quiet for 4 s halfway (what a stuck camera looks like to the frame
  #    loop). No frame, no ping; when the rest arrives the run ends normally.
  "$BIN/make_test_media" "$SAMPLE" "$WORK/bm_media" 40 > /dev/null || fail "make_test_media"
  AVI="$WORK/bm_media/frames.avi"; FIFO="$SOCKDIR/stall.avi"; mkfifo "$FIFO"
  half=$(($(stat -c %s "$AVI") / 2))
  listen "$WORK/bm_wd3.log"
  ( head -c "$half" "$AVI"; sleep 4; tail -c +$((half + 1)) "$AVI" ) > "$FIFO" &
  wpid=$!
  (NOTIFY_SOCKET="$SOCK" WATCHDOG_USEC=1000000 WATCHDOG_PID=$BASHPID exec "$BIN/signdpu" run \
     --model "$XM" --video "$FIFO" --mode ref --quiet --summary-json "$WORK/bm_wd3.json" > /dev/null 2> "$WORK/bm_wd3.err")
  rc=$?
  wait "$wpid" 2>/dev/null
  unlisten
  gap=$(longest_gap "$WORK/bm_wd3.log")
  echo "--- stalled source: $(tr '\n' ';' < "$WORK/bm_wd3.log")"
  check "[[ $rc -eq 0 && \$(json '$WORK/bm_wd3.json' 'd[\"frames\"]') -eq 40 ]]" "stalled video source: exit $rc, all 40 frames once the rest arrived"
  check "[[ $gap -ge 2500 ]]" "stalled video source: no WATCHDOG=1 for $gap ms while no frame came (> WatchdogSec=1000 ms)"
  ;;
sync_timing)
  # The edge runner's timing (SIGNDPU_EMU_SYNC=1: the job runs inside
  # execute_async) with 100 ms jobs: the DPU time is measured around
  # execute_async + wait, so DPU fps <= 10 per runner; two runners overlap.
  for t in 1 2; do
    SIGNDPU_EMU_SYNC=1 SIGNDPU_EMU_STALL_MS=100 "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref \
      --threads $t --emu-batch 1 --limit 12 --quiet --summary-json "$WORK/bm_sync$t.json" > /dev/null 2>&1
    check "[[ \$? -eq 0 ]]" "sync, $t thread(s): exit 0"
  done
  d1=$(json "$WORK/bm_sync1.json" 'd["fps_dpu"]')
  d2=$(json "$WORK/bm_sync2.json" 'd["fps_dpu"]')
  s1=$(json "$WORK/bm_sync1.json" 'd["seconds"]'); s2=$(json "$WORK/bm_sync2.json" 'd["seconds"]')
  echo "--- 1 thread: DPU fps $d1, $s1 s; 2 threads: DPU fps $d2, $s2 s"
  check "/usr/bin/python3 -c 'import sys; sys.exit(not (6 <= $d1 <= 10.5))'" "1 runner: DPU fps $d1 in [6, 10.5] (100 ms jobs inside execute_async are timed)"
  check "/usr/bin/python3 -c 'import sys; sys.exit(not (12 <= $d2 <= 21))'" "2 runners: DPU fps $d2 in [12, 21] (both busy)"
  check "/usr/bin/python3 -c 'import sys; sys.exit(not ($s2 < 0.75 * $s1))'" "2 runners finish 12 frames faster ($s2 s vs $s1 s)"
  ;;
full_rank_output)
  # The same classifier with a DPU output of [N,5] and of [N,1,1,5]: the app
  # reads the per-image size from every dim and prints the same results.
  D="$WORK/rank4"; rm -rf "$D"; mkdir -p "$D"
  "$BIN/make_rank4_models" "$D" || fail "make_rank4_models"
  # 40 images (the CSV can only hold 28x28 rows; images are resized to 8x8).
  "$BIN/make_test_media" "$SAMPLE" "$D/media" 40 > /dev/null || fail "make_test_media"
  "$BIN/signdpu" inspect "$D/tiny_4d.xmodel" > "$D/inspect.txt" 2>&1
  check "grep -Eq 'output .*shape 1x1x1x5' '$D/inspect.txt'" "the 4-d model's DPU output is 1x1x1x5"
  for m in 2d 4d; do
    "$BIN/signdpu" run --model "$D/tiny_$m.xmodel" --images "$D/media/images" --mode ref --json --top-k 5 \
      > "$D/$m.jsonl" 2> "$D/$m.err"
    rc=$?
    check "[[ $rc -eq 0 && \$(wc -l < '$D/$m.jsonl') -eq 40 ]]" "tiny_$m: exit $rc, 40 frames"
  done
  same() { /usr/bin/python3 -c '
import json, sys
def load(p): return [{k: v for k, v in json.loads(x).items() if k != "latency_us"} for x in open(p)]
a, b = load(sys.argv[1]), load(sys.argv[2])
sys.exit(not (len(a) == 40 and a == b))' "$1" "$2"; }
  check "same '$D/2d.jsonl' '$D/4d.jsonl'" "[N,1,1,5] and [N,5] outputs give identical per-frame results (classes, probabilities; latency aside)"
  check "/usr/bin/python3 -c 'import json,sys; l=[json.loads(x) for x in open(sys.argv[1])]; sys.exit(not all(len(d[\"top\"]) == 5 for d in l))' '$D/4d.jsonl'" \
    "[N,1,1,5]: every frame has 5 classes in its top-5"
  ;;
installed_ref)
  # The app does not link the plugin: an installed signdpu (DESTDIR copy of
  # `cmake --install`) must find the installed libvart-signdpu-emu-runner.so
  # through its DT_RPATH $ORIGIN/../lib when libvart dlopen()s it.
  R="$WORK/installed"; rm -rf "$R"
  DESTDIR="$R" cmake --install "$BIN/.." > "$WORK/installed.log" 2>&1 || fail "cmake --install: $(tail -n 3 "$WORK/installed.log")"
  app=$(grep -E 'Installing: .*/bin/signdpu$' "$WORK/installed.log" | awk '{print $NF}')
  check "[[ -x '$app' ]]" "installed app: $app"
  LD_DEBUG=libs "$app" run --model "$XM" --csv "$SAMPLE" --mode ref --limit 16 --quiet \
    --summary-json "$WORK/installed.json" > /dev/null 2> "$WORK/installed.err"
  rc=$?
  check "[[ $rc -eq 0 && \$(json '$WORK/installed.json' 'd[\"frames\"]') -eq 16 ]]" "installed signdpu run --mode ref: exit $rc, 16 frames"
  check "grep -q 'calling init: $R.*/lib/libvart-signdpu-emu-runner.so' '$WORK/installed.err'" "it loaded the installed plugin (not the build tree's)"
  check "! readelf -d '$app' | grep NEEDED | grep -q signdpu-emu" "the installed app does not link the plugin"
  rm -rf "$R"
  ;;
*) echo "unknown case $CASE"; exit 2 ;;
esac
[[ $fails -eq 0 ]] || { echo "$fails check(s) failed"; exit 1; }
echo "all checks passed"
