// ONNX Reshape (constant shape): import, shape inference, float evaluation (a copy).
#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {

void EvalCopy(const FloatEvalArgs& a);  // flatten.cc

namespace {

Status Import(ImportContext& ctx, Node* node) {
  node->type = OpType::kReshape;
  std::vector<int64_t> shape;
  if (ctx.opset < 5) {
    SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 1, 1));
    SIGNDPU_ASSIGN_OR_RETURN(shape, ctx.attrs.Ints("shape", {}));
  } else {
    SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 2, 2));
    const Tensor* t = ctx.graph.FindConstant(node->inputs[1]);
    if (t == nullptr) {
      return ctx.NodeUnsupported(*node, "shape '" + node->inputs[1] +
                                            "' must be a constant (initializer or Constant node)");
    }
    if (t->dtype != DataType::kInt64 || t->shape.size() != 1) {
      return ctx.NodeError(*node, "shape '" + node->inputs[1] + "' must be a 1-D int64 tensor");
    }
    shape = t->data_i64;
    node->inputs.resize(1);
  }
  SIGNDPU_ASSIGN_OR_RETURN(int64_t allowzero, ctx.attrs.Int("allowzero", 0));
  node->attrs.Set("shape", shape);
  node->attrs.Set("allowzero", allowzero);
  ctx.Known({"shape", "allowzero"});
  return Status::Ok();
}

Result<Shape> InferShape(const Node& node, const std::vector<Shape>& in) {
  SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 1, 1));
  const auto spec = node.attrs.GetInts("shape");
  const bool allowzero = node.attrs.GetInt("allowzero", 0) != 0;
  Shape out(spec.size());
  int infer_at = -1;
  int64_t known = 1;
  for (size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] == -1) {
      if (infer_at >= 0) return NodeError(node, "shape " + ShapeToString(spec) + " has two -1");
      infer_at = static_cast<int>(i);
      continue;
    }
    if (spec[i] < -1) return NodeError(node, "shape " + ShapeToString(spec) + " has a dim < -1");
    if (spec[i] > kMaxShapeElements) return NodeError(node, "shape " + ShapeToString(spec) + " is too large");
    if (spec[i] == 0 && !allowzero) {
      if (i >= in[0].size()) {
        return NodeError(node, "shape " + ShapeToString(spec) + " copies dim " +
                                   std::to_string(i) + " that input " +
                                   ShapeToString(in[0]) + " does not have");
      }
      out[i] = in[0][i];
    } else {
      out[i] = spec[i];
    }
    if (out[i] > 0 && known > kMaxShapeElements / out[i]) {
      return NodeError(node, "shape " + ShapeToString(spec) + " is too large");
    }
    known *= out[i];
  }
  const int64_t total = NumElements(in[0]);
  if (infer_at >= 0) {
    if (known == 0 || total % known != 0) {
      return NodeError(node, "cannot reshape " + ShapeToString(in[0]) + " to " +
                                 ShapeToString(spec));
    }
    out[infer_at] = total / known;
  }
  if (NumElements(out) != total) {
    return NodeError(node, "cannot reshape " + ShapeToString(in[0]) + " (" +
                               std::to_string(total) + " elements) to " +
                               ShapeToString(spec) + " -> " + ShapeToString(out));
  }
  return out;
}

}  // namespace

const OpDef& ReshapeOp() {
  static const OpDef kDef{"Reshape", OpDef::ImportKind::kNode, {OpType::kReshape}, Import,
                          InferShape, nullptr, EvalCopy};
  return kDef;
}

}  // namespace signdpu::graph::ops
