"""Tiny ONNX models for the spatial ops of the quantiser (ConvTranspose, Resize /
Upsample nearest, DepthToSpace), their float outputs on the first 32 rows of
tests/data/fashion_sample.csv, and one model per op with a refused attribute.
Random weights (torch.manual_seed(5)); torch 1.13 / onnx 1.12 (Debian 12).

    /usr/bin/python3 tests/data/onnx/make_spatial_ops.py tests/data/fashion_sample.csv tests/data/onnx

Writes spatial_<case>.onnx, spatial_<case>_float.npy (float32 [32, 14*14*C], the
model's output transposed to NHWC and flattened, the DPU output's order) and
spatial_<case>_bad.onnx for case in convtranspose, resize, upsample9, d2s_crd, d2s_dcr.
"""
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)


class ConvT(nn.Module):
    """Conv 4x4/4 -> ReLU -> depthwise ConvTranspose 3x3/2 (output_padding 1) -> ReLU -> ConvTranspose 3x3/1."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 4, stride=4)
        self.up = nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1, output_padding=1, groups=4)
        self.mix = nn.ConvTranspose2d(4, 2, 3, stride=1, padding=1)

    def forward(self, x):
        return self.mix(F.relu(self.up(F.relu(self.conv(x)))))


class Up(nn.Module):
    """Conv 4x4/4 -> ReLU -> nearest x2 -> Conv 3x3."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 4, stride=4)
        self.mix = nn.Conv2d(4, 2, 3, padding=1)

    def forward(self, x):
        return self.mix(F.interpolate(F.relu(self.conv(x)), scale_factor=2, mode="nearest"))


class D2s(nn.Module):
    """Conv 4x4/4 to 8 channels -> ReLU -> DepthToSpace 2 (CRD = PixelShuffle, or DCR)."""

    def __init__(self, dcr):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 4, stride=4)
        self.dcr = dcr

    def forward(self, x):
        y = F.relu(self.conv(x))
        if not self.dcr:
            return F.pixel_shuffle(y, 2)
        n, c, h, w = y.shape  # ONNX DCR: channel (i*b + j)*C + c
        y = y.reshape(n, 2, 2, c // 4, h, w).permute(0, 3, 4, 1, 5, 2)
        return y.reshape(n, c // 4, h * 2, w * 2)


def export(model, path, opset):
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), path, input_names=["image"], output_names=["out"],
                      dynamic_axes={"image": {0: "batch"}, "out": {0: "batch"}}, opset_version=opset)


def edit(path, out, op_type, name, value):
    m = onnx.load(path)
    for node in m.graph.node:
        if node.op_type == op_type:
            for a in list(node.attribute):
                if a.name == name:
                    node.attribute.remove(a)
            node.attribute.append(onnx.helper.make_attribute(name, value))
            break
    onnx.save(m, out)


def main():
    csv, out_dir = sys.argv[1], sys.argv[2]
    rows = np.loadtxt(csv, delimiter=",", skiprows=1, max_rows=32, dtype=np.float32)[:, 1:]
    x = torch.tensor(rows / 255.0).reshape(-1, 1, 28, 28)
    cases = {"convtranspose": (ConvT(), 13), "resize": (Up(), 13), "upsample9": (Up(), 9),
             "d2s_crd": (D2s(False), 13), "d2s_dcr": (D2s(True), 13)}
    for name, (model, opset) in cases.items():
        torch.manual_seed(5)
        for p in model.parameters():
            nn.init.uniform_(p, -0.6, 0.6)
        model.eval()
        path = os.path.join(out_dir, f"spatial_{name}.onnx")
        if name == "d2s_dcr":  # the CRD export with the DCR model's weights, mode DCR
            crd = D2s(False)
            crd.load_state_dict(model.state_dict())
            export(crd, path, opset)
            edit(path, path, "DepthToSpace", "mode", "DCR")
        else:
            export(model, path, opset)
        with torch.no_grad():
            y = model(x).permute(0, 2, 3, 1).reshape(len(x), -1).numpy().astype(np.float32)
        np.save(os.path.join(out_dir, f"spatial_{name}_float.npy"), y)
        bad = os.path.join(out_dir, f"spatial_{name}_bad.onnx")
        if name == "convtranspose":
            edit(path, bad, "ConvTranspose", "auto_pad", "SAME_UPPER")
        elif name == "resize":
            edit(path, bad, "Resize", "coordinate_transformation_mode", "align_corners")
        elif name == "upsample9":
            edit(path, bad, "Upsample", "mode", "linear")
        elif name == "d2s_crd":
            edit(path, bad, "DepthToSpace", "mode", "RDC")
        else:
            edit(path, bad, "DepthToSpace", "blocksize", 0)
        print(name, "float output", y.shape, "range", float(y.min()), float(y.max()))


if __name__ == "__main__":
    main()
