// Reading and writing the operands of element-wise ops (eltwise-fix,
// depthwise-fix; internal to the xmodel module): activation inputs become
// FixOp inputs, const-fix inputs ConstOperands at their position in XIR's
// `input` argument (a per-channel bias or scale of a Xilinx-compiled model).
#pragma once

#include <string>
#include <vector>

#include "signdpu/xmodel/xir_names.h"
#include "xir_op_io.h"

namespace signdpu::xmodel::internal {

inline Status ReadOperands(XirReadContext& ctx, const xir::Op* op, size_t min_count, size_t max_count,
                           const std::string& where, FixOp* f, std::vector<ConstOperand>* consts) {
  SIGNDPU_RETURN_IF_ERROR(ctx.CheckArgNames(op, {names::kArgInput}, where));
  SIGNDPU_ASSIGN_OR_RETURN(auto ins, ctx.ArgOps(op, names::kArgInput, min_count, max_count, where));
  for (size_t k = 0; k < ins.size(); ++k) {
    const xir::Op* in = ins[k];
    if (in->get_type() != names::kConstFix) {
      SIGNDPU_ASSIGN_OR_RETURN(int id, ctx.ActivationId(in, where));
      f->inputs.push_back(id);
      continue;
    }
    ConstOperand c;
    c.position = static_cast<int>(k);
    c.name = in->get_name();
    for (int32_t d : in->get_output_tensor()->get_shape()) {
      if (d <= 0) return InvalidArgument(where + ": const operand " + c.name + " has dimension " + std::to_string(d));
      c.shape.push_back(d);
    }
    int bit_width = 8;
    bool if_signed = true;
    SIGNDPU_RETURN_IF_ERROR(ctx.ReadFixInfo(in->get_output_tensor(), where + ": const operand " + c.name,
                                            &c.fix_point, &bit_width, &if_signed));
    if (bit_width != 8 || !if_signed)
      return Unsupported(where + ": const operand " + c.name + " is not signed 8-bit");
    SIGNDPU_ASSIGN_OR_RETURN(c.data, ctx.ConstBytes(in, where));
    consts->push_back(std::move(c));
  }
  if (f->inputs.empty()) return Unsupported(where + ": every operand is a constant");
  return Status::Ok();
}

inline void OperandConstNames(const std::vector<ConstOperand>& consts, std::vector<std::string>* names) {
  for (const ConstOperand& c : consts) names->push_back(c.name);
}

// The `input` argument with the const ops at their positions and null where
// the writer puts the activation inputs (in op.inputs order).
inline void WriteOperandConsts(HostWriteContext& ctx, const std::vector<ConstOperand>& consts, size_t n_tensors,
                               HostOp* op) {
  if (consts.empty()) return;
  std::vector<xir::Op*> ins(n_tensors + consts.size(), nullptr);
  for (const ConstOperand& c : consts)
    ins[static_cast<size_t>(c.position)] = ctx.AddConst(c.name, c.shape, c.data, c.fix_point);
  op->inputs[names::kArgInput] = std::move(ins);
}

// The read-only ops (from Xilinx-compiled xmodels) have no quantiser-format form.
inline Status NoQuantizerForm(QuantizerWriteContext& ctx, size_t i, const char* type) {
  return Unsupported("op " + ctx.graph().ops[i].name + " (" + type +
                     "): read from compiled xmodels and written to host xmodels only; the quantiser format has no "
                     "form for it");
}

// One activation input through `input` (the layout ops).
inline Status ReadOneInput(XirReadContext& ctx, const xir::Op* op, const std::string& where, FixOp* f) {
  SIGNDPU_RETURN_IF_ERROR(ctx.CheckArgNames(op, {names::kArgInput}, where));
  SIGNDPU_ASSIGN_OR_RETURN(auto in, ctx.ArgOps(op, names::kArgInput, 1, 1, where));
  SIGNDPU_ASSIGN_OR_RETURN(int id, ctx.ActivationId(in[0], where));
  f->inputs = {id};
  return Status::Ok();
}

}  // namespace signdpu::xmodel::internal
