// ONNX Relu: import, shape inference, float evaluation. (Clip(0, inf) also
// becomes a kRelu node: clip.cc.)
#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

Status Import(ImportContext& ctx, Node* node) {
  node->type = OpType::kRelu;
  return ctx.RequireInputs(*node, 1, 1);
}

void Eval(const FloatEvalArgs& a) { kernels::Relu(a.in[0], NumElements(a.out_shape), a.out); }

}  // namespace

const OpDef& ReluOp() {
  static const OpDef kDef{"Relu", OpDef::ImportKind::kNode, {OpType::kRelu}, Import,
                          SameShapeAsInput, nullptr, Eval};
  return kDef;
}

}  // namespace signdpu::graph::ops
