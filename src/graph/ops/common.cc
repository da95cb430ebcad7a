// Helpers shared by the op files (op_util.h).
#include <algorithm>

#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {

Status NodeError(const Node& node, const std::string& message) {
  return InvalidArgument(node.Describe() + ": " + message);
}

Status CheckInputCount(const Node& node, size_t min, size_t max) {
  if (node.inputs.size() < min || node.inputs.size() > max) {
    return NodeError(node, "has " + std::to_string(node.inputs.size()) + " inputs, expected " +
                               (min == max ? std::to_string(min)
                                           : std::to_string(min) + " to " + std::to_string(max)));
  }
  return Status::Ok();
}

Result<Shape> BroadcastShapes(const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) {
      return InvalidArgument("shapes " + ShapeToString(a) + " and " + ShapeToString(b) +
                             " do not broadcast (dim " + std::to_string(i) + ")");
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Status ImportBroadcastBinary(ImportContext& ctx, Node* node, OpType type) {
  node->type = type;
  SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 2, 2));
  if (ctx.attrs.Has("axis")) {
    return ctx.NodeUnsupported(*node, "legacy (opset < 7) broadcasting with an axis is not supported");
  }
  ctx.Known({"broadcast"});
  return Status::Ok();
}

Result<Shape> InferBroadcastBinary(const Node& node, const std::vector<Shape>& in) {
  SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 2, 2));
  auto out = BroadcastShapes(in[0], in[1]);
  if (!out.ok()) return NodeError(node, out.status().message());
  return out;
}

Result<Shape> SameShapeAsInput(const Node& node, const std::vector<Shape>& in) {
  SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 1, 1));
  return in[0];
}

}  // namespace signdpu::graph::ops
