// ONNX GlobalAveragePool: import, shape inference, float evaluation.
#include <algorithm>

#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

Status Import(ImportContext& ctx, Node* node) {
  node->type = OpType::kGlobalAveragePool;
  return ctx.RequireInputs(*node, 1, 1);
}

Result<Shape> InferShape(const Node& node, const std::vector<Shape>& in) {
  SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 1, 1));
  if (in[0].size() < 3) {
    return NodeError(node, "input " + ShapeToString(in[0]) + " has rank < 3");
  }
  Shape out = in[0];
  std::fill(out.begin() + 2, out.end(), 1);
  return out;
}

void Eval(const FloatEvalArgs& a) {
  const Shape& x = *a.in_shape[0];
  kernels::GlobalAveragePool(a.in[0], x[0] * x[1], NumElements(x) / (x[0] * x[1]), a.out);
}

}  // namespace

const OpDef& GlobalAveragePoolOp() {
  static const OpDef kDef{"GlobalAveragePool", OpDef::ImportKind::kNode,
                          {OpType::kGlobalAveragePool}, Import, InferShape, nullptr, Eval};
  return kDef;
}

}  // namespace signdpu::graph::ops
