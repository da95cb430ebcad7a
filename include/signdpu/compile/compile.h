// signdpu compile: a quantiser-format xmodel (vai_q_pytorch's or ours: float
// const + fix, float ops each followed by fix, data + fix) -> a host-runnable
// compiled-style xmodel, partitioned and lowered as vai_c_xir 2.5 does it for
// the DPU target (docs/compile.md; proven bit for bit on Xilinx's own compile
// of PointPillars, tests/compile/).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "signdpu/core/status.h"
#include "signdpu/ir/fix_graph.h"

namespace xir {
class Graph;
}  // namespace xir

namespace signdpu::compile {

struct CompileOptions {
  std::string target = "DPUCZDX8G_ISA1_B4096";
  // Written into every DPU subgraph; default: the target factory's
  // fingerprint of `target` (0x101000016010407 for the default, Vitis AI 2.5).
  std::optional<uint64_t> fingerprint;
  // Ops outside the target's engine limits go to the CPU (as vai_q_pytorch's
  // partition puts them); false: every op with a DPU form is lowered
  // (signdpu-quantize --dpu_target '').
  bool check_limits = true;
};

// One DPU subgraph of the plan: its int8 program and which source ops it holds.
struct DpuPart {
  FixGraph graph;
  std::vector<std::string> source_ops;  // the quantiser-format ops lowered into it (fused ones included)
};

struct CompiledModel {
  std::string name;
  std::vector<DpuPart> dpu;
  std::vector<std::string> cpu_ops;   // source ops copied to CPU subgraphs
  // Ops with a DPU form placed on the CPU by the target's limits: op -> the
  // limit (one line, naming the target).
  std::map<std::string, std::string> cpu_reasons;
  int64_t weights = 0;                // int8 weight and bias values written
  int64_t weights_off_grid = 0;       // of those, not exactly on their fix grid (rounded by the fix's round_mode)
};

// Partitions and lowers a loaded quantiser-format graph (no file written).
Result<CompiledModel> PlanCompile(const xir::Graph& graph, const CompileOptions& options);

// Reads `input` (checked loader), compiles it and writes `output` atomically.
Result<CompiledModel> CompileXmodel(const std::string& input, const std::string& output,
                                    const CompileOptions& options);

// Human-readable partition: one line per DPU subgraph (ops, kinds, fix
// points of its outputs) and the CPU ops.
std::string DescribePartition(const CompiledModel& model);

}  // namespace signdpu::compile
