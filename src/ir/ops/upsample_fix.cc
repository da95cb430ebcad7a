// upsample-fix: NEAREST / BILINEAR resize; arithmetic in kernels/reference/upsample_fix.h.
#include "layout_op_util.h"
#include "op_util.h"
#include "signdpu/kernels/reference/upsample_fix.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::ir::internal {
namespace {

Result<UpsampleParams> UpsampleOf(const FixGraph& g, const FixOp& op, const std::string& where) {
  SIGNDPU_RETURN_IF_ERROR(CheckOneInput(op, where));
  SIGNDPU_RETURN_IF_ERROR(CheckMap(In(g, op), where));
  SIGNDPU_RETURN_IF_ERROR(CheckMap(Out(g, op), where));
  const ResizeAttrs& a = op.Attrs<ResizeAttrs>();
  UpsampleConfig c;
  c.input = ToNhwc(In(g, op).shape);
  c.out_h = Out(g, op).shape[1];
  c.out_w = Out(g, op).shape[2];
  c.mode = a.mode;
  c.align_corners = a.align_corners;
  c.half_pixel_centers = a.half_pixel_centers;
  c.fix_in = In(g, op).fix_point;
  c.fix_out = Out(g, op).fix_point;
  if (Out(g, op).shape[3] != c.input.c)
    return InvalidArgument(where + ": output " + Out(g, op).name + " has another channel count than the input");
  return MakeUpsampleParams(c, where);
}
Status ValidateUpsample(const FixGraph& g, const FixOp& op, const std::string& where) {
  return UpsampleOf(g, op, where).status();
}
Result<std::unique_ptr<PreparedOp>> PrepareUpsample(const FixGraph& g, const FixOp& op, KernelPath) {
  SIGNDPU_ASSIGN_OR_RETURN(UpsampleParams p, UpsampleOf(g, op, op.name));
  return Wrap<UpsampleParams, reference::UpsampleFix>(g, op, std::move(p));
}

}  // namespace

const FixOpDef& UpsampleFixOp() {
  static const FixOpDef def{FixOpKind::kUpsample, xmodel::names::kUpsampleFix, FixOpAttrsIndex<ResizeAttrs>::value,
                            ValidateUpsample, PrepareUpsample};
  return def;
}

}  // namespace signdpu::ir::internal
