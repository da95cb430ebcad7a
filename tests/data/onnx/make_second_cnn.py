"""A second, different CNN for the quantiser tests: valid padding, three conv
layers, a dense layer and softmax, trained briefly (seed 7) on the first 6,000
rows of a Sign-MNIST-layout CSV so its predictions mean something.

    /usr/bin/python3 tests/data/onnx/make_second_cnn.py data/fashion_train.csv tests/data/onnx/second_cnn.onnx
"""
import sys

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(7)
np.random.seed(7)
torch.set_num_threads(2)
rows = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, dtype=np.float32, max_rows=6000)
y = torch.tensor(rows[:, 0], dtype=torch.long)
x = torch.tensor(rows[:, 1:] / 255.0).reshape(-1, 1, 28, 28)
model = nn.Sequential(
    nn.Conv2d(1, 8, 5), nn.ReLU(),            # 24x24, valid padding
    nn.Conv2d(8, 16, 3, stride=2), nn.ReLU(),  # 11x11
    nn.Conv2d(16, 16, 3), nn.ReLU(),           # 9x9
    nn.MaxPool2d(3),                           # 3x3
    nn.Flatten(), nn.Linear(16 * 3 * 3, 10), nn.Softmax(dim=1))
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(3):
    perm = torch.randperm(len(x))
    for i in range(0, len(x), 64):
        idx = perm[i:i + 64]
        opt.zero_grad()
        out = model[:-1](x[idx])
        loss = nn.functional.cross_entropy(out, y[idx])
        loss.backward()
        opt.step()
model.eval()
acc = (model(x).argmax(1) == y).float().mean().item()
print(f"train accuracy {acc:.3f}")
torch.onnx.export(model, torch.zeros(1, 1, 28, 28), sys.argv[2], input_names=["image"], output_names=["scores"],
                  dynamic_axes={"image": {0: "batch"}, "scores": {0: "batch"}}, opset_version=13)
