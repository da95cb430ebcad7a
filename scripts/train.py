#!/usr/bin/python3
"""Train the tutorial CNN on a 28x28 grayscale CSV and export it to ONNX.

Run with Debian's interpreter (/usr/bin/python3, python3-torch 1.13 CPU,
python3-numpy, python3-onnx); the pyenv python3 on PATH cannot import torch.

CSV layout (Sign Language MNIST on Kaggle, and data/fashion_*.csv made by
scripts/prepare-data.sh): `label,pixel1,...,pixel784`, one image per row,
values 0..255 in row-major order. The header row is optional and detected.

Architecture (exactly the tutorial's, including BatchNorm *after* ReLU, which
cannot be folded into the convolution and is kept as a BatchNormalization op):
  Conv 28 3x3 same -> ReLU -> BatchNorm -> MaxPool 2x2
  Conv 64 3x3 same -> ReLU -> BatchNorm -> MaxPool 2x2 -> Dropout 0.4
  Flatten -> Dense 512 -> ReLU -> Dropout 0.4 -> Dense C -> Softmax
Input NCHW float [N,1,28,28] = pixels/255, no other normalisation.

Outputs in --output-dir: <name>.onnx (opset 13, input "input", output "probs"
= softmax probabilities, dynamic batch), <name>.labels.txt (one class name a
line, line index = raw label) and <name>.train.json.

Example (the bundled model, see models/README.md):
  scripts/prepare-data.sh
  /usr/bin/python3 scripts/train.py --train data/fashion_train.csv \
      --test data/fashion_test.csv --epochs 10 --labels fashion \
      --output-dir models --name signcnn_fashion
"""

import argparse
import json
import os
import random
import sys
import time

import numpy as np

FASHION_LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
# Sign Language MNIST: raw label i is letter chr(ord('A') + i) for i in 0..24.
# 9 (J) and 25 (Z) need motion and never occur in the data, but J keeps its
# slot so the list can be indexed by the raw label. (The original tutorial
# indexed a 24-letter list without J by the raw label and so named every
# letter after I wrong.)
SIGN_LABELS = [chr(ord("A") + i) for i in range(25)]

INPUT_NAME = "input"
OUTPUT_NAME = "probs"
OPSET = 13


def builtin_labels(kind):
    if kind == "fashion":
        return list(FASHION_LABELS)
    if kind == "sign":
        return list(SIGN_LABELS)
    raise ValueError("no built-in label set %r" % kind)


def load_labels(spec):
    """--labels fashion|sign|FILE -> list of names (index = raw label)."""
    if spec in ("fashion", "sign"):
        return builtin_labels(spec)
    with open(spec, encoding="utf-8") as f:
        names = [line.rstrip("\r\n") for line in f]
    while names and names[-1] == "":
        names.pop()
    if not names:
        raise SystemExit("train: labels file %s is empty" % spec)
    return names


def label_name(labels, raw):
    """Name of raw label `raw`: a plain index, never a shifted one."""
    return labels[int(raw)]


def read_csv(path, limit=None):
    """Reads a label,pixel1..pixel784 CSV (header optional).

    Returns (x float32 [N,1,28,28] in [0,1], y int64 [N], had_header).
    """
    with open(path, "rb") as f:
        raw = f.read()
    raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if raw.startswith(b"\xef\xbb\xbf"):  # UTF-8 BOM
        raw = raw[3:]
    first_nl = raw.find(b"\n")
    first = raw if first_nl < 0 else raw[:first_nl]
    # Header detection: a data row is only digits, commas, signs, dots and blanks.
    had_header = any(c not in b"0123456789,.-+ \t" for c in first)
    body = raw[first_nl + 1:] if had_header else raw
    lines = body.strip(b"\n").split(b"\n") if body.strip() else []
    lines = [ln for ln in lines if ln.strip()]
    if limit is not None:
        lines = lines[:limit]
    if not lines:
        raise SystemExit("train: %s: no data rows" % path)
    text = b",".join(lines)
    if text.count(b",") + 1 != 785 * len(lines):
        for i, ln in enumerate(lines):
            if ln.count(b",") != 784:
                raise SystemExit("train: %s: data row %d has %d fields, want 785 (label + 784 pixels)"
                                 % (path, i + 1, ln.count(b",") + 1))
    vals = np.fromstring(text.decode("ascii"), dtype=np.float64, sep=",")
    if vals.size != 785 * len(lines):
        raise SystemExit("train: %s: could not parse all values (%d of %d)"
                         % (path, vals.size, 785 * len(lines)))
    vals = vals.reshape(len(lines), 785)
    y = vals[:, 0]
    px = vals[:, 1:]
    if np.any(y != np.round(y)) or y.min() < 0:
        raise SystemExit("train: %s: labels must be non-negative integers" % path)
    if px.min() < 0 or px.max() > 255:
        raise SystemExit("train: %s: pixel values outside 0..255" % path)
    x = (px.astype(np.float32) / np.float32(255.0)).reshape(-1, 1, 28, 28)
    return x, y.astype(np.int64), had_header


def build_model(num_classes):
    import torch.nn as nn
    return nn.Sequential(
        nn.Conv2d(1, 28, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.BatchNorm2d(28),
        nn.MaxPool2d(2),
        nn.Conv2d(28, 64, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.BatchNorm2d(64),
        nn.MaxPool2d(2),
        nn.Dropout(0.4),
        nn.Flatten(),
        nn.Linear(64 * 7 * 7, 512),
        nn.ReLU(),
        nn.Dropout(0.4),
        nn.Linear(512, num_classes),
        nn.Softmax(dim=1),
    )


def logits_plain(model, x):
    return model[:-1](x)


def logits_dense_as_conv(model, x):
    """Same function as model[:-1], computed faster on this CPU.

    Debian's torch uses the reference (netlib) BLAS for nn.Linear, about
    6 GFLOP/s single-threaded, which made the two dense layers 80% of the
    training time. Here they run as convolutions through oneDNN: Dense 512
    on the [N,64,7,7] map is a 7x7 convolution with the Linear weight viewed
    as [512,64,7,7] (Flatten order is c,h,w), the last Dense a 1x1
    convolution. The parameters are the nn.Linear ones (views), so training
    updates the model that is exported unchanged (Flatten + Gemm).
    """
    import torch.nn.functional as F
    fc1, fc2 = model[10], model[13]
    h = model[:9](x)  # up to and including the first Dropout: [N,64,7,7]
    h = F.conv2d(h, fc1.weight.view(fc1.out_features, 64, 7, 7), fc1.bias)
    h = model[12](model[11](h))
    h = F.conv2d(h, fc2.weight.view(fc2.out_features, fc2.in_features, 1, 1), fc2.bias)
    return h.flatten(1)


def evaluate(model, x, y, logits_fn=logits_plain, batch=1000):
    """Accuracy of the float model in eval mode; returns (accuracy, probs)."""
    import torch
    model.eval()
    outs = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            outs.append(torch.softmax(logits_fn(model, torch.from_numpy(x[i:i + batch])), dim=1).numpy())
    probs = np.concatenate(outs)
    return float(np.mean(probs.argmax(1) == y)), probs


def inline_identity_initializers(model_proto):
    """PyTorch's exporter de-duplicates identical initializers into Identity
    nodes; OpenCV 4.6 DNN cannot read those. Replace each Identity whose input
    is an initializer by a copy of that initializer. Returns how many."""
    from onnx import numpy_helper
    g = model_proto.graph
    inits = {t.name: t for t in g.initializer}
    keep, n = [], 0
    for node in g.node:
        if node.op_type == "Identity" and len(node.input) == 1 and node.input[0] in inits:
            arr = numpy_helper.to_array(inits[node.input[0]])
            g.initializer.append(numpy_helper.from_array(arr.copy(), node.output[0]))
            n += 1
        else:
            keep.append(node)
    if n:
        del g.node[:]
        g.node.extend(keep)
    return n


def export_onnx(model, path):
    import onnx
    import torch
    model.eval()
    dummy = torch.zeros(1, 1, 28, 28, dtype=torch.float32)
    torch.onnx.export(model, dummy, path, opset_version=OPSET,
                      input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
                      dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
                      do_constant_folding=True,
                      training=torch.onnx.TrainingMode.EVAL)
    m = onnx.load(path)
    n = inline_identity_initializers(m)
    # Drop initializers no node uses any more (after inlining).
    used = {i for node in m.graph.node for i in node.input}
    unused = [t for t in m.graph.initializer if t.name not in used]
    for t in unused:
        m.graph.initializer.remove(t)
    if n or unused:
        onnx.save(m, path)
    onnx.checker.check_model(m, full_check=True)
    return m


def check_onnx(m, num_classes):
    """Structural checks of the exported model; raises on any mismatch."""
    opset = {o.domain: o.version for o in m.opset_import}
    if opset.get("", opset.get("ai.onnx")) != OPSET:
        raise RuntimeError("exported opset %s, want %d" % (opset, OPSET))
    inits = {t.name for t in m.graph.initializer}
    ins = [i for i in m.graph.input if i.name not in inits]
    if [i.name for i in ins] != [INPUT_NAME] or [o.name for o in m.graph.output] != [OUTPUT_NAME]:
        raise RuntimeError("unexpected graph inputs/outputs")
    dims = ins[0].type.tensor_type.shape.dim
    if len(dims) != 4 or not dims[0].dim_param or [d.dim_value for d in dims[1:]] != [1, 28, 28]:
        raise RuntimeError("input must be [batch,1,28,28] with a symbolic batch dimension")
    odims = m.graph.output[0].type.tensor_type.shape.dim
    if len(odims) != 2 or not odims[0].dim_param or odims[1].dim_value != num_classes:
        raise RuntimeError("output must be [batch,%d] with a symbolic batch dimension" % num_classes)
    if m.graph.node[-1].op_type != "Softmax":
        raise RuntimeError("last node must be Softmax")
    return [n.op_type for n in m.graph.node]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--train", required=True, help="training CSV (label,pixel1..pixel784; header optional)")
    p.add_argument("--test", required=True, help="test CSV, same layout")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate")
    p.add_argument("--num-classes", type=int, default=None,
                   help="default: max label + 1 (over train and test), or the label list length if larger")
    p.add_argument("--labels", default=None,
                   help="fashion, sign, or a file with one name a line (index = raw label); "
                        "default: the numbers 0..C-1")
    p.add_argument("--output-dir", default="out/model")
    p.add_argument("--name", default="signcnn")
    p.add_argument("--limit-train", type=int, default=None, help="use only the first N training rows")
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    p.add_argument("--plain-dense", action="store_true",
                   help="compute the dense layers with nn.Linear (slow reference BLAS) instead of "
                        "the equivalent oneDNN convolutions; results differ in rounding only")
    a = p.parse_args(argv)
    if a.epochs < 1 or a.batch_size < 1 or a.threads < 1 or a.lr <= 0:
        p.error("--epochs, --batch-size, --threads must be >= 1 and --lr > 0")
    if a.limit_train is not None and a.limit_train < 1:
        p.error("--limit-train must be >= 1")
    return a


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    t_start = time.time()

    import torch
    import torch.nn.functional as F

    random.seed(a.seed)
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.benchmark = False

    x_tr, y_tr, h_tr = read_csv(a.train, a.limit_train)
    x_te, y_te, h_te = read_csv(a.test)
    print("train: %s: %d rows (header %s)%s" % (a.train, len(y_tr), "yes" if h_tr else "no",
          " [--limit-train %d]" % a.limit_train if a.limit_train else ""))
    print("train: %s: %d rows (header %s)" % (a.test, len(y_te), "yes" if h_te else "no"))

    labels = load_labels(a.labels) if a.labels else None
    inferred = int(max(y_tr.max(), y_te.max())) + 1
    if a.num_classes is not None:
        num_classes = a.num_classes
    else:
        num_classes = inferred
        if labels is not None and len(labels) > num_classes:
            num_classes = len(labels)
    if inferred > num_classes:
        raise SystemExit("train: label %d found but --num-classes is %d" % (inferred - 1, num_classes))
    if labels is None:
        labels = [str(i) for i in range(num_classes)]
    if len(labels) != num_classes:
        raise SystemExit("train: %d label names for %d classes" % (len(labels), num_classes))
    present = sorted(set(y_tr.tolist()))
    absent = [i for i in range(num_classes) if i not in present]
    print("train: %d classes; absent from the training data: %s" %
          (num_classes, ", ".join("%d (%s)" % (i, labels[i]) for i in absent) or "none"))

    model = build_model(num_classes)
    # Logits (the loss applies log-softmax itself, numerically stable); the
    # exported model ends with the Softmax layer.
    logits_fn = logits_plain if a.plain_dense else logits_dense_as_conv
    if not a.plain_dense:
        model.eval()
        with torch.no_grad():
            probe = torch.from_numpy(x_tr[:64])
            diff = float((logits_dense_as_conv(model, probe) - logits_plain(model, probe)).abs().max())
        if diff > 1e-4:
            print("train: dense-as-conv path differs from nn.Linear by %.2e, using nn.Linear" % diff)
            logits_fn = logits_plain
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    gen = torch.Generator().manual_seed(a.seed)
    xt = torch.from_numpy(x_tr)
    yt = torch.from_numpy(y_tr)
    history = []
    for epoch in range(1, a.epochs + 1):
        t0 = time.time()
        model.train()
        perm = torch.randperm(len(yt), generator=gen)
        total, correct, seen = 0.0, 0, 0
        for i in range(0, len(perm), a.batch_size):
            idx = perm[i:i + a.batch_size]
            xb, yb = xt[idx], yt[idx]
            if len(idx) == 1:  # BatchNorm cannot train on a batch of one
                continue
            logits = logits_fn(model, xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
            seen += len(idx)
        test_acc, _ = evaluate(model, x_te, y_te, logits_fn)
        history.append({"epoch": epoch, "loss": total / max(seen, 1),
                        "train_accuracy": correct / max(seen, 1), "test_accuracy": test_acc})
        print("epoch %d/%d: loss %.4f  train_acc %.4f  test_acc %.4f  (%.1f s)" %
              (epoch, a.epochs, total / max(seen, 1), correct / max(seen, 1), test_acc, time.time() - t0),
              flush=True)

    test_acc, probs = evaluate(model, x_te, y_te, logits_fn)
    train_seconds = time.time() - t_start

    os.makedirs(a.output_dir, exist_ok=True)
    onnx_path = os.path.join(a.output_dir, a.name + ".onnx")
    labels_path = os.path.join(a.output_dir, a.name + ".labels.txt")
    json_path = os.path.join(a.output_dir, a.name + ".train.json")
    m = export_onnx(model, onnx_path)
    ops = check_onnx(m, num_classes)
    with open(labels_path, "w", encoding="utf-8") as f:
        f.write("".join(n + "\n" for n in labels))

    # Re-evaluate the exported file itself (numpy reference evaluator in
    # eval_onnx.py; onnx 1.12 has no evaluator and onnxruntime is not packaged).
    onnx_acc, max_diff = None, None
    try:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import eval_onnx
        onnx_probs = eval_onnx.run_batched(m, x_te)
        onnx_acc = float(np.mean(onnx_probs.argmax(1) == y_te))
        max_diff = float(np.abs(onnx_probs - probs).max())
    except ImportError:
        print("train: scripts/eval_onnx.py not found, exported model not re-evaluated")

    info = {
        "test_accuracy": test_acc,
        "onnx_test_accuracy": onnx_acc,
        "onnx_max_abs_prob_diff": max_diff,
        "epochs": a.epochs,
        "seed": a.seed,
        "train_rows": int(len(y_tr)),
        "test_rows": int(len(y_te)),
        "seconds": round(train_seconds, 1),
        "num_classes": num_classes,
        "batch_size": a.batch_size,
        "lr": a.lr,
        "optimizer": "Adam",
        "threads": a.threads,
        "dense_impl": "nn.Linear" if logits_fn is logits_plain else "conv2d (oneDNN), same parameters",
        "train_csv": os.path.basename(a.train),
        "test_csv": os.path.basename(a.test),
        "limit_train": a.limit_train,
        "opset": OPSET,
        "onnx_ops": ops,
        "torch": torch.__version__,
        "history": history,
    }
    with open(json_path, "w", encoding="utf-8") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    print("test accuracy (float, torch): %.4f on %d rows" % (test_acc, len(y_te)))
    if onnx_acc is not None:
        print("test accuracy (exported ONNX, numpy evaluator): %.4f, max |prob diff| %.2e" % (onnx_acc, max_diff))
    print("wrote %s (%d bytes), %s, %s; training %.1f s" %
          (onnx_path, os.path.getsize(onnx_path), labels_path, json_path, train_seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
