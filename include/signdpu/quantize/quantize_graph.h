// DpuFloatGraph + calibrated activation fix points -> FixGraph (int8).
// Enforces the DPU constraints of docs/arithmetic.md (4): when a constraint
// forces a fix point to move, the layer's report says which and why.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "signdpu/core/status.h"
#include "signdpu/kernels/fix_graph.h"
#include "signdpu/quantize/dpu_float_graph.h"
#include "signdpu/quantize/fix_point_search.h"

namespace signdpu::quantize {

struct LayerReport {
  std::string name;
  std::string op;              // XIR op type: conv2d-fix, depthwise-conv2d-fix, pool-fix, ...
  int fix_in = 0, fix_weights = 0, fix_bias = 0, fix_out = 0;
  bool has_weights = false;
  int shift_cut = 0, shift_bias = 0;
  double weights_sqnr_db = 0, bias_sqnr_db = 0;
  double output_sqnr_db = 0;   // int8 output vs float output over the eval/calib images
  std::vector<std::string> adjustments;  // constraint-forced changes
  std::string transform_note;
};

// `activation_fix_points[i]` is the calibrated position of tensor i (the
// input tensor's included). Positions of MAX pool and copy outputs are taken
// from their inputs (a max or a copy cannot leave the input's range).
// `channel_means` (optional): per tensor, the calibrated mean of each channel
// (our layout); when given, conv biases get bias correction.
// `cache` (optional) memoises weight quantisation across calls on one graph.
using WeightCache = std::map<std::pair<int, int>, QuantizedTensor>;  // (op, fix point) -> weights
constexpr int kBestFixPoint = -1000;  // cache key for "the min-MSE position"
Result<FixGraph> QuantizeGraph(const DpuFloatGraph& graph, std::vector<int> activation_fix_points,
                               std::vector<LayerReport>* report,
                               const std::vector<std::vector<double>>* channel_means = nullptr,
                               WeightCache* cache = nullptr);

// True when QuantizeGraph gives `op`'s output its input's position instead of
// the calibrated one (MAX pool, copy): the one place that rule is kept (the
// refinement does not search those positions).
bool TakesInputFixPoint(const DpuFloatOp& op);

// Per tensor: the concat output whose position it takes (a tensor read by one
// concat-fix and nothing else, as vai_q_pytorch quantises it:
// nndctgraph_holder.py:268-285), or -1. QuantizeGraph applies it; the
// refinement does not search those positions.
std::vector<int> ConcatFixPointSources(const DpuFloatGraph& graph);

}  // namespace signdpu::quantize
