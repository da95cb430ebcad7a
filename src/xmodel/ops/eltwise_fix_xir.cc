// eltwise-fix (ADD, MUL) in XIR, operands activations or const-fix (a
// per-channel bias of a compiled model); the quantiser format writes add
// (+ relu) for the ADD of activations our quantiser produces.
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"
#include "../writer_common.h"
#include "operand_io.h"
#include "xir_op_io.h"

namespace signdpu::xmodel::internal {
namespace {

Status ReadEltwise(XirReadContext& ctx, const xir::Op* op, const std::string&, const std::string& where, FixOp* f) {
  f->kind = FixOpKind::kEltwiseAdd;
  EltwiseAttrs& a = f->attrs.emplace<EltwiseAttrs>();
  SIGNDPU_RETURN_IF_ERROR(ReadOperands(ctx, op, 2, 64, where, f, &a.consts));
  SIGNDPU_ASSIGN_OR_RETURN(std::string type, GetAttrOr<std::string>(op, names::kType, names::kEltwiseAdd, where));
  if (!ParseEltwiseType(type, &a.type)) return Unsupported(where + ": eltwise type " + type + " (supported: ADD, MUL)");
  SIGNDPU_ASSIGN_OR_RETURN(std::string nonlinear, GetAttrOr<std::string>(op, names::kNonlinear, "", where));
  if (!ParseActivation(nonlinear, &a.activation) ||
      (a.activation != Activation::kNone && a.activation != Activation::kRelu))
    return Unsupported(where + ": eltwise nonlinear " + nonlinear +
                       " (supported: NONE, RELU: the DPUCZDX8G eltwise engine's)");
  return Status::Ok();
}

void Consts(const FixOp& f, std::vector<std::string>* names) { OperandConstNames(f.Attrs<EltwiseAttrs>().consts, names); }

void WriteHost(HostWriteContext& ctx, const FixGraph&, const FixOp& f, HostOp* op) {
  const EltwiseAttrs& a = f.Attrs<EltwiseAttrs>();
  op->type = names::kEltwiseFix;
  op->attrs->set_attr<std::string>(names::kType, EltwiseTypeName(a.type));
  op->attrs->set_attr<std::string>(names::kNonlinear, ActivationName(a.activation));
  WriteOperandConsts(ctx, a.consts, f.inputs.size(), op);
}

Status WriteQuantizer(QuantizerWriteContext& ctx, size_t i, const std::vector<xir::Op*>& ins) {
  const FixOp& f = ctx.graph().ops[i];
  const EltwiseAttrs& a = f.Attrs<EltwiseAttrs>();
  if (a.type != EltwiseType::kAdd || !a.consts.empty()) return NoQuantizerForm(ctx, i, names::kEltwiseFix);
  xir::Op* add = ctx.Add(f.name, names::kAdd, NewAttrs(), {{names::kArgInput, ins}});
  return ctx.Finish(ctx.AddActivation(f.name, a.activation, add), f.output);
}

}  // namespace

const XirOpIo& EltwiseFixXir() {
  static const XirOpIo io{FixOpKind::kEltwiseAdd, {names::kEltwiseFix}, ReadEltwise, nullptr, Consts, WriteHost,
                          WriteQuantizer};
  return io;
}

}  // namespace signdpu::xmodel::internal
