// Helpers shared by the op files of src/ir/ops (private to the ir module).
#pragma once

#include <string>

#include "signdpu/core/shape.h"
#include "signdpu/ir/fix_graph.h"
#include "signdpu/ir/op_registry.h"

namespace signdpu::ir::internal {

// The per-image NHWC view of a shape: rank 4 is NHWC, rank 2 [N, C],
// rank 3 [N, W, C]; other ranks fold everything after dim 0 into C.
Nhwc ToNhwc(const Shape& s);

// The op's config with its tensors' shapes and fix points filled in (the
// derived values are computed from the graph, never trusted from the op).
ConvConfig EffectiveConv(const FixGraph& g, const FixOp& op, int batch);
PoolConfig EffectivePool(const FixGraph& g, const FixOp& op, int batch);

// The registrations, one per op file (listed by AllFixOpDefs).
const FixOpDef& Conv2dFixOp();
const FixOpDef& DepthwiseConv2dFixOp();
const FixOpDef& PoolFixOp();
const FixOpDef& EltwiseFixOp();
const FixOpDef& CopyFixOp();
const FixOpDef& HardSigmoidFixOp();
const FixOpDef& ConcatFixOp();
const FixOpDef& TransposedConv2dFixOp();
const FixOpDef& TransposedDepthwiseConv2dFixOp();

}  // namespace signdpu::ir::internal
