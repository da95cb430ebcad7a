// Relu, Relu6 (Clip 0..6), LeakyRelu (alpha 0.1 = 26/256 on the DPU) and Clip:
// fused into the conv or eltwise before them, else an identity depthwise 1x1.
#include "lowering.h"

namespace signdpu::quantize::lowering {

Status Lowering::LowerRelu(const Node& n) { return LowerActivation(n, Activation::kRelu, ""); }

Status Lowering::LowerRelu6(const Node& n) { return LowerActivation(n, Activation::kRelu6, ""); }

Status Lowering::LowerLeakyRelu(const Node& n) {
  const float alpha = n.attrs.GetFloat("alpha", 0.01f);
  if (std::fabs(alpha - 0.1f) > 1e-6f)
    return Fail(n, "LeakyRelu alpha " + std::to_string(alpha) +
                       " is not supported: the DPU implements alpha 0.1 as 26/256 only");
  return LowerActivation(n, Activation::kLeakyRelu, "LeakyRelu alpha 0.1 -> 26/256");
}

Status Lowering::LowerClip(const Node& n) {
  return Fail(n, "Clip(" + std::to_string(n.attrs.GetFloat("min")) + ", " + std::to_string(n.attrs.GetFloat("max")) +
                     ") is not supported: the DPU has ReLU (Clip 0..inf) and ReLU6 (Clip 0..6) only");
}

Status Lowering::LowerActivation(const Node& n, Activation act, const std::string& note) {
  SIGNDPU_ASSIGN_OR_RETURN(Value in, Get(n, 0));
  if (in.producer >= 0 && Consumers(n.inputs[0]) == 1) {
    DpuFloatOp& p = out_.ops[in.producer];
    const bool is_conv = p.kind == FixOpKind::kConv2d || p.kind == FixOpKind::kDepthwiseConv2d ||
                         p.kind == FixOpKind::kTransposedConv2d || p.kind == FixOpKind::kTransposedDepthwiseConv2d;
    if (is_conv && p.conv.activation == Activation::kNone) {
      p.conv.activation = act;
      p.transform_note += (p.transform_note.empty() ? "" : "; ") + std::string(ActivationName(act)) + " fused" +
                          (note.empty() ? "" : " (" + note + ")");
      Alias(n, in);
      return Status::Ok();
    }
    if (p.kind == FixOpKind::kEltwiseAdd && act == Activation::kRelu && p.eltwise_activation == Activation::kNone) {
      p.eltwise_activation = act;
      p.transform_note = "RELU fused";
      Alias(n, in);
      return Status::Ok();
    }
  }
  if (in.kind == Value::Kind::kFlatNchw || in.kind == Value::Kind::kFlatNhwc) {
    if (Dims(in.tensor).h != 1 || Dims(in.tensor).w != 1) return Fail(n, "activation on a flattened tensor is not supported");
  }
  // Standalone: identity depthwise 1x1 conv carrying the activation (exact).
  const Nhwc d = Dims(in.tensor);
  DpuFloatOp op = Depthwise1x1(n.name, in.tensor, d, std::vector<float>(static_cast<size_t>(d.c), 1.0f),
                               std::vector<float>(static_cast<size_t>(d.c), 0.0f));
  op.conv.activation = act;
  op.transform_note = std::string(ActivationName(act)) + " as identity depthwise 1x1" + (note.empty() ? "" : " (" + note + ")");
  Produce(n, std::move(op), {1, d.h, d.w, d.c}, in.kind);
  return Status::Ok();
}
}  // namespace signdpu::quantize::lowering
