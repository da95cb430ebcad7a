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

// Cross-layer equalisation for a conv whose output feeds only a depthwise
// 1x1 (a BatchNorm that could not fold, as after ReLU). With alpha_c > 0,
// act(alpha_c * z) = alpha_c * act(z) for NONE, RELU and LEAKYRELU, so scaling
// the conv's output channel c by alpha_c and the depthwise weight c by
// 1 / alpha_c computes the same function (Nagel et al. 2019, "Data-Free
// Quantization Through Weight Equalization and Bias Correction"; we choose
// alpha from calibration data). alpha_c = max_k m_k / m_c, with m_c the
// calibrated max |activation| of channel c, gives every channel of the
// conv's output the same range, and since BatchNorm's scale is about
// 1 / (spread of its input channel), it also narrows the depthwise weights'
// range: both then fit one power-of-two fix point per tensor.
struct EqualizePair {
  int conv_op = -1;
  int depthwise_op = -1;
};
std::vector<EqualizePair> FindEqualizePairs(const DpuFloatGraph& graph);
// `channel_max[c]`: max |value| of channel c of the conv's output (source
// values). Records the scales in the output tensor's channel_scale.
void ApplyEqualization(DpuFloatGraph* graph, const EqualizePair& pair, const std::vector<float>& channel_max);

}  // namespace signdpu::quantize
