// upsample-fix and downsample-fix in XIR (read from compiled xmodels, written
// to host xmodels). Attributes [source: XIR 2.5 built_in_ops.cpp
// ResizeOpDefGenerator and upsample_fix / downsample_fix]: mode (NEAREST,
// BILINEAR), align_corners, half_pixel_centers (optional, default false),
// scale {scale_w, scale_h}; the optional `size` input is not supported (the
// 2.5 CPU reference refuses it too: upsample-fix.cpp:177).
// Quantiser format (upsample only): a float `resize` with mode,
// align_corners, half_pixel_centers and scale {w, h} on the input's fix,
// then the output's fix, as vai_q_pytorch writes a resize given by scale
// [source: Vitis-AI v2.5 vai_q_pytorch nndct_shared/compile/xop_creator.py:
// 313-338 (resize, the all-zero-size branch), :674 (NNDCT_OP.RESIZE)].
#include "signdpu/kernels/reference/upsample_fix.h"
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"
#include "../writer_common.h"
#include "operand_io.h"
#include "xir_op_io.h"

namespace signdpu::xmodel::internal {
namespace {

Status ReadResize(XirReadContext& ctx, const xir::Op* op, const std::string& type, const std::string& where,
                  FixOp* f) {
  f->kind = type == names::kUpsampleFix ? FixOpKind::kUpsample : FixOpKind::kDownsample;
  SIGNDPU_RETURN_IF_ERROR(ReadOneInput(ctx, op, where, f));
  ResizeAttrs& a = f->attrs.emplace<ResizeAttrs>();
  SIGNDPU_ASSIGN_OR_RETURN(std::string mode, GetAttrOr<std::string>(op, names::kMode, "NEAREST", where));
  if (!ParseResizeMode(mode, &a.mode)) return Unsupported(where + ": mode " + mode + " (supported: NEAREST, BILINEAR)");
  SIGNDPU_ASSIGN_OR_RETURN(a.align_corners, GetAttrOr<bool>(op, names::kAlignCorners, false, where));
  SIGNDPU_ASSIGN_OR_RETURN(a.half_pixel_centers, GetAttrOr<bool>(op, names::kHalfPixelCenters, false, where));
  SIGNDPU_ASSIGN_OR_RETURN(auto scale, GetAttr<std::vector<float>>(op, names::kScale, where));
  if (scale.size() != 2) return InvalidArgument(where + ": scale has " + std::to_string(scale.size()) + " values, expected 2");
  for (float s : scale)
    if (!(s > 0.0f && s <= 1024.0f)) return InvalidArgument(where + ": scale " + std::to_string(s) + " outside (0, 1024]");
  a.scale_w = scale[0];
  a.scale_h = scale[1];
  return Status::Ok();
}

void WriteHost(HostWriteContext&, const FixGraph&, const FixOp& f, HostOp* op) {
  const ResizeAttrs& a = f.Attrs<ResizeAttrs>();
  op->type = f.kind == FixOpKind::kUpsample ? names::kUpsampleFix : names::kDownsampleFix;
  op->attrs->set_attr<std::string>(names::kMode, a.mode == ResizeMode::kBilinear ? "BILINEAR" : "NEAREST");
  op->attrs->set_attr<bool>(names::kAlignCorners, a.align_corners);
  op->attrs->set_attr<bool>(names::kHalfPixelCenters, a.half_pixel_centers);
  op->attrs->set_attr<std::vector<float>>(names::kScale, {a.scale_w, a.scale_h});
}

Status WriteUpQuantizer(QuantizerWriteContext& ctx, size_t i, const std::vector<xir::Op*>& ins) {
  const FixOp& f = ctx.graph().ops[i];
  const ResizeAttrs& a = f.Attrs<ResizeAttrs>();
  auto attrs = NewAttrs();
  attrs->set_attr<std::string>(names::kMode, a.mode == ResizeMode::kBilinear ? "BILINEAR" : "NEAREST");
  attrs->set_attr<bool>(names::kAlignCorners, a.align_corners);
  attrs->set_attr<bool>(names::kHalfPixelCenters, a.half_pixel_centers);
  attrs->set_attr<std::vector<float>>(names::kScale, {a.scale_w, a.scale_h});
  xir::Op* op = ctx.Add(f.name, names::kResize, std::move(attrs), {{names::kArgInput, {ins[0]}}});
  return ctx.Finish(op, f.output);
}
Status WriteDownQuantizer(QuantizerWriteContext& ctx, size_t i, const std::vector<xir::Op*>&) {
  return NoQuantizerForm(ctx, i, names::kDownsampleFix);
}

}  // namespace

const XirOpIo& UpsampleFixXir() {
  static const XirOpIo io{FixOpKind::kUpsample, {names::kUpsampleFix}, ReadResize, nullptr, nullptr, WriteHost,
                          WriteUpQuantizer};
  return io;
}

const XirOpIo& DownsampleFixXir() {
  static const XirOpIo io{FixOpKind::kDownsample, {names::kDownsampleFix}, ReadResize, nullptr, nullptr, WriteHost,
                          WriteDownQuantizer};
  return io;
}

}  // namespace signdpu::xmodel::internal
