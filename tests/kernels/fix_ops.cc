#include "fix_ops.h"

#include <random>
#include <utility>

namespace signdpu::testing {

std::vector<int8_t> RandomInt8(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(-128, 127);
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(dist(rng));
  return v;
}

FixOp ConvOp(const std::string& name, int in, int out, int64_t out_ch, int64_t in_ch, int k, int pad, int fw, int fb,
             Activation act, uint32_t seed, bool bias) {
  FixOp op;
  op.kind = FixOpKind::kConv2d;
  ConvAttrs& op_attrs = op.attrs.emplace<ConvAttrs>();
  op.name = name;
  op.inputs = {in};
  op.output = out;
  op_attrs.out_channels = out_ch;
  op_attrs.kernel_h = op_attrs.kernel_w = k;
  op_attrs.pad_left = op_attrs.pad_right = op_attrs.pad_top = op_attrs.pad_bottom = pad;
  op_attrs.fix_weights = fw;
  op_attrs.fix_bias = fb;
  op_attrs.activation = act;
  op_attrs.has_bias = bias;
  op_attrs.weights = RandomInt8(static_cast<size_t>(out_ch * k * k * in_ch), seed);
  if (bias) op_attrs.bias = RandomInt8(static_cast<size_t>(out_ch), seed + 1000);
  return op;
}

FixOp ConcatOp(const std::string& name, std::vector<int> inputs, int out, int axis) {
  FixOp cat;
  cat.kind = FixOpKind::kConcat;
  ConcatAttrs& cat_attrs = cat.attrs.emplace<ConcatAttrs>();
  cat.name = name;
  cat.inputs = std::move(inputs);
  cat.output = out;
  cat_attrs.axis = axis;
  return cat;
}

FixGraph Concat2DGraph() {
  FixGraph g;
  g.name = "concat2d";
  g.tensors = {{"x", {1, 3}, 5}, {"y", {1, 2}, 5}, {"xy", {1, 5}, 5}};
  g.inputs = {0, 1};
  g.ops = {ConcatOp("xy", {0, 1}, 2, 1)};
  g.outputs = {2};
  return g;
}

}  // namespace signdpu::testing
