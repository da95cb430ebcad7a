// conv2d-fix and depthwise-conv2d-fix in XIR: read from compiled xmodels,
// written to the host xmodel (conv2d-fix + const-fix weights/bias) and to the
// quantiser format (conv2d + const -> fix, or flatten + matmul for a dense).
#include <cmath>

#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"
#include "../writer_common.h"
#include "xir_op_io.h"

namespace signdpu::xmodel::internal {
namespace {

std::string WeightsName(const FixOp& op) { return op.name + "_weights"; }
std::string BiasName(const FixOp& op) { return op.name + "_bias"; }

Status ReadWindow(XirReadContext& ctx, const xir::Op* op, const std::string& where, ConvSpec* c) {
  SIGNDPU_ASSIGN_OR_RETURN(auto kernel, ctx.WindowAttr(op, names::kKernel, 2, 1, kMaxWindow, {}, where));
  SIGNDPU_ASSIGN_OR_RETURN(auto stride, ctx.WindowAttr(op, names::kStride, 2, 1, kMaxWindow, {}, where));
  SIGNDPU_ASSIGN_OR_RETURN(auto dilation, ctx.WindowAttr(op, names::kDilation, 2, 1, kMaxWindow, {1, 1}, where));
  SIGNDPU_ASSIGN_OR_RETURN(auto pad, ctx.WindowAttr(op, names::kPad, 4, 0, kMaxWindow, {0, 0, 0, 0}, where));
  c->kernel_w = kernel[0]; c->kernel_h = kernel[1];  // {w, h}
  c->stride_w = stride[0]; c->stride_h = stride[1];
  c->dilation_w = dilation[0]; c->dilation_h = dilation[1];
  c->pad_left = pad[0]; c->pad_right = pad[1]; c->pad_top = pad[2]; c->pad_bottom = pad[3];
  return Status::Ok();
}

Status ReadActivation(const xir::Op* op, const std::string& where, ConvSpec* c) {
  SIGNDPU_ASSIGN_OR_RETURN(std::string nonlinear, GetAttrOr<std::string>(op, names::kNonlinear, "", where));
  if (!ParseActivation(nonlinear, &c->activation))
    return Unsupported(where + ": nonlinear " + nonlinear + " (supported: NONE, RELU, RELU6, LEAKYRELU)");
  if (c->activation == Activation::kLeakyRelu && op->has_attr(names::kAlpha)) {
    SIGNDPU_ASSIGN_OR_RETURN(float alpha, GetAttr<float>(op, names::kAlpha, where));
    if (std::fabs(alpha - 26.0f / 256.0f) > 1e-6f)
      return Unsupported(where + ": leaky relu alpha " + std::to_string(alpha) + " (the DPU uses 26/256)");
  }
  return Status::Ok();
}

// weights [O, kh, kw, C] (depthwise [1, kh, kw, C])
Status ReadWeights(XirReadContext& ctx, const xir::Op* w, int64_t channels, bool depthwise, const std::string& where,
                   ConvAttrs* f) {
  ConvAttrs& c = *f;
  if (w->get_type() != names::kConstFix)
    return Unsupported(where + ": weights come from " + w->get_name() + " (" + w->get_type() + "), not const-fix");
  const std::vector<int32_t> wshape = w->get_output_tensor()->get_shape();
  if (wshape.size() != 4 || wshape[1] != c.kernel_h || wshape[2] != c.kernel_w || wshape[3] != channels ||
      wshape[0] <= 0 || (depthwise && wshape[0] != 1)) {
    Shape s(wshape.begin(), wshape.end());
    return InvalidArgument(where + ": weights shape " + ShapeToString(s) + " does not match kernel " +
                           std::to_string(c.kernel_h) + "x" + std::to_string(c.kernel_w) + " over " +
                           std::to_string(channels) + " input channels" + (depthwise ? " (depthwise: [1,kh,kw,C])" : ""));
  }
  c.out_channels = depthwise ? channels : wshape[0];
  SIGNDPU_ASSIGN_OR_RETURN(f->weights, ctx.ConstBytes(w, where));
  int bits = 8;
  bool is_signed = true;
  SIGNDPU_RETURN_IF_ERROR(
      ctx.ReadFixInfo(w->get_output_tensor(), where + ": weights " + w->get_name(), &c.fix_weights, &bits, &is_signed));
  if (bits != 8 || !is_signed) return Unsupported(where + ": weights are not signed 8-bit");
  return Status::Ok();
}

Status ReadBias(XirReadContext& ctx, const xir::Op* b, const std::string& where, ConvAttrs* f) {
  ConvAttrs& c = *f;
  if (b->get_type() != names::kConstFix)
    return Unsupported(where + ": bias comes from " + b->get_name() + " (" + b->get_type() + "), not const-fix");
  const std::vector<int32_t> bshape = b->get_output_tensor()->get_shape();
  int64_t n = 1;
  for (int32_t d : bshape) n *= d;
  if (n != c.out_channels)
    return InvalidArgument(where + ": bias has " + std::to_string(n) + " values, expected " +
                           std::to_string(c.out_channels));
  SIGNDPU_ASSIGN_OR_RETURN(f->bias, ctx.ConstBytes(b, where));
  int bits = 8;
  bool is_signed = true;
  SIGNDPU_RETURN_IF_ERROR(
      ctx.ReadFixInfo(b->get_output_tensor(), where + ": bias " + b->get_name(), &c.fix_bias, &bits, &is_signed));
  if (bits != 8 || !is_signed) return Unsupported(where + ": bias is not signed 8-bit");
  return Status::Ok();
}

}  // namespace

Status ReadConvCommon(XirReadContext& ctx, const xir::Op* op, bool depthwise, const std::string& where, FixOp* f) {
  SIGNDPU_RETURN_IF_ERROR(ctx.CheckArgNames(op, {names::kArgInput, names::kArgWeights, names::kArgBias}, where));
  SIGNDPU_ASSIGN_OR_RETURN(auto in, ctx.ArgOps(op, names::kArgInput, 1, 1, where));
  SIGNDPU_ASSIGN_OR_RETURN(auto weights, ctx.ArgOps(op, names::kArgWeights, 1, 1, where));
  SIGNDPU_ASSIGN_OR_RETURN(auto bias, ctx.ArgOps(op, names::kArgBias, 0, 1, where));
  SIGNDPU_ASSIGN_OR_RETURN(int in_id, ctx.ActivationId(in[0], where));
  f->inputs = {in_id};
  const FixTensor& input = ctx.graph().tensors[in_id];
  if (input.shape.size() != 4)
    return Unsupported(where + ": input " + input.name + " has shape " + ShapeToString(input.shape) +
                       ", expected NHWC");
  const int64_t channels = input.shape[3];
  ConvAttrs& c = f->attrs.emplace<ConvAttrs>();
  SIGNDPU_RETURN_IF_ERROR(ReadWindow(ctx, op, where, &c));
  SIGNDPU_RETURN_IF_ERROR(ReadActivation(op, where, &c));
  SIGNDPU_RETURN_IF_ERROR(ReadWeights(ctx, weights[0], channels, depthwise, where, &c));
  c.has_bias = !bias.empty();
  if (c.has_bias) SIGNDPU_RETURN_IF_ERROR(ReadBias(ctx, bias[0], where, &c));
  return Status::Ok();
}

namespace {

Status ReadConv(XirReadContext& ctx, const xir::Op* op, const std::string& type, const std::string& where,
                FixOp* f) {
  const bool depthwise = type == names::kDepthwiseConv2dFix;
  f->kind = depthwise ? FixOpKind::kDepthwiseConv2d : FixOpKind::kConv2d;
  SIGNDPU_RETURN_IF_ERROR(ReadConvCommon(ctx, op, depthwise, where, f));
  if (op->has_attr(names::kGroup)) {
    SIGNDPU_ASSIGN_OR_RETURN(int group, GetAttr<int>(op, names::kGroup, where));
    const int64_t expected = depthwise ? ctx.graph().tensors[f->inputs[0]].shape[3] : 1;
    if (group != expected && !(depthwise && group == 1)) return Unsupported(where + ": group " + std::to_string(group));
  }
  return Status::Ok();
}

}  // namespace

void HostConsts(const FixOp& f, std::vector<std::string>* out) {
  out->push_back(WeightsName(f));
  if (f.Attrs<ConvAttrs>().has_bias) out->push_back(BiasName(f));
}

void WriteConvHost(HostWriteContext& ctx, const FixGraph& g, const FixOp& f, HostOp* op) {
  const ConvAttrs& c = f.Attrs<ConvAttrs>();
  const int64_t channels = g.tensors[f.inputs[0]].shape[3];
  const bool depthwise = f.kind == FixOpKind::kDepthwiseConv2d || f.kind == FixOpKind::kTransposedDepthwiseConv2d;
  const Shape wshape = {depthwise ? 1 : c.out_channels, c.kernel_h, c.kernel_w, channels};
  op->inputs[names::kArgWeights] = {ctx.AddConst(WeightsName(f), wshape, c.weights, c.fix_weights)};
  if (c.has_bias) op->inputs[names::kArgBias] = {ctx.AddConst(BiasName(f), {c.out_channels}, c.bias, c.fix_bias)};
  xir::Attrs* attrs = op->attrs.get();
  attrs->set_attr<std::vector<int>>(names::kKernel, {c.kernel_w, c.kernel_h});
  attrs->set_attr<std::vector<int>>(names::kStride, {c.stride_w, c.stride_h});
  attrs->set_attr<std::vector<int>>(names::kDilation, {c.dilation_w, c.dilation_h});
  attrs->set_attr<std::vector<int>>(names::kPad, {c.pad_left, c.pad_right, c.pad_top, c.pad_bottom});
  attrs->set_attr<std::string>(names::kPadMode, names::kPadModeFloor);
  attrs->set_attr<std::string>(names::kNonlinear, ActivationName(c.activation));
  if (f.kind == FixOpKind::kConv2d) attrs->set_attr<int>(names::kGroup, 1);
}

Status WriteQuantizerConv(QuantizerWriteContext& ctx, const FixOp& f, xir::Op* input);
namespace {

void WriteHost(HostWriteContext& ctx, const FixGraph& g, const FixOp& f, HostOp* op) {
  op->type = f.kind == FixOpKind::kDepthwiseConv2d ? names::kDepthwiseConv2dFix : names::kConv2dFix;
  WriteConvHost(ctx, g, f, op);
}

}  // namespace

Status WriteQuantizerConv(QuantizerWriteContext& ctx, const FixOp& f, xir::Op* input) {
  const FixGraph& g = ctx.graph();
  const ConvAttrs& c = f.Attrs<ConvAttrs>();
  const bool transposed = f.kind == FixOpKind::kTransposedConv2d || f.kind == FixOpKind::kTransposedDepthwiseConv2d;
  const bool depthwise = f.kind == FixOpKind::kDepthwiseConv2d || f.kind == FixOpKind::kTransposedDepthwiseConv2d;
  const int64_t channels = g.tensors[f.inputs[0]].shape[3];
  const Shape wshape = {depthwise ? 1 : c.out_channels, c.kernel_h, c.kernel_w, channels};
  std::map<std::string, std::vector<xir::Op*>> inputs;
  inputs[names::kArgInput] = {input};
  inputs[names::kArgWeights] = {ctx.AddConst(f.name + "_weight", wshape, c.weights, c.fix_weights)};
  if (c.has_bias) inputs[names::kArgBias] = {ctx.AddConst(f.name + "_bias", {c.out_channels}, c.bias, c.fix_bias)};
  auto attrs = NewAttrs();
  attrs->set_attr<std::vector<int>>(names::kKernel, {c.kernel_w, c.kernel_h});
  attrs->set_attr<std::vector<int>>(names::kStride, {c.stride_w, c.stride_h});
  attrs->set_attr<std::vector<int>>(names::kDilation, {c.dilation_w, c.dilation_h});
  attrs->set_attr<std::vector<int>>(names::kPad, {c.pad_left, c.pad_right, c.pad_top, c.pad_bottom});
  attrs->set_attr<std::string>(names::kPadMode, names::kPadModeFloor);
  if (!depthwise) {
    attrs->set_attr<int>(names::kGroup, 1);
    attrs->set_attr<bool>(names::kBiasTerm, c.has_bias);
    attrs->set_attr<int>(names::kInDim, static_cast<int>(channels));
    attrs->set_attr<int>(names::kOutDim, static_cast<int>(c.out_channels));
  }
  const char* type = transposed ? (depthwise ? names::kTransposedDepthwiseConv2d : names::kTransposedConv2d)
                                : (depthwise ? names::kDepthwiseConv2d : names::kConv2d);
  xir::Op* conv = ctx.Add(f.name, type, std::move(attrs), inputs);
  return ctx.Finish(ctx.AddActivation(f.name, c.activation, conv), f.output);
}

namespace {

// conv (kernel = whole input) + copy to [1, O]  ->  flatten + matmul.
// Weights [O, kh, kw, C] are already in NHWC flatten order: [O, kh*kw*C].
Status WriteQuantizerDense(QuantizerWriteContext& ctx, const FixOp& conv, const FixOp& copy, xir::Op* input) {
  const ConvAttrs& c = conv.Attrs<ConvAttrs>();
  const Shape& in = ctx.graph().tensors[conv.inputs[0]].shape;
  auto fattrs = NewAttrs();
  fattrs->set_attr<int>(names::kStartAxis, 1);
  fattrs->set_attr<int>(names::kEndAxis, -1);
  xir::Op* flat = ctx.Add(copy.name, names::kFlatten, std::move(fattrs), {{names::kArgInput, {input}}});
  const Shape wshape = {c.out_channels, in[1] * in[2] * in[3]};
  xir::Op* w = ctx.AddConst(conv.name + "_weight", wshape, c.weights, c.fix_weights);
  std::map<std::string, std::vector<xir::Op*>> inputs;
  inputs[names::kArgInput] = {flat, w};
  if (c.has_bias) inputs[names::kArgBias] = {ctx.AddConst(conv.name + "_bias", {c.out_channels}, c.bias, c.fix_bias)};
  auto attrs = NewAttrs();
  attrs->set_attr<bool>(names::kTransposeA, false);
  attrs->set_attr<bool>(names::kTransposeB, true);
  xir::Op* mm = ctx.Add(conv.name, names::kMatmul, std::move(attrs), inputs);
  return ctx.Finish(ctx.AddActivation(conv.name, c.activation, mm), copy.output);
}

Status WriteQuantizer(QuantizerWriteContext& ctx, size_t i, const std::vector<xir::Op*>& ins) {
  const FixGraph& g = ctx.graph();
  const FixOp& f = g.ops[i];
  if (!ctx.IsDense(i)) return WriteQuantizerConv(ctx, f, ins[0]);
  size_t j = i + 1;
  while (g.ops[j].inputs.empty() || g.ops[j].inputs[0] != f.output) ++j;
  ctx.Skip(j);
  return WriteQuantizerDense(ctx, f, g.ops[j], ins[0]);
}

}  // namespace

const XirOpIo& Conv2dFixXir() {
  static const XirOpIo io{FixOpKind::kConv2d, {names::kConv2dFix}, ReadConv, nullptr, HostConsts, WriteHost,
                          WriteQuantizer};
  return io;
}

const XirOpIo& DepthwiseConv2dFixXir() {
  static const XirOpIo io{FixOpKind::kDepthwiseConv2d, {names::kDepthwiseConv2dFix}, ReadConv, nullptr,
                          HostConsts, WriteHost, WriteQuantizer};
  return io;
}

}  // namespace signdpu::xmodel::internal
