// reorg-fix, tile-fix and pixel-shuffle-fix in XIR (read from compiled
// xmodels, written to host xmodels) [source: XIR 2.5 built_in_ops.cpp]:
//   reorg-fix:         scale (int), reverse (bool)
//   tile-fix:          stride (int), reverse (bool)
//   pixel-shuffle-fix: scale (int), reverse (bool, required by its definition)
//                      and upscale (bool, read by its shape inference)
//                      [checked: libxir 2.5 needs both]; upscale is read.
// Quantiser format (pixel-shuffle only): a float `pixel-shuffle` with scale
// and upscale on the input's fix, then the output's fix [source: Vitis-AI
// v2.5 vai_q_pytorch nndct_shared/compile/xop_creator.py:692 (to_xir
// "pixel-shuffle", default_xop :285-310: the op's attributes, input fix ops,
// the fix after it); attributes scale, upscale:
// nndct_shared/nndct_graph/operator_definition.py:1577-1606].
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"
#include "../writer_common.h"
#include "operand_io.h"
#include "xir_op_io.h"

namespace signdpu::xmodel::internal {
namespace {

Status ReadBlock(XirReadContext& ctx, const xir::Op* op, const std::string& type, const std::string& where,
                 FixOp* f) {
  SIGNDPU_RETURN_IF_ERROR(ReadOneInput(ctx, op, where, f));
  BlockAttrs& a = f->attrs.emplace<BlockAttrs>();
  if (type == names::kTileFix) {
    f->kind = FixOpKind::kTile;
    SIGNDPU_ASSIGN_OR_RETURN(a.scale, GetAttr<int>(op, names::kStride, where));
    SIGNDPU_ASSIGN_OR_RETURN(a.expand, GetAttr<bool>(op, names::kReverse, where));
  } else if (type == names::kPixelShuffleFix) {
    f->kind = FixOpKind::kPixelShuffle;
    SIGNDPU_ASSIGN_OR_RETURN(a.scale, GetAttr<int>(op, names::kScale, where));
    SIGNDPU_ASSIGN_OR_RETURN(a.expand, GetAttr<bool>(op, names::kUpscale, where));
  } else {
    f->kind = FixOpKind::kReorg;
    SIGNDPU_ASSIGN_OR_RETURN(a.scale, GetAttr<int>(op, names::kScale, where));
    SIGNDPU_ASSIGN_OR_RETURN(a.expand, GetAttr<bool>(op, names::kReverse, where));
  }
  if (a.scale < 1 || a.scale > 64) return InvalidArgument(where + ": scale " + std::to_string(a.scale) + " outside [1, 64]");
  return Status::Ok();
}

void WriteHost(HostWriteContext&, const FixGraph&, const FixOp& f, HostOp* op) {
  const BlockAttrs& a = f.Attrs<BlockAttrs>();
  if (f.kind == FixOpKind::kTile) {
    op->type = names::kTileFix;
    op->attrs->set_attr<int>(names::kStride, a.scale);
    op->attrs->set_attr<bool>(names::kReverse, a.expand);
    return;
  }
  op->type = f.kind == FixOpKind::kPixelShuffle ? names::kPixelShuffleFix : names::kReorgFix;
  op->attrs->set_attr<int>(names::kScale, a.scale);
  op->attrs->set_attr<bool>(names::kReverse, a.expand);
  if (f.kind == FixOpKind::kPixelShuffle) op->attrs->set_attr<bool>(names::kUpscale, a.expand);
}

Status WriteReorgQuantizer(QuantizerWriteContext& ctx, size_t i, const std::vector<xir::Op*>&) {
  return NoQuantizerForm(ctx, i, names::kReorgFix);
}
Status WriteTileQuantizer(QuantizerWriteContext& ctx, size_t i, const std::vector<xir::Op*>&) {
  return NoQuantizerForm(ctx, i, names::kTileFix);
}
Status WritePixelShuffleQuantizer(QuantizerWriteContext& ctx, size_t i, const std::vector<xir::Op*>& ins) {
  const FixOp& f = ctx.graph().ops[i];
  const BlockAttrs& a = f.Attrs<BlockAttrs>();
  auto attrs = NewAttrs();
  attrs->set_attr<int>(names::kScale, a.scale);
  attrs->set_attr<bool>(names::kUpscale, a.expand);
  xir::Op* op = ctx.Add(f.name, names::kPixelShuffle, std::move(attrs), {{names::kArgInput, {ins[0]}}});
  return ctx.Finish(op, f.output);
}

}  // namespace

const XirOpIo& ReorgFixXir() {
  static const XirOpIo io{FixOpKind::kReorg, {names::kReorgFix}, ReadBlock, nullptr, nullptr, WriteHost,
                          WriteReorgQuantizer};
  return io;
}
const XirOpIo& TileFixXir() {
  static const XirOpIo io{FixOpKind::kTile, {names::kTileFix}, ReadBlock, nullptr, nullptr, WriteHost,
                          WriteTileQuantizer};
  return io;
}
const XirOpIo& PixelShuffleFixXir() {
  static const XirOpIo io{FixOpKind::kPixelShuffle, {names::kPixelShuffleFix}, ReadBlock, nullptr, nullptr, WriteHost,
                          WritePixelShuffleQuantizer};
  return io;
}

}  // namespace signdpu::xmodel::internal
