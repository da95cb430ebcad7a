// Pieces shared by the host and quantiser-format writers (internal).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>
#include <xir/attrs/attrs.hpp>
#include <xir/graph/graph.hpp>
#include <xir/op/op.hpp>
#include <xir/tensor/tensor.hpp>

#include "signdpu/core/status.h"
#include "signdpu/kernels/fix_graph.h"
#include "signdpu/xmodel/xmodel_writer.h"

namespace signdpu::xmodel::internal {

// FixGraph::Validate plus what a writer needs: a usable model name, unique
// names, every tensor either consumed or a graph output, inputs and outputs
// in the lexicographic order XIR's get_sorted_*_tensors will present them.
Status ValidateForWriting(const FixGraph& graph, const HostModelInfo& info);

// Planned XIR ops in creation order: op name and the name its output tensor
// gets. XIR names a new op's tensor after the op and aborts on a duplicate,
// so the plan is checked before any XIR call.
struct PlannedOp {
  std::string op_name;
  std::string tensor_name;
};
Status CheckNamePlan(const std::vector<PlannedOp>& plan, const std::string& model);

// vai_q_pytorch 2.5's op name: every character outside [0-9A-Za-z] becomes
// '_' [source: Vitis-AI v2.5 src/Vitis-AI-Quantizer/vai_q_pytorch/
// nndct_shared/compile/xgraph.py:38 _XMODEL_NAME_PATTERN].
std::string NndctOpName(const std::string& name);

std::vector<int> ToIntVector(const Shape& shape);
std::unique_ptr<xir::Attrs> NewAttrs();
// fix_point, bit_width 8, if_signed true, round_mode DPU_ROUND
void SetTensorFixAttrs(xir::Tensor* tensor, int fix_point);
void SetOpFixAttrs(xir::Attrs* attrs, int fix_point);
// Renames an op's output tensor when the FixGraph name differs.
void NameOutput(xir::Op* op, const std::string& tensor_name);
void SetGraphInfoAttrs(xir::Graph* graph, const HostModelInfo& info);
// XIR's inferred shape must equal the FixGraph's.
Status CheckShape(const xir::Op* op, const Shape& expected, const std::string& model);

// Adds the ops of a validated FixGraph as a compiled-style DPU subgraph's ops
// (const-fix weights and bias, the *-fix ops through their XirOpIo
// write_host); producer[id] must hold the XIR op of every graph input tensor
// and holds every tensor's on return; `ops` receives the ops in creation
// order (src/xmodel/host_xmodel_writer.cc).
Status AddFixGraphOps(xir::Graph* graph, const FixGraph& g, const std::string& model,
                      std::vector<xir::Op*>* producer, std::vector<xir::Op*>* ops);

// Serialises, re-validates with our own loader, writes `path` via a
// temporary file in the same directory and a rename.
Status WriteGraphAtomically(const xir::Graph& graph, const std::string& path);

}  // namespace signdpu::xmodel::internal
