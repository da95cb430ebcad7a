// hard-sigmoid-fix in XIR. The quantiser format writes it as vai_q_pytorch
// 2.5 does: hard-sigmoid "<name>_i0" -> mul(<that>, const "<name>_i1" =
// [6 * 2731 / 16384]) "<name>" -> fix [source: Vitis-AI v2.5
// src/Vitis-AI-Quantizer/vai_q_pytorch/nndct_shared/compile/xop_creator.py
// hsigmoid :553-571]: the DPU divides by 6 as * 2731 / 2^14.
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"
#include "../writer_common.h"
#include "xir_op_io.h"

namespace signdpu::xmodel::internal {
namespace {

constexpr float kHardSigmoidScale = 6.0f * 2731.0f / 16384.0f;

Status ReadHardSigmoid(XirReadContext& ctx, const xir::Op* op, const std::string&, const std::string& where,
                       FixOp* f) {
  f->kind = FixOpKind::kHardSigmoid;
  SIGNDPU_RETURN_IF_ERROR(ctx.CheckArgNames(op, {names::kArgInput}, where));
  SIGNDPU_ASSIGN_OR_RETURN(auto in, ctx.ArgOps(op, names::kArgInput, 1, 1, where));
  SIGNDPU_ASSIGN_OR_RETURN(int id, ctx.ActivationId(in[0], where));
  f->inputs = {id};
  HardSigmoidAttrs& a = f->attrs.emplace<HardSigmoidAttrs>();
  SIGNDPU_ASSIGN_OR_RETURN(a.hsigmoid_in, GetAttr<int>(op, names::kHsigmoidIn, where));
  SIGNDPU_ASSIGN_OR_RETURN(a.shift_hsigmoid, GetAttr<int>(op, names::kShiftHsigmoid, where));
  return Status::Ok();
}

void WriteHost(HostWriteContext&, const FixGraph&, const FixOp& f, HostOp* op) {
  op->type = names::kHardSigmoidFix;
  const HardSigmoidAttrs& a = f.Attrs<HardSigmoidAttrs>();
  op->attrs->set_attr<int>(names::kHsigmoidIn, a.hsigmoid_in);
  op->attrs->set_attr<int>(names::kShiftHsigmoid, a.shift_hsigmoid);
}

Status WriteQuantizer(QuantizerWriteContext& ctx, size_t i, const std::vector<xir::Op*>& ins) {
  const FixOp& f = ctx.graph().ops[i];
  xir::Op* hs = ctx.Add(f.name + "_i0", names::kHardSigmoid, NewAttrs(), {{names::kArgInput, ins}});
  return ctx.Finish(ctx.AddScaled(f.name, hs, kHardSigmoidScale), f.output);
}

}  // namespace

const XirOpIo& HardSigmoidFixXir() {
  static const XirOpIo io{FixOpKind::kHardSigmoid, {names::kHardSigmoidFix}, ReadHardSigmoid, nullptr, nullptr,
                          WriteHost, WriteQuantizer};
  return io;
}

}  // namespace signdpu::xmodel::internal
