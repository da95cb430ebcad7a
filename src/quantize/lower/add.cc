// Add: a constant operand folds into the conv before it as bias; two activations -> eltwise-fix.
#include "lowering.h"

namespace signdpu::quantize::lowering {

Status Lowering::LowerAdd(const Node& n) {
  if (n.inputs.size() != 2) return Fail(n, "Add needs 2 inputs");
  const graph::Tensor* c0 = g_.FindConstant(n.inputs[0]);
  const graph::Tensor* c1 = g_.FindConstant(n.inputs[1]);
  if (c0 || c1) {
    // Bias after MatMul: fold into the dense conv.
    const size_t act_idx = c0 ? 1 : 0;
    SIGNDPU_ASSIGN_OR_RETURN(Value in, Get(n, act_idx));
    const graph::Tensor* bias = c0 ? c0 : c1;
    if (in.producer < 0) return Fail(n, "adding a constant to the input is not supported");
    DpuFloatOp& p = out_.ops[in.producer];
    const bool is_conv = p.kind == FixOpKind::kConv2d || p.kind == FixOpKind::kDepthwiseConv2d;
    if (!is_conv || p.conv.activation != Activation::kNone || Consumers(n.inputs[act_idx]) != 1)
      return Fail(n, "adding a constant is supported only as the bias of a Conv/MatMul/Gemm");
    const int64_t o_count = p.conv.out_channels;
    if (static_cast<int64_t>(bias->data.size()) != o_count && bias->data.size() != 1)
      return Fail(n, "bias has " + std::to_string(bias->data.size()) + " values, expected " + std::to_string(o_count));
    for (int64_t o = 0; o < o_count; ++o) p.bias[o] += bias->data.size() == 1 ? bias->data[0] : bias->data[o];
    p.transform_note += "; Add " + n.name + " folded as bias";
    Alias(n, in);
    return Status::Ok();
  }
  SIGNDPU_ASSIGN_OR_RETURN(Value a, Get(n, 0));
  SIGNDPU_ASSIGN_OR_RETURN(Value b, Get(n, 1));
  if (out_.tensors[a.tensor].shape != out_.tensors[b.tensor].shape || a.kind != b.kind)
    return Fail(n, "Add inputs must have the same shape and layout (no broadcasting on the DPU)");
  DpuFloatOp op;
  op.kind = FixOpKind::kEltwiseAdd;
  op.name = n.name;
  op.inputs = {a.tensor, b.tensor};
  Produce(n, std::move(op), out_.tensors[a.tensor].shape, a.kind);
  return Status::Ok();
}
}  // namespace signdpu::quantize::lowering
