#include "signdpu/ir/grouped_conv.h"

#include <algorithm>

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

bool SameGeometry(const ConvSpec& a, const ConvSpec& b) {
  return a.kernel_h == b.kernel_h && a.kernel_w == b.kernel_w && a.stride_h == b.stride_h &&
         a.stride_w == b.stride_w && a.dilation_h == b.dilation_h && a.dilation_w == b.dilation_w &&
         a.pad_left == b.pad_left && a.pad_right == b.pad_right && a.pad_top == b.pad_top &&
         a.pad_bottom == b.pad_bottom && a.activation == b.activation;
}

// The conv ops (indices, in concat input order) that op `i` joins as weight
// groups; empty when op `i` is not that pattern.
std::vector<int> GroupConvsOf(const FixGraph& g, const Usage& u, size_t i) {
  const FixOp& cat = g.ops[i];
  if (cat.kind != FixOpKind::kConcat || cat.inputs.size() < 2) return {};
  const FixTensor& out = g.tensors[static_cast<size_t>(cat.output)];
  const int rank = static_cast<int>(out.shape.size());
  const int axis = cat.Attrs<ConcatAttrs>().axis;
  if ((axis < 0 ? axis + rank : axis) != rank - 1) return {};
  std::vector<int> convs;
  for (int id : cat.inputs) {
    const int pi = u.producer[static_cast<size_t>(id)];
    if (pi < 0 || u.readers[static_cast<size_t>(id)] != 1) return {};
    if (g.tensors[static_cast<size_t>(id)].fix_point != out.fix_point) return {};
    const FixOp& conv = g.ops[static_cast<size_t>(pi)];
    if (conv.kind != FixOpKind::kConv2d) return {};
    if (!convs.empty()) {
      const FixOp& first = g.ops[static_cast<size_t>(convs[0])];
      if (conv.inputs[0] != first.inputs[0] || !SameGeometry(conv.Attrs<ConvAttrs>(), first.Attrs<ConvAttrs>()))
        return {};
    }
    convs.push_back(pi);
  }
  return convs;
}

}  // namespace

int GroupWeightConvs(FixGraph* graph) {
  FixGraph& g = *graph;
  const Usage u = CountUsage(g);
  std::vector<bool> drop(g.ops.size(), false);
  int made = 0;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const std::vector<int> convs = GroupConvsOf(g, u, i);
    if (convs.empty()) continue;
    GroupedConvAttrs a;
    for (int pi : convs) {
      const FixOp& conv = g.ops[static_cast<size_t>(pi)];
      a.groups.push_back({conv.name, conv.output, conv.Attrs<ConvAttrs>()});
      drop[static_cast<size_t>(pi)] = true;
    }
    const int input = g.ops[static_cast<size_t>(convs[0])].inputs[0];
    // In the concat's place: every group conv comes before it.
    g.ops[i] = MakeFixOp(FixOpKind::kGroupedConv2d, g.ops[i].name, {input}, g.ops[i].output, std::move(a));
    ++made;
  }
  std::vector<FixOp> kept;
  for (size_t i = 0; i < g.ops.size(); ++i)
    if (!drop[i]) kept.push_back(std::move(g.ops[i]));
  g.ops = std::move(kept);
  return made;
}

FixGraph SplitGroupedConvs(const FixGraph& graph) {
  FixGraph out = graph;
  out.ops.clear();
  for (const FixOp& op : graph.ops) {
    const GroupedConvAttrs* a = op.kind == FixOpKind::kGroupedConv2d ? op.AttrsIf<GroupedConvAttrs>() : nullptr;
    if (a == nullptr) {
      out.ops.push_back(op);
      continue;
    }
    std::vector<int> parts;
    for (const ConvGroup& group : a->groups) {
      out.ops.push_back(MakeFixOp(FixOpKind::kConv2d, group.name, op.inputs, group.tensor, group.conv));
      parts.push_back(group.tensor);
    }
    const int rank = static_cast<int>(graph.tensors[static_cast<size_t>(op.output)].shape.size());
    out.ops.push_back(MakeFixOp(FixOpKind::kConcat, op.name, parts, op.output, ConcatAttrs{rank - 1}));
  }
  return out;
}

}  // namespace signdpu::ir
