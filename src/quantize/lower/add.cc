// Add: a constant operand folds into the conv before it as bias, else becomes
// an eltwise-fix const operand (eltwise.cc); two activations -> eltwise-fix.
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
    if (in.producer < 0) return LowerEltwiseConst(n, EltwiseType::kAdd);
    DpuFloatOp& p = out_.ops[in.producer];
    const bool is_conv = p.kind == FixOpKind::kConv2d || p.kind == FixOpKind::kDepthwiseConv2d;
    const int64_t o_count = p.conv.out_channels;
    const bool per_output = static_cast<int64_t>(bias->data.size()) == o_count || bias->data.size() == 1;
    if (!is_conv || p.conv.activation != Activation::kNone || Consumers(n.inputs[act_idx]) != 1 || !per_output ||
        !IsPerChannel(*bias, o_count, in.kind))
      return LowerEltwiseConst(n, EltwiseType::kAdd);
    for (int64_t o = 0; o < o_count; ++o) p.bias[o] += bias->data.size() == 1 ? bias->data[0] : bias->data[o];
    p.transform_note += "; Add " + n.name + " folded as bias";
    Alias(n, in);
    return Status::Ok();
  }
  return LowerEltwiseTensors(n, EltwiseType::kAdd);
}
}  // namespace signdpu::quantize::lowering
