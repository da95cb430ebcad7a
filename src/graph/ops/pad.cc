// ONNX Pad (modes constant, reflect, edge; pads >= 0): import (opset < 11
// attributes, opset >= 11 constant inputs), shape inference, float evaluation.
#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

// opset >= 11: pads (and constant_value) are constant inputs.
Status ImportInputs(ImportContext& ctx, Node* node, std::vector<int64_t>* pads, float* value) {
  SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 2, 3));
  if (node->inputs.size() > 3 || (node->inputs.size() == 3 && node->inputs[2].empty())) node->inputs.resize(2);
  const Tensor* p = ctx.graph.FindConstant(node->inputs[1]);
  if (p == nullptr) {
    return ctx.NodeUnsupported(*node, "pads '" + node->inputs[1] + "' must be a constant (initializer or Constant node)");
  }
  if (p->dtype != DataType::kInt64 || p->shape.size() != 1) {
    return ctx.NodeError(*node, "pads '" + node->inputs[1] + "' must be a 1-D int64 tensor");
  }
  *pads = p->data_i64;
  if (node->inputs.size() == 3) {
    const Tensor* v = ctx.graph.FindConstant(node->inputs[2]);
    if (v == nullptr || v->dtype != DataType::kFloat32 || v->data.size() != 1) {
      return ctx.NodeUnsupported(*node, "constant_value '" + node->inputs[2] + "' must be a constant float scalar");
    }
    *value = v->data[0];
  }
  node->inputs.resize(1);
  return Status::Ok();
}

Status Import(ImportContext& ctx, Node* node) {
  node->type = OpType::kPad;
  std::vector<int64_t> pads;
  float value = 0.0f;
  if (ctx.opset < 11) {
    SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 1, 1));
    SIGNDPU_ASSIGN_OR_RETURN(pads, ctx.attrs.Ints("pads", {}));
    SIGNDPU_ASSIGN_OR_RETURN(value, ctx.attrs.Float("value", 0.0f));
  } else {
    if (node->inputs.size() > 3) return ctx.NodeUnsupported(*node, "the axes input (opset 18) is not supported");
    SIGNDPU_RETURN_IF_ERROR(ImportInputs(ctx, node, &pads, &value));
  }
  SIGNDPU_ASSIGN_OR_RETURN(std::string mode, ctx.attrs.String("mode", "constant"));
  if (mode != "constant" && mode != "reflect" && mode != "edge") {
    return ctx.NodeUnsupported(*node, "mode '" + mode + "' (supported: constant, reflect, edge)");
  }
  for (int64_t v : pads) {
    if (v < 0) return ctx.NodeUnsupported(*node, "negative pads (cropping) are not supported");
    if (v > kMaxWindowAttr) return ctx.NodeError(*node, "pad " + std::to_string(v) + " is too large");
  }
  node->attrs.Set("pads", pads);
  node->attrs.Set("mode", mode);
  node->attrs.Set("value", value);
  ctx.Known({"pads", "mode", "value"});
  return Status::Ok();
}

Result<Shape> InferShape(const Node& node, const std::vector<Shape>& in) {
  SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 1, 1));
  const auto pads = node.attrs.GetInts("pads");
  const size_t rank = in[0].size();
  if (pads.size() != 2 * rank) {
    return NodeError(node, "pads has " + std::to_string(pads.size()) + " values for input " + ShapeToString(in[0]));
  }
  const bool reflect = node.attrs.GetString("mode", "constant") == "reflect";
  Shape out = in[0];
  for (size_t d = 0; d < rank; ++d) {
    const int64_t before = pads[d], after = pads[d + rank];
    if (node.attrs.GetString("mode", "constant") != "constant" && in[0][d] == 0 && before + after > 0)
      return NodeError(node, "cannot pad an empty dim in mode " + node.attrs.GetString("mode"));
    if (reflect && (before >= in[0][d] || after >= in[0][d]))
      return NodeError(node, "reflect pads of dim " + std::to_string(d) + " must be < its size " +
                                 std::to_string(in[0][d]));
    out[d] += before + after;
  }
  return out;
}

// The source index along a dim of size `n` for output index `o` (-1: the constant).
int64_t SourceIndex(int64_t o, int64_t before, int64_t n, const std::string& mode) {
  int64_t i = o - before;
  if (i >= 0 && i < n) return i;
  if (mode == "constant") return -1;
  if (mode == "edge") return i < 0 ? 0 : n - 1;
  return i < 0 ? -i : 2 * (n - 1) - i;  // reflect (pads < n)
}

void Eval(const FloatEvalArgs& a) {
  const Shape& x = *a.in_shape[0];
  const auto pads = a.node.attrs.GetInts("pads");
  const std::string mode = a.node.attrs.GetString("mode", "constant");
  const float value = a.node.attrs.GetFloat("value", 0.0f);
  const size_t rank = x.size();
  const int64_t total = NumElements(a.out_shape);
  std::vector<int64_t> x_strides(rank, 1);
  for (size_t d = rank; d-- > 1;) x_strides[d - 1] = x_strides[d] * x[d];
  std::vector<int64_t> idx(rank, 0);
  for (int64_t o = 0; o < total; ++o) {
    int64_t src = 0;
    for (size_t d = 0; d < rank && src >= 0; ++d) {
      const int64_t s = SourceIndex(idx[d], pads[d], x[d], mode);
      src = s < 0 ? -1 : src + s * x_strides[d];
    }
    a.out[o] = src < 0 ? value : a.in[0][src];
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < a.out_shape[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace

const OpDef& PadOp() {
  static const OpDef kDef{"Pad", OpDef::ImportKind::kNode, {OpType::kPad}, Import, InferShape, nullptr, Eval};
  return kDef;
}

}  // namespace signdpu::graph::ops
