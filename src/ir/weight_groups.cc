#include "weight_groups.h"

#include "ops/op_util.h"

namespace signdpu::ir {
namespace {

struct Usage {
  std::vector<int> producer;  // tensor -> op index, -1 for graph inputs
  std::vector<int> readers;   // tensor -> ops (and graph outputs) reading it
};

Usage CountUsage(const FixGraph& g) {
  Usage u{std::vector<int>(g.tensors.size(), -1), std::vector<int>(g.tensors.size(), 0)};
  for (size_t i = 0; i < g.ops.size(); ++i) {
    u.producer[static_cast<size_t>(g.ops[i].output)] = static_cast<int>(i);
    for (int id : g.ops[i].inputs) ++u.readers[static_cast<size_t>(id)];
  }
  for (int id : g.outputs) ++u.readers[static_cast<size_t>(id)];
  return u;
}

}  // namespace

Result<std::vector<WeightGroup>> PrepareWeightGroups(const FixGraph& g, KernelPath path) {
  std::vector<WeightGroup> groups;
  if (path == KernelPath::kReference) return groups;
  const Usage u = CountUsage(g);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const FixOp& cat = g.ops[i];
    if (cat.kind != FixOpKind::kConcat || cat.inputs.size() < 2) continue;
    std::vector<optimized::ConvGroupSpec> specs;
    WeightGroup group;
    group.concat_op = static_cast<int>(i);
    for (int id : cat.inputs) {
      const int pi = u.producer[static_cast<size_t>(id)];
      if (pi < 0 || u.readers[static_cast<size_t>(id)] != 1) break;
      const FixOp& conv = g.ops[static_cast<size_t>(pi)];
      if (group.conv_ops.empty()) group.input = conv.inputs[0];
      if (conv.kind != FixOpKind::kConv2d || conv.inputs[0] != group.input) break;
      SIGNDPU_ASSIGN_OR_RETURN(ConvParams p, MakeConvParams(ConvConfigOf(g, conv), conv.name));
      const ConvAttrs& a = conv.Attrs<ConvAttrs>();
      specs.push_back({p, a.weights.data(), a.bias.empty() ? nullptr : a.bias.data()});
      group.conv_ops.push_back(pi);
    }
    if (group.conv_ops.size() != cat.inputs.size()) continue;
    auto kernel = optimized::PrepareGroupedConv2d(specs, path);
    if (!kernel) continue;
    group.kernel = WrapConvKernel(std::move(kernel));
    groups.push_back(std::move(group));
  }
  return groups;
}

}  // namespace signdpu::ir
