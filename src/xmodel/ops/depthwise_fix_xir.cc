// depthwise-fix in XIR (read from compiled xmodels, written to host xmodels):
// two `input` operands (an activation and, typically, a per-channel
// const-fix) and `type` ADD or MUL (default MUL in XIR 2.5's definition
// [source: built_in_ops.cpp depthwise_fix]).
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"
#include "../writer_common.h"
#include "operand_io.h"
#include "xir_op_io.h"

namespace signdpu::xmodel::internal {
namespace {

Status ReadDepthwiseFix(XirReadContext& ctx, const xir::Op* op, const std::string&, const std::string& where,
                        FixOp* f) {
  f->kind = FixOpKind::kDepthwiseFix;
  DepthwiseFixAttrs& a = f->attrs.emplace<DepthwiseFixAttrs>();
  SIGNDPU_RETURN_IF_ERROR(ReadOperands(ctx, op, 2, 2, where, f, &a.consts));
  SIGNDPU_ASSIGN_OR_RETURN(std::string type, GetAttrOr<std::string>(op, names::kType, "MUL", where));
  if (!ParseEltwiseType(type, &a.type)) return Unsupported(where + ": type " + type + " (supported: ADD, MUL)");
  return Status::Ok();
}

void Consts(const FixOp& f, std::vector<std::string>* names) {
  OperandConstNames(f.Attrs<DepthwiseFixAttrs>().consts, names);
}

void WriteHost(HostWriteContext& ctx, const FixGraph&, const FixOp& f, HostOp* op) {
  const DepthwiseFixAttrs& a = f.Attrs<DepthwiseFixAttrs>();
  op->type = names::kDepthwiseFix;
  op->attrs->set_attr<std::string>(names::kType, EltwiseTypeName(a.type));
  WriteOperandConsts(ctx, a.consts, f.inputs.size(), op);
}

Status WriteQuantizer(QuantizerWriteContext& ctx, size_t i, const std::vector<xir::Op*>&) {
  return NoQuantizerForm(ctx, i, names::kDepthwiseFix);
}

}  // namespace

const XirOpIo& DepthwiseFixXir() {
  static const XirOpIo io{FixOpKind::kDepthwiseFix, {names::kDepthwiseFix}, ReadDepthwiseFix, nullptr, Consts,
                          WriteHost, WriteQuantizer};
  return io;
}

}  // namespace signdpu::xmodel::internal
