// ONNX Flatten: import, shape inference, float evaluation (a copy).
#include <cstring>

#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

Status Import(ImportContext& ctx, Node* node) {
  node->type = OpType::kFlatten;
  SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 1, 1));
  SIGNDPU_ASSIGN_OR_RETURN(int64_t rank, ctx.RankOf(node->inputs[0]));
  SIGNDPU_ASSIGN_OR_RETURN(int64_t axis, ctx.attrs.Int("axis", 1));
  if (axis < -rank || axis > rank) {
    return ctx.NodeError(*node, "axis " + std::to_string(axis) + " outside [-" + std::to_string(rank) +
                                    ", " + std::to_string(rank) + "]");
  }
  node->attrs.Set("axis", axis < 0 ? axis + rank : axis);
  ctx.Known({"axis"});
  return Status::Ok();
}

Result<Shape> InferShape(const Node& node, const std::vector<Shape>& in) {
  SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 1, 1));
  const int64_t axis = node.attrs.GetInt("axis", 1);
  if (axis < 0 || axis > static_cast<int64_t>(in[0].size())) {
    return NodeError(node, "axis " + std::to_string(axis) + " outside [0, " +
                               std::to_string(in[0].size()) + "]");
  }
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < in[0].size(); ++i) {
    (static_cast<int64_t>(i) < axis ? outer : inner) *= in[0][i];
  }
  return Shape{outer, inner};
}

}  // namespace

// Flatten and Reshape keep the data: a copy (shared with reshape.cc).
void EvalCopy(const FloatEvalArgs& a) {
  std::memcpy(a.out, a.in[0], NumElements(a.out_shape) * sizeof(float));
}

const OpDef& FlattenOp() {
  static const OpDef kDef{"Flatten", OpDef::ImportKind::kNode, {OpType::kFlatten}, Import,
                          InferShape, nullptr, EvalCopy};
  return kDef;
}

}  // namespace signdpu::graph::ops
