// ONNX Softmax (opset < 13 and 13 semantics): import, shape inference, float evaluation.
#include <algorithm>

#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

Status Import(ImportContext& ctx, Node* node) {
  node->type = OpType::kSoftmax;
  SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 1, 1));
  SIGNDPU_ASSIGN_OR_RETURN(int64_t rank, ctx.RankOf(node->inputs[0]));
  // Opset < 13 flattens [d < axis] x [d >= axis] and defaults to axis 1;
  // opset 13 normalises along one axis and defaults to -1. Both agree when
  // the axis is the last one, which is then recorded as the plain form.
  SIGNDPU_ASSIGN_OR_RETURN(int64_t axis, ctx.attrs.Int("axis", ctx.opset < 13 ? 1 : -1));
  if (rank == 0 || axis < -rank || axis >= rank) {
    return ctx.NodeError(*node, "axis " + std::to_string(axis) + " outside input rank " + std::to_string(rank));
  }
  if (axis < 0) axis += rank;
  node->attrs.Set("axis", axis);
  node->attrs.Set("coerce_2d", int64_t{ctx.opset < 13 && axis != rank - 1 ? 1 : 0});
  ctx.Known({"axis"});
  return Status::Ok();
}

Result<Shape> InferShape(const Node& node, const std::vector<Shape>& in) {
  SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 1, 1));
  const int64_t axis = node.attrs.GetInt("axis", -1);
  if (axis < 0 || axis >= static_cast<int64_t>(std::max<size_t>(in[0].size(), 1))) {
    return NodeError(node, "axis " + std::to_string(axis) + " outside input rank " +
                               std::to_string(in[0].size()));
  }
  return in[0];
}

void Eval(const FloatEvalArgs& a) {
  const Shape& x = *a.in_shape[0];
  const int64_t axis = a.node.attrs.GetInt("axis", static_cast<int64_t>(x.size()) - 1);
  int64_t outer = 1, len = 1, inner = 1;
  for (int64_t d = 0; d < static_cast<int64_t>(x.size()); ++d) {
    if (d < axis) {
      outer *= x[d];
    } else if (d == axis || a.node.attrs.GetInt("coerce_2d", 0) != 0) {
      len *= x[d];  // opset < 13: everything from axis on is one row
    } else {
      inner *= x[d];
    }
  }
  kernels::Softmax(a.in[0], outer, len, inner, a.out);
}

}  // namespace

const OpDef& SoftmaxOp() {
  static const OpDef kDef{"Softmax", OpDef::ImportKind::kNode, {OpType::kSoftmax}, Import,
                          InferShape, nullptr, Eval};
  return kDef;
}

}  // namespace signdpu::graph::ops
