#include "signdpu/ir/op_registry.h"

#include "ops/op_util.h"

namespace signdpu::ir {

// Adding an op: write src/ir/ops/<op>.cc defining its FixOpDef, declare its
// getter in ops/op_util.h, and list it here (docs/architecture.md).
const std::vector<const FixOpDef*>& AllFixOpDefs() {
  static const std::vector<const FixOpDef*> defs = {
      &internal::Conv2dFixOp(), &internal::DepthwiseConv2dFixOp(), &internal::PoolFixOp(),
      &internal::EltwiseFixOp(), &internal::CopyFixOp(),           &internal::HardSigmoidFixOp(),
      &internal::ConcatFixOp(),     &internal::DepthwiseFixOp(),     &internal::UpsampleFixOp(),
      &internal::DownsampleFixOp(), &internal::PadFixOp(),           &internal::ReorgFixOp(),
      &internal::TileFixOp(),       &internal::PixelShuffleFixOp(),
      &internal::TransposedConv2dFixOp(), &internal::TransposedDepthwiseConv2dFixOp(),
      &internal::GroupedConv2dFixOp(),
  };
  return defs;
}

const FixOpDef* FindFixOpDef(FixOpKind kind) {
  for (const FixOpDef* def : AllFixOpDefs())
    if (def->kind == kind) return def;
  return nullptr;
}

}  // namespace signdpu::ir
