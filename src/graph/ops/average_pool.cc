// ONNX AveragePool (1-D and 2-D): import, shape inference, float evaluation.
#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {

Result<Shape> InferPoolShape(const Node& node, const std::vector<Shape>& in);  // max_pool.cc

namespace {

Status Import(ImportContext& ctx, Node* node) {
  node->type = OpType::kAveragePool;
  SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 1, 1));
  if (ctx.attrs.Has("dilations")) {
    return ctx.NodeUnsupported(*node, "AveragePool dilations are not supported");
  }
  SIGNDPU_RETURN_IF_ERROR(ctx.Window(node, /*is_conv=*/false));
  node->attrs.Erase("dilations");
  SIGNDPU_ASSIGN_OR_RETURN(int64_t cip, ctx.attrs.Int("count_include_pad", 0));
  node->attrs.Set("count_include_pad", cip);
  ctx.Known({"kernel_shape", "strides", "pads", "dilations", "auto_pad", "ceil_mode",
             "count_include_pad", "storage_order"});
  return Status::Ok();
}

void Eval(const FloatEvalArgs& a) {
  const Shape& x = *a.in_shape[0];
  const auto [h, wd] = SpatialHw(x);
  const auto [oh, ow] = SpatialHw(a.out_shape);
  kernels::AveragePool2d(a.in[0], x[0] * x[1], h, wd, MakeWindow(a.node, x, nullptr),
                         a.node.attrs.GetInt("count_include_pad", 0) != 0, oh, ow, a.out);
}

}  // namespace

const OpDef& AveragePoolOp() {
  static const OpDef kDef{"AveragePool", OpDef::ImportKind::kNode, {OpType::kAveragePool}, Import,
                          InferPoolShape, nullptr, Eval};
  return kDef;
}

}  // namespace signdpu::graph::ops
