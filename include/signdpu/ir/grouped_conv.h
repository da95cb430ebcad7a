// Weight groups between the int8 IR and XIR (docs/quantizer.md, "Weight
// groups"). In a FixGraph a conv split into weight groups is ONE op,
// FixOpKind::kGroupedConv2d (GroupedConvAttrs, signdpu/ir/fix_graph.h): the
// quantiser makes it, the executor runs it. XIR has no grouped conv, so the
// xmodel writers emit it as one conv2d-fix per group + a concat-fix along
// channels (what vai_c_xir and the board see), and the DPU subgraph reader
// joins that pattern back. These two functions are that translation, the
// only place that knows the written pattern.
#pragma once

#include "signdpu/ir/fix_graph.h"

namespace signdpu::ir {

// The written form -> grouped ops. Every concat-fix along the last axis whose
// inputs (>= 2) are each the output of a conv2d-fix that nothing else reads
// (no other op, not a graph output), all on the same input tensor with the
// same kernel, stride, dilation, pad and activation, each output at the
// concat's fix point, becomes one kGroupedConv2d op in the concat's place
// (the concat's name and output; the convs' outputs stay in `graph->tensors`
// as the groups' tensors). Other ops are unchanged. Returns the number of
// grouped ops made. `graph` must be valid; it stays valid.
int GroupWeightConvs(FixGraph* graph);

// The grouped ops -> the written form: each kGroupedConv2d op becomes, in its
// place, one conv2d-fix per group (the group's name, the op's input, the
// group's tensor as output) then a concat-fix of the group tensors along the
// last axis into the op's output, named as the op. Tensors are unchanged.
FixGraph SplitGroupedConvs(const FixGraph& graph);

}  // namespace signdpu::ir
