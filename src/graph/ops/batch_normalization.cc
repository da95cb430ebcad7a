// ONNX BatchNormalization (inference): import, shape inference, float evaluation.
#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

Status Import(ImportContext& ctx, Node* node) {
  node->type = OpType::kBatchNorm;
  SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 5, 5));
  SIGNDPU_ASSIGN_OR_RETURN(float eps, ctx.attrs.Float("epsilon", 1e-5f));
  SIGNDPU_ASSIGN_OR_RETURN(int64_t training, ctx.attrs.Int("training_mode", 0));
  SIGNDPU_ASSIGN_OR_RETURN(int64_t spatial, ctx.attrs.Int("spatial", 1));
  if (training != 0) return ctx.NodeUnsupported(*node, "training_mode=1 is not supported (inference only)");
  if (spatial != 1) return ctx.NodeUnsupported(*node, "spatial=0 (per-activation statistics) is not supported");
  node->attrs.Set("epsilon", eps);
  ctx.Known({"epsilon", "momentum", "training_mode", "spatial", "is_test"});
  return Status::Ok();
}

Result<Shape> InferShape(const Node& node, const std::vector<Shape>& in) {
  SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 5, 5));
  if (in[0].size() < 2) return NodeError(node, "input " + ShapeToString(in[0]) + " has rank < 2");
  for (size_t i = 1; i < 5; ++i) {
    if (in[i] != Shape{in[0][1]}) {
      return NodeError(node, "parameter '" + node.inputs[i] + "' " + ShapeToString(in[i]) +
                                 " is not [C] = [" + std::to_string(in[0][1]) + "]");
    }
  }
  return in[0];
}

void Eval(const FloatEvalArgs& a) {
  const Shape& x = *a.in_shape[0];
  kernels::BatchNorm(a.in[0], x[0], x[1], NumElements(x) / (x[0] * x[1]), a.in[1], a.in[2], a.in[3],
                     a.in[4], a.node.attrs.GetFloat("epsilon", 1e-5f), a.out);
}

}  // namespace

const OpDef& BatchNormalizationOp() {
  static const OpDef kDef{"BatchNormalization", OpDef::ImportKind::kNode, {OpType::kBatchNorm},
                          Import, InferShape, nullptr, Eval};
  return kDef;
}

}  // namespace signdpu::graph::ops
