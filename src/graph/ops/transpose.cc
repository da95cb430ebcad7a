// ONNX Transpose: import, shape inference, float evaluation.
#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

Status Import(ImportContext& ctx, Node* node) {
  node->type = OpType::kTranspose;
  SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 1, 1));
  SIGNDPU_ASSIGN_OR_RETURN(int64_t rank, ctx.RankOf(node->inputs[0]));
  std::vector<int64_t> reversed(rank);
  for (int64_t i = 0; i < rank; ++i) reversed[i] = rank - 1 - i;
  SIGNDPU_ASSIGN_OR_RETURN(auto perm, ctx.attrs.Ints("perm", reversed));
  node->attrs.Set("perm", perm);
  ctx.Known({"perm"});
  return Status::Ok();
}

Result<Shape> InferShape(const Node& node, const std::vector<Shape>& in) {
  SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 1, 1));
  const auto perm = node.attrs.GetInts("perm");
  std::vector<bool> seen(in[0].size(), false);
  if (perm.size() != in[0].size()) {
    return NodeError(node, "perm " + ShapeToString(perm) + " does not match input rank " +
                               std::to_string(in[0].size()));
  }
  Shape out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] < 0 || perm[i] >= static_cast<int64_t>(perm.size()) || seen[perm[i]]) {
      return NodeError(node, "perm " + ShapeToString(perm) + " is not a permutation");
    }
    seen[perm[i]] = true;
    out[i] = in[0][perm[i]];
  }
  return out;
}

void Eval(const FloatEvalArgs& a) {
  kernels::Transpose(a.in[0], *a.in_shape[0], a.node.attrs.GetInts("perm"), a.out);
}

}  // namespace

const OpDef& TransposeOp() {
  static const OpDef kDef{"Transpose", OpDef::ImportKind::kNode, {OpType::kTranspose}, Import,
                          InferShape, nullptr, Eval};
  return kDef;
}

}  // namespace signdpu::graph::ops
