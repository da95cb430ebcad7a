// ConvTranspose (group 1 -> transposed-conv2d-fix, depthwise group == C with
// one output per channel -> transposed-depthwise-conv2d-fix). XIR's weights
// are OHWI and flipped in h and w against ONNX's [C, M, kh, kw]
// (kernels/reference/transposed_conv2d_fix.h); XIR's pad is ONNX's pads with
// output_padding taken off the end pads (the extra rows are the same
// correlation, one more step of it).
#include "lowering.h"
#include "signdpu/kernels/reference/transposed_conv2d_fix.h"

namespace signdpu::quantize::lowering {

namespace {

// ONNX W [C, M, kh, kw] (M = 1 for depthwise) -> XIR OHWI, flipped.
std::vector<float> FlippedOhwi(const std::vector<float>& w, int64_t c_count, int64_t m, int64_t kh, int64_t kw,
                               bool depthwise) {
  std::vector<float> out(static_cast<size_t>(c_count * m * kh * kw));
  for (int64_t c = 0; c < c_count; ++c)
    for (int64_t o = 0; o < m; ++o)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x) {
          const float v = w[static_cast<size_t>(((c * m + o) * kh + (kh - 1 - y)) * kw + (kw - 1 - x))];
          const int64_t at = depthwise ? (y * kw + x) * c_count + c : ((o * kh + y) * kw + x) * c_count + c;
          out[static_cast<size_t>(at)] = v;
        }
  return out;
}

}  // namespace

Status Lowering::LowerConvTranspose(const Node& n) {
  SIGNDPU_ASSIGN_OR_RETURN(Value in, Get(n, 0));
  if (in.kind != Value::Kind::kNchw) return Fail(n, "ConvTranspose input must be an NCHW image tensor");
  SIGNDPU_ASSIGN_OR_RETURN(std::vector<float> w, Const(n, 1, "weights"));
  const graph::Tensor* wt = g_.FindConstant(n.inputs[1]);
  const Nhwc id = Dims(in.tensor);
  const int64_t mg = wt->shape[1], kh = wt->shape[2], kw = wt->shape[3];
  const int64_t group = n.attrs.GetInt("group", 1);
  const bool depthwise = group > 1 && group == id.c && mg == 1;
  if (group != 1 && !depthwise)
    return Fail(n, "attribute 'group' " + std::to_string(group) +
                       " is not supported (group 1, or depthwise with one output per channel)");
  const auto s = n.attrs.GetInts("strides");
  const auto p = n.attrs.GetInts("pads");
  const auto d = n.attrs.GetInts("dilations");
  const auto opad = n.attrs.GetInts("output_padding");
  DpuFloatOp op;
  op.name = n.name;
  op.inputs = {in.tensor};
  op.kind = depthwise ? FixOpKind::kTransposedDepthwiseConv2d : FixOpKind::kTransposedConv2d;
  ConvConfig& c = op.conv;
  c.input = id;
  c.out_channels = mg * group;
  c.depthwise = depthwise;
  SetWindow(&c, kh, kw, s, {p[0], p[1], p[2] - opad[0], p[3] - opad[1]});
  c.dilation_h = static_cast<int>(d[0]);
  c.dilation_w = static_cast<int>(d[1]);
  if (c.pad_bottom < 0 || c.pad_right < 0)
    return Fail(n, "attribute 'output_padding' larger than the end pads is not supported");
  auto params = MakeTransposedConvParams(c, n.name);
  if (!params.ok()) return Fail(n, params.status().message());
  op.weights = FlippedOhwi(w, id.c, mg, kh, kw, depthwise);
  if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
    SIGNDPU_ASSIGN_OR_RETURN(op.bias, Const(n, 2, "bias"));
  } else {
    op.bias.assign(static_cast<size_t>(c.out_channels), 0.0f);
  }
  op.transform_note = "weights flipped to XIR's order";
  Produce(n, std::move(op), params->output().ToShape(), Value::Kind::kNchw);
  return Status::Ok();
}

}  // namespace signdpu::quantize::lowering
