// reorg-fix: YOLO reorg and its reverse; rules in kernels/reference/reorg_fix.h.
#include "layout_op_util.h"
#include "op_util.h"
#include "signdpu/kernels/reference/reorg_fix.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::ir::internal {
namespace {

Result<ReorgParams> ReorgOf(const FixGraph& g, const FixOp& op, const std::string& where) {
  SIGNDPU_RETURN_IF_ERROR(CheckOneInput(op, where));
  SIGNDPU_RETURN_IF_ERROR(CheckMap(In(g, op), where));
  const BlockAttrs& a = op.Attrs<BlockAttrs>();
  SIGNDPU_ASSIGN_OR_RETURN(ReorgParams p, MakeReorgParams(ToNhwc(In(g, op).shape), a.scale, a.expand,
                                                          In(g, op).fix_point, Out(g, op).fix_point, where));
  SIGNDPU_RETURN_IF_ERROR(CheckOutput(Out(g, op), p.output, where));
  return p;
}
Status ValidateReorg(const FixGraph& g, const FixOp& op, const std::string& where) {
  return ReorgOf(g, op, where).status();
}
Result<std::unique_ptr<PreparedOp>> PrepareReorg(const FixGraph& g, const FixOp& op, KernelPath) {
  SIGNDPU_ASSIGN_OR_RETURN(ReorgParams p, ReorgOf(g, op, op.name));
  return Wrap<ReorgParams, reference::ReorgFix>(g, op, std::move(p));
}

}  // namespace

const FixOpDef& ReorgFixOp() {
  static const FixOpDef def{FixOpKind::kReorg, xmodel::names::kReorgFix, FixOpAttrsIndex<BlockAttrs>::value,
                            ValidateReorg, PrepareReorg};
  return def;
}

}  // namespace signdpu::ir::internal
