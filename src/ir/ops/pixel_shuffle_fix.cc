// pixel-shuffle-fix: PyTorch PixelShuffle / Unshuffle; rules in kernels/reference/pixel_shuffle_fix.h.
#include "layout_op_util.h"
#include "op_util.h"
#include "signdpu/kernels/reference/pixel_shuffle_fix.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::ir::internal {
namespace {

Result<PixelShuffleParams> PixelShuffleOf(const FixGraph& g, const FixOp& op, const std::string& where) {
  SIGNDPU_RETURN_IF_ERROR(CheckOneInput(op, where));
  SIGNDPU_RETURN_IF_ERROR(CheckMap(In(g, op), where));
  const BlockAttrs& a = op.Attrs<BlockAttrs>();
  SIGNDPU_ASSIGN_OR_RETURN(PixelShuffleParams p,
                           MakePixelShuffleParams(ToNhwc(In(g, op).shape), a.scale, a.expand, In(g, op).fix_point,
                                                  Out(g, op).fix_point, where));
  SIGNDPU_RETURN_IF_ERROR(CheckOutput(Out(g, op), p.output, where));
  return p;
}
Status ValidatePixelShuffle(const FixGraph& g, const FixOp& op, const std::string& where) {
  return PixelShuffleOf(g, op, where).status();
}
Result<std::unique_ptr<PreparedOp>> PreparePixelShuffle(const FixGraph& g, const FixOp& op, KernelPath) {
  SIGNDPU_ASSIGN_OR_RETURN(PixelShuffleParams p, PixelShuffleOf(g, op, op.name));
  return Wrap<PixelShuffleParams, reference::PixelShuffleFix>(g, op, std::move(p));
}

}  // namespace

const FixOpDef& PixelShuffleFixOp() {
  static const FixOpDef def{FixOpKind::kPixelShuffle, xmodel::names::kPixelShuffleFix,
                            FixOpAttrsIndex<BlockAttrs>::value, ValidatePixelShuffle, PreparePixelShuffle};
  return def;
}

}  // namespace signdpu::ir::internal
