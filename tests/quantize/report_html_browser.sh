#!/usr/bin/env bash
# report.html in a real browser (issue 17, section 1): signdpu-quantize on the
# bundled model and the 200-row sample, then headless Chromium
#   - loads the page from file:// with the network disabled,
#   - the rendered DOM holds every section, each with its chart/table/images,
#   - a screenshot is not blank (many colours, a good share of non-white pixels).
#   report_html_browser.sh BIN_DIR SOURCE_DIR WORK_DIR [SCREENSHOT_COPY]
# Exit 77 (ctest: skipped) when chromium is not installed; scripts/setup-deps.sh
# installs it in the full set, so CI runs this.
set -uo pipefail
BIN="$1"; SRC="$2"; WORK="$3"; COPY="${4:-}"
CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
if [[ -z "$CHROMIUM" ]]; then
  echo "SKIP: chromium not installed (scripts/setup-deps.sh installs it)"; exit 77
fi
export GLOG_minloglevel=${GLOG_minloglevel:-1}
rm -rf "$WORK"; mkdir -p "$WORK"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

SAMPLE="$SRC/tests/data/fashion_sample.csv"
"$BIN/signdpu-quantize" --model "$SRC/models/signcnn_fashion.onnx" --calib "$SAMPLE" --calib_iter 6 \
  --calib_batch_size 32 --eval "$SAMPLE" --labels "$SRC/models/fashion.labels.txt" --output_dir "$WORK/q" \
  --name signcnn_fashion --tune_images 0 --no-progress > "$WORK/quantize.txt" 2>&1 \
  || { cat "$WORK/quantize.txt"; echo "FAIL: signdpu-quantize"; exit 1; }
HTML="$WORK/q/report.html"
[[ -s "$HTML" ]] && ok "report.html written beside report.json" || { echo "FAIL: no report.html"; exit 1; }
grep -q "wrote $WORK/q/report.html" "$WORK/quantize.txt" && ok "the quantiser says it wrote report.html" || fail "no 'wrote ...report.html' line"

# Headless Chromium, no network at all (proxy to a closed port, no DNS): the
# page must not need any.
run_chromium() {
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
    --user-data-dir="$WORK/profile" --no-first-run --disable-extensions \
    --proxy-server="http://127.0.0.1:9" --host-resolver-rules="MAP * ~NOTFOUND" "$@" 2>>"$WORK/chromium.log"
}
run_chromium --dump-dom "file://$HTML" > "$WORK/dom.html"
[[ -s "$WORK/dom.html" ]] && ok "chromium rendered the page (--dump-dom)" || { fail "chromium --dump-dom gave nothing"; tail -5 "$WORK/chromium.log"; }
run_chromium --screenshot="$WORK/report.png" --window-size=1200,2400 "file://$HTML" > /dev/null
[[ -s "$WORK/report.png" ]] && ok "chromium wrote a screenshot" || fail "no screenshot"

/usr/bin/python3 - "$WORK/dom.html" "$WORK/report.png" <<'PY' || fails=$((fails + 1))
import re, struct, sys, zlib
from html.parser import HTMLParser
dom = open(sys.argv[1], encoding="utf-8").read()
bad = 0
def check(cond, what):
    global bad
    print(("ok: " if cond else "FAIL: ") + what)
    bad += 0 if cond else 1

class Sections(HTMLParser):
    def __init__(self):
        super().__init__(); self.stack = []; self.sec = {}; self.cur = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section": self.cur = a.get("id"); self.sec[self.cur] = {"svg": 0, "rect": 0, "img": 0, "tr": 0, "text": ""}
        elif self.cur:
            if tag in ("svg", "rect", "img", "tr"): self.sec[self.cur][tag] += 1
            if tag == "img": check(a.get("src", "").startswith("data:image/png;base64,"), "img is an inline PNG")
        if tag in ("script", "link", "iframe", "object"): check(False, f"no <{tag}> in the page")
    def handle_endtag(self, tag):
        if tag == "section": self.cur = None
    def handle_data(self, data):
        if self.cur: self.sec[self.cur]["text"] += data
p = Sections(); p.feed(dom)
need = {"summary": "text", "sqnr": "rect", "histograms": "svg", "weights": "svg", "accuracy": "tr",
        "changed": "img", "sensitivity": "tr", "fill": "tr"}
for sid, what in need.items():
    s = p.sec.get(sid)
    check(s is not None, f"section {sid} present")
    if s is None: continue
    filled = len(s["text"].strip()) > 20 if what == "text" else s[what] > 0
    check(filled, f"section {sid} not empty ({what}: {s[what] if what != 'text' else len(s['text'])})")
check("Needs --eval" not in dom, "no section is missing its data")
check(p.sec.get("histograms", {}).get("svg", 0) >= 8, "one histogram per quantised tensor (>= 8 on this model)")
check("Estimate" in p.sec.get("fill", {}).get("text", ""), "the fill section says it is an estimate")
check(re.search(r"(src|href)=['\"]https?:", dom) is None, "no external references")

# The screenshot: decode the PNG (stdlib only) and count colours.
data = open(sys.argv[2], "rb").read()
check(data[:8] == b"\x89PNG\r\n\x1a\n", "screenshot is a PNG")
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, t = struct.unpack(">I4s", data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
    if t == b"IHDR": w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif t == b"IDAT": idat += body
bpp = {2: 3, 6: 4}[ctype]
raw, stride, prev, rows = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line)); prev = line
colours, nonwhite, total = set(), 0, 0
for y in range(0, h, 3):
    r = rows[y]
    for x in range(0, w, 3):
        px = r[x * bpp:x * bpp + 3]; colours.add(px); total += 1; nonwhite += px != b"\xff\xff\xff"
check(len(colours) > 50, f"screenshot is not blank: {len(colours)} colours")
check(nonwhite / total > 0.05, f"screenshot has content: {100 * nonwhite / total:.1f} % non-white pixels")
sys.exit(1 if bad else 0)
PY
if [[ -n "$COPY" && $fails -eq 0 ]]; then cp "$WORK/report.png" "$COPY" && ok "copied the screenshot to $COPY"; fi
if ((fails)); then echo "$fails check(s) failed"; exit 1; fi
echo "all report.html browser checks passed"
