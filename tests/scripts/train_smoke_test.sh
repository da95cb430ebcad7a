#!/usr/bin/env bash
# Smoke test of scripts/train.py: 1 epoch on the committed 200-row
# Fashion-MNIST sample, then checks the three outputs, the ONNX contract
# (checker, opset 13, input "input" [batch,1,28,28] with a symbolic batch,
# output "probs", Softmax last), the numpy re-evaluation of the exported file,
# and the raw-label -> name mapping of the sign-language labels.
#
# Usage: train_smoke_test.sh SOURCE_DIR WORK_DIR
# Needs /usr/bin/python3 with python3-torch, python3-numpy, python3-onnx
# (override the interpreter with SIGNDPU_PYTHON).
set -euo pipefail

src="${1:?usage: train_smoke_test.sh SOURCE_DIR WORK_DIR}"
work="${2:?usage: train_smoke_test.sh SOURCE_DIR WORK_DIR}"
py="${SIGNDPU_PYTHON:-/usr/bin/python3}"
sample="$src/tests/data/fashion_sample.csv"

fail() { echo "FAIL: $*" >&2; exit 1; }

[[ -f "$sample" ]] || fail "missing $sample"
rm -rf "$work"
mkdir -p "$work"

echo "== 1 epoch, fashion labels, --limit-train 300 on the 200-row sample"
"$py" "$src/scripts/train.py" --train "$sample" --test "$sample" --epochs 1 \
  --limit-train 300 --labels fashion --threads 2 --output-dir "$work/fashion" --name smoke \
  | tee "$work/fashion.log"

for f in smoke.onnx smoke.labels.txt smoke.train.json; do
  [[ -s "$work/fashion/$f" ]] || fail "train.py did not write $f"
done
cmp -s "$work/fashion/smoke.labels.txt" "$src/models/fashion.labels.txt" \
  || fail "written fashion labels differ from models/fashion.labels.txt"
grep -q '^epoch 1/1: loss ' "$work/fashion.log" || fail "no per-epoch loss line"
grep -q '^test accuracy (float, torch): ' "$work/fashion.log" || fail "no final test accuracy line"

echo "== 1 epoch, sign labels, 25 classes (labels 10..24 never occur in the sample)"
"$py" "$src/scripts/train.py" --train "$sample" --test "$sample" --epochs 1 \
  --limit-train 64 --labels sign --num-classes 25 --threads 2 --output-dir "$work/sign" \
  > "$work/sign.log" || { cat "$work/sign.log"; fail "train.py --labels sign failed"; }
cmp -s "$work/sign/signcnn.labels.txt" "$src/models/sign.labels.txt" \
  || fail "written sign labels differ from models/sign.labels.txt"

echo "== checks"
"$py" - "$src" "$work" <<'PY'
import json, os, sys
import numpy as np
import onnx

src, work = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(src, "scripts"))
import train, eval_onnx

def check(cond, msg):
    if not cond:
        sys.exit("FAIL: " + msg)

for sub, name, classes in (("fashion", "smoke", 10), ("sign", "signcnn", 25)):
    path = os.path.join(work, sub, name + ".onnx")
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    opset = {o.domain: o.version for o in m.opset_import}
    check(opset.get("") == 13, "%s: opset %s, want 13" % (path, opset))
    inits = {t.name for t in m.graph.initializer}
    ins = [i for i in m.graph.input if i.name not in inits]
    check([i.name for i in ins] == ["input"], "%s: inputs %s" % (path, [i.name for i in ins]))
    dims = ins[0].type.tensor_type.shape.dim
    check(len(dims) == 4 and dims[0].dim_param != "" and dims[0].dim_value == 0,
          "%s: batch dimension is not dynamic" % path)
    check([d.dim_value for d in dims[1:]] == [1, 28, 28], "%s: input not [N,1,28,28]" % path)
    check([o.name for o in m.graph.output] == ["probs"], "%s: output not 'probs'" % path)
    odims = m.graph.output[0].type.tensor_type.shape.dim
    check(odims[0].dim_param != "" and odims[1].dim_value == classes,
          "%s: output not [batch,%d]" % (path, classes))
    ops = [n.op_type for n in m.graph.node]
    check(ops[-1] == "Softmax", "%s: last op %s, want Softmax" % (path, ops[-1]))
    check(ops.count("BatchNormalization") == 2 and ops.count("Conv") == 2,
          "%s: BatchNorm after ReLU must stay (ops %s)" % (path, ops))
    check("Identity" not in ops, "%s: Identity nodes left in the graph" % path)
    # Batch sizes 1 and 7 through the exported file: rows are probabilities.
    x, y, had_header = train.read_csv(os.path.join(src, "tests/data/fashion_sample.csv"), 7)
    check(had_header and x.shape == (7, 1, 28, 28) and float(x.max()) <= 1.0, "read_csv")
    p7 = eval_onnx.run(m, x)
    p1 = eval_onnx.run(m, x[:1])
    check(p7.shape == (7, classes) and np.allclose(p7.sum(1), 1, atol=1e-5), "probs do not sum to 1")
    check(np.allclose(p1[0], p7[0], atol=1e-6), "batch 1 and batch 7 disagree")

info = json.load(open(os.path.join(work, "fashion", "smoke.train.json")))
for k in ("test_accuracy", "epochs", "seed", "train_rows", "test_rows", "seconds"):
    check(k in info, "train.json lacks %s" % k)
check(info["epochs"] == 1 and info["seed"] == 0, "train.json epochs/seed")
check(info["train_rows"] == 200 and info["test_rows"] == 200, "train.json row counts")
check(0.0 <= info["test_accuracy"] <= 1.0, "train.json accuracy")
check(info["onnx_test_accuracy"] == info["test_accuracy"], "exported ONNX accuracy differs from torch")

# Raw label -> name: the index is the raw label, J (9) keeps its slot.
sign = [l.rstrip("\n") for l in open(os.path.join(src, "models/sign.labels.txt"))]
check(sign == train.builtin_labels("sign"), "models/sign.labels.txt differs from train.py")
check(len(sign) == 25, "sign labels: %d lines, want 25" % len(sign))
for raw, letter in ((0, "A"), (8, "I"), (9, "J"), (10, "K"), (24, "Y")):
    check(train.label_name(sign, raw) == letter,
          "sign label %d -> %r, want %r" % (raw, train.label_name(sign, raw), letter))
written = [l.rstrip("\n") for l in open(os.path.join(work, "sign", "signcnn.labels.txt"))]
check(written[10] == "K" and written[24] == "Y", "written sign labels: 10 -> %s, 24 -> %s" % (written[10], written[24]))
fashion = [l.rstrip("\n") for l in open(os.path.join(src, "models/fashion.labels.txt"))]
check(fashion == train.builtin_labels("fashion") and fashion[0] == "T-shirt/top" and fashion[9] == "Ankle boot",
      "models/fashion.labels.txt")
print("all checks passed")
PY

echo "== header-less CSV is read the same"
sed -n "2,21p" "$sample" > "$work/noheader.csv"
"$py" - "$src" "$work/noheader.csv" "$sample" <<'PY'
import os, sys
import numpy as np
sys.path.insert(0, os.path.join(sys.argv[1], "scripts"))
import train
x1, y1, h1 = train.read_csv(sys.argv[2])
x2, y2, h2 = train.read_csv(sys.argv[3], 20)
assert not h1 and h2, (h1, h2)
assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
print("header detection ok")
PY
echo "PASS train_smoke"
