// ONNX Conv (1-D and 2-D, grouped): import, shape inference, float evaluation.
#include <algorithm>

#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

Status Import(ImportContext& ctx, Node* node) {
  node->type = OpType::kConv;
  SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 2, 3));
  SIGNDPU_RETURN_IF_ERROR(ctx.Window(node, /*is_conv=*/true));
  SIGNDPU_ASSIGN_OR_RETURN(int64_t group, ctx.attrs.Int("group", 1));
  node->attrs.Set("group", group);
  ctx.Known({"kernel_shape", "strides", "pads", "dilations", "auto_pad", "group"});
  return Status::Ok();
}

Result<Shape> InferShape(const Node& node, const std::vector<Shape>& in) {
  SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 2, 3));
  const Shape& x = in[0];
  const Shape& w = in[1];
  SIGNDPU_RETURN_IF_ERROR(CheckSpatialRank(node, x));
  if (w.size() != x.size()) {
    return NodeError(node, "weight '" + node.inputs[1] + "' " + ShapeToString(w) +
                               " has a different rank than input " + ShapeToString(x));
  }
  const int64_t group = node.attrs.GetInt("group", 1);
  if (group < 1 || x[1] % group != 0 || w[0] % group != 0 || w[1] * group != x[1]) {
    return NodeError(node, "weight " + ShapeToString(w) + " with group " +
                               std::to_string(group) + " does not fit input " +
                               ShapeToString(x) + " (expects W[1] * group == C)");
  }
  const auto kernel = node.attrs.GetInts("kernel_shape");
  if (!std::equal(kernel.begin(), kernel.end(), w.begin() + 2, w.end()) ||
      kernel.size() != w.size() - 2) {
    return NodeError(node, "kernel_shape " + ShapeToString(kernel) +
                               " does not match weight " + ShapeToString(w));
  }
  if (in.size() == 3 && in[2] != Shape{w[0]}) {
    return NodeError(node, "bias '" + node.inputs[2] + "' " + ShapeToString(in[2]) +
                               " is not [" + std::to_string(w[0]) + "]");
  }
  SIGNDPU_ASSIGN_OR_RETURN(Shape spatial, WindowSpatialOut(node, x));
  Shape out = {x[0], w[0]};
  out.insert(out.end(), spatial.begin(), spatial.end());
  return out;
}

void Eval(const FloatEvalArgs& a) {
  const Shape& x = *a.in_shape[0];
  const Shape& w = *a.in_shape[1];
  const auto [h, wd] = SpatialHw(x);
  const auto [oh, ow] = SpatialHw(a.out_shape);
  kernels::Conv2dDims dims;
  dims.n = x[0];
  dims.c = x[1];
  dims.h = h;
  dims.w = wd;
  dims.m = w[0];
  dims.group = a.node.attrs.GetInt("group", 1);
  dims.oh = oh;
  dims.ow = ow;
  kernels::Conv2d(a.in[0], a.in[1], a.in.size() > 2 ? a.in[2] : nullptr, dims,
                  MakeWindow(a.node, x, &w), a.out, a.scratch);
}

}  // namespace

const OpDef& ConvOp() {
  static const OpDef kDef{"Conv", OpDef::ImportKind::kNode, {OpType::kConv}, Import, InferShape,
                          nullptr, Eval};
  return kDef;
}

}  // namespace signdpu::graph::ops
