// ONNX Add (numpy broadcasting): import, shape inference, float evaluation.
#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

Status Import(ImportContext& ctx, Node* node) { return ImportBroadcastBinary(ctx, node, OpType::kAdd); }

void Eval(const FloatEvalArgs& a) {
  kernels::AddBroadcast(a.in[0], *a.in_shape[0], a.in[1], *a.in_shape[1], a.out, a.out_shape);
}

}  // namespace

const OpDef& AddOp() {
  static const OpDef kDef{"Add", OpDef::ImportKind::kNode, {OpType::kAdd}, Import, InferBroadcastBinary,
                          nullptr, Eval};
  return kDef;
}

}  // namespace signdpu::graph::ops
