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
# find_chromium, run_chromium, png_not_blank (shared with the live view test)
source "$SRC/tests/browser/chromium.sh"
find_chromium
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

# Headless Chromium, no network (proxy to a closed port, no DNS): the page
# must not need any.
run_chromium "$WORK" --dump-dom "file://$HTML" > "$WORK/dom.html"
[[ -s "$WORK/dom.html" ]] && ok "chromium rendered the page (--dump-dom)" || { fail "chromium --dump-dom gave nothing"; tail -5 "$WORK/chromium.log"; }
run_chromium "$WORK" --screenshot="$WORK/report.png" --window-size=1200,2400 "file://$HTML" > /dev/null
[[ -s "$WORK/report.png" ]] && ok "chromium wrote a screenshot" || fail "no screenshot"

/usr/bin/python3 - "$WORK/dom.html" <<'PY' || fails=$((fails + 1))
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

sys.exit(1 if bad else 0)
PY
png_not_blank "$WORK/report.png" 50 0.05 || fails=$((fails + 1))
if [[ -n "$COPY" && $fails -eq 0 ]]; then cp "$WORK/report.png" "$COPY" && ok "copied the screenshot to $COPY"; fi
if ((fails)); then echo "$fails check(s) failed"; exit 1; fi
echo "all report.html browser checks passed"
