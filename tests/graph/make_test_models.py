#!/usr/bin/python3
"""Generates the small ONNX test models in tests/data/onnx/ and their
PyTorch-computed reference outputs.

Regenerate (from the repository root):
    /usr/bin/python3 tests/graph/make_test_models.py tests/data/onnx

Every model uses fixed random weights (torch.manual_seed), so reruns with the
same torch/onnx versions give the same files. Models:

  cnn_small_pytorch.onnx   the tutorial CNN (Conv 28 3x3 same, ReLU, BN,
                           MaxPool, Conv 64 3x3 same, ReLU, BN, MaxPool,
                           Flatten, Dense, ReLU, Dense 10, Softmax) exported
                           by torch.onnx.export, opset 13, NCHW, Gemm, dynamic
                           batch. Dense 64 instead of 512 keeps the file under
                           1 MB (the full CNN has 1.6 M parameters = 6.4 MB).
  cnn_small_tf2onnx.onnx   the SAME function, written with onnx.helper the way
                           tf2onnx converts a Keras model: NHWC input
                           [N,28,28,1], Transpose to NCHW, convolutions,
                           Transpose back to NHWC before flattening, Reshape
                           with a constant [-1, 3136], MatMul + Add instead of
                           Gemm (dense weights permuted from NCHW to NHWC
                           flatten order), Softmax.
  dedup_identity.onnx      two BatchNorms with fresh (identical) parameters:
                           PyTorch de-duplicates them into Identity nodes
                           (PyTorch's exporter de-duplicates identical initializers).
  mobile_opset9.onnx       stride-2 conv, depthwise conv, ReLU6 (Clip),
  mobile_opset11.onnx      AveragePool, GlobalAveragePool, Gemm, Softmax;
                           opset 9 carries Clip bounds as attributes, opset 11
                           as inputs.

Reference data (ONNX TensorProto files, like ONNX's own test data):
  cnn_small_input_nchw.pb  [4,1,28,28] in [0,1]
  cnn_small_input_nhwc.pb  the same images, [4,28,28,1]
  cnn_small_probs.pb       PyTorch's output
  dedup_input.pb / dedup_output.pb, mobile_input.pb / mobile_output.pb
"""
import os
import sys

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper, TensorProto


class TutorialCnn(torch.nn.Module):
    def __init__(self, dense=512):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 28, 3, padding=1)
        self.bn1 = torch.nn.BatchNorm2d(28)
        self.conv2 = torch.nn.Conv2d(28, 64, 3, padding=1)
        self.bn2 = torch.nn.BatchNorm2d(64)
        self.fc1 = torch.nn.Linear(3136, dense)
        self.fc2 = torch.nn.Linear(dense, 10)

    def forward(self, x):
        x = torch.nn.functional.max_pool2d(self.bn1(torch.relu(self.conv1(x))), 2)
        x = torch.nn.functional.max_pool2d(self.bn2(torch.relu(self.conv2(x))), 2)
        x = torch.flatten(x, 1)
        x = torch.relu(self.fc1(x))
        return torch.softmax(self.fc2(x), dim=1)


def randomise_bn(bn, gen):
    # Non-trivial statistics so BN is not an identity and nothing gets
    # de-duplicated.
    n = bn.num_features
    with torch.no_grad():
        bn.weight.copy_(torch.rand(n, generator=gen) + 0.5)
        bn.bias.copy_(torch.rand(n, generator=gen) - 0.5)
        bn.running_mean.copy_(torch.rand(n, generator=gen) * 0.5)
        bn.running_var.copy_(torch.rand(n, generator=gen) + 0.5)


def save_tensor(path, array, name):
    t = numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name)
    with open(path, "wb") as f:
        f.write(t.SerializeToString())


def export(model, x, path, opset, dynamic=True):
    model.eval()
    axes = {"input": {0: "N"}, "probs": {0: "N"}} if dynamic else None
    torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"],
                      output_names=["probs"], dynamic_axes=axes, do_constant_folding=True)


def make_tf2onnx_style(model, path):
    """The tutorial CNN as tf2onnx writes a Keras model (NHWC in, MatMul+Add)."""
    sd = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    dense = sd["fc1.weight"].shape[0]
    inits = []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    nodes = []
    nodes.append(helper.make_node("Transpose", ["input"], ["nchw"], name="to_nchw", perm=[0, 3, 1, 2]))
    prev = "nchw"
    for i, c in ((1, 28), (2, 64)):
        w = const(f"conv{i}/kernel", sd[f"conv{i}.weight"])
        b = const(f"conv{i}/bias", sd[f"conv{i}.bias"])
        nodes.append(helper.make_node("Conv", [prev, w, b], [f"conv{i}"], name=f"conv{i}",
                                      kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]))
        nodes.append(helper.make_node("Relu", [f"conv{i}"], [f"relu{i}"], name=f"relu{i}"))
        bn_in = [f"relu{i}",
                 const(f"bn{i}/gamma", sd[f"bn{i}.weight"]), const(f"bn{i}/beta", sd[f"bn{i}.bias"]),
                 const(f"bn{i}/mean", sd[f"bn{i}.running_mean"]),
                 const(f"bn{i}/var", sd[f"bn{i}.running_var"])]
        nodes.append(helper.make_node("BatchNormalization", bn_in, [f"bn{i}"], name=f"bn{i}",
                                      epsilon=1e-5))
        nodes.append(helper.make_node("MaxPool", [f"bn{i}"], [f"pool{i}"], name=f"pool{i}",
                                      kernel_shape=[2, 2], strides=[2, 2]))
        prev = f"pool{i}"
    nodes.append(helper.make_node("Transpose", [prev], ["nhwc"], name="to_nhwc", perm=[0, 2, 3, 1]))
    shape = const("flatten/shape", np.array([-1, 3136], dtype=np.int64))
    nodes.append(helper.make_node("Reshape", ["nhwc", shape], ["flat"], name="flatten"))
    # PyTorch flattens C,H,W; Keras flattens H,W,C: permute fc1's input axis.
    w1 = sd["fc1.weight"].reshape(dense, 64, 7, 7).transpose(0, 2, 3, 1).reshape(dense, 3136)
    nodes.append(helper.make_node("MatMul", ["flat", const("dense1/kernel", w1.T)], ["mm1"], name="dense1/MatMul"))
    nodes.append(helper.make_node("Add", ["mm1", const("dense1/bias", sd["fc1.bias"])], ["fc1"], name="dense1/BiasAdd"))
    nodes.append(helper.make_node("Relu", ["fc1"], ["relu3"], name="dense1/Relu"))
    nodes.append(helper.make_node("MatMul", ["relu3", const("dense2/kernel", sd["fc2.weight"].T)], ["mm2"], name="dense2/MatMul"))
    nodes.append(helper.make_node("Add", ["mm2", const("dense2/bias", sd["fc2.bias"])], ["logits"], name="dense2/BiasAdd"))
    nodes.append(helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=-1))
    graph = helper.make_graph(
        nodes, "tf2onnx_style_cnn",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["unk__0", 28, 28, 1])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["unk__0", 10])],
        inits)
    m = helper.make_model(graph, producer_name="tf2onnx-style (make_test_models.py)",
                          opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, path)


class DedupNet(torch.nn.Module):
    # Fresh BatchNorms of equal width have identical parameters, which the
    # exporter de-duplicates into one initializer plus Identity nodes.
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 4, 3)
        self.bn1 = torch.nn.BatchNorm2d(4)
        self.conv2 = torch.nn.Conv2d(4, 4, 3)
        self.bn2 = torch.nn.BatchNorm2d(4)

    def forward(self, x):
        x = self.bn1(torch.relu(self.conv1(x)))
        return self.bn2(torch.relu(self.conv2(x)))


class MobileNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)
        self.dw = torch.nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.pw = torch.nn.Conv2d(8, 16, 1)
        self.fc = torch.nn.Linear(16, 5)

    def forward(self, x):
        # clamp(0, 6) exports as one Clip(min 0, max 6) (the ReLU6 pattern);
        # relu6 exports as Relu followed by Clip(max 6).
        x = torch.clamp(self.conv(x), 0.0, 6.0)
        x = torch.nn.functional.relu6(self.dw(x))
        x = torch.nn.functional.leaky_relu(self.pw(x), 0.1)
        x = torch.nn.functional.avg_pool2d(x, 2, padding=1, count_include_pad=False)
        x = torch.nn.functional.adaptive_avg_pool2d(x, 1)
        return torch.softmax(self.fc(torch.flatten(x, 1)), dim=1)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/onnx"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(1234)
    gen = torch.Generator().manual_seed(99)

    cnn = TutorialCnn(dense=64)
    randomise_bn(cnn.bn1, gen)
    randomise_bn(cnn.bn2, gen)
    cnn.eval()
    x = torch.rand(4, 1, 28, 28, generator=gen)
    export(cnn, x, os.path.join(out, "cnn_small_pytorch.onnx"), 13)
    make_tf2onnx_style(cnn, os.path.join(out, "cnn_small_tf2onnx.onnx"))
    with torch.no_grad():
        probs = cnn(x).numpy()
    save_tensor(os.path.join(out, "cnn_small_input_nchw.pb"), x.numpy(), "input")
    save_tensor(os.path.join(out, "cnn_small_input_nhwc.pb"), x.numpy().transpose(0, 2, 3, 1), "input")
    save_tensor(os.path.join(out, "cnn_small_probs.pb"), probs, "probs")

    dedup = DedupNet().eval()
    xd = torch.rand(2, 1, 9, 9, generator=gen)
    export(dedup, xd, os.path.join(out, "dedup_identity.onnx"), 13)
    m = onnx.load(os.path.join(out, "dedup_identity.onnx"))
    if "Identity" not in [n.op_type for n in m.graph.node]:
        raise SystemExit("expected PyTorch to de-duplicate the BatchNorm parameters into Identity nodes")
    with torch.no_grad():
        save_tensor(os.path.join(out, "dedup_input.pb"), xd.numpy(), "input")
        save_tensor(os.path.join(out, "dedup_output.pb"), dedup(xd).numpy(), "probs")

    mobile = MobileNet().eval()
    xm = torch.rand(3, 3, 16, 16, generator=gen) * 4 - 2
    for opset in (9, 11):
        export(mobile, xm, os.path.join(out, f"mobile_opset{opset}.onnx"), opset)
    with torch.no_grad():
        save_tensor(os.path.join(out, "mobile_input.pb"), xm.numpy(), "input")
        save_tensor(os.path.join(out, "mobile_output.pb"), mobile(xm).numpy(), "probs")

    for f in sorted(os.listdir(out)):
        print(f"{os.path.getsize(os.path.join(out, f)):>9}  {f}")


if __name__ == "__main__":
    main()
