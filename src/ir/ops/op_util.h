// The op files of src/ir/ops (private to the ir module): their registrations.
#pragma once

#include <memory>
#include <string>

#include "signdpu/core/shape.h"
#include "signdpu/ir/fix_graph.h"
#include "signdpu/ir/op_registry.h"

namespace signdpu::optimized {
class PreparedConv2d;
}

namespace signdpu::ir {
// A conv kernel as an executor op (src/ir/ops/conv2d_fix.cc).
std::unique_ptr<PreparedOp> WrapConvKernel(std::unique_ptr<optimized::PreparedConv2d> kernel);
}  // namespace signdpu::ir

namespace signdpu::ir::internal {

// The registrations, one per op file (listed by AllFixOpDefs).
const FixOpDef& Conv2dFixOp();
const FixOpDef& DepthwiseConv2dFixOp();
const FixOpDef& PoolFixOp();
const FixOpDef& EltwiseFixOp();
const FixOpDef& CopyFixOp();
const FixOpDef& HardSigmoidFixOp();
const FixOpDef& ConcatFixOp();
const FixOpDef& DepthwiseFixOp();
const FixOpDef& UpsampleFixOp();
const FixOpDef& DownsampleFixOp();
const FixOpDef& PadFixOp();
const FixOpDef& ReorgFixOp();
const FixOpDef& TileFixOp();
const FixOpDef& PixelShuffleFixOp();
const FixOpDef& TransposedConv2dFixOp();
const FixOpDef& TransposedDepthwiseConv2dFixOp();
const FixOpDef& GroupedConv2dFixOp();

}  // namespace signdpu::ir::internal
