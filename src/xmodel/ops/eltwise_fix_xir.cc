// eltwise-fix (ADD, MUL) in XIR, operands activations or const-fix (a
// per-channel bias of a compiled model, or an ONNX Add / Mul constant); the
// quantiser format writes add / mul (+ relu), const operands as const + fix.
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

// vai_q_pytorch writes Add as "add" and Mul as "mul" over the fix ops of its
// operands; a constant operand is a const + fix (xop_creator.py:664-669,
// 265-280 binary_op, 285-307 default_xop; xgraph.py:119-127). Our const keeps
// its broadcast shape where vai_q expands a scalar to the input's shape
// (xop_creator.py:270): the values are equal under broadcasting.
Status WriteQuantizer(QuantizerWriteContext& ctx, size_t i, const std::vector<xir::Op*>& ins) {
  const FixOp& f = ctx.graph().ops[i];
  const EltwiseAttrs& a = f.Attrs<EltwiseAttrs>();
  std::vector<xir::Op*> operands(ins.size() + a.consts.size(), nullptr);
  std::vector<bool> is_const(operands.size(), false);
  for (const ConstOperand& c : a.consts) {
    operands[static_cast<size_t>(c.position)] = ctx.AddConst(c.name, c.shape, c.data, c.fix_point);
    is_const[static_cast<size_t>(c.position)] = true;
  }
  size_t next = 0;
  for (size_t k = 0; k < operands.size(); ++k)
    if (!is_const[k]) operands[k] = ins[next++];
  const char* type = a.type == EltwiseType::kMul ? names::kMul : names::kAdd;
  xir::Op* op = ctx.Add(f.name, type, NewAttrs(), {{names::kArgInput, operands}});
  return ctx.Finish(ctx.AddActivation(f.name, a.activation, op), f.output);
}

}  // namespace

const XirOpIo& EltwiseFixXir() {
  static const XirOpIo io{FixOpKind::kEltwiseAdd, {names::kEltwiseFix}, ReadEltwise, nullptr, Consts, WriteHost,
                          WriteQuantizer};
  return io;
}

}  // namespace signdpu::xmodel::internal
