// ONNX Gemm: import, shape inference, float evaluation (a constant B with
// transB = 1 is transposed once, when the executor is created).
#include <algorithm>

#include "signdpu/graph/float_gemm.h"

#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

Status Import(ImportContext& ctx, Node* node) {
  node->type = OpType::kGemm;
  SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 2, 3));
  SIGNDPU_ASSIGN_OR_RETURN(float alpha, ctx.attrs.Float("alpha", 1.0f));
  SIGNDPU_ASSIGN_OR_RETURN(float beta, ctx.attrs.Float("beta", 1.0f));
  SIGNDPU_ASSIGN_OR_RETURN(int64_t ta, ctx.attrs.Int("transA", 0));
  SIGNDPU_ASSIGN_OR_RETURN(int64_t tb, ctx.attrs.Int("transB", 0));
  node->attrs.Set("alpha", alpha);
  node->attrs.Set("beta", beta);
  node->attrs.Set("transA", ta != 0 ? int64_t{1} : int64_t{0});
  node->attrs.Set("transB", tb != 0 ? int64_t{1} : int64_t{0});
  // Opset < 7 `broadcast` only permitted what numpy broadcasting of C does.
  ctx.Known({"alpha", "beta", "transA", "transB", "broadcast"});
  return Status::Ok();
}

Result<Shape> InferShape(const Node& node, const std::vector<Shape>& in) {
  SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 2, 3));
  if (in[0].size() != 2 || in[1].size() != 2) {
    return NodeError(node, "A " + ShapeToString(in[0]) + " and B " + ShapeToString(in[1]) +
                               " must both have rank 2");
  }
  const bool ta = node.attrs.GetInt("transA", 0) != 0;
  const bool tb = node.attrs.GetInt("transB", 0) != 0;
  const int64_t m = ta ? in[0][1] : in[0][0];
  const int64_t k = ta ? in[0][0] : in[0][1];
  const int64_t kb = tb ? in[1][1] : in[1][0];
  const int64_t n = tb ? in[1][0] : in[1][1];
  if (k != kb) {
    return NodeError(node, "inner dimensions differ: A " + ShapeToString(in[0]) + " B " +
                               ShapeToString(in[1]) + " (transA " + std::to_string(ta) +
                               ", transB " + std::to_string(tb) + ")");
  }
  Shape out = {m, n};
  if (in.size() == 3) {
    auto b = BroadcastShapes(in[2], out);
    if (!b.ok() || *b != out) {
      return NodeError(node, "C " + ShapeToString(in[2]) + " does not broadcast to " +
                                 ShapeToString(out));
    }
  }
  return out;
}

// A constant B with transB = 1, pre-transposed to [K, N] once.
std::vector<float> Prepare(const Graph& graph, const Node& node) {
  std::vector<float> kn;
  if (node.attrs.GetInt("transB", 0) == 0) return kn;
  if (const Tensor* b = graph.FindConstant(node.inputs[1])) {
    kn.resize(b->data.size());
    kernels::Transpose(b->data.data(), b->shape, {1, 0}, kn.data());
  }
  return kn;
}

void Eval(const FloatEvalArgs& args) {
  const Node& node = args.node;
  const Shape& a_shape = *args.in_shape[0];
  const Shape& b_shape = *args.in_shape[1];
  const Shape& out_shape = args.out_shape;
  float* out = args.out;
  std::vector<float>& scratch = *args.scratch;
  std::vector<float>& scratch2 = *args.scratch2;
  const int64_t count = NumElements(out_shape);
  const bool ta = node.attrs.GetInt("transA", 0) != 0;
  const bool tb = node.attrs.GetInt("transB", 0) != 0;
  const float alpha = node.attrs.GetFloat("alpha", 1.0f);
  const float beta = node.attrs.GetFloat("beta", 1.0f);
  const int64_t m = out_shape[0], n = out_shape[1];
  const int64_t k = ta ? a_shape[0] : a_shape[1];
  const float* a = args.in[0];
  if (ta) {
    scratch.resize(std::max(scratch.size(), static_cast<size_t>(m * k)));
    kernels::Transpose(a, a_shape, {1, 0}, scratch.data());
    a = scratch.data();
  }
  const float* b = args.in[1];
  if (tb) {
    if (args.prepared != nullptr) {
      b = args.prepared->data();
    } else {
      scratch2.resize(std::max(scratch2.size(), static_cast<size_t>(k * n)));
      kernels::Transpose(b, b_shape, {1, 0}, scratch2.data());
      b = scratch2.data();
    }
  }
  const bool has_c = node.inputs.size() > 2 && beta != 0.0f;
  if (has_c && alpha == 1.0f && beta == 1.0f) {
    // Common dense layer: start from the broadcast bias and accumulate.
    kernels::Broadcast(args.in[2], *args.in_shape[2], out, out_shape);
    kernels::Gemm(m, n, k, a, k, b, n, out, n, /*accumulate=*/true);
    return;
  }
  kernels::Gemm(m, n, k, a, k, b, n, out, n, /*accumulate=*/false);
  if (alpha != 1.0f) {
    for (int64_t i = 0; i < count; ++i) out[i] *= alpha;
  }
  if (has_c) {
    scratch2.resize(std::max(scratch2.size(), static_cast<size_t>(count)));
    kernels::Broadcast(args.in[2], *args.in_shape[2], scratch2.data(), out_shape);
    for (int64_t i = 0; i < count; ++i) out[i] += beta * scratch2[i];
  }
}

}  // namespace

const OpDef& GemmOp() {
  static const OpDef kDef{"Gemm", OpDef::ImportKind::kNode, {OpType::kGemm}, Import, InferShape,
                          Prepare, Eval};
  return kDef;
}

}  // namespace signdpu::graph::ops
