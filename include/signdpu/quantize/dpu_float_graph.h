// The float model after the graph transforms, in DPU shape: NHWC tensors,
// OHWI weights, BatchNorm folded or turned into a depthwise 1x1 scale, ReLU /
// ReLU6 / LeakyReLU fused into convs, Flatten + Dense turned into a conv whose
// kernel covers its input. Each tensor remembers which tensor of the source
// (ONNX) graph carries the same values, so calibration observes the float
// model directly.
#pragma once

#include <string>
#include <vector>

#include "signdpu/core/shape.h"
#include "signdpu/kernels/fix_graph.h"

namespace signdpu::quantize {

struct DpuFloatTensor {
  std::string name;
  Shape shape;                 // NHWC per image, dim 0 = 1
  std::string source_tensor;   // the source-graph tensor with these values
  // Layout of source_tensor relative to ours: kSame (NHWC or [1,C]),
  // kNchw (source is NCHW: transpose to compare element-wise).
  enum class Layout { kSame, kNchw } source_layout = Layout::kSame;
  // Our channel c holds source channel channel_map[c] (channels reordered
  // into weight groups); empty means the identity.
  std::vector<int> channel_map;
  // Per-channel factors (our channel order): our values = channel_scale[c] *
  // source values (a BatchNorm scale folded into the conv before it); empty
  // means 1.
  std::vector<float> channel_scale;
  bool MapsSource() const { return !channel_map.empty() || !channel_scale.empty(); }
  // The source values of `n` images mapped to ours (channels reordered and
  // scaled, the source layout kept), into `out`.
  void MapSource(const float* source, int64_t n, std::vector<float>* out) const;
  // Adds the per-channel sums of `n` images of data in the source layout
  // with our channels (source data when !MapsSource(), else MapSource's).
  void AddChannelSums(const float* data, int64_t n, std::vector<double>* sums) const;
};

struct DpuFloatOp {
  FixOpKind kind = FixOpKind::kCopy;
  std::string name;
  std::vector<int> inputs;
  int output = -1;
  ConvConfig conv;               // geometry + activation (fix fields unused)
  std::vector<float> weights;    // OHWI, [1,kh,kw,C] for depthwise
  std::vector<float> bias;       // [O]
  PoolConfig pool;               // geometry + type
  Activation eltwise_activation = Activation::kNone;
  // Geometry / stored values of the ops without flat fields above
  // (eltwise-fix: type and const operands, whose float values are `weights`
  // in NHWC order and whose bytes and fix point the quantiser fills;
  // concat-fix: axis; pad-fix; upsample, pixel-shuffle: ResizeAttrs,
  // BlockAttrs); int8 weights stay empty.
  FixOpAttrs attrs;
  std::string transform_note;    // e.g. "BatchNormalization bn1 folded", "LeakyRelu alpha 0.1 -> 26/256"
  // kConv2d split into weight groups: the end channel of each group (the
  // last is out_channels); empty or one entry = one group.
  std::vector<int64_t> channel_group_ends;
};

struct DpuFloatGraph {
  std::string name;
  std::vector<DpuFloatTensor> tensors;
  std::vector<DpuFloatOp> ops;
  int input = -1;               // the DPU input tensor
  int output = -1;              // the DPU output tensor (logits)
  std::string source_input;     // source-graph input name
  Shape source_input_shape;     // per image, as the source graph wants it (e.g. [1,1,28,28])
  bool softmax_on_cpu = false;  // the source graph ends with Softmax
  int softmax_axis = -1;
  std::string source_output;    // the source graph's final output (probabilities or logits)
  std::string source_logits;    // the source tensor before the softmax
  std::vector<std::string> notes;  // transforms applied, for the report
};

}  // namespace signdpu::quantize
