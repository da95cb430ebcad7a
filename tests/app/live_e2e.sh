#!/usr/bin/env bash
# `signdpu run --results` and `--serve` end to end (issue 17, sections 3 and
# 4), through real libvart and the emulator plugin. All traffic stays on
# 127.0.0.1; the server takes a free port (--serve 127.0.0.1:0) and says which.
#   live_e2e.sh CASE BIN_DIR SOURCE_DIR WORK_DIR
# CASE: results | on_change | results_fifo | results_unix | serve | serve_stall |
#       serve_load | serve_browser | live_errors
set -uo pipefail
CASE="$1"; BIN="$2"; SRC="$3"; WORK="$4"
SAMPLE="$SRC/tests/data/fashion_sample.csv"
XM="$WORK/q/signcnn_fashion.xmodel"   # from e2e_quantize (fixture quantized_model)
LIVE="$WORK/live_$CASE"
rm -rf "$LIVE"; mkdir -p "$LIVE"
export GLOG_minloglevel=${GLOG_minloglevel:-1}
PY=/usr/bin/python3

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { if eval "$1"; then echo "ok: $2"; else fail "$2 ($1)"; fi; }
errlines() { grep -c '^signdpu: error:' "$1"; }
# expect_refusal NAME MESSAGE -- command...: exit 1, one error line, nothing on stdout
expect_refusal() {
  local name="$1" msg="$2"; shift 3
  "$@" > "$LIVE/ref.out" 2> "$LIVE/ref.err"; local rc=$?
  if [[ $rc -ne 1 || $(errlines "$LIVE/ref.err") -ne 1 || -s "$LIVE/ref.out" ]] || ! grep -q -- "$msg" "$LIVE/ref.err"; then
    fail "$name: exit $rc, stderr: $(cat "$LIVE/ref.err"), stdout $(wc -c < "$LIVE/ref.out") bytes"
  else
    echo "ok: $name -> $(grep ': error:' "$LIVE/ref.err")"
  fi
  grep -q 'READY\|summary\|frames/s' "$LIVE/ref.err" && fail "$name: the pipeline ran"
}
[[ -s "$XM" ]] || { echo "FAIL: no $XM (run e2e_quantize first)"; exit 1; }

# Every line is JSON with exactly the documented keys, in order.
results_keys() {
  $PY - "$1" <<'PY'
import json, sys
keys = ["time", "source", "frame", "class", "label", "probability", "latency"]
n = 0
for line in open(sys.argv[1]):
    d = json.loads(line); n += 1
    assert list(d) == keys, d
    assert d["time"].endswith("Z") and "T" in d["time"], d
    assert 0 <= d["probability"] <= 1 and d["latency"] >= 0 and d["class"] >= 0 and d["label"], d
print(n)
PY
}

# start_serve NAME ARGS...: signdpu run ... --serve 127.0.0.1:0 in the
# background; sets PID and URL once it says where it serves.
start_serve() {
  local name="$1"; shift
  "$BIN/signdpu" run --model "$XM" --mode ref "$@" --serve 127.0.0.1:0 --no-progress \
    > "$LIVE/$name.out" 2> "$LIVE/$name.err" &
  PID=$!
  URL=""
  for _ in $(seq 1 300); do
    URL="$(grep -o 'serving http://127.0.0.1:[0-9]*/' "$LIVE/$name.err" | head -1 | sed 's/^serving //')"
    [[ -n "$URL" ]] && break
    kill -0 "$PID" 2> /dev/null || break
    sleep 0.1
  done
  [[ -n "$URL" ]] || { cat "$LIVE/$name.err"; fail "$name: no 'serving http://...' line"; }
}
stop_serve() {  # SIGTERM: drain, summary, exit 0
  kill -TERM "$PID" 2> /dev/null; wait "$PID"; RC=$?
}

media() { "$BIN/make_test_media" "$SAMPLE" "$LIVE/media" 40 > /dev/null || fail "make_test_media"; }

case "$CASE" in
results)
  # A file: one line per frame, in frame order, the keys of the contract.
  "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --quiet --results "$LIVE/r.jsonl" \
    --summary-json "$LIVE/s.json" > "$LIVE/r.out" 2> "$LIVE/r.err"; rc=$?
  check "[[ $rc -eq 0 ]]" "--results FILE: exit 0"
  n=$(results_keys "$LIVE/r.jsonl") || fail "results lines are JSON with the keys"
  check "[[ '$n' == 200 ]]" "--results FILE: 200 lines for 200 frames ($n)"
  check "$PY -c \"import json,sys; f=[json.loads(l)['frame'] for l in open('$LIVE/r.jsonl')]; sys.exit(f != list(range(200)))\"" "frames 0..199 in order"
  check "! grep -q dropped '$LIVE/r.err'" "nothing dropped for a file"
  # The file is appended to (a service restart keeps the earlier lines).
  "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --quiet --limit 10 --results "$LIVE/r.jsonl" > /dev/null 2>&1
  check "[[ \$(wc -l < '$LIVE/r.jsonl') -eq 210 ]]" "a second run appends (210 lines)"
  # Standard output: only the JSON lines there, the summary goes to stderr.
  "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --quiet --limit 20 --results - > "$LIVE/o.jsonl" 2> "$LIVE/o.err"; rc=$?
  n=$(results_keys "$LIVE/o.jsonl") || fail "--results -: stdout holds only JSON lines"
  check "[[ $rc -eq 0 && '$n' == 20 ]]" "--results -: 20 JSON lines on stdout, exit 0"
  check "grep -q 'accuracy' '$LIVE/o.err'" "--results -: the summary is on stderr"
  # A full disk is a failed run, not a silent loss.
  if [[ -w /dev/full ]]; then
    "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --quiet --limit 20 --results - > /dev/full 2> "$LIVE/full.err"; rc=$?
    check "[[ $rc -eq 1 && \$(errlines '$LIVE/full.err') -ge 1 ]] && grep -q 'results.*No space' '$LIVE/full.err'" "--results - on a full disk: exit 1 naming the failed write"
  fi
  ;;
on_change)
  # Every frame (N=0) gives the class sequence; --on-change=N must write
  # exactly the frames at which a class first completed N in a row and
  # differs from the class last written. The rows sorted by label: runs of
  # one class with the model's mistakes as flickers, like a held sign.
  SORTED="$LIVE/sorted.csv"
  { head -n 1 "$SAMPLE"; tail -n +2 "$SAMPLE" | sort -t, -k1,1n -s; } > "$SORTED"
  "$BIN/signdpu" run --model "$XM" --csv "$SORTED" --mode ref --quiet --results "$LIVE/all.jsonl" --on-change=0 > /dev/null 2>&1
  check "[[ \$(wc -l < '$LIVE/all.jsonl') -eq 200 ]]" "--on-change=0: every frame"
  for n in 1 2 3; do
    flag="--on-change=$n"; [[ $n == 1 ]] && flag="--on-change"
    "$BIN/signdpu" run --model "$XM" --csv "$SORTED" --mode ref --quiet --results "$LIVE/c$n.jsonl" $flag > /dev/null 2>&1 \
      || fail "$flag: run failed"
    $PY - "$LIVE/all.jsonl" "$LIVE/c$n.jsonl" "$n" <<'PY' && echo "ok: $flag: the lines written are the expected class changes" || fail "$flag semantics"
import json, sys
seq = [json.loads(l)["class"] for l in open(sys.argv[1])]
got = [(d["frame"], d["class"]) for d in map(json.loads, open(sys.argv[2]))]
hold = int(sys.argv[3])
want, cand, run, shown = [], None, 0, None
for i, c in enumerate(seq):
    run = run + 1 if c == cand else 1
    cand = c
    if run >= hold and cand != shown:
        want.append((i, c)); shown = c
print(f"{len(got)} lines of {len(seq)} frames (hold {hold})")
assert got == want, (got[:10], want[:10])
assert all(a[1] != b[1] for a, b in zip(got, got[1:]))
assert 5 < len(got) < len(seq) // 4
PY
  done
  ;;
results_fifo)
  # A FIFO whose reader takes 5 lines and leaves: no SIGPIPE death, the run
  # goes on, exit 0, one warning, the drops counted.
  mkfifo "$LIVE/fifo"
  head -n 5 < "$LIVE/fifo" > "$LIVE/head.out" &
  HEAD=$!
  "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --quiet --bench 2 --results "$LIVE/fifo" \
    --summary-json "$LIVE/s.json" > /dev/null 2> "$LIVE/f.err"; rc=$?
  wait $HEAD
  cat "$LIVE/f.err"
  check "[[ $rc -eq 0 ]]" "FIFO reader gone: exit 0 (not 141, SIGPIPE)"
  check "[[ \$(wc -l < '$LIVE/head.out') -eq 5 ]]" "the reader got its 5 lines"
  check "[[ \$(grep -c 'warning: --results' '$LIVE/f.err') -eq 1 ]]" "one warning line"
  check "grep -qE 'dropped \\(reader slow or gone\\)' '$LIVE/f.err'" "drops reported at the end"
  frames=$($PY -c "import json; print(json.load(open('$LIVE/s.json'))['frames'])")
  check "[[ $frames -gt 1000 ]]" "inference went on: $frames frames in 2 s"
  # A reader that opens the FIFO and never reads: the writer's queue fills,
  # lines are dropped, the run ends on time.
  mkfifo "$LIVE/fifo2"
  $PY -c "import time; f = open('$LIVE/fifo2', 'rb'); time.sleep(60)" &
  STALL=$!
  t0=$(date +%s%N)
  "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --quiet --bench 2 --results "$LIVE/fifo2" > /dev/null 2> "$LIVE/f2.err"; rc=$?
  ms=$((($(date +%s%N) - t0) / 1000000))
  kill $STALL 2> /dev/null; wait $STALL 2> /dev/null
  cat "$LIVE/f2.err"
  check "[[ $rc -eq 0 && $ms -lt 15000 ]]" "stalled FIFO reader: exit 0 after $ms ms (--bench 2 + drain)"
  check "grep -q 'does not keep up' '$LIVE/f2.err' && grep -q dropped '$LIVE/f2.err'" "stalled FIFO reader: warned, drops reported"
  # No reader at all: lines are dropped until one comes; the run does not wait.
  mkfifo "$LIVE/fifo3"
  timeout 60 "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --quiet --limit 50 --results "$LIVE/fifo3" > /dev/null 2> "$LIVE/f3.err"; rc=$?
  check "[[ $rc -eq 0 ]] && grep -q 'no reader' '$LIVE/f3.err' && grep -q '50 dropped' '$LIVE/f3.err'" "FIFO without a reader: exit 0, 50 dropped"
  ;;
results_unix)
  # socat as the docs show it: every line arrives.
  if command -v socat > /dev/null; then
    socat -u UNIX-LISTEN:"$LIVE/s.sock" - > "$LIVE/socat.out" &
    SOCAT=$!
    for _ in $(seq 1 50); do [[ -S "$LIVE/s.sock" ]] && break; sleep 0.1; done
    "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --quiet --limit 50 --results "unix:$LIVE/s.sock" > /dev/null 2> "$LIVE/u0.err"; rc=$?
    wait $SOCAT
    n=$(results_keys "$LIVE/socat.out") || fail "socat got JSON lines"
    check "[[ $rc -eq 0 && '$n' == 50 ]]" "unix socket read by socat: 50 lines"
  else
    echo "SKIP: socat not installed (scripts/setup-deps.sh installs it)"
  fi
  # A listener that reads 5 lines and closes: exit 0, warning, drops.
  $PY - "$LIVE/u.sock" > "$LIVE/u.got" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept(); f = c.makefile("rb"); print(sum(1 for _, l in zip(range(5), f))); c.close(); s.close()
PY
  LISTENER=$!
  for _ in $(seq 1 50); do [[ -S "$LIVE/u.sock" ]] && break; sleep 0.1; done
  "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --quiet --bench 2 --results "unix:$LIVE/u.sock" \
    --summary-json "$LIVE/s.json" > /dev/null 2> "$LIVE/u.err"; rc=$?
  wait $LISTENER
  cat "$LIVE/u.err"
  check "[[ $rc -eq 0 ]]" "socket reader gone: exit 0"
  check "[[ \$(cat '$LIVE/u.got') == 5 ]]" "the listener read 5 lines"
  check "[[ \$(grep -c 'warning: --results' '$LIVE/u.err') -eq 1 ]] && grep -q 'went away' '$LIVE/u.err'" "one warning: the reader went away"
  check "grep -q 'dropped (reader slow or gone)' '$LIVE/u.err'" "drops reported"
  frames=$($PY -c "import json; print(json.load(open('$LIVE/s.json'))['frames'])")
  check "[[ $frames -gt 1000 ]]" "inference went on: $frames frames in 2 s"
  ;;
serve)
  media
  start_serve s --images "$LIVE/media/images" --bench 60 --quiet --labels "$SRC/models/fashion.labels.txt"
  sleep 1
  code=$(curl -s -o "$LIVE/page.html" -w '%{http_code}' "$URL")
  check "[[ $code == 200 ]] && grep -q '<img id=\"pic\"' '$LIVE/page.html' && grep -q 'id=\"label\"' '$LIVE/page.html'" "/ : 200, a page with the picture and the label"
  code=$(curl -s -o "$LIVE/healthz" -w '%{http_code}' "${URL}healthz")
  check "[[ $code == 200 ]] && grep -q '^ok' '$LIVE/healthz'" "/healthz: 200 while frames advance ($(cat "$LIVE/healthz"))"
  curl -s -o "$LIVE/metrics" -D "$LIVE/metrics.h" "${URL}metrics"
  check "grep -qi '^Content-Type: text/plain; version=0.0.4' '$LIVE/metrics.h'" "/metrics: Prometheus text content type"
  $PY - "$LIVE/metrics" "$SRC/models/fashion.labels.txt" <<'PY' && echo "ok: /metrics: every required series, a consistent histogram" || fail "/metrics content"
import re, sys
text = open(sys.argv[1]).read()
labels = [l.strip() for l in open(sys.argv[2]) if l.strip()]
v = {}
for line in text.splitlines():
    if line.startswith("#"): continue
    name, value = line.rsplit(" ", 1); v[name] = float(value)
frames = v["signdpu_frames_total"]
assert frames > 0 and v["signdpu_errors_total"] == 0 and v["signdpu_fps"] > 0, v
buckets = [(k, x) for k, x in v.items() if k.startswith("signdpu_latency_seconds_bucket")]
assert len(buckets) >= 5 and buckets[-1][0].endswith('le="+Inf"}') and buckets[-1][1] == v["signdpu_latency_seconds_count"]
assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), "cumulative buckets"
assert v["signdpu_latency_seconds_sum"] > 0
cls = {k: x for k, x in v.items() if k.startswith("signdpu_class_total")}
assert set(cls) == {'signdpu_class_total{label="%s"}' % l for l in labels}, cls
assert abs(sum(cls.values()) - frames) <= frames * 0.01 + 2, (sum(cls.values()), frames)
for t in ("signdpu_frames_total counter", "signdpu_errors_total counter", "signdpu_fps gauge",
          "signdpu_latency_seconds histogram", "signdpu_class_total counter"):
    assert "# TYPE " + t in text, t
print(f"frames {frames:.0f}, fps {v['signdpu_fps']:.0f}")
PY
  # The MJPEG stream: multipart/x-mixed-replace, the first parts decode as JPEG.
  curl -s -N --max-time 3 -D "$LIVE/stream.h" -o "$LIVE/stream.bin" "${URL}stream.mjpg"
  check "grep -qi '^Content-Type: multipart/x-mixed-replace; boundary=' '$LIVE/stream.h'" "/stream.mjpg: multipart/x-mixed-replace"
  "$BIN/mjpeg_check" "$LIVE/stream.bin" 3 "$LIVE/first.png" > "$LIVE/mjpeg.txt"; rc=$?
  cat "$LIVE/mjpeg.txt"
  check "[[ $rc -eq 0 ]]" "/stream.mjpg: the first 3 parts decode as JPEG (cv::imdecode), with the overlay"
  curl -s -o "$LIVE/frame.jpg" "${URL}frame.jpg"
  check "[[ \$(head -c 2 '$LIVE/frame.jpg' | od -An -tx1 | tr -d ' ') == ffd8 ]]" "/frame.jpg: a JPEG"
  code=$(curl -s -o /dev/null -w '%{http_code}' "${URL}nothing")
  check "[[ $code == 404 ]]" "an unknown path: 404"
  status=$(curl -s "${URL}status.json")
  check "$PY -c \"import json,sys; d=json.loads(sys.argv[1]); sys.exit(not (d['frames'] > 0 and d['label'] and d['healthy']))\" '$status'" "/status.json: $status"
  stop_serve
  check "[[ $RC -eq 0 ]]" "SIGTERM with the server running: exit 0"
  ;;
serve_stall)
  # Every DPU job hangs 7 s (the emulator's board mode): /healthz is 503
  # before the first frame, 200 right after a frame, 503 once none came
  # for 5 s. One runner, batch 1: frames at about 7 s intervals after the probe.
  SIGNDPU_EMU_STALL_MS=7000 start_serve h --csv "$SAMPLE" --threads 1 --emu-batch 1 --limit 3 --quiet
  seq=""
  for _ in $(seq 1 70); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${URL}healthz")
    [[ "${seq##* }" != "$code" ]] && seq="$seq $code"
    kill -0 "$PID" 2> /dev/null || break
    [[ "$seq" == *"503 200 503"* ]] && break
    sleep 0.5
  done
  echo "healthz sequence:$seq"
  check "[[ '$seq' == *'503 200 503'* ]]" "/healthz: 503 (no frame yet) -> 200 (a frame) -> 503 (stalled)"
  kill -TERM "$PID" 2> /dev/null; wait "$PID"
  ;;
serve_load)
  # Inference speed with and without 4 stream clients, 2 metrics pollers and
  # one client that connects to the stream and never reads. Same source and
  # duration; the run with clients must keep at least half the frame rate
  # (a blocking server would stop it) and end on time.
  "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --bench 4 --quiet --summary-json "$LIVE/base.json" > /dev/null 2>&1
  t0=$(date +%s%N)
  start_serve l --csv "$SAMPLE" --bench 4 --quiet --summary-json "$LIVE/load.json"
  for i in 1 2 3 4; do curl -s -N --max-time 20 -o "$LIVE/c$i.bin" "${URL}stream.mjpg" & done
  for i in 1 2; do (for _ in $(seq 1 40); do curl -s -o /dev/null --max-time 2 "${URL}metrics"; sleep 0.1; done) & done
  port="${URL##*:}"; port="${port%/}"
  $PY - "$port" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.sendall(b"GET /stream.mjpg HTTP/1.1\r\nHost: x\r\n\r\n")
time.sleep(30)   # never reads
PY
  STALLED=$!
  wait "$PID"; rc=$?
  ms=$((($(date +%s%N) - t0) / 1000000))
  kill $STALLED 2> /dev/null; wait 2> /dev/null
  base=$($PY -c "import json; print(json.load(open('$LIVE/base.json'))['fps_e2e'])")
  load=$($PY -c "import json; print(json.load(open('$LIVE/load.json'))['fps_e2e'])")
  echo "frames/s: alone $base, with 7 clients $load; run took $ms ms"
  check "[[ $rc -eq 0 ]]" "the run with clients exits 0"
  # The clients (7 processes here) share the 2 cores with inference, so some
  # loss is CPU, not waiting; a server that blocked the pipeline would give
  # next to nothing.
  check "$PY -c 'import sys; sys.exit(not ($load >= 0.4 * $base))'" "clients do not stall inference: $load >= 0.4 x $base frames/s"
  check "[[ $ms -lt 20000 ]]" "the run ends on time with a stalled client ($ms ms for --bench 4)"
  check "[[ \$(grep -c 'Content-Type: image/jpeg' '$LIVE/c1.bin') -ge 5 ]]" "a stream client got frames meanwhile ($(grep -c 'Content-Type: image/jpeg' "$LIVE/c1.bin"))"
  ;;
serve_browser)
  # Headless Chromium on the live page: a picture and a label are shown.
  source "$SRC/tests/browser/chromium.sh"
  find_chromium
  media
  # About 3 frames/s (each emulated DPU job takes 300 ms), so that the picture
  # and the text of the page show the same frame, as with a camera.
  SIGNDPU_EMU_DELAY_MS=300 start_serve b --images "$LIVE/media/images" --bench 120 --quiet --threads 1 --emu-batch 1 \
    --labels "$SRC/models/fashion.labels.txt"
  sleep 3
  run_chromium "$LIVE" --virtual-time-budget=3000 --dump-dom "$URL" > "$LIVE/dom.html"
  run_chromium "$LIVE" --virtual-time-budget=3000 --window-size=1000,540 --screenshot="$LIVE/live.png" "$URL" > /dev/null
  stop_serve
  $PY - "$LIVE/dom.html" "$SRC/models/fashion.labels.txt" <<'PY' && echo "ok: the rendered page shows a label, a probability and an FPS" || fail "page content"
import re, sys
dom = open(sys.argv[1]).read()
labels = [l.strip() for l in open(sys.argv[2]) if l.strip()]
label = re.search(r'id="label"[^>]*>([^<]*)<', dom).group(1)
prob = float(re.search(r'id="prob"[^>]*>([^<]*)<', dom).group(1))
fps = float(re.search(r'id="fps"[^>]*>([^<]*)<', dom).group(1))
print(f"label {label}, probability {prob}, fps {fps}")
assert label in labels and 0 < prob <= 1 and fps > 0
assert re.search(r'id="pic"[^>]*src="[^"]*/frame\.jpg', dom) or re.search(r'src="[^"]*/frame\.jpg[^"]*"[^>]*id="pic"', dom)
PY
  png_not_blank "$LIVE/live.png" 200 0.3 || fail "screenshot"
  # The picture is there: a large area that is neither page background nor white.
  "$BIN/mjpeg_check" --png-has-picture "$LIVE/live.png" || fail "the screenshot shows no picture"
  [[ -n "${SIGNDPU_LIVE_SCREENSHOT:-}" && $fails -eq 0 ]] && cp "$LIVE/live.png" "$SIGNDPU_LIVE_SCREENSHOT"
  ;;
live_errors)
  # Refused with one line before the pipeline starts.
  R=("$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --quiet)
  expect_refusal "bad port" "--serve 99999" -- "${R[@]}" --serve 99999
  expect_refusal "port text" "--serve http" -- "${R[@]}" --serve http
  expect_refusal "host name" "not an IPv4 address" -- "${R[@]}" --serve localhost:8080
  expect_refusal "bad IPv4" "not an IPv4 address" -- "${R[@]}" --serve 1.2.3:8080
  $PY -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(1); print(s.getsockname()[1], flush=True); time.sleep(60)" > "$LIVE/busy" &
  BUSY=$!
  for _ in $(seq 1 50); do [[ -s "$LIVE/busy" ]] && break; sleep 0.1; done
  expect_refusal "port in use" "cannot listen on 127.0.0.1:$(cat "$LIVE/busy")" -- "${R[@]}" --serve "$(cat "$LIVE/busy")"
  kill $BUSY; wait $BUSY 2> /dev/null
  expect_refusal "results folder missing" "does not exist" -- "${R[@]}" --results "$LIVE/no/such/dir/r.jsonl"
  expect_refusal "results is a directory" "is a directory" -- "${R[@]}" --results "$LIVE"
  touch "$LIVE/ro.jsonl"; chmod 0400 "$LIVE/ro.jsonl"
  if [[ $(id -u) -ne 0 ]]; then
    expect_refusal "results file read-only" "not writable" -- "${R[@]}" --results "$LIVE/ro.jsonl"
  fi
  expect_refusal "no socket" "no socket there" -- "${R[@]}" --results "unix:$LIVE/none.sock"
  expect_refusal "not a socket" "is not a socket" -- "${R[@]}" --results "unix:$SAMPLE"
  $PY -c "import socket; s=socket.socket(socket.AF_UNIX); s.bind('$LIVE/dead.sock')"   # a socket nobody listens on
  expect_refusal "nobody listens" "cannot connect" -- "${R[@]}" --results "unix:$LIVE/dead.sock"
  expect_refusal "--results empty" "--results: empty" -- "${R[@]}" --results ""
  expect_refusal "--on-change alone" "--on-change: needs --results" -- "${R[@]}" --on-change=2
  expect_refusal "--on-change text" "--on-change" -- "${R[@]}" --results "$LIVE/x.jsonl" --on-change=soon
  expect_refusal "--results - without --quiet" "add --quiet" -- "$BIN/signdpu" run --model "$XM" --csv "$SAMPLE" --mode ref --results -
  check "[[ ! -e '$LIVE/x.jsonl' ]]" "a refused run creates no results file"
  # A bare port binds the loopback address only.
  "${R[@]}" --limit 5 --serve 0 > /dev/null 2> "$LIVE/bare.err"; rc=$?
  check "[[ $rc -eq 0 ]] && grep -q 'serving http://127.0.0.1:[1-9][0-9]*/' '$LIVE/bare.err'" "--serve PORT binds 127.0.0.1 ($(grep -o 'serving [^ ]*' "$LIVE/bare.err"))"
  ;;
*)
  echo "unknown case $CASE"; exit 2 ;;
esac

if ((fails)); then echo "$fails check(s) failed"; exit 1; fi
echo "all checks of $CASE passed"
