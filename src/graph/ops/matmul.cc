// ONNX MatMul (rank >= 2, batch dims broadcast): import, shape inference,
// float evaluation.
#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

Status Import(ImportContext& ctx, Node* node) {
  node->type = OpType::kMatMul;
  return ctx.RequireInputs(*node, 2, 2);
}

Result<Shape> InferShape(const Node& node, const std::vector<Shape>& in) {
  SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 2, 2));
  const Shape& a = in[0];
  const Shape& b = in[1];
  if (a.size() < 2 || b.size() < 2) {
    return NodeError(node, "operands " + ShapeToString(a) + " and " + ShapeToString(b) +
                               " must have rank >= 2 (1-D MatMul is not supported)");
  }
  if (a.back() != b[b.size() - 2]) {
    return NodeError(node, "inner dimensions differ: " + ShapeToString(a) + " x " +
                               ShapeToString(b));
  }
  auto batch = BroadcastShapes(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
  if (!batch.ok()) return NodeError(node, batch.status().message());
  Shape out = *batch;
  out.push_back(a[a.size() - 2]);
  out.push_back(b.back());
  return out;
}

void Eval(const FloatEvalArgs& a) {
  kernels::MatMul(a.in[0], *a.in_shape[0], a.in[1], *a.in_shape[1], a.out, a.out_shape);
}

}  // namespace

const OpDef& MatMulOp() {
  static const OpDef kDef{"MatMul", OpDef::ImportKind::kNode, {OpType::kMatMul}, Import, InferShape,
                          nullptr, Eval};
  return kDef;
}

}  // namespace signdpu::graph::ops
