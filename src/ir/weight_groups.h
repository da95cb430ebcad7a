// Weight groups (private to the ir module): the quantiser writes a conv
// whose output channels need different fix points as one conv2d-fix per
// group plus a concat-fix (docs/quantizer.md); the executor runs such a
// group as one grouped kernel. This file is the one place that recognises
// the pattern.
#pragma once

#include <memory>
#include <vector>

#include "signdpu/ir/fix_graph.h"
#include "signdpu/ir/op_registry.h"
#include "signdpu/kernels/optimized/conv2d_fix.h"

namespace signdpu::ir {

// A conv kernel as an executor op (src/ir/ops/conv2d_fix.cc).
std::unique_ptr<PreparedOp> WrapConvKernel(std::unique_ptr<optimized::PreparedConv2d> kernel);

struct WeightGroup {
  int concat_op = -1;           // the concat-fix op that the kernel replaces
  int input = -1;               // the groups' shared input tensor
  std::vector<int> conv_ops;    // the conv2d-fix ops, in concat input order
  std::unique_ptr<PreparedOp> kernel;  // computes all of them into the concat's output
};

// Every concat whose inputs are all conv2d-fix outputs read by nothing else,
// sharing their input, geometry and activation, for which `path` has a
// grouped kernel (PrepareGroupedConv2d: bit-exact with the ops one by one;
// never on the reference path). `graph` is validated.
Result<std::vector<WeightGroup>> PrepareWeightGroups(const FixGraph& graph, KernelPath path);

}  // namespace signdpu::ir
