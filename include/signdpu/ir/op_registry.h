// The int8 op registry: one registration per FixOp kind, in the way
// tflite-micro registers {Init, Prepare, Eval} per op and ncnn keeps one
// Layer per file. FixGraph::Validate and FixGraphExecutor::Create/Run are
// loops over it; each op's checks, reference evaluation and optimised
// preparation live in its own file under src/ir/ops/ (docs/architecture.md,
// "The op registry").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "signdpu/core/status.h"
#include "signdpu/ir/fix_graph.h"
#include "signdpu/kernels/dispatch.h"

namespace signdpu::ir {

// One op of a FixGraphExecutor, prepared once (parameters, packed weights)
// for one KernelPath. Run computes `count` images: inputs[i] and output hold
// count * per-image bytes of the op's tensors. Immutable after Prepare.
class PreparedOp {
 public:
  virtual ~PreparedOp() = default;
  virtual void Run(const std::vector<const int8_t*>& inputs, int8_t* output, int count) const = 0;
  // True for a grouped conv prepared as one kernel (FixGraphExecutor::fused_concats).
  virtual bool RunsAsOneKernel() const { return false; }
};

struct FixOpDef {
  FixOpKind kind;
  // The XIR op type the kind is written as (signdpu/xmodel/xir_names.h).
  const char* name;
  // The FixOpAttrs alternative the op reads: FixOpAttrsIndex<ItsAttrs>::value.
  size_t attrs;
  // Checks one op of a graph whose tensor ids, arity >= 1, definition order
  // and attribute alternative FixGraph::Validate has checked already; `where` names the op in
  // messages ("<op name> (<type>)").
  Status (*validate)(const FixGraph& graph, const FixOp& op, const std::string& where);
  // Prepares one op of a validated graph for `path` (the reference path
  // runs the normative kernels).
  Result<std::unique_ptr<PreparedOp>> (*prepare)(const FixGraph& graph, const FixOp& op, KernelPath path);
};

// Every registered op, in FixOpKind order. The list is an explicit function
// (src/ir/op_registry.cc), not static initialisers, so no registration can
// be dropped when the static library is linked into the programs or the
// emulator plugin.
const std::vector<const FixOpDef*>& AllFixOpDefs();
// The registration of `kind`; null when none is registered (a value outside
// FixOpKind: every enumerator is registered, tests/kernels/op_registry_test.cc).
const FixOpDef* FindFixOpDef(FixOpKind kind);

}  // namespace signdpu::ir
