#!/usr/bin/env bash
# ONNX Runtime in the benchmark (issue 17, section 5), quick: the QDQ int8 model
# bench/make_qdq_onnx.py writes follows ONNX Runtime's conventions closely
# enough that ONNX Runtime itself fuses it into int8 kernels (QLinearConv,
# QGemm), keeps the float model's accuracy on the 200-row sample, and
# bench/ort_bench.js writes the JSON scripts/bench.sh reads.
#   ort_bench_smoke.sh SOURCE_DIR WORK_DIR ORT_DIR
# ORT_DIR: where onnxruntime-node is (or gets) npm-installed (the build tree).
# Exit 77 (skipped) without node/npm or when the package cannot be installed
# (offline); /usr/bin/python3 needs onnx and numpy.
set -uo pipefail
SRC="$1"; WORK="$2"; ORT="$3"
command -v node >/dev/null && command -v npm >/dev/null || { echo "SKIP: node/npm not installed"; exit 77; }
/usr/bin/python3 -c "import onnx, numpy" 2>/dev/null || { echo "SKIP: /usr/bin/python3 lacks onnx/numpy"; exit 77; }
if [[ ! -f "$ORT/node_modules/onnxruntime-node/package.json" ]]; then
  mkdir -p "$ORT"
  (cd "$ORT" && timeout 300 npm install --ignore-scripts --no-audit --no-fund "onnxruntime-node@${SIGNDPU_ORT_VERSION:-1.30.0}" >/dev/null 2>&1) \
    || { echo "SKIP: npm install onnxruntime-node failed (offline?)"; exit 77; }
fi
rm -rf "$WORK"; mkdir -p "$WORK"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
SAMPLE="$SRC/tests/data/fashion_sample.csv"
MODEL="$SRC/models/signcnn_fashion.onnx"
/usr/bin/python3 "$SRC/bench/make_qdq_onnx.py" augment "$MODEL" "$WORK/aug.onnx" || fail "augment"
node "$SRC/bench/ort_bench.js" calib --ort "$ORT" --model "$WORK/aug.onnx" --csv "$SAMPLE" --rows 128 --out "$WORK/ranges.json" || fail "calib"
/usr/bin/python3 "$SRC/bench/make_qdq_onnx.py" qdq "$MODEL" "$WORK/ranges.json" "$WORK/qdq.onnx" || fail "qdq"
node "$SRC/bench/ort_bench.js" bench --ort "$ORT" --float "$MODEL" --qdq "$WORK/qdq.onnx" --csv "$SAMPLE" \
  --threads 2 --min-time 0.05 --reps 1 --out "$WORK/ort.json" || fail "bench"
# ONNX Runtime's own optimiser output for the QDQ model.
(cd "$ORT" && node -e "
const ort = require('./node_modules/onnxruntime-node');
ort.InferenceSession.create(process.argv[1], {optimizedModelFilePath: process.argv[2], graphOptimizationLevel: 'all'})
  .then(() => {}, (e) => { console.error(e.message); process.exit(1); });" "$WORK/qdq.onnx" "$WORK/qdq_opt.onnx" 2>/dev/null) || fail "optimise"
/usr/bin/python3 - "$WORK" <<'PY' || fails=$((fails + 1))
import json, os, sys
import numpy as np, onnx
from onnx import numpy_helper
w = sys.argv[1]
bad = 0
def check(c, what):
    global bad
    print(("ok: " if c else "FAIL: ") + what); bad += 0 if c else 1
m = onnx.load(os.path.join(w, "qdq.onnx"))
ops = [n.op_type for n in m.graph.node]
check(ops.count("QuantizeLinear") >= 8, f"QDQ model: {ops.count('QuantizeLinear')} QuantizeLinear nodes")
inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
wq = [v for k, v in inits.items() if k.endswith("weight_quantized")]
check(len(wq) == 4 and all(v.dtype == np.int8 and v.min() >= -127 for v in wq), "4 int8 weights in [-127, 127] (symmetric)")
ws = [v for k, v in inits.items() if k.endswith("weight_quantized_scale")]
check(all(v.ndim == 1 and v.size > 1 for v in ws), "weight scales are per output channel")
check(all(not inits[k].any() for k in inits if k.endswith("weight_quantized_zero_point")), "weight zero points are 0")
azp = [int(v) for k, v in inits.items() if k.endswith("_zero_point") and v.ndim == 0 and v.dtype == np.int8]
check(any(z != 0 for z in azp), "activation zero points are asymmetric (some non-zero)")
opt = [n.op_type for n in onnx.load(os.path.join(w, "qdq_opt.onnx")).graph.node]
check("QLinearConv" in opt, "ONNX Runtime fuses the QDQ convs into QLinearConv")
check(any(o in opt for o in ("QGemm", "MatMulInteger", "QLinearMatMul")), "ONNX Runtime runs the dense layers in int8")
r = json.load(open(os.path.join(w, "ort.json")))
f, q = r["models"]["float"], r["models"]["qdq_int8"]
check(r["images"] == 200 and r["threads"] == 2, "200 images, 2 threads")
check(f["accuracy"] >= 0.85, f"float accuracy {f['accuracy']:.3f} >= 0.85 on the sample")
check(abs(q["accuracy"] - f["accuracy"]) <= 0.03, f"int8 accuracy {q['accuracy']:.3f} within 3 points of float")
check(all(x[k] > 0 for x in (f, q) for k in ("fps_batch1", "fps_batch64", "fps_batch1_one_stream")), "throughputs measured")
sys.exit(1 if bad else 0)
PY
if ((fails)); then echo "$fails check(s) failed"; exit 1; fi
echo "all ONNX Runtime smoke checks passed"
