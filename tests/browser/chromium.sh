# Headless Chromium for the page tests (sourced by bash scripts):
#   find_chromium                 sets CHROMIUM, exit 77 (ctest: skipped) without it
#   run_chromium WORK ARGS...     headless, no GPU, no sandbox, a profile in WORK/profile;
#                                 no network beyond 127.0.0.1 (other hosts do not resolve)
#   png_not_blank PNG MIN_COLOURS MIN_SHARE   decodes the PNG (Python stdlib) and checks
#                                 it has > MIN_COLOURS colours and > MIN_SHARE non-white pixels
# scripts/setup-deps.sh installs chromium in the full set, so CI runs these.

find_chromium() {
  CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
  if [[ -z "$CHROMIUM" ]]; then
    echo "SKIP: chromium not installed (scripts/setup-deps.sh installs it)"; exit 77
  fi
}

run_chromium() {
  local work="$1"; shift
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
    --user-data-dir="$work/profile" --no-first-run --disable-extensions \
    --proxy-server="http://127.0.0.1:9" --proxy-bypass-list="<-loopback>;127.0.0.1" \
    --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" "$@" 2>>"$work/chromium.log"
}

png_not_blank() {
  /usr/bin/python3 - "$@" <<'PY'
import struct, sys, zlib
path, min_colours, min_share = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
data = open(path, "rb").read()
bad = 0
def check(cond, what):
    global bad
    print(("ok: " if cond else "FAIL: ") + what)
    bad += 0 if cond else 1
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
check(len(colours) > min_colours, f"screenshot is not blank: {len(colours)} colours")
check(nonwhite / total > min_share, f"screenshot has content: {100 * nonwhite / total:.1f} % non-white pixels")
sys.exit(1 if bad else 0)
PY
}
