// Weight groups: a conv whose output channels want different weight fix points is
// reordered into channel groups (quantize_graph.cc makes one grouped conv op of it,
// written as one conv2d-fix per group plus a concat-fix: signdpu/ir/grouped_conv.h).
#include "lowering.h"

#include "signdpu/quantize/fix_point_search.h"

#include <algorithm>
#include <sstream>

namespace signdpu::quantize::lowering {

// The one op reading tensor `t`, -1 when none or several.
int Lowering::SoleConsumer(int t) const {
  int found = -1;
  for (size_t i = 0; i < out_.ops.size(); ++i) {
    for (int in : out_.ops[i].inputs) {
      if (in != t) continue;
      if (found >= 0) return -1;
      found = static_cast<int>(i);
    }
  }
  return found;
}

// Permutes the channels of tensor t: new channel j holds old channel perm[j].
void Lowering::PermuteTensor(int t, const std::vector<int>& perm) {
  DpuFloatTensor& d = out_.tensors[t];
  std::vector<int> map(perm.size());
  std::vector<float> scale(d.channel_scale.empty() ? 0 : perm.size());
  for (size_t j = 0; j < perm.size(); ++j) {
    map[j] = d.channel_map.empty() ? perm[j] : d.channel_map[perm[j]];
    if (!scale.empty()) scale[j] = d.channel_scale[perm[j]];
  }
  d.channel_map = std::move(map);
  d.channel_scale = std::move(scale);
}

// Reorders the innermost axis (size perm.size()) of every row of `v`.
void Lowering::PermuteInner(std::vector<float>* v, const std::vector<int>& perm) {
  const size_t c = perm.size();
  std::vector<float> row(c);
  for (size_t base = 0; base + c <= v->size(); base += c) {
    for (size_t j = 0; j < c; ++j) row[j] = (*v)[base + perm[j]];
    std::copy(row.begin(), row.end(), v->begin() + static_cast<std::ptrdiff_t>(base));
  }
}

// Per-channel weight fix points. One power-of-two position per weight
// tensor costs a channel whose weights are much smaller than the largest
// ones its top bits; after a BatchNorm scale is folded into a conv (the
// tutorial CNN's first one spans 4.2..301) that is most of them. A conv
// whose per-channel min-MSE positions spread by 2 or more gets its output
// channels reordered so that channels sharing a position are adjacent, at
// most `weight_groups` groups (adjacent positions merge where the fewest
// channel-bits are lost; a merged channel takes the coarser position, so
// it never saturates). The permutation passes through the per-channel ops
// after it (depthwise, pool) into the input channels of the next conv;
// the quantiser emits one conv2d-fix per group and a concat-fix (all
// DPU ops; the concat inputs share the output's fix point).
// The distinct positions of `fp`, adjacent ones merged (the coarser, smaller
// position wins) where the fewest channel-bits are lost, until at most
// `max_groups` remain; *fp is updated to the merged positions.
std::vector<int> Lowering::MergeFixPointGroups(std::vector<int>* fp_io, int max_groups) {
  std::vector<int>& fp = *fp_io;
  std::vector<int> values(fp.begin(), fp.end());
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  while (static_cast<int>(values.size()) > max_groups) {
    size_t best = 0;
    int64_t best_cost = -1;
    for (size_t k = 0; k + 1 < values.size(); ++k) {
      const int64_t members = std::count(fp.begin(), fp.end(), values[k + 1]);
      const int64_t cost = members * (values[k + 1] - values[k]);
      if (best_cost < 0 || cost < best_cost) {
        best_cost = cost;
        best = k;
      }
    }
    std::replace(fp.begin(), fp.end(), values[best + 1], values[best]);
    values.erase(values.begin() + static_cast<std::ptrdiff_t>(best + 1));
  }
  return values;
}

void Lowering::GroupWeightChannels() {
  for (size_t i = 0; i < out_.ops.size(); ++i) {
    DpuFloatOp& op = out_.ops[i];
    if (op.kind != FixOpKind::kConv2d || op.conv.out_channels < 2) continue;
    const int64_t oc = op.conv.out_channels;
    const size_t per = op.weights.size() / static_cast<size_t>(oc);
    const int whole = QuantizeWeights(op.weights).fix_point;
    std::vector<int> fp(static_cast<size_t>(oc));
    for (int64_t o = 0; o < oc; ++o) {
      std::vector<float> row(op.weights.begin() + static_cast<std::ptrdiff_t>(o * per),
                             op.weights.begin() + static_cast<std::ptrdiff_t>((o + 1) * per));
      fp[o] = QuantizeWeights(row).fix_point;
    }
    if (*std::max_element(fp.begin(), fp.end()) - whole < 2) continue;
    // The readers: per-channel ops up to the next conv2d, nothing else.
    std::vector<int> chain;
    int terminal = -1;
    for (int t = op.output, c = SoleConsumer(t); c >= 0; c = SoleConsumer(t)) {
      const DpuFloatOp& co = out_.ops[c];
      if (co.inputs.size() != 1) break;
      if (co.kind == FixOpKind::kConv2d) {
        terminal = c;
        break;
      }
      if (co.kind != FixOpKind::kDepthwiseConv2d && co.kind != FixOpKind::kPool) break;
      chain.push_back(c);
      t = co.output;
    }
    if (terminal < 0) continue;
    const std::vector<int> values = MergeFixPointGroups(&fp, options_.weight_groups);
    if (values.size() < 2) continue;
    std::vector<int> perm;
    for (int v : values) {
      for (int64_t o = 0; o < oc; ++o)
        if (fp[o] == v) perm.push_back(static_cast<int>(o));
      op.channel_group_ends.push_back(static_cast<int64_t>(perm.size()));
    }
    // Apply: the conv's rows and bias, the tensors and per-channel ops
    // after it, the input channels of the terminal conv.
    std::vector<float> w(op.weights.size()), b(op.bias.size());
    for (size_t j = 0; j < perm.size(); ++j) {
      std::copy_n(op.weights.begin() + static_cast<std::ptrdiff_t>(perm[j] * per), per,
                  w.begin() + static_cast<std::ptrdiff_t>(j * per));
      b[j] = op.bias[perm[j]];
    }
    op.weights = std::move(w);
    op.bias = std::move(b);
    PermuteTensor(op.output, perm);
    for (int c : chain) {
      DpuFloatOp& co = out_.ops[c];
      if (co.kind == FixOpKind::kDepthwiseConv2d) {
        PermuteInner(&co.weights, perm);
        PermuteInner(&co.bias, perm);
      }
      PermuteTensor(co.output, perm);
    }
    PermuteInner(&out_.ops[terminal].weights, perm);
    std::ostringstream groups;
    for (size_t k = 0; k < values.size(); ++k)
      groups << (k ? ", " : "") << (op.channel_group_ends[k] - (k ? op.channel_group_ends[k - 1] : 0)) << " at "
             << values[k];
    op.transform_note += "; " + std::to_string(values.size()) + " weight groups (channels at fix point: " +
                         groups.str() + ")";
    out_.notes.push_back(op.name + ": per-channel weight fix points span " + std::to_string(values.front()) + ".." +
                         std::to_string(*std::max_element(values.begin(), values.end())) + " (one per tensor: " +
                         std::to_string(whole) + "): output channels reordered into " +
                         std::to_string(values.size()) + " groups (" + groups.str() +
                         "), conv2d-fix per group + concat-fix; " + out_.ops[terminal].name +
                         " reads them in that order");
  }
}
}  // namespace signdpu::quantize::lowering
