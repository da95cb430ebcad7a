// tile-fix: space to depth and back; rules in kernels/reference/tile_fix.h.
#include "layout_op_util.h"
#include "op_util.h"
#include "signdpu/kernels/reference/tile_fix.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::ir::internal {
namespace {

Result<TileParams> TileOf(const FixGraph& g, const FixOp& op, const std::string& where) {
  SIGNDPU_RETURN_IF_ERROR(CheckOneInput(op, where));
  SIGNDPU_RETURN_IF_ERROR(CheckMap(In(g, op), where));
  const BlockAttrs& a = op.Attrs<BlockAttrs>();
  SIGNDPU_ASSIGN_OR_RETURN(TileParams p, MakeTileParams(ToNhwc(In(g, op).shape), a.scale, a.expand,
                                                        In(g, op).fix_point, Out(g, op).fix_point, where));
  SIGNDPU_RETURN_IF_ERROR(CheckOutput(Out(g, op), p.output, where));
  return p;
}
Status ValidateTile(const FixGraph& g, const FixOp& op, const std::string& where) { return TileOf(g, op, where).status(); }
Result<std::unique_ptr<PreparedOp>> PrepareTile(const FixGraph& g, const FixOp& op, KernelPath) {
  SIGNDPU_ASSIGN_OR_RETURN(TileParams p, TileOf(g, op, op.name));
  return Wrap<TileParams, reference::TileFix>(g, op, std::move(p));
}

}  // namespace

const FixOpDef& TileFixOp() {
  static const FixOpDef def{FixOpKind::kTile, xmodel::names::kTileFix, FixOpAttrsIndex<BlockAttrs>::value,
                            ValidateTile, PrepareTile};
  return def;
}

}  // namespace signdpu::ir::internal
