#!/usr/bin/python3
"""Generates the per-op ONNX models of the quantise-and-run tests
(tests/quantize/onnx_ops_e2e.sh): small CNNs on 28x28 grey images, each built
around the ONNX ops it proves, trained briefly so that their logits separate.

    /usr/bin/python3 tests/data/onnx/make_op_models.py data/fashion_train.csv tests/data/onnx

(torch 1.13, onnx 1.12 from Debian 12; torch.manual_seed(1234), the first
2000 training rows, 4 epochs of Adam at 1e-2; F.pad's exported pads chain is
replaced by one int64 initializer per Pad.) Models (opset 13, NCHW, dynamic batch):

  op_eltwise.onnx  Mul by a per-channel [1,8,1,1] initializer, Add of a scalar
                   Constant, Mul of two activations, Add of a [1,1,28,28]
                   spatial constant, GlobalAveragePool, Gemm.
  op_concat.onnx   Concat on the channel axis of two branches with ranges 16x
                   apart (different calibrated fix points), then Concat on
                   the width axis with a branch that two concats read (its
                   own fix point, requantised), GlobalAveragePool, Gemm.
  op_pad.onnx      Pad constant 0 (asymmetric), Pad reflect 2, Pad edge 1
                   (= XIR SYMMETRIC for pads of 1), valid convs, Gemm.

Hostile models (untrained; the lowering must refuse them in one line):
  bad_add_broadcast.onnx  input [N,1,28,28] + constant [1,3,28,28] (the
                          constant would enlarge the activation)
  bad_mul_tensors.onnx    conv output * its GlobalAveragePool (a broadcast
                          of two activations, squeeze-excite style)
  bad_concat_batch.onnx   Concat on the batch axis
  bad_pad_edge.onnx       Pad edge 2 (pad-fix SYMMETRIC differs from edge)
  bad_pad_value.onnx      Pad constant 0.5 (pad-fix pads with 0)
"""
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper


class Eltwise(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(1, 8, 3, padding=1)
        self.conv3 = torch.nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.scale = torch.nn.Parameter(torch.rand(1, 8, 1, 1) + 0.5)
        self.register_buffer("spatial", torch.randn(1, 1, 28, 28) * 0.1)
        self.fc = torch.nn.Linear(16, 10)

    def forward(self, x):
        a = torch.relu(self.conv1(x)) * self.scale
        a = a + 0.25
        b = torch.relu(self.conv2(x))
        y = a * b + self.spatial
        y = torch.relu(self.conv3(y))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


class Concat(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_a = torch.nn.Conv2d(1, 4, 3, padding=1)
        self.conv_b = torch.nn.Conv2d(1, 4, 3, padding=1)
        self.conv_c = torch.nn.Conv2d(1, 8, 3, padding=1)
        self.conv = torch.nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.fc = torch.nn.Linear(16, 10)

    def forward(self, x):
        a = torch.relu(self.conv_a(x))
        b = torch.relu(self.conv_b(x)) * 16.0
        c = torch.relu(self.conv_c(x))
        cat1 = torch.cat([a, b], 1)
        cat2 = torch.cat([cat1, c], 3)
        cat3 = torch.cat([c, c], 3)
        y = torch.relu(self.conv(cat2 + cat3))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


class Pad(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(8, 8, 3, stride=2)
        self.conv3 = torch.nn.Conv2d(8, 8, 3, stride=2)
        self.conv4 = torch.nn.Conv2d(8, 16, 3)
        self.fc = torch.nn.Linear(16, 10)

    def forward(self, x):
        y = torch.relu(self.conv1(x))
        y = F.pad(y, (1, 2, 0, 1))  # left, right, top, bottom; constant 0
        y = torch.relu(self.conv2(y))
        y = F.pad(y, (2, 2, 2, 2), mode="reflect")
        y = torch.relu(self.conv3(y))
        y = F.pad(y, (1, 1, 1, 1), mode="replicate")
        y = torch.relu(self.conv4(y))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


class BadAdd(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("k", torch.ones(1, 3, 28, 28))

    def forward(self, x):
        return torch.flatten(F.adaptive_avg_pool2d(x + self.k, 1), 1)


class BadMul(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 8, 3, padding=1)

    def forward(self, x):
        y = torch.relu(self.conv(x))
        y = y * F.adaptive_avg_pool2d(y, 1)
        return torch.flatten(F.adaptive_avg_pool2d(y, 1), 1)


class BadConcat(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 8, 3, padding=1)

    def forward(self, x):
        y = torch.relu(self.conv(x))
        return torch.flatten(F.adaptive_avg_pool2d(torch.cat([y, y], 0), 1), 1)


class BadPad(torch.nn.Module):
    def __init__(self, mode, value=0.0):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 8, 3, padding=1)
        self.mode, self.value = mode, value

    def forward(self, x):
        y = torch.relu(self.conv(x))
        if self.mode == "constant":
            y = F.pad(y, (1, 1, 1, 1), value=self.value)
        else:
            y = F.pad(y, (2, 2, 2, 2), mode=self.mode)
        return torch.flatten(F.adaptive_avg_pool2d(y, 1), 1)


def load_rows(path, count):
    data = np.loadtxt(path, delimiter=",", skiprows=1, max_rows=count, dtype=np.float32)
    return torch.from_numpy(data[:, 1:].reshape(-1, 1, 28, 28) / 255.0), torch.from_numpy(data[:, 0]).long()


def train(model, x, y, epochs=4):
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(epochs):
        for i in range(0, len(x), 50):
            opt.zero_grad()
            loss = F.cross_entropy(model(x[i:i + 50]), y[i:i + 50])
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(x).argmax(1) == y).float().mean().item()
    print(f"{type(model).__name__}: training accuracy {acc:.3f}")


def constant_pads(model, pads):
    """torch 1.13 exports F.pad's pads as a Shape-free chain of ops (ConstantOfShape,
    Concat, Slice, Transpose, Reshape, Cast); the ONNX form a model needs is one
    int64 initializer per Pad. `pads`: torch's (left, right, top, bottom) per Pad."""
    g = model.graph
    pad_nodes = [n for n in g.node if n.op_type == "Pad"]
    assert len(pad_nodes) == len(pads)
    for i, (n, (l, r, t, b)) in enumerate(zip(pad_nodes, pads)):
        name = f"{n.name or 'pad'}_{i}_pads"
        g.initializer.append(numpy_helper.from_array(np.array([0, 0, t, l, 0, 0, b, r], dtype=np.int64), name))
        n.input[1] = name
    while True:  # drop the chain (nodes nothing reads any more)
        used = {i for n in g.node for i in n.input} | {o.name for o in g.output}
        dead = [n for n in g.node if not any(o in used for o in n.output)]
        if not dead:
            break
        for n in dead:
            g.node.remove(n)
    onnx.checker.check_model(model)
    return model


def export(model, path, pads=None):
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), path, opset_version=13, input_names=["image"],
                      output_names=["logits"], dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}},
                      do_constant_folding=True)
    if pads:
        onnx.save(constant_pads(onnx.load(path), pads), path)


def main(argv):
    if len(argv) != 3:
        print(__doc__)
        return 2
    train_csv, out = argv[1], argv[2]
    torch.manual_seed(1234)
    x, y = load_rows(train_csv, 2000)
    pad_pads = [(1, 2, 0, 1), (2, 2, 2, 2), (1, 1, 1, 1)]
    for name, model, pads in (("op_eltwise", Eltwise(), None), ("op_concat", Concat(), None),
                              ("op_pad", Pad(), pad_pads)):
        train(model, x, y)
        export(model, os.path.join(out, name + ".onnx"), pads)
    for name, model, pads in (("bad_add_broadcast", BadAdd(), None), ("bad_mul_tensors", BadMul(), None),
                              ("bad_concat_batch", BadConcat(), None),
                              ("bad_pad_edge", BadPad("replicate"), [(2, 2, 2, 2)]),
                              ("bad_pad_value", BadPad("constant", 0.5), [(1, 1, 1, 1)])):
        model.eval()
        export(model, os.path.join(out, name + ".onnx"), pads)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
