// ONNX Clip: import (as kRelu6 for [0, 6], kRelu for [0, inf), kClip
// otherwise), shape inference and float evaluation of kRelu6 and kClip.
#include <limits>

#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

Status Import(ImportContext& ctx, Node* node) {
  // min and max are optional inputs (opset >= 11), "" when only max is given.
  if (node->inputs.empty() || node->inputs[0].empty() ||
      node->inputs.size() > (ctx.opset < 11 ? 1u : 3u)) {
    return ctx.NodeError(*node, "has " + std::to_string(node->inputs.size()) + " inputs");
  }
  float lo = -kInf, hi = kInf;
  if (ctx.opset < 11) {
    SIGNDPU_ASSIGN_OR_RETURN(lo, ctx.attrs.Float("min", -kInf));
    SIGNDPU_ASSIGN_OR_RETURN(hi, ctx.attrs.Float("max", kInf));
  } else {
    const onnx::NodeProto& proto = ctx.proto;
    if (proto.input_size() > 1 && !proto.input(1).empty()) {
      SIGNDPU_ASSIGN_OR_RETURN(lo, ctx.ScalarConstant(*node, ctx.graph.Resolve(proto.input(1)), "min"));
    }
    if (proto.input_size() > 2 && !proto.input(2).empty()) {
      SIGNDPU_ASSIGN_OR_RETURN(hi, ctx.ScalarConstant(*node, ctx.graph.Resolve(proto.input(2)), "max"));
    }
  }
  // Opset < 11 defaults are +-FLT_MAX: the same as no bound.
  if (lo <= std::numeric_limits<float>::lowest()) lo = -kInf;
  if (hi >= std::numeric_limits<float>::max()) hi = kInf;
  node->inputs.resize(1);
  node->attrs.Set("min", lo);
  node->attrs.Set("max", hi);
  if (lo == 0.0f && hi == 6.0f) {
    node->type = OpType::kRelu6;
  } else if (lo == 0.0f && hi == kInf) {
    node->type = OpType::kRelu;
    node->attrs.Erase("min");
    node->attrs.Erase("max");
  } else {
    node->type = OpType::kClip;
  }
  ctx.Known({"min", "max"});
  return Status::Ok();
}

void Eval(const FloatEvalArgs& a) {
  kernels::Clip(a.in[0], NumElements(a.out_shape), a.node.attrs.GetFloat("min", -kInf),
                a.node.attrs.GetFloat("max", kInf), a.out);
}

}  // namespace

const OpDef& ClipOp() {
  static const OpDef kDef{"Clip", OpDef::ImportKind::kNode, {OpType::kRelu6, OpType::kClip}, Import,
                          SameShapeAsInput, nullptr, Eval};
  return kDef;
}

}  // namespace signdpu::graph::ops
