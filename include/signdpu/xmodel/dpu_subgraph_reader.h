// Reads one DPU subgraph of an xmodel (ours or Xilinx-compiled) into the
// framework-free FixGraph that kernels/ executes.
//
// Ops: conv2d-fix, depthwise-conv2d-fix, pool-fix (MAX/AVG), eltwise-fix
// (ADD), hard-sigmoid-fix, reshape-fix / upload / download (byte copies),
// const-fix (weights and bias) and data-fix (an input made inside the
// subgraph). Anything else, and any attribute that is missing, of the wrong
// type or out of range, gives a Status that names the op, its type and the
// subgraph; nothing aborts.
//
// Where values come from (docs/xmodel.md has the details):
// - tensors: shape from the XIR tensor (dim 0 must be 1: one image), fix
//   point from the tensor attrs fix_point / bit_width / if_signed, falling
//   back to the legacy quant_out_* tensor attrs, then to the producing op's
//   attrs;
// - weights and bias: the const-fix op's `data` bytes when present; in
//   Xilinx-compiled xmodels they are empty and the bytes sit in the DPU
//   subgraph's attr reg_id_to_parameter_value["REG_<reg_id>"] at offset
//   ddr_addr (attrs of the const-fix output tensor) [checked];
// - order: super-layer children in children_topological_sort order when the
//   subgraph has that attr, otherwise XIR's topological order;
// - inputs: subgraph->get_sorted_input_tensors() (tensors made outside the
//   subgraph), then data-fix outputs made inside it; outputs:
//   get_sorted_output_tensors(). Both in that order, as the real DPU runner
//   presents them.
#pragma once

#include <cstdint>

#include "signdpu/core/status.h"
#include "signdpu/kernels/fix_graph.h"

namespace xir {
class Subgraph;
}  // namespace xir

namespace signdpu::xmodel {

// Refused before anything is allocated: a subgraph of more than
// kMaxXmodelOps ops, and one whose tensors for one image need more than the
// tensor memory budget.
Result<FixGraph> ReadDpuSubgraph(const xir::Subgraph* subgraph);

// The tensor memory budget (a contract, docs/testing.md "Limits"): what the
// tensor buffers of one program (the app's runner buffers, the emulator's
// executors, a dump's kept tensors) may take together, checked in 64-bit
// before allocating. 256 MiB by default (the ZCU104 has about 2 GB, shared
// with the OS, the camera and the DPU's own buffers); the environment
// variable SIGNDPU_TENSOR_BUDGET_MIB sets another value in MiB. A bad value
// is an error.
inline constexpr uint64_t kDefaultTensorBudgetBytes = uint64_t{256} << 20;
inline constexpr const char* kTensorBudgetEnv = "SIGNDPU_TENSOR_BUDGET_MIB";
Result<uint64_t> TensorBudgetBytes();

}  // namespace signdpu::xmodel
