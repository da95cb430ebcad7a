// eltwise-fix (ADD) in XIR; the quantiser format writes add (+ relu).
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"
#include "../writer_common.h"
#include "xir_op_io.h"

namespace signdpu::xmodel::internal {
namespace {

Status ReadEltwise(XirReadContext& ctx, const xir::Op* op, const std::string&, const std::string& where, FixOp* f) {
  f->kind = FixOpKind::kEltwiseAdd;
  SIGNDPU_RETURN_IF_ERROR(ctx.CheckArgNames(op, {names::kArgInput}, where));
  SIGNDPU_ASSIGN_OR_RETURN(auto inputs, ctx.ArgOps(op, names::kArgInput, 2, 64, where));
  for (const xir::Op* in : inputs) {
    SIGNDPU_ASSIGN_OR_RETURN(int id, ctx.ActivationId(in, where));
    f->inputs.push_back(id);
  }
  SIGNDPU_ASSIGN_OR_RETURN(std::string type, GetAttrOr<std::string>(op, names::kType, names::kEltwiseAdd, where));
  if (type != names::kEltwiseAdd) return Unsupported(where + ": eltwise type " + type + " (supported: ADD)");
  SIGNDPU_ASSIGN_OR_RETURN(std::string nonlinear, GetAttrOr<std::string>(op, names::kNonlinear, "", where));
  EltwiseAttrs& a = f->attrs.emplace<EltwiseAttrs>();
  if (!ParseActivation(nonlinear, &a.activation) ||
      (a.activation != Activation::kNone && a.activation != Activation::kRelu))
    return Unsupported(where + ": eltwise nonlinear " + nonlinear + " (supported: NONE, RELU)");
  return Status::Ok();
}

void WriteHost(HostWriteContext&, const FixGraph&, const FixOp& f, HostOp* op) {
  op->type = names::kEltwiseFix;
  op->attrs->set_attr<std::string>(names::kType, names::kEltwiseAdd);
  op->attrs->set_attr<std::string>(names::kNonlinear, ActivationName(f.Attrs<EltwiseAttrs>().activation));
}

Status WriteQuantizer(QuantizerWriteContext& ctx, size_t i, const std::vector<xir::Op*>& ins) {
  const FixOp& f = ctx.graph().ops[i];
  xir::Op* add = ctx.Add(f.name, names::kAdd, NewAttrs(), {{names::kArgInput, ins}});
  return ctx.Finish(ctx.AddActivation(f.name, f.Attrs<EltwiseAttrs>().activation, add), f.output);
}

}  // namespace

const XirOpIo& EltwiseFixXir() {
  static const XirOpIo io{FixOpKind::kEltwiseAdd, {names::kEltwiseFix}, ReadEltwise, nullptr, nullptr, WriteHost,
                          WriteQuantizer};
  return io;
}

}  // namespace signdpu::xmodel::internal
