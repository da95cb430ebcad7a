// FixGraph -> host ("compiled-style") xmodel. Layout and attributes mirror
// Xilinx-compiled xmodels (zcu104_mnist_custom_op.xmodel) where the emulator
// or VART read them; see docs/xmodel.md.
#include <vitis/ai/target_factory.hpp>
#include <xir/graph/subgraph.hpp>

#include "signdpu/xmodel/xmodel_writer.h"
#include "writer_common.h"
#include "xir_names.h"

namespace signdpu::xmodel {

namespace {

using namespace internal;  // NOLINT: writer helpers

std::string WeightsName(const FixOp& op) { return op.name + "_weights"; }
std::string BiasName(const FixOp& op) { return op.name + "_bias"; }
std::string Fix2FloatName(const FixTensor& t) { return t.name + "_fix2float"; }
std::string SoftmaxName(const FixTensor& t) { return t.name + "_softmax"; }

std::vector<PlannedOp> PlanNames(const FixGraph& g, const HostModelInfo& info) {
  std::vector<PlannedOp> plan;
  for (int id : g.inputs) plan.push_back({g.tensors[id].name, g.tensors[id].name});
  for (const FixOp& op : g.ops) {
    if (op.kind == FixOpKind::kConv2d || op.kind == FixOpKind::kDepthwiseConv2d) {
      plan.push_back({WeightsName(op), WeightsName(op)});
      if (op.conv.has_bias) plan.push_back({BiasName(op), BiasName(op)});
    }
    plan.push_back({op.name, g.tensors[op.output].name});
  }
  for (int id : g.outputs) {
    plan.push_back({Fix2FloatName(g.tensors[id]), Fix2FloatName(g.tensors[id])});
    if (info.softmax) plan.push_back({SoftmaxName(g.tensors[id]), SoftmaxName(g.tensors[id])});
  }
  return plan;
}

xir::Op* AddConst(xir::Graph* graph, const std::string& name, const Shape& shape, const std::vector<int8_t>& data,
                  int fix_point) {
  auto attrs = NewAttrs();
  attrs->set_attr<std::vector<int>>(names::kShape, ToIntVector(shape));
  attrs->set_attr<std::string>(names::kDataType, names::kXint8);
  attrs->set_attr<std::vector<char>>(names::kData_, std::vector<char>(data.begin(), data.end()));
  xir::Op* op = graph->add_op(name, names::kConstFix, std::move(attrs), {}, xir::DataType(names::kXint8));
  SetTensorFixAttrs(op->get_output_tensor(), fix_point);
  return op;
}

xir::Op* AddFixOp(xir::Graph* graph, const FixGraph& g, const FixOp& f, const std::vector<xir::Op*>& producer) {
  auto attrs = NewAttrs();
  std::map<std::string, std::vector<xir::Op*>> inputs;
  std::vector<xir::Op*> in_ops;
  for (int id : f.inputs) in_ops.push_back(producer[id]);
  inputs[names::kArgInput] = in_ops;
  const char* type = names::kReshapeFix;
  switch (f.kind) {
    case FixOpKind::kConv2d:
    case FixOpKind::kDepthwiseConv2d: {
      const ConvConfig& c = f.conv;
      const int64_t channels = g.tensors[f.inputs[0]].shape[3];
      const bool depthwise = f.kind == FixOpKind::kDepthwiseConv2d;
      type = depthwise ? names::kDepthwiseConv2dFix : names::kConv2dFix;
      const Shape wshape = {depthwise ? 1 : c.out_channels, c.kernel_h, c.kernel_w, channels};
      inputs[names::kArgWeights] = {AddConst(graph, WeightsName(f), wshape, f.weights, c.fix_weights)};
      if (c.has_bias)
        inputs[names::kArgBias] = {AddConst(graph, BiasName(f), {c.out_channels}, f.bias, c.fix_bias)};
      attrs->set_attr<std::vector<int>>(names::kKernel, {c.kernel_w, c.kernel_h});
      attrs->set_attr<std::vector<int>>(names::kStride, {c.stride_w, c.stride_h});
      attrs->set_attr<std::vector<int>>(names::kDilation, {c.dilation_w, c.dilation_h});
      attrs->set_attr<std::vector<int>>(names::kPad, {c.pad_left, c.pad_right, c.pad_top, c.pad_bottom});
      attrs->set_attr<std::string>(names::kPadMode, names::kPadModeFloor);
      attrs->set_attr<std::string>(names::kNonlinear, ActivationName(c.activation));
      if (!depthwise) attrs->set_attr<int>(names::kGroup, 1);
      break;
    }
    case FixOpKind::kPool: {
      const PoolConfig& p = f.pool;
      type = names::kPoolFix;
      attrs->set_attr<std::vector<int>>(names::kKernel, {p.kernel_w, p.kernel_h});
      attrs->set_attr<std::vector<int>>(names::kStride, {p.stride_w, p.stride_h});
      attrs->set_attr<std::vector<int>>(names::kPad, {p.pad_left, p.pad_right, p.pad_top, p.pad_bottom});
      attrs->set_attr<std::string>(names::kType, p.type == PoolType::kMax ? names::kPoolMax : names::kPoolAvg);
      break;
    }
    case FixOpKind::kEltwiseAdd:
      type = names::kEltwiseFix;
      attrs->set_attr<std::string>(names::kType, names::kEltwiseAdd);
      attrs->set_attr<std::string>(names::kNonlinear, ActivationName(f.eltwise_activation));
      break;
    case FixOpKind::kHardSigmoid:
      type = names::kHardSigmoidFix;
      attrs->set_attr<int>(names::kHsigmoidIn, f.hsigmoid_in);
      attrs->set_attr<int>(names::kShiftHsigmoid, f.shift_hsigmoid);
      break;
    case FixOpKind::kConcat: {
      type = names::kConcatFix;
      // Validated: the last axis. Written non-negative (3 for NHWC, 1 for [1, C]),
      // as vai_q writes it (voxelnet_quantized.xmodel: concat axis 3).
      const int rank = static_cast<int>(g.tensors[f.output].shape.size());
      attrs->set_attr<int>(names::kAxis, f.concat_axis < 0 ? f.concat_axis + rank : f.concat_axis);
      break;
    }
    case FixOpKind::kCopy:
      type = names::kReshapeFix;
      attrs->set_attr<std::vector<int>>(names::kShape, ToIntVector(g.tensors[f.output].shape));
      break;
  }
  xir::Op* op = graph->add_op(f.name, type, std::move(attrs), inputs, xir::DataType(names::kXint8));
  NameOutput(op, g.tensors[f.output].name);
  SetTensorFixAttrs(op->get_output_tensor(), g.tensors[f.output].fix_point);
  return op;
}

// Merges the root's one-op children holding `ops` into one child.
xir::Subgraph* MergeInto(xir::Graph* graph, const std::vector<xir::Op*>& ops, const std::string& name) {
  std::set<xir::Subgraph*> leaves;
  for (xir::Op* op : ops) leaves.insert(graph->get_leaf_subgraph(op));
  xir::Subgraph* sg = leaves.size() == 1 ? *leaves.begin() : graph->get_root_subgraph()->merge_children(leaves);
  sg->set_name(name);
  return sg;
}

}  // namespace

Result<std::unique_ptr<xir::Graph>> BuildHostGraph(const FixGraph& g, const HostModelInfo& info) {
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
    std::vector<xir::Op*> producer(g.tensors.size(), nullptr);
    std::vector<xir::Op*> user_ops, dpu_ops, cpu_ops;
    for (int id : g.inputs) {
      const FixTensor& t = g.tensors[id];
      auto attrs = NewAttrs();
      attrs->set_attr<std::vector<int>>(names::kShape, ToIntVector(t.shape));
      attrs->set_attr<std::string>(names::kDataType, names::kXint8);
      xir::Op* op = graph->add_op(t.name, names::kDataFix, std::move(attrs), {}, xir::DataType(names::kXint8));
      SetTensorFixAttrs(op->get_output_tensor(), t.fix_point);
      SIGNDPU_RETURN_IF_ERROR(CheckShape(op, t.shape, model));
      producer[id] = op;
      user_ops.push_back(op);
    }
    for (const FixOp& f : g.ops) {
      xir::Op* op = AddFixOp(graph.get(), g, f, producer);
      SIGNDPU_RETURN_IF_ERROR(CheckShape(op, g.tensors[f.output].shape, model));
      producer[f.output] = op;
      for (const auto& [arg, ins] : op->get_input_ops()) {
        if (arg == names::kArgInput) continue;
        dpu_ops.insert(dpu_ops.end(), ins.begin(), ins.end());  // const-fix weights and bias
      }
      dpu_ops.push_back(op);
    }
    std::vector<std::string> return_ops;
    for (int id : g.outputs) {
      const FixTensor& t = g.tensors[id];
      auto attrs = NewAttrs();
      SetOpFixAttrs(attrs.get(), t.fix_point);
      xir::Op* to_float = graph->add_op(Fix2FloatName(t), names::kFix2Float, std::move(attrs),
                                        {{names::kArgInput, {producer[id]}}}, xir::DataType(names::kFloat32Upper));
      cpu_ops.push_back(to_float);
      xir::Op* last = to_float;
      if (info.softmax) {
        auto sm_attrs = NewAttrs();
        sm_attrs->set_attr<int>(names::kAxis, -1);
        last = graph->add_op(SoftmaxName(t), names::kSoftmax, std::move(sm_attrs), {{names::kArgInput, {to_float}}},
                             xir::DataType(names::kFloat32Upper));
        cpu_ops.push_back(last);
      }
      SIGNDPU_RETURN_IF_ERROR(CheckShape(last, t.shape, model));
      return_ops.push_back(last->get_name());
    }
    SetGraphInfoAttrs(graph.get(), info);
    graph->set_attr(names::kGraphReturnOps, xir::any(return_ops));

    xir::Subgraph* root = graph->get_root_subgraph();
    root->create_children();
    xir::Subgraph* user = MergeInto(graph.get(), user_ops, "subgraph_" + user_ops.front()->get_name());
    user->set_attr<std::string>(names::kDevice, names::kDeviceUser);
    xir::Subgraph* dpu = MergeInto(graph.get(), dpu_ops, "subgraph_" + g.ops.front().name);
    dpu->set_attr<std::string>(names::kDevice, names::kDeviceDpu);
    dpu->set_attr<std::string>(names::kDpuName, kDpuTargetName);
    dpu->set_attr<std::uint64_t>(names::kDpuFingerprint, fingerprint);
    dpu->set_attr<std::map<std::string, std::string>>(
        names::kRunner,
        {{"ref", kEmulatorRunnerLibrary}, {"sim", kEmulatorRunnerLibrary}, {"run", kDpuRunnerLibrary}});
    xir::Subgraph* cpu = MergeInto(graph.get(), cpu_ops, "subgraph_" + cpu_ops.front()->get_name());
    cpu->set_attr<std::string>(names::kDevice, names::kDeviceCpu);
    if (root->get_children_num() != 3)
      return Internal(model + ": expected 3 subgraphs (USER, DPU, CPU), XIR made " +
                      std::to_string(root->get_children_num()));
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
