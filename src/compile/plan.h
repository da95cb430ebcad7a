// The compile step's internal plan (src/compile): every op of the
// quantiser-format graph gets a role; DPU ops are grouped into connected
// components (one DPU subgraph each) and lowered to FixGraphs.
#pragma once

#include <map>
#include <optional>
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
  bool check_limits = true;                            // CompileOptions::check_limits
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

// vai_q_pytorch's spelling of DepthToSpace / PixelShuffle (xop_creator.py
// NNDCTIR2XIR_CONVERTOR :691-692) [source].
inline constexpr const char* kPixelShuffle = "pixel-shuffle";

bool IsEltwise(const std::string& type);     // add, mul
bool IsConstValue(const xir::Op* op);        // const, or fix of a const
// avgpool2d / hard-sigmoid -> its one consumer, a mul by a scalar const (the
// DPU's factor, vai_q_pytorch's spelling), else null.
const xir::Op* CorrectionMulOf(const xir::Op* op);
// The one consumer of a conv-like,
// dense or eltwise op when it is an activation, else null.
const xir::Op* FusedActivationOf(const xir::Op* op);

// The engine layer (kind, window, channels, fused activation) whose target
// limits decide whether `op` runs on the DPU; nullopt for ops with no engine
// table (concat, pad, resize, pixel-shuffle, reduction_max, transposed convs,
// shape ops) (limits.cc).
Result<std::optional<target::DpuLayer>> EngineLayerOf(const xir::Op* op);

// Roles, fused chains and components (partition.cc).
Status Partition(const target::DpuLimits& limits, Plan* plan);
// The int8 values of a fix over a const, rounded with the fix's round_mode
// (lower.cc); counts them in m->weights.
Result<std::vector<int8_t>> QuantizeConst(const xir::Op* fix, int* fix_point, CompiledModel* m);
// The element-wise and layout rules (lower_ops.cc): `ins` are the activation
// inputs' tensor ids, info.tensor the output's.
Status LowerEltwise(const xir::Op* op, const OpInfo& info, const std::vector<int>& ins, CompiledModel* m,
                    FixGraph* g);
Status CheckAvgPoolCorrection(const xir::Op* op, int kernel_h, int kernel_w);
Status LowerHardSigmoid(const xir::Op* op, const OpInfo& info, const std::vector<int>& ins, FixGraph* g);
Status LowerPad(const xir::Op* op, const OpInfo& info, const std::vector<int>& ins, FixGraph* g);
Status LowerResize(const xir::Op* op, const OpInfo& info, const std::vector<int>& ins, FixGraph* g);
Status LowerPixelShuffle(const xir::Op* op, const OpInfo& info, const std::vector<int>& ins, FixGraph* g);

// One FixGraph per component (lower.cc).
Status LowerParts(Plan* plan);

}  // namespace signdpu::compile::internal
