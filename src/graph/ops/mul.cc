// ONNX Mul (numpy broadcasting): import, shape inference, float evaluation.
#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

Status Import(ImportContext& ctx, Node* node) {
  node->type = OpType::kMul;
  SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 2, 2));
  if (ctx.attrs.Has("axis")) {
    return ctx.NodeUnsupported(*node, "legacy (opset < 7) broadcasting with an axis is not supported");
  }
  ctx.Known({"broadcast"});
  return Status::Ok();
}

Result<Shape> InferShape(const Node& node, const std::vector<Shape>& in) {
  SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 2, 2));
  auto out = BroadcastShapes(in[0], in[1]);
  if (!out.ok()) return NodeError(node, out.status().message());
  return out;
}

void Eval(const FloatEvalArgs& a) {
  kernels::MulBroadcast(a.in[0], *a.in_shape[0], a.in[1], *a.in_shape[1], a.out, a.out_shape);
}

}  // namespace

const OpDef& MulOp() {
  static const OpDef kDef{"Mul", OpDef::ImportKind::kNode, {OpType::kMul}, Import, InferShape,
                          nullptr, Eval};
  return kDef;
}

}  // namespace signdpu::graph::ops
