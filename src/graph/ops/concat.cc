// ONNX Concat: import (axis normalised at shape inference), shape inference,
// float evaluation (runs of each input, outer loop over the dims before axis).
#include <cstring>

#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

Status Import(ImportContext& ctx, Node* node) {
  node->type = OpType::kConcat;
  SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 1, 64));
  if (!ctx.attrs.Has("axis")) return ctx.NodeError(*node, "attribute 'axis' is required");
  SIGNDPU_ASSIGN_OR_RETURN(int64_t axis, ctx.attrs.Int("axis", 0));
  node->attrs.Set("axis", axis);
  ctx.Known({"axis"});
  return Status::Ok();
}

// The axis as a dim index of rank-`rank` inputs, or an error.
Result<size_t> AxisOf(const Node& node, size_t rank) {
  const int64_t axis = node.attrs.GetInt("axis", 0);
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r) {
    return NodeError(node, "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  }
  return static_cast<size_t>(axis < 0 ? axis + r : axis);
}

Result<Shape> InferShape(const Node& node, const std::vector<Shape>& in) {
  SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 1, 64));
  SIGNDPU_ASSIGN_OR_RETURN(size_t axis, AxisOf(node, in[0].size()));
  Shape out = in[0];
  for (size_t i = 1; i < in.size(); ++i) {
    bool agree = in[i].size() == out.size();
    for (size_t d = 0; agree && d < out.size(); ++d) agree = d == axis || in[i][d] == out[d];
    if (!agree) {
      return NodeError(node, "input " + std::to_string(i) + " " + ShapeToString(in[i]) + " does not match " +
                                 ShapeToString(in[0]) + " outside axis " + std::to_string(axis));
    }
    out[axis] += in[i][axis];
  }
  if (out[axis] > kMaxShapeElements) return NodeError(node, "output is too large");
  return out;
}

void Eval(const FloatEvalArgs& a) {
  const int64_t rank = static_cast<int64_t>(a.out_shape.size());
  const int64_t attr = a.node.attrs.GetInt("axis", 0);  // checked by InferShape
  const size_t axis = static_cast<size_t>(attr < 0 ? attr + rank : attr);
  int64_t outer = 1;
  for (size_t d = 0; d < axis; ++d) outer *= a.out_shape[d];
  const int64_t out_run = NumElements(a.out_shape) / (outer == 0 ? 1 : outer);
  int64_t offset = 0;
  for (size_t i = 0; i < a.in.size(); ++i) {
    const int64_t run = NumElements(*a.in_shape[i]) / (outer == 0 ? 1 : outer);
    for (int64_t o = 0; o < outer; ++o) {
      std::memcpy(a.out + o * out_run + offset, a.in[i] + o * run, static_cast<size_t>(run) * sizeof(float));
    }
    offset += run;
  }
}

}  // namespace

const OpDef& ConcatOp() {
  static const OpDef kDef{"Concat", OpDef::ImportKind::kNode, {OpType::kConcat}, Import, InferShape,
                          nullptr, Eval};
  return kDef;
}

}  // namespace signdpu::graph::ops
