// pad-fix: CONSTANT / SYMMETRIC / REFLECT; rules in kernels/reference/pad_fix.h.
#include "layout_op_util.h"
#include "op_util.h"
#include "signdpu/kernels/reference/pad_fix.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::ir::internal {
namespace {

Result<PadParams> PadOf(const FixGraph& g, const FixOp& op, const std::string& where) {
  SIGNDPU_RETURN_IF_ERROR(CheckOneInput(op, where));
  SIGNDPU_RETURN_IF_ERROR(CheckMap(In(g, op), where));
  const PadAttrs& a = op.Attrs<PadAttrs>();
  SIGNDPU_ASSIGN_OR_RETURN(PadParams p, MakePadParams(ToNhwc(In(g, op).shape), a.paddings, a.mode, a.constant_values,
                                                      In(g, op).fix_point, Out(g, op).fix_point, where));
  SIGNDPU_RETURN_IF_ERROR(CheckOutput(Out(g, op), p.output, where));
  return p;
}
Status ValidatePad(const FixGraph& g, const FixOp& op, const std::string& where) { return PadOf(g, op, where).status(); }
Result<std::unique_ptr<PreparedOp>> PreparePad(const FixGraph& g, const FixOp& op, KernelPath) {
  SIGNDPU_ASSIGN_OR_RETURN(PadParams p, PadOf(g, op, op.name));
  return Wrap<PadParams, reference::PadFix>(g, op, std::move(p));
}

}  // namespace

const FixOpDef& PadFixOp() {
  static const FixOpDef def{FixOpKind::kPad, xmodel::names::kPadFix, FixOpAttrsIndex<PadAttrs>::value, ValidatePad,
                            PreparePad};
  return def;
}

}  // namespace signdpu::ir::internal
