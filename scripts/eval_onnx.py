#!/usr/bin/python3
"""Evaluate an exported ONNX classifier on a label,pixel1..pixel784 CSV.

Run with /usr/bin/python3 (needs python3-onnx and python3-numpy only; no torch).
onnx 1.12 has no reference evaluator and onnxruntime is not packaged in
Debian, so this file carries a small numpy evaluator for the operators the
tutorial CNN exports to (Conv, Relu, BatchNormalization, MaxPool, Flatten,
Gemm, Softmax, plus Identity/Reshape/MatMul/Add/Constant). It runs the file
itself, so it checks what was written, not the torch model it came from.

  /usr/bin/python3 scripts/eval_onnx.py models/signcnn_fashion.onnx data/fashion_test.csv \
      --labels models/fashion.labels.txt
"""

import argparse
import sys

import numpy as np


def _attrs(node):
    import onnx
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _conv(x, w, b, at):
    if at.get("group", 1) != 1:
        raise NotImplementedError("grouped Conv")
    if any(d != 1 for d in at.get("dilations", [1, 1])):
        raise NotImplementedError("dilated Conv")
    if at.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise NotImplementedError("Conv auto_pad")
    kh, kw = w.shape[2], w.shape[3]
    sh, sw = at.get("strides", [1, 1])
    pt, pl, pb, pr = at.get("pads", [0, 0, 0, 0])
    x = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    n, c, h, wd = x.shape
    oh, ow = (h - kh) // sh + 1, (wd - kw) // sw + 1
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=np.float32)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = x[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]
    # [N, C*kh*kw, OH*OW] x [K, C*kh*kw] -> [N, K, OH, OW]
    y = np.matmul(w.reshape(w.shape[0], -1), cols.reshape(n, c * kh * kw, oh * ow))
    y = y.reshape(n, w.shape[0], oh, ow)
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y.astype(np.float32)


def _maxpool(x, at):
    kh, kw = at["kernel_shape"]
    sh, sw = at.get("strides", [1, 1])
    pads = at.get("pads", [0, 0, 0, 0])
    if any(pads) or at.get("ceil_mode", 0):
        raise NotImplementedError("padded/ceil MaxPool")
    n, c, h, w = x.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    y = np.full((n, c, oh, ow), -np.inf, dtype=np.float32)
    for i in range(kh):
        for j in range(kw):
            y = np.maximum(y, x[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw])
    return y


def run(model, x):
    """Runs `model` (onnx.ModelProto) on input x [N,1,28,28] float32; returns output 0."""
    from onnx import numpy_helper
    g = model.graph
    env = {t.name: numpy_helper.to_array(t).astype(np.float32)
           if numpy_helper.to_array(t).dtype.kind == "f" else numpy_helper.to_array(t)
           for t in g.initializer}
    inits = set(env)
    ins = [i.name for i in g.input if i.name not in inits]
    if len(ins) != 1:
        raise ValueError("want exactly one graph input, got %s" % ins)
    env[ins[0]] = np.asarray(x, dtype=np.float32)
    for node in g.node:
        at = _attrs(node)
        a = [env[i] if i else None for i in node.input]
        op = node.op_type
        if op == "Conv":
            y = _conv(a[0], a[1], a[2] if len(a) > 2 else None, at)
        elif op == "Relu":
            y = np.maximum(a[0], 0)
        elif op == "BatchNormalization":
            xx, s, bb, mean, var = a[:5]
            eps = at.get("epsilon", 1e-5)
            sh = (1, -1) + (1,) * (xx.ndim - 2)
            y = (xx - mean.reshape(sh)) / np.sqrt(var.reshape(sh) + eps) * s.reshape(sh) + bb.reshape(sh)
        elif op == "MaxPool":
            y = _maxpool(a[0], at)
        elif op == "Flatten":
            ax = at.get("axis", 1)
            y = a[0].reshape(int(np.prod(a[0].shape[:ax])), -1)
        elif op == "Reshape":
            shape = [a[0].shape[i] if d == 0 else int(d) for i, d in enumerate(a[1].tolist())]
            y = a[0].reshape(shape)
        elif op == "Gemm":
            A, B = a[0], a[1]
            if at.get("transA", 0):
                A = A.T
            if at.get("transB", 0):
                B = B.T
            y = at.get("alpha", 1.0) * (A @ B)
            if len(a) > 2 and a[2] is not None:
                y = y + at.get("beta", 1.0) * a[2]
        elif op == "MatMul":
            y = a[0] @ a[1]
        elif op == "Add":
            y = a[0] + a[1]
        elif op == "Softmax":
            ax = at.get("axis", -1)
            z = a[0] - a[0].max(axis=ax, keepdims=True)
            e = np.exp(z)
            y = e / e.sum(axis=ax, keepdims=True)
        elif op == "Identity":
            y = a[0]
        elif op == "Constant":
            y = numpy_helper.to_array(at["value"])
        else:
            raise NotImplementedError("operator %s not supported by this evaluator" % op)
        env[node.output[0]] = np.asarray(y, dtype=np.float32) if np.asarray(y).dtype.kind == "f" else y
    return env[g.output[0].name]


def run_batched(model, x, batch=500):
    return np.concatenate([run(model, x[i:i + batch]) for i in range(0, len(x), batch)])


def main(argv=None):
    import onnx
    p = argparse.ArgumentParser(description="Evaluate an ONNX classifier on a 28x28 CSV (numpy evaluator)")
    p.add_argument("model")
    p.add_argument("csv")
    p.add_argument("--labels", help="labels file (one name a line, index = raw label) for the per-class table")
    p.add_argument("--limit", type=int, default=None, help="use only the first N rows")
    a = p.parse_args(argv)

    sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
    from train import read_csv, check_onnx, load_labels

    m = onnx.load(a.model)
    onnx.checker.check_model(m, full_check=True)
    num_classes = m.graph.output[0].type.tensor_type.shape.dim[1].dim_value
    ops = check_onnx(m, num_classes)
    x, y, _ = read_csv(a.csv, a.limit)
    probs = run_batched(m, x)
    pred = probs.argmax(1)
    acc = float(np.mean(pred == y))
    print("%s: opset 13, input [batch,1,28,28], %d classes, ops %s" % (a.model, num_classes, " ".join(ops)))
    print("accuracy %.4f on %d rows of %s (max |sum(probs)-1| %.1e)" %
          (acc, len(y), a.csv, float(np.abs(probs.sum(1) - 1).max())))
    if a.labels:
        names = load_labels(a.labels)
        for c in range(num_classes):
            sel = y == c
            if sel.any():
                print("  %2d %-12s %.4f (%d)" % (c, names[c] if c < len(names) else "?",
                                                 float(np.mean(pred[sel] == c)), int(sel.sum())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
