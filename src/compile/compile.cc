// signdpu compile (see signdpu/compile/compile.h, docs/compile.md).
#include "signdpu/compile/compile.h"

#include <map>
#include <sstream>
#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>

#include "emit.h"
#include "plan.h"
#include "signdpu/target/dpu_limits.h"
#include "signdpu/xmodel/xmodel_file.h"

namespace signdpu::compile {

namespace {

// A quantiser-format graph has no subgraph tree (vai_q writes none).
Status CheckNotCompiled(const xir::Graph& graph) {
  const xir::Subgraph* root = graph.get_root_subgraph();
  if (root->get_children_num() > 0 && !xmodel::DpuSubgraphs(graph).empty())
    return InvalidArgument("graph " + graph.get_name() + " is compiled already (it has DPU subgraphs)");
  return Status::Ok();
}

Status MakePlan(const xir::Graph& graph, const CompileOptions& options, internal::Plan* plan) {
  SIGNDPU_RETURN_IF_ERROR(CheckNotCompiled(graph));
  SIGNDPU_ASSIGN_OR_RETURN(target::DpuLimits limits, target::LoadDpuLimits(options.target));
  plan->graph = &graph;
  plan->check_limits = options.check_limits;
  plan->model = graph.get_name();
  plan->order = graph.topological_sort();
  plan->model_out.name = graph.get_name();
  SIGNDPU_RETURN_IF_ERROR(internal::Partition(limits, plan));
  SIGNDPU_RETURN_IF_ERROR(internal::LowerParts(plan));
  for (const xir::Op* op : plan->order)
    if (plan->info.at(op).role == internal::Role::kCpu) plan->model_out.cpu_ops.push_back(op->get_name());
  return Status::Ok();
}

}  // namespace

Result<CompiledModel> PlanCompile(const xir::Graph& graph, const CompileOptions& options) {
  internal::Plan plan;
  SIGNDPU_RETURN_IF_ERROR(MakePlan(graph, options, &plan));
  return plan.model_out;
}

Result<CompiledModel> CompileXmodel(const std::string& input, const std::string& output,
                                    const CompileOptions& options) {
  SIGNDPU_ASSIGN_OR_RETURN(std::unique_ptr<xir::Graph> graph, xmodel::LoadXmodel(input));
  internal::Plan plan;
  Status st = MakePlan(*graph, options, &plan);
  if (!st.ok()) return Status(st.code(), input + ": " + st.message());
  SIGNDPU_ASSIGN_OR_RETURN(target::DpuLimits limits, target::LoadDpuLimits(options.target));
  const uint64_t fingerprint = options.fingerprint.value_or(limits.fingerprint);
  try {
    xmodel::CompiledXmodelBuilder builder(graph->get_name());
    builder.CopyModelInfo(*graph);
    SIGNDPU_RETURN_IF_ERROR(internal::Emit(plan, &builder));
    SIGNDPU_RETURN_IF_ERROR(builder.Write(limits.name, fingerprint, output));
  } catch (const std::exception& e) {
    return Internal(input + ": XIR rejected the compiled graph: " + e.what());
  }
  return plan.model_out;
}

std::string DescribePartition(const CompiledModel& m) {
  std::ostringstream s;
  for (size_t p = 0; p < m.dpu.size(); ++p) {
    const FixGraph& g = m.dpu[p].graph;
    std::map<std::string, int> kinds;
    for (const FixOp& op : g.ops) ++kinds[FixOpKindName(op.kind)];
    s << "DPU subgraph " << p << ": " << g.ops.size() << " ops (";
    bool first = true;
    for (const auto& [k, n] : kinds) {
      s << (first ? "" : ", ") << n << " " << k;
      first = false;
    }
    s << ")\n  inputs:";
    for (int id : g.inputs) s << " " << g.tensors[id].name << " (fix " << g.tensors[id].fix_point << ")";
    s << "\n  outputs:";
    for (int id : g.outputs) s << " " << g.tensors[id].name << " (fix " << g.tensors[id].fix_point << ")";
    s << "\n";
  }
  s << "CPU ops: " << m.cpu_ops.size();
  for (const std::string& op : m.cpu_ops) {
    s << "\n  " << op;
    if (auto it = m.cpu_reasons.find(op); it != m.cpu_reasons.end()) s << " (outside the DPU's limits: " << it->second << ")";
  }
  s << "\nweights: " << m.weights << " int8 values, " << m.weights_off_grid << " not on their fix grid (rounded)\n";
  return s.str();
}

}  // namespace signdpu::compile
