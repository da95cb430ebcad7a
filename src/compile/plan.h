// The compile step's internal plan (src/compile): every op of the
// quantiser-format graph gets a role; DPU ops are grouped into connected
// components (one DPU subgraph each) and lowered to FixGraphs.
#pragma once

#include <map>
#include <string>
#include <vector>
#include <xir/graph/graph.hpp>
#include <xir/op/op.hpp>

#include "signdpu/compile/compile.h"
#include "signdpu/core/status.h"
#include "signdpu/target/dpu_limits.h"

namespace signdpu::compile::internal {

enum class Role {
  kUser,   // data
  kParam,  // const, or the fix of a const, read only as DPU weights / bias
  kDpu,    // an op lowered to a *-fix op
  kFused,  // an activation or fix folded into its owner's DPU op
  kCpu,    // copied into a CPU subgraph
};

struct OpInfo {
  Role role = Role::kCpu;
  int part = -1;                          // kDpu / kFused: DPU subgraph index
  const xir::Op* owner = nullptr;         // kDpu: itself; kFused: the DPU op
  Activation activation = Activation::kNone;  // kDpu: fused activation
  const xir::Op* tail = nullptr;          // kDpu: the fused activation, or the op itself
  const xir::Op* out_fix = nullptr;       // kDpu: the fix op whose fix point the output has
  bool inserted_fix = false;              // kDpu: out_fix is a later concat's (vai_c_xir inserts a fix)
  int tensor = -1;                        // kDpu: tensor id in its part's FixGraph
};

struct Plan {
  const xir::Graph* graph = nullptr;
  std::string model;                                   // names the graph in messages
  std::vector<const xir::Op*> order;                   // topological
  std::map<const xir::Op*, OpInfo> info;
  int parts = 0;
  CompiledModel model_out;                             // FixGraphs, filled by LowerParts
  // External int8 inputs of each part: graph input tensor id -> source op
  // whose value feeds it (a fix after data, a CPU op, ...).
  std::vector<std::vector<const xir::Op*>> part_inputs;
  // Per part, the source op (DPU value owner) behind each graph output.
  std::vector<std::vector<const xir::Op*>> part_outputs;
};

// Helpers on source ops.
std::vector<const xir::Op*> InputOps(const xir::Op* op, const std::string& arg);
std::vector<const xir::Op*> AllInputOps(const xir::Op* op);
std::vector<const xir::Op*> Consumers(const xir::Op* op);
std::string Where(const xir::Op* op);  // "op NAME (TYPE)"
// The fix point a value carries: a fix op's, or upstream through
// shape-only ops (transpose, reshape, ...) to a fix; error when none.
Result<int> UpstreamFixPoint(const Plan& plan, const xir::Op* op);
// The DPU op whose output `op` is (itself for kDpu, owner for kFused), or null.
const xir::Op* DpuOwner(const Plan& plan, const xir::Op* op);

// flatten -> matmul(flatten, const fix, transpose_b): the matmul, else null.
const xir::Op* DenseMatmulOf(const xir::Op* flatten);
// The activation inputs of a DPU op (a dense layer's: the flatten's input).
std::vector<const xir::Op*> ActivationInputs(const xir::Op* op);

// Roles, fused chains and components (partition.cc).
Status Partition(const target::DpuLimits& limits, Plan* plan);
// One FixGraph per component (lower.cc).
Status LowerParts(Plan* plan);

}  // namespace signdpu::compile::internal
