// `signdpu inspect` on a quantiser-format xmodel (<name>_int.xmodel: float
// ops plus `fix` ops and no subgraph tree, as signdpu-quantize and
// vai_q_pytorch write it): every op (type, name, shape), the fix points of
// the `fix` ops, and the layers that break the DPU's limits
// (target/dpu_limits.h) - the file a user checks before vai_c_xir.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signdpu/core/status.h"
#include "signdpu/target/dpu_limits.h"

namespace xir {
class Graph;
}

namespace signdpu::app {

struct QuantizerOpInfo {
  std::string type, name;
  std::vector<int32_t> shape;
  bool is_fix = false;  // fix op: the next three are its attributes
  int fix_point = 0, bit_width = 0;
  bool if_signed = true;
  // Any other op (not const/data): the fix that quantises its output - the
  // first fix down its chain of single-user ops (a conv's fused relu's fix)
  // - and the fix points of its activation inputs (the nearest fix up each
  // non-constant input's chain of single-input ops). `signdpu inspect
  // --against` compares these with a compiled model's tensors.
  std::string out_fix;  // empty: none
  int out_fix_point = 0;
  std::vector<int> in_fix_points;
};

struct QuantizerXmodelReport {
  std::string graph_name;
  std::vector<QuantizerOpInfo> ops;  // topological order
  std::vector<target::DpuLayer> layers;      // what the DPU would run
  std::vector<std::string> unchecked;        // DPU-looking ops the check does not cover
  target::DpuLimits limits;
  std::vector<target::Violation> violations;
};

// True when `graph` is quantiser format: no DPU subgraph and at least one
// `fix` op.
bool IsQuantizerFormat(const xir::Graph& graph);

// The DPU layers of a quantiser-format graph: conv2d, depthwise-conv2d,
// maxpool2d, avgpool2d, add, mul of two tensors, hard-sigmoid; a relu,
// relu6, leaky-relu or prelu that is a conv's or add's only user is its
// fused nonlinearity. Errors name the op.
Result<std::vector<target::DpuLayer>> QuantizerLayers(const xir::Graph& graph, std::vector<std::string>* unchecked);

Result<QuantizerXmodelReport> InspectQuantizerGraph(const xir::Graph& graph, const std::string& dpu_target);
std::string FormatQuantizerReport(const std::string& path, const QuantizerXmodelReport& report);

// For `signdpu inspect PATH`: loads PATH (safely); when it is quantiser
// format prints the report on stdout, sets *exit_code (0, or 1 when a layer
// breaks a DPU limit, after one error line on stderr) and returns true;
// returns false for any other xmodel (the caller describes it).
Result<bool> InspectIfQuantizerXmodel(const std::string& path, const std::string& dpu_target, int* exit_code);

}  // namespace signdpu::app
