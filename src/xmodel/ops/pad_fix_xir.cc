// pad-fix in XIR (read from compiled xmodels, written to host and quantiser xmodels):
// paddings (2 per dim), mode (CONSTANT, REFLECT, SYMMETRIC), optional
// constant_values (vector<char>) [source: XIR 2.5 built_in_ops.cpp
// PadOpDefGenerator, pad_fix].
#include "signdpu/kernels/reference/pad_fix.h"
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"
#include "../writer_common.h"
#include "operand_io.h"
#include "xir_op_io.h"

namespace signdpu::xmodel::internal {
namespace {

const char* PadModeName(PadMode m) {
  switch (m) {
    case PadMode::kConstant: return "CONSTANT";
    case PadMode::kSymmetric: return "SYMMETRIC";
    case PadMode::kReflect: return "REFLECT";
  }
  return "CONSTANT";
}

Status ReadPad(XirReadContext& ctx, const xir::Op* op, const std::string&, const std::string& where, FixOp* f) {
  f->kind = FixOpKind::kPad;
  SIGNDPU_RETURN_IF_ERROR(ReadOneInput(ctx, op, where, f));
  PadAttrs& a = f->attrs.emplace<PadAttrs>();
  SIGNDPU_ASSIGN_OR_RETURN(a.paddings, ctx.WindowAttr(op, names::kPaddings, 8, 0, kMaxWindow, {}, where));
  SIGNDPU_ASSIGN_OR_RETURN(std::string mode, GetAttr<std::string>(op, names::kMode, where));
  if (!ParsePadMode(mode, &a.mode))
    return Unsupported(where + ": mode " + mode + " (supported: CONSTANT, SYMMETRIC, REFLECT)");
  SIGNDPU_ASSIGN_OR_RETURN(auto values, GetAttrOr<std::vector<char>>(op, names::kConstantValues, {}, where));
  for (char v : values) a.constant_values.push_back(static_cast<signed char>(v));
  return Status::Ok();
}

void WriteHost(HostWriteContext&, const FixGraph&, const FixOp& f, HostOp* op) {
  const PadAttrs& a = f.Attrs<PadAttrs>();
  op->type = names::kPadFix;
  op->attrs->set_attr<std::vector<int>>(names::kPaddings, a.paddings);
  op->attrs->set_attr<std::string>(names::kMode, PadModeName(a.mode));
  if (!a.constant_values.empty())
    op->attrs->set_attr<std::vector<char>>(names::kConstantValues,
                                           std::vector<char>(a.constant_values.begin(), a.constant_values.end()));
}

// vai_q_pytorch writes a pad as "pad" (xop_creator.py:673) with paddings
// [0,0,top,bottom,left,right,0,0] (torch_op_def.py:1266-1273), mode
// CONSTANT / REFLECT / SYMMETRIC (xop_creator.py:60) and constant_values
// (vector<float>, 8 values: torch_op_def.py:1290-1292; XIR 2.5
// built_in_ops.cpp:1706-1712), then the fix of its output.
Status WriteQuantizer(QuantizerWriteContext& ctx, size_t i, const std::vector<xir::Op*>& ins) {
  const FixOp& f = ctx.graph().ops[i];
  const PadAttrs& a = f.Attrs<PadAttrs>();
  for (int v : a.constant_values)
    if (v != 0) return NoQuantizerForm(ctx, i, names::kPadFix);
  auto attrs = NewAttrs();
  attrs->set_attr<std::vector<int>>(names::kPaddings, a.paddings);
  attrs->set_attr<std::string>(names::kMode, PadModeName(a.mode));
  attrs->set_attr<std::vector<float>>(names::kConstantValues, std::vector<float>(a.paddings.size(), 0.0f));
  return ctx.Finish(ctx.Add(f.name, names::kPad, std::move(attrs), {{names::kArgInput, ins}}), f.output);
}

}  // namespace

const XirOpIo& PadFixXir() {
  static const XirOpIo io{FixOpKind::kPad, {names::kPadFix}, ReadPad, nullptr, nullptr, WriteHost, WriteQuantizer};
  return io;
}

}  // namespace signdpu::xmodel::internal
