// ONNX Identity and Dropout (inference mode): removed at import, the output
// becomes another name for the input. No graph op of their own.
#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

Status Import(ImportContext& ctx, Node* node) {
  const bool dropout = ctx.proto.op_type() == "Dropout";
  SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 1, 3));
  SIGNDPU_RETURN_IF_ERROR(ctx.CheckUnusedExtraOutputs());
  if (dropout && node->inputs.size() == 3) {
    // Opset >= 12: training_mode is an input; only inference (false) is a no-op.
    const Tensor* t = ctx.graph.FindConstant(node->inputs[2]);
    if (t == nullptr || t->dtype != DataType::kInt64 || t->data_i64.size() != 1) {
      return ctx.NodeUnsupported(*node, "training_mode must be a constant boolean");
    }
    if (t->data_i64[0] != 0) return ctx.NodeUnsupported(*node, "training_mode=1 is not supported");
  }
  if (!dropout && node->inputs.size() != 1) return ctx.NodeError(*node, "needs one input");
  // Removed: the output is another name for the input. For PyTorch's
  // de-duplicated initializers the input is a constant, so the alias is too.
  if (!ctx.graph.Contains(node->inputs[0])) {
    return NotFound(ctx.label + ": " + ctx.context + ": input '" + node->inputs[0] + "' is undefined");
  }
  return ctx.graph.AddAlias(ctx.proto.output(0), node->inputs[0]);
}

}  // namespace

const OpDef& DropoutOp() {
  static const OpDef kDef{"Dropout", OpDef::ImportKind::kAlias, {}, Import, nullptr, nullptr, nullptr};
  return kDef;
}

const OpDef& IdentityOp() {
  static const OpDef kDef{"Identity", OpDef::ImportKind::kAlias, {}, Import, nullptr, nullptr, nullptr};
  return kDef;
}

}  // namespace signdpu::graph::ops
