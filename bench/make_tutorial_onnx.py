#!/usr/bin/python3
"""Writes an ONNX of the tutorial CNN (random weights, fixed seed) for the
emulator-vs-OpenCV benchmark when no trained model is present.

  /usr/bin/python3 bench/make_tutorial_onnx.py OUT.onnx

Architecture (input "input" [N,1,28,28], output "probs" [N,10]):
Conv 28 3x3 same -> ReLU -> BatchNorm -> MaxPool 2 -> Conv 64 3x3 same -> ReLU
-> BatchNorm -> MaxPool 2 -> Dropout -> Flatten -> Linear 3136x512 -> ReLU ->
Dropout -> Linear 512x10 -> Softmax. Exported in eval mode, opset 13, dynamic
batch. BatchNorm parameters are randomised so that PyTorch does not fold
identical initialisers into Identity nodes (OpenCV 4.6 DNN rejects those;
PyTorch de-duplicates identical initializers). Needs Debian's python3-torch (use /usr/bin/python3).
"""
import sys

import torch
import torch.nn as nn


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    torch.manual_seed(20261127)
    model = nn.Sequential(
        nn.Conv2d(1, 28, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(28), nn.MaxPool2d(2),
        nn.Conv2d(28, 64, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(64), nn.MaxPool2d(2),
        nn.Dropout(0.25), nn.Flatten(), nn.Linear(3136, 512), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(512, 10), nn.Softmax(dim=1))
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    model.eval()
    dummy = torch.zeros(1, 1, 28, 28)
    torch.onnx.export(model, dummy, sys.argv[1], input_names=["input"], output_names=["probs"],
                      dynamic_axes={"input": {0: "N"}, "probs": {0: "N"}}, opset_version=13,
                      do_constant_folding=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
