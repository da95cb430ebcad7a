// ONNX MaxPool (1-D and 2-D): import, shape inference, float evaluation.
#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

Status Import(ImportContext& ctx, Node* node) {
  node->type = OpType::kMaxPool;
  SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 1, 1));
  SIGNDPU_RETURN_IF_ERROR(ctx.Window(node, /*is_conv=*/false));
  // storage_order only affects the (refused) Indices output.
  ctx.Known({"kernel_shape", "strides", "pads", "dilations", "auto_pad", "ceil_mode",
             "count_include_pad", "storage_order"});
  return Status::Ok();
}

void Eval(const FloatEvalArgs& a) {
  const Shape& x = *a.in_shape[0];
  const auto [h, wd] = SpatialHw(x);
  const auto [oh, ow] = SpatialHw(a.out_shape);
  kernels::MaxPool2d(a.in[0], x[0] * x[1], h, wd, MakeWindow(a.node, x, nullptr), oh, ow, a.out);
}

}  // namespace

// Shared with AveragePool (average_pool.cc).
Result<Shape> InferPoolShape(const Node& node, const std::vector<Shape>& in) {
  SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 1, 1));
  SIGNDPU_RETURN_IF_ERROR(CheckSpatialRank(node, in[0]));
  SIGNDPU_ASSIGN_OR_RETURN(Shape spatial, WindowSpatialOut(node, in[0]));
  Shape out = {in[0][0], in[0][1]};
  out.insert(out.end(), spatial.begin(), spatial.end());
  return out;
}

const OpDef& MaxPoolOp() {
  static const OpDef kDef{"MaxPool", OpDef::ImportKind::kNode, {OpType::kMaxPool}, Import,
                          InferPoolShape, nullptr, Eval};
  return kDef;
}

}  // namespace signdpu::graph::ops
