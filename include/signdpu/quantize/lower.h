// Graph transforms: float graph (ONNX layout) -> DpuFloatGraph (DPU shape).
//   - BatchNorm after a conv (before any activation) is folded exactly:
//       w' = w * g / sqrt(v + eps),  b' = (b - m) * g / sqrt(v + eps) + beta
//   - a BatchNorm that cannot fold (e.g. after ReLU, as in the tutorial CNN)
//     becomes a depthwise-conv2d-fix 1x1 with weight g / sqrt(v + eps) and
//     bias beta - m * g / sqrt(v + eps): exact, DPU-legal [source: Vitis AI's
//     TF2 quantiser does the same]; after a conv with ReLU / LeakyReLU its
//     scale |s| folds through the activation into the conv (default, see
//     LowerOptions), leaving a depthwise 1x1 with weights sign(s) and the bias;
//   - a conv whose output channels want different weight fix points is
//     reordered into channel groups (LowerOptions::weight_groups), which the
//     quantiser emits as one conv2d-fix per group plus a concat-fix;
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

// What to do with a BatchNorm that cannot fold into the conv before it
// because an activation sits in between (the tutorial CNN: Conv, ReLU, BN).
enum class BatchNormMode {
  // Fold the scale's magnitude through ReLU / LeakyReLU into the conv
  // (relu(a z) = a relu(z) for a >= 0: exact in real arithmetic); a
  // depthwise 1x1 with weights sign(s) (+-1, exact in int8) adds the bias.
  // Falls back to kSplit when the activation is not positively homogeneous
  // (ReLU6) or the conv output has other readers.
  kFold,
  // One depthwise 1x1 (scale + bias); when the scales span 8x..128x, a
  // power-of-two depthwise first, then the mantissa + bias.
  kSplit,
  // One depthwise 1x1 (scale + bias), nothing else.
  kDepthwise,
};
const char* BatchNormModeName(BatchNormMode m);       // "fold", "split", "depthwise"
bool ParseBatchNormMode(const std::string& s, BatchNormMode* m);

struct LowerOptions {
  BatchNormMode batchnorm_after_activation = BatchNormMode::kFold;
  // Up to this many weight fix points per conv2d (1 = one per tensor, the
  // plain DPU form). A conv whose per-output-channel best positions spread
  // by 2 or more is reordered so that channels sharing a position are
  // adjacent (the reader of the output absorbs the permutation); the
  // quantiser then emits one conv2d-fix per group and a concat-fix.
  int weight_groups = 8;
};

// True when LowerToDpu has a rule for `type` (which may still refuse a
// particular node, e.g. Clip other than ReLU / ReLU6, with a message).
bool HasDpuLowering(graph::OpType type);

Result<DpuFloatGraph> LowerToDpu(const graph::Graph& graph, const std::string& name, const LowerOptions& options = {});

}  // namespace signdpu::quantize
