// ONNX DepthToSpace (DCR and CRD): import, shape inference, float evaluation.
// Block size b, input [N, C*b*b, H, W], output [N, C, H*b, W*b]:
//   DCR: y[n][c][h*b+i][w*b+j] = x[n][(i*b + j)*C + c][h][w]
//   CRD: y[n][c][h*b+i][w*b+j] = x[n][c*b*b + i*b + j][h][w]
// [source: ONNX Operators.md DepthToSpace]. Normalised attrs: blocksize, mode
// ("DCR" or "CRD"; opset < 11 has only DCR).
#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

Status Import(ImportContext& ctx, Node* node) {
  node->type = OpType::kDepthToSpace;
  SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 1, 1));
  SIGNDPU_ASSIGN_OR_RETURN(int64_t b, ctx.attrs.Int("blocksize", 0));
  if (b < 1 || b > 64) return ctx.NodeError(*node, "attribute 'blocksize' " + std::to_string(b) + " is outside [1, 64]");
  SIGNDPU_ASSIGN_OR_RETURN(std::string mode, ctx.attrs.String("mode", "DCR"));
  if (mode != "DCR" && mode != "CRD")
    return ctx.NodeError(*node, "attribute 'mode' " + mode + " is not DCR or CRD");
  node->attrs.Set("blocksize", b);
  node->attrs.Set("mode", mode);
  ctx.Known({"blocksize", "mode"});
  return Status::Ok();
}

Result<Shape> InferShape(const Node& node, const std::vector<Shape>& in) {
  SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 1, 1));
  const Shape& x = in[0];
  const int64_t b = node.attrs.GetInt("blocksize", 1);
  if (x.size() != 4 || b < 1 || b > 64 || x[1] % (b * b) != 0) {
    return NodeError(node, "input " + ShapeToString(x) + " is not [N, C*" + std::to_string(b * b) + ", H, W]");
  }
  Shape out = {x[0], x[1] / (b * b), x[2] * b, x[3] * b};
  return out;
}

void Eval(const FloatEvalArgs& a) {
  const Shape& x = *a.in_shape[0];
  const Shape& y = a.out_shape;
  const int64_t b = a.node.attrs.GetInt("blocksize", 1);
  const bool crd = a.node.attrs.GetString("mode", "DCR") == "CRD";
  for (int64_t n = 0; n < y[0]; ++n)
    for (int64_t c = 0; c < y[1]; ++c)
      for (int64_t oy = 0; oy < y[2]; ++oy)
        for (int64_t ox = 0; ox < y[3]; ++ox) {
          const int64_t i = oy % b, j = ox % b;
          const int64_t ic = crd ? c * b * b + i * b + j : (i * b + j) * y[1] + c;
          a.out[((n * y[1] + c) * y[2] + oy) * y[3] + ox] = a.in[0][((n * x[1] + ic) * x[2] + oy / b) * x[3] + ox / b];
        }
}

}  // namespace

const OpDef& DepthToSpaceOp() {
  static const OpDef kDef{"DepthToSpace", OpDef::ImportKind::kNode, {OpType::kDepthToSpace}, Import, InferShape,
                          nullptr, Eval};
  return kDef;
}

}  // namespace signdpu::graph::ops
