#!/usr/bin/env bash
# Converts Debian's Fashion-MNIST (dataset-fashion-mnist, IDX gz files) into
# the Sign Language MNIST CSV layout used by the Kaggle files:
#   header row  label,pixel1,...,pixel784
#   one image per row, label then 784 grey values 0..255 in row-major order.
#
# Writes (data/ is git-ignored):
#   <out>/fashion_train.csv   60000 rows + header
#   <out>/fashion_test.csv    10000 rows + header
#
# Idempotent: an output that already exists with the right header and row
# count is left alone (use --force to rewrite). Outputs are written to a
# temporary file and renamed, so an interrupted run never leaves a file that
# looks complete.
#
# Usage: scripts/prepare-data.sh [--out DIR] [--src DIR] [--force]
#   --out DIR  output directory (default: <repo>/data)
#   --src DIR  directory with the IDX .gz files
#              (default: $FASHION_MNIST_DIR or /usr/share/datasets/fashion-mnist)
#   --force    rewrite outputs even if they look complete
#
# The committed test sample is regenerated with:
#   scripts/prepare-data.sh && head -n 201 data/fashion_test.csv > tests/data/fashion_sample.csv
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then  # the header above; nothing runs
  sed -n '2,/^[^#]/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$repo/data"
src="${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
force=0
python="${SIGNDPU_PYTHON:-/usr/bin/python3}"

while (($#)); do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --src) src="$2"; shift 2 ;;
    --force) force=1; shift ;;
    *) echo "prepare-data: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz \
         t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  if [[ ! -f "$src/$f" ]]; then
    echo "prepare-data: missing $src/$f (install the Debian package dataset-fashion-mnist, see scripts/setup-deps.sh)" >&2
    exit 1
  fi
done
mkdir -p "$out"

exec "$python" - "$src" "$out" "$force" <<'PY'
import gzip, os, sys, time
import numpy as np

src, out, force = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
HEADER = "label," + ",".join("pixel%d" % i for i in range(1, 785))

def read_idx(path, want_magic):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    if magic != want_magic:
        sys.exit("prepare-data: %s: bad IDX magic 0x%08x (want 0x%08x)" % (path, magic, want_magic))
    ndim = magic & 0xFF
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        sys.exit("prepare-data: %s: %d bytes of data, header says %s" % (path, data.size, dims))
    return data.reshape(dims)

def complete(path, rows):
    """True if path has the Kaggle header and exactly `rows` data rows of 785 fields."""
    if not os.path.isfile(path):
        return False
    with open(path, "rb") as f:
        first = f.readline().decode("ascii", "replace").rstrip("\r\n")
        if first != HEADER:
            return False
        n = 0
        last = b""
        for line in f:
            n += 1
            last = line
    return n == rows and last.endswith(b"\n") and last.count(b",") == 784

def write_csv(path, images, labels):
    n = images.shape[0]
    flat = np.concatenate([labels.reshape(n, 1).astype(np.uint8), images.reshape(n, 784)], axis=1)
    table = [str(v).encode() for v in range(256)]
    get = table.__getitem__
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(HEADER.encode() + b"\n")
        chunk = []
        for row in flat.tolist():
            chunk.append(b",".join(map(get, row)))
            if len(chunk) == 5000:
                f.write(b"\n".join(chunk) + b"\n")
                chunk = []
        if chunk:
            f.write(b"\n".join(chunk) + b"\n")
    os.replace(tmp, path)

for split, prefix, rows in (("train", "train", 60000), ("test", "t10k", 10000)):
    dst = os.path.join(out, "fashion_%s.csv" % split)
    if not force and complete(dst, rows):
        print("prepare-data: %s already complete (%d rows + header), skipped" % (dst, rows))
        continue
    t0 = time.time()
    images = read_idx(os.path.join(src, prefix + "-images-idx3-ubyte.gz"), 0x00000803)
    labels = read_idx(os.path.join(src, prefix + "-labels-idx1-ubyte.gz"), 0x00000801)
    if images.shape != (rows, 28, 28) or labels.shape != (rows,):
        sys.exit("prepare-data: unexpected shapes %s / %s for %s" % (images.shape, labels.shape, split))
    if labels.max() > 9:
        sys.exit("prepare-data: label %d out of range 0..9" % labels.max())
    write_csv(dst, images, labels)
    counts = np.bincount(labels, minlength=10)
    print("prepare-data: wrote %s: %d rows + header (label,pixel1..pixel784), labels 0..9, "
          "per-class %s, %.1f s" % (dst, rows, counts.tolist(), time.time() - t0))
PY
