// ONNX LeakyRelu: import, shape inference, float evaluation.
#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

Status Import(ImportContext& ctx, Node* node) {
  node->type = OpType::kLeakyRelu;
  SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 1, 1));
  SIGNDPU_ASSIGN_OR_RETURN(float alpha, ctx.attrs.Float("alpha", 0.01f));
  node->attrs.Set("alpha", alpha);
  ctx.Known({"alpha"});
  return Status::Ok();
}

void Eval(const FloatEvalArgs& a) {
  kernels::LeakyRelu(a.in[0], NumElements(a.out_shape), a.node.attrs.GetFloat("alpha", 0.01f), a.out);
}

}  // namespace

const OpDef& LeakyReluOp() {
  static const OpDef kDef{"LeakyRelu", OpDef::ImportKind::kNode, {OpType::kLeakyRelu}, Import,
                          SameShapeAsInput, nullptr, Eval};
  return kDef;
}

}  // namespace signdpu::graph::ops
