// downsample-fix: NEAREST subsampling; arithmetic in kernels/reference/downsample_fix.h.
#include "layout_op_util.h"
#include "op_util.h"
#include "signdpu/kernels/reference/downsample_fix.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::ir::internal {
namespace {

Result<DownsampleParams> DownsampleOf(const FixGraph& g, const FixOp& op, const std::string& where) {
  SIGNDPU_RETURN_IF_ERROR(CheckOneInput(op, where));
  SIGNDPU_RETURN_IF_ERROR(CheckMap(In(g, op), where));
  const ResizeAttrs& a = op.Attrs<ResizeAttrs>();
  if (a.mode != ResizeMode::kNearest) return Unsupported(where + ": mode BILINEAR (supported: NEAREST)");
  SIGNDPU_ASSIGN_OR_RETURN(DownsampleParams p, MakeDownsampleParams(ToNhwc(In(g, op).shape), a.scale_w, a.scale_h,
                                                                    "NEAREST", In(g, op).fix_point,
                                                                    Out(g, op).fix_point, where));
  SIGNDPU_RETURN_IF_ERROR(CheckOutput(Out(g, op), {1, p.out_h, p.out_w, p.input.c}, where));
  return p;
}
Status ValidateDownsample(const FixGraph& g, const FixOp& op, const std::string& where) {
  return DownsampleOf(g, op, where).status();
}
Result<std::unique_ptr<PreparedOp>> PrepareDownsample(const FixGraph& g, const FixOp& op, KernelPath) {
  SIGNDPU_ASSIGN_OR_RETURN(DownsampleParams p, DownsampleOf(g, op, op.name));
  return Wrap<DownsampleParams, reference::DownsampleFix>(g, op, std::move(p));
}

}  // namespace

const FixOpDef& DownsampleFixOp() {
  static const FixOpDef def{FixOpKind::kDownsample, xmodel::names::kDownsampleFix,
                            FixOpAttrsIndex<ResizeAttrs>::value, ValidateDownsample, PrepareDownsample};
  return def;
}

}  // namespace signdpu::ir::internal
