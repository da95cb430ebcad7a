// ONNX Mul (numpy broadcasting): import, shape inference, float evaluation.
#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

Status Import(ImportContext& ctx, Node* node) { return ImportBroadcastBinary(ctx, node, OpType::kMul); }

void Eval(const FloatEvalArgs& a) {
  kernels::MulBroadcast(a.in[0], *a.in_shape[0], a.in[1], *a.in_shape[1], a.out, a.out_shape);
}

}  // namespace

const OpDef& MulOp() {
  static const OpDef kDef{"Mul", OpDef::ImportKind::kNode, {OpType::kMul}, Import, InferBroadcastBinary,
                          nullptr, Eval};
  return kDef;
}

}  // namespace signdpu::graph::ops
