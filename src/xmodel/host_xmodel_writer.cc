// FixGraph -> host ("compiled-style") xmodel. Layout and attributes mirror
// Xilinx-compiled xmodels (zcu104_mnist_custom_op.xmodel) where the emulator
// or VART read them; see docs/xmodel.md.
#include <vitis/ai/target_factory.hpp>
#include <xir/graph/subgraph.hpp>

#include "signdpu/ir/grouped_conv.h"
#include "signdpu/xmodel/xmodel_writer.h"
#include "writer_common.h"
#include "signdpu/xmodel/xir_names.h"
#include "ops/xir_op_io.h"

namespace signdpu::xmodel {

namespace {

using namespace internal;  // NOLINT: writer helpers

std::string Fix2FloatName(const FixTensor& t) { return t.name + "_fix2float"; }
std::string SoftmaxName(const FixTensor& t) { return t.name + "_softmax"; }

std::vector<PlannedOp> PlanNames(const FixGraph& g, const HostModelInfo& info) {
  std::vector<PlannedOp> plan;
  for (int id : g.inputs) plan.push_back({g.tensors[id].name, g.tensors[id].name});
  for (const FixOp& op : g.ops) {
    const XirOpIo* io = FindXirOpIo(op.kind);  // ValidateForWriting: registered
    std::vector<std::string> consts;
    if (io->host_consts != nullptr) io->host_consts(op, &consts);
    for (const std::string& c : consts) plan.push_back({c, c});
    plan.push_back({op.name, g.tensors[op.output].name});
  }
  for (int id : g.outputs) {
    plan.push_back({Fix2FloatName(g.tensors[id]), Fix2FloatName(g.tensors[id])});
    if (info.softmax) plan.push_back({SoftmaxName(g.tensors[id]), SoftmaxName(g.tensors[id])});
  }
  return plan;
}

class HostWriter final : public HostWriteContext {
 public:
  explicit HostWriter(xir::Graph* graph) : graph_(graph) {}

  xir::Op* AddConst(const std::string& name, const Shape& shape, const std::vector<int8_t>& data,
                    int fix_point) override {
    auto attrs = NewAttrs();
    attrs->set_attr<std::vector<int>>(names::kShape, ToIntVector(shape));
    attrs->set_attr<std::string>(names::kDataType, names::kXint8);
    attrs->set_attr<std::vector<char>>(names::kData_, std::vector<char>(data.begin(), data.end()));
    xir::Op* op = graph_->add_op(name, names::kConstFix, std::move(attrs), {}, xir::DataType(names::kXint8));
    SetTensorFixAttrs(op->get_output_tensor(), fix_point);
    return op;
  }

  // The op as its registration (ops/xir_op_io.h) describes it.
  xir::Op* AddFixOp(const FixGraph& g, const FixOp& f, const std::vector<xir::Op*>& producer) {
    HostOp h;
    h.attrs = NewAttrs();
    FindXirOpIo(f.kind)->write_host(*this, g, f, &h);
    std::vector<xir::Op*> in_ops;
    for (int id : f.inputs) in_ops.push_back(producer[id]);
    auto given = h.inputs.find(names::kArgInput);
    if (given == h.inputs.end()) {
      h.inputs[names::kArgInput] = in_ops;
    } else {  // const operands at their positions, activations fill the rest in order
      size_t k = 0;
      for (xir::Op*& slot : given->second)
        if (slot == nullptr && k < in_ops.size()) slot = in_ops[k++];
    }
    xir::Op* op = graph_->add_op(f.name, h.type, std::move(h.attrs), h.inputs, xir::DataType(names::kXint8));
    NameOutput(op, g.tensors[f.output].name);
    SetTensorFixAttrs(op->get_output_tensor(), g.tensors[f.output].fix_point);
    return op;
  }

 private:
  xir::Graph* graph_;
};

}  // namespace

namespace internal {

Status AddFixGraphOps(xir::Graph* graph, const FixGraph& g, const std::string& model,
                      std::vector<xir::Op*>* producer, std::vector<xir::Op*>* ops) {
  HostWriter writer(graph);
  for (const FixOp& f : g.ops) {
    xir::Op* op = writer.AddFixOp(g, f, *producer);
    SIGNDPU_RETURN_IF_ERROR(CheckShape(op, g.tensors[f.output].shape, model));
    (*producer)[f.output] = op;
    for (const auto& [arg, ins] : op->get_input_ops()) {
      for (xir::Op* in : ins)  // const-fix weights and bias, and const operands inside `input`
        if (arg != names::kArgInput || in->get_type() == names::kConstFix) ops->push_back(in);
    }
    ops->push_back(op);
  }
  return Status::Ok();
}

}  // namespace internal

namespace {

// Merges the root's one-op children holding `ops` into one child.
xir::Subgraph* MergeInto(xir::Graph* graph, const std::vector<xir::Op*>& ops, const std::string& name) {
  std::set<xir::Subgraph*> leaves;
  for (xir::Op* op : ops) leaves.insert(graph->get_leaf_subgraph(op));
  xir::Subgraph* sg = leaves.size() == 1 ? *leaves.begin() : graph->get_root_subgraph()->merge_children(leaves);
  sg->set_name(name);
  return sg;
}

// The ops of the three subgraphs, in creation order; producer: tensor id ->
// the XIR op computing it.
struct HostOps {
  std::vector<xir::Op*> producer, user, dpu, cpu;
  std::vector<std::string> return_ops;
};

// USER: one data-fix per graph input.
Status AddInputs(xir::Graph* graph, const FixGraph& g, const std::string& model, HostOps* h) {
  for (int id : g.inputs) {
    const FixTensor& t = g.tensors[id];
    auto attrs = NewAttrs();
    attrs->set_attr<std::vector<int>>(names::kShape, ToIntVector(t.shape));
    attrs->set_attr<std::string>(names::kDataType, names::kXint8);
    xir::Op* op = graph->add_op(t.name, names::kDataFix, std::move(attrs), {}, xir::DataType(names::kXint8));
    SetTensorFixAttrs(op->get_output_tensor(), t.fix_point);
    SIGNDPU_RETURN_IF_ERROR(CheckShape(op, t.shape, model));
    h->producer[id] = op;
    h->user.push_back(op);
  }
  return Status::Ok();
}

// DPU: every op through its registration, with its const-fix weights and bias.
Status AddDpuOps(xir::Graph* graph, const FixGraph& g, const std::string& model, HostOps* h) {
  return AddFixGraphOps(graph, g, model, &h->producer, &h->dpu);
}

// CPU: fix2float (+ softmax) per graph output.
Status AddOutputs(xir::Graph* graph, const FixGraph& g, const HostModelInfo& info, HostOps* h) {
  for (int id : g.outputs) {
    const FixTensor& t = g.tensors[id];
    auto attrs = NewAttrs();
    SetOpFixAttrs(attrs.get(), t.fix_point);
    xir::Op* to_float = graph->add_op(Fix2FloatName(t), names::kFix2Float, std::move(attrs),
                                      {{names::kArgInput, {h->producer[id]}}}, xir::DataType(names::kFloat32Upper));
    h->cpu.push_back(to_float);
    xir::Op* last = to_float;
    if (info.softmax) {
      auto sm_attrs = NewAttrs();
      sm_attrs->set_attr<int>(names::kAxis, -1);
      last = graph->add_op(SoftmaxName(t), names::kSoftmax, std::move(sm_attrs), {{names::kArgInput, {to_float}}},
                           xir::DataType(names::kFloat32Upper));
      h->cpu.push_back(last);
    }
    SIGNDPU_RETURN_IF_ERROR(CheckShape(last, t.shape, info.model_name));
    h->return_ops.push_back(last->get_name());
  }
  return Status::Ok();
}

// The USER -> DPU -> CPU children of the root, with the attributes VART
// reads (device, dpu_name, dpu_fingerprint, runner).
Status MakeSubgraphs(xir::Graph* graph, const FixGraph& g, const HostOps& h, uint64_t fingerprint,
                     const std::string& model) {
  xir::Subgraph* root = graph->get_root_subgraph();
  root->create_children();
  xir::Subgraph* user = MergeInto(graph, h.user, "subgraph_" + h.user.front()->get_name());
  user->set_attr<std::string>(names::kDevice, names::kDeviceUser);
  xir::Subgraph* dpu = MergeInto(graph, h.dpu, "subgraph_" + g.ops.front().name);
  dpu->set_attr<std::string>(names::kDevice, names::kDeviceDpu);
  dpu->set_attr<std::string>(names::kDpuName, kDpuTargetName);
  dpu->set_attr<std::uint64_t>(names::kDpuFingerprint, fingerprint);
  dpu->set_attr<std::map<std::string, std::string>>(
      names::kRunner, {{"ref", kEmulatorRunnerLibrary}, {"sim", kEmulatorRunnerLibrary}, {"run", kDpuRunnerLibrary}});
  xir::Subgraph* cpu = MergeInto(graph, h.cpu, "subgraph_" + h.cpu.front()->get_name());
  cpu->set_attr<std::string>(names::kDevice, names::kDeviceCpu);
  if (root->get_children_num() != 3)
    return Internal(model + ": expected 3 subgraphs (USER, DPU, CPU), XIR made " +
                    std::to_string(root->get_children_num()));
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<xir::Graph>> BuildHostGraph(const FixGraph& graph, const HostModelInfo& info) {
  // XIR's form: a grouped conv as conv2d-fix per group + concat-fix.
  const FixGraph g = ir::SplitGroupedConvs(graph);
  SIGNDPU_RETURN_IF_ERROR(ValidateForWriting(g, info));
  const std::string& model = info.model_name;
  SIGNDPU_RETURN_IF_ERROR(CheckNamePlan(PlanNames(g, info), model));
  uint64_t fingerprint = 0;
  try {
    fingerprint = vitis::ai::target_factory()->get_fingerprint(kDpuTargetName);
  } catch (const std::exception& e) {
    return Internal(model + ": target factory has no fingerprint for " + kDpuTargetName + ": " + e.what());
  }
  try {
    std::unique_ptr<xir::Graph> graph = xir::Graph::create(model);
    HostOps h;
    h.producer.assign(g.tensors.size(), nullptr);
    SIGNDPU_RETURN_IF_ERROR(AddInputs(graph.get(), g, model, &h));
    SIGNDPU_RETURN_IF_ERROR(AddDpuOps(graph.get(), g, model, &h));
    SIGNDPU_RETURN_IF_ERROR(AddOutputs(graph.get(), g, info, &h));
    SetGraphInfoAttrs(graph.get(), info);
    graph->set_attr(names::kGraphReturnOps, xir::any(h.return_ops));
    SIGNDPU_RETURN_IF_ERROR(MakeSubgraphs(graph.get(), g, h, fingerprint, model));
    return graph;
  } catch (const std::exception& e) {
    return Internal(model + ": XIR rejected the graph: " + e.what());
  }
}

Status WriteHostXmodel(const FixGraph& graph, const HostModelInfo& info, const std::string& path) {
  SIGNDPU_ASSIGN_OR_RETURN(std::unique_ptr<xir::Graph> xgraph, BuildHostGraph(graph, info));
  return internal::WriteGraphAtomically(*xgraph, path);
}

}  // namespace signdpu::xmodel
