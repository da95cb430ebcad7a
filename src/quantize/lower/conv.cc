// Conv (group 1 -> conv2d-fix, depthwise with multiplier 1 -> depthwise-conv2d-fix), and the
// depthwise 1x1 op the BatchNorm and activation rules build.
#include "lowering.h"

namespace signdpu::quantize::lowering {

Status Lowering::LowerConv(const Node& n) {
  SIGNDPU_ASSIGN_OR_RETURN(Value in, Get(n, 0));
  if (in.kind != Value::Kind::kNchw) return Fail(n, "Conv input must be an NCHW image tensor");
  SIGNDPU_ASSIGN_OR_RETURN(std::vector<float> w, Const(n, 1, "weights"));
  const graph::Tensor* wt = g_.FindConstant(n.inputs[1]);
  if (wt->shape.size() != 4) return Fail(n, "only 2-D convolutions are supported (weights rank " + std::to_string(wt->shape.size()) + ")");
  const Nhwc id = Dims(in.tensor);
  const int64_t m = wt->shape[0], cg = wt->shape[1], kh = wt->shape[2], kw = wt->shape[3];
  const int64_t group = n.attrs.GetInt("group", 1);
  const auto strides = n.attrs.GetInts("strides", {1, 1});
  const auto pads = n.attrs.GetInts("pads", {0, 0, 0, 0});
  const auto dil = n.attrs.GetInts("dilations", {1, 1});
  if (strides.size() != 2 || pads.size() != 4 || dil.size() != 2) return Fail(n, "expected 2-D strides, pads, dilations");
  DpuFloatOp op;
  op.name = n.name;
  op.inputs = {in.tensor};
  ConvConfig& c = op.conv;
  c.input = id;
  c.out_channels = m;
  SetWindow(&c, kh, kw, strides, pads);
  c.dilation_h = static_cast<int>(dil[0]);
  c.dilation_w = static_cast<int>(dil[1]);
  if (group == 1) {
    if (cg != id.c) return Fail(n, "weights expect " + std::to_string(cg) + " input channels, input has " + std::to_string(id.c));
    op.kind = FixOpKind::kConv2d;
    op.weights.resize(static_cast<size_t>(m * kh * kw * cg));
    for (int64_t o = 0; o < m; ++o)
      for (int64_t ci = 0; ci < cg; ++ci)
        for (int64_t y = 0; y < kh; ++y)
          for (int64_t x = 0; x < kw; ++x)
            op.weights[((o * kh + y) * kw + x) * cg + ci] = w[((o * cg + ci) * kh + y) * kw + x];
  } else if (group == id.c && m == id.c && cg == 1) {
    op.kind = FixOpKind::kDepthwiseConv2d;
    c.depthwise = true;
    op.weights.resize(static_cast<size_t>(kh * kw * m));
    for (int64_t o = 0; o < m; ++o)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x) op.weights[(y * kw + x) * m + o] = w[(o * kh + y) * kw + x];
  } else {
    return Fail(n, "grouped convolution with group " + std::to_string(group) +
                       " is not supported (group 1 or depthwise with multiplier 1 only)");
  }
  if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
    SIGNDPU_ASSIGN_OR_RETURN(op.bias, Const(n, 2, "bias"));
  } else {
    op.bias.assign(static_cast<size_t>(m), 0.0f);
  }
  const int64_t oh = WindowOutputSize(id.h, c.kernel_h, c.stride_h, c.dilation_h, c.pad_top, c.pad_bottom);
  const int64_t ow = WindowOutputSize(id.w, c.kernel_w, c.stride_w, c.dilation_w, c.pad_left, c.pad_right);
  if (oh <= 0 || ow <= 0) return Fail(n, "kernel larger than the padded input");
  Produce(n, std::move(op), {1, oh, ow, m}, Value::Kind::kNchw);
  return Status::Ok();
}

// A 1x1 depthwise-conv2d-fix over tensor `input` (dims `d`).
DpuFloatOp Lowering::Depthwise1x1(const std::string& name, int input, const Nhwc& d, std::vector<float> weights,
                               std::vector<float> bias) {
  DpuFloatOp op;
  op.kind = FixOpKind::kDepthwiseConv2d;
  op.name = name;
  op.inputs = {input};
  op.conv.input = d;
  op.conv.out_channels = d.c;
  op.conv.depthwise = true;
  op.weights = std::move(weights);
  op.bias = std::move(bias);
  return op;
}
}  // namespace signdpu::quantize::lowering
