// Graph transforms: float graph (ONNX layout) -> DpuFloatGraph (DPU shape).
//   - BatchNorm after a conv (before any activation) is folded exactly:
//       w' = w * g / sqrt(v + eps),  b' = (b - m) * g / sqrt(v + eps) + beta
//   - a BatchNorm that cannot fold (e.g. after ReLU, as in the tutorial CNN)
//     becomes a depthwise-conv2d-fix 1x1 with weight g / sqrt(v + eps) and
//     bias beta - m * g / sqrt(v + eps): exact, DPU-legal [source: Vitis AI's
//     TF2 quantiser does the same];
//   - Dropout / Identity are gone after import (aliases);
//   - ReLU, ReLU6 (Clip 0..6) and LeakyReLU (alpha 0.1 only; the DPU uses
//     26/256 [source]) fuse into the conv before them; elsewhere they become
//     an identity depthwise 1x1 conv with that activation;
//   - MaxPool / AveragePool / GlobalAveragePool -> pool-fix;
//   - Flatten (or Reshape to [N, K]) + Gemm / MatMul (+ Add bias) -> a
//     conv2d-fix whose kernel covers its input, weights permuted to the NHWC
//     flatten order W'[o,h,w,c] = W[k(h,w,c), o] with k in the source's
//     flatten order (NCHW for PyTorch, NHWC after a tf2onnx Transpose);
//   - Transpose NHWC<->NCHW is a layout change, not an op;
//   - a final Softmax stays for the CPU.
#pragma once

#include <string>

#include "signdpu/core/status.h"
#include "signdpu/graph/graph.h"
#include "signdpu/quantize/dpu_float_graph.h"

namespace signdpu::quantize {

// split_batchnorm: see the comment in LowerBatchNorm (lower.cc).
Result<DpuFloatGraph> LowerToDpu(const graph::Graph& graph, const std::string& name, bool split_batchnorm = true);

}  // namespace signdpu::quantize
