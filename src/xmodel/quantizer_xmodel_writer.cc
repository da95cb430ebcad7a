// FixGraph -> quantiser-format xmodel (<name>_int.xmodel), the input of
// Xilinx's vai_c_xir. The layout mirrors vai_q_pytorch's output as seen in
// voxelnet_quantized.xmodel (data -> fix -> conv2d(input = fix, weights =
// const -> fix, bias = const -> fix) -> relu -> fix -> ...), and its dense
// export (flatten, then matmul with transpose_b = true [source:
// vai_q_pytorch xir exporter, `dense`]). Float constants are q * 2^-fix_point,
// exactly on the fix-point grid, so re-quantising them is lossless.
// A concat takes its inputs' float values (no fix op in between) and gets one
// fix after it, as the RPN concat of voxelnet_quantized.xmodel does.
// As vai_q_pytorch 2.5 writes them [source: Vitis-AI v2.5
// src/Vitis-AI-Quantizer/vai_q_pytorch/nndct_shared/compile/xop_creator.py]:
//  - average pooling: avgpool2d "<name>_i0" -> mul(<that>, const "<name>_i1"
//    = [kh*kw * N / 2^M]) "<name>" -> fix (avgpool :408-452). The DPU's pool
//    multiplies the window sum by N / 2^M ~ 1/(kh*kw) (kernels/reference/
//    pool_fix.h), so the float graph computes what the DPU computes. nndct
//    gives "<name>_i0" and "<name>_i1" no fix of their own (only "<name>" has
//    a quantisation entry; inferred from xgraph.py create_fix_op :130-170).
//  - hard-sigmoid: hard-sigmoid "<name>_i0" -> mul(<that>, const "<name>_i1"
//    = [6 * 2731 / 16384]) "<name>" -> fix (hsigmoid :553-571): the DPU
//    divides by 6 as * 2731 / 2^14.
//  - op names: every character outside [0-9A-Za-z] becomes '_'
//    (_XMODEL_NAME_PATTERN, xgraph.py:38, applied to every op name :95, :108,
//    :163, :177).
// vai_c_xir acceptance is UNVERIFIED (docs/xmodel.md).
#include <cmath>
#include <cstring>
#include <xir/graph/subgraph.hpp>

#include "signdpu/fixpoint/fixpoint.h"
#include "signdpu/ir/grouped_conv.h"
#include "signdpu/kernels/reference/pool_fix.h"
#include "signdpu/xmodel/xmodel_writer.h"
#include "writer_common.h"
#include "signdpu/xmodel/xir_names.h"
#include "ops/xir_op_io.h"

namespace signdpu::xmodel {

namespace {

using namespace internal;  // NOLINT: writer helpers

std::string FixName(const FixTensor& t) { return NndctOpName(t.name + "_fix"); }

// conv op index -> true when the conv is a "dense" (kernel = whole input,
// 1x1 output) whose only user is a copy to [1, O]: written as flatten + matmul.
std::vector<bool> FindDense(const FixGraph& g) {
  std::vector<bool> dense(g.ops.size(), false);
  std::vector<int> uses(g.tensors.size(), 0);
  for (const FixOp& op : g.ops)
    for (int id : op.inputs) ++uses[id];
  std::vector<bool> is_output(g.tensors.size(), false);
  for (int id : g.outputs) is_output[id] = true;
  for (size_t i = 0; i + 1 < g.ops.size(); ++i) {
    const FixOp& c = g.ops[i];
    if (c.kind != FixOpKind::kConv2d) continue;
    const Shape& in = g.tensors[c.inputs[0]].shape;
    const Shape& out = g.tensors[c.output].shape;
    if (in.size() != 4 || out.size() != 4 || out[1] != 1 || out[2] != 1) continue;
    const ConvAttrs& a = c.Attrs<ConvAttrs>();
    if (a.kernel_h != in[1] || a.kernel_w != in[2] || a.pad_left || a.pad_right || a.pad_top || a.pad_bottom ||
        a.dilation_h != 1 || a.dilation_w != 1)
      continue;
    if (uses[c.output] != 1 || is_output[c.output]) continue;
    for (size_t j = i + 1; j < g.ops.size(); ++j) {
      const FixOp& r = g.ops[j];
      if (r.inputs.size() == 1 && r.inputs[0] == c.output) {
        const Shape& flat = g.tensors[r.output].shape;
        dense[i] = r.kind == FixOpKind::kCopy && flat.size() == 2 && flat[1] == out[3];
        break;
      }
    }
  }
  return dense;
}

// tensor id -> true when the tensor is computed by an op, is not a graph
// output and its only reader is one concat: vai_q gives it no fix op of its
// own (the concat's fix quantises it; vai_q_pytorch nndctgraph_holder.py:
// 268-285, is_concat_input: exactly one child, a concat).
std::vector<bool> FindConcatOnly(const FixGraph& g) {
  std::vector<bool> produced(g.tensors.size(), false), other_use(g.tensors.size(), false);
  std::vector<int> concat_uses(g.tensors.size(), 0);
  for (const FixOp& op : g.ops) {
    produced[op.output] = true;
    for (int id : op.inputs) {
      if (op.kind == FixOpKind::kConcat) ++concat_uses[id];
      else other_use[id] = true;
    }
  }
  for (int id : g.outputs) other_use[id] = true;
  std::vector<bool> concat_only(g.tensors.size(), false);
  for (size_t i = 0; i < g.tensors.size(); ++i) concat_only[i] = produced[i] && concat_uses[i] == 1 && !other_use[i];
  return concat_only;
}

std::vector<char> FloatBytes(const std::vector<int8_t>& q, int fix_point) {
  std::vector<float> f(q.size());
  for (size_t i = 0; i < q.size(); ++i) f[i] = Dequantize(q[i], fix_point);
  std::vector<char> bytes(f.size() * sizeof(float));
  std::memcpy(bytes.data(), f.data(), bytes.size());
  return bytes;
}

class QuantizerGraphBuilder final : public QuantizerWriteContext {
 public:
  QuantizerGraphBuilder(const FixGraph& g, const HostModelInfo& info) : g_(g), info_(info) {}

  Result<std::unique_ptr<xir::Graph>> Build() {
    const std::string& model = info_.model_name;
    dense_ = FindDense(g_);
    concat_only_ = FindConcatOnly(g_);
    // Plan and check names without touching XIR.
    plan_only_ = true;
    SIGNDPU_RETURN_IF_ERROR(Emit(nullptr));
    SIGNDPU_RETURN_IF_ERROR(CheckNamePlan(plan_, model));
    plan_only_ = false;
    try {
      std::unique_ptr<xir::Graph> graph = xir::Graph::create(model);
      SIGNDPU_RETURN_IF_ERROR(Emit(graph.get()));
      SetGraphInfoAttrs(graph.get(), info_);
      graph->set_attr(names::kGraphReturnOps, xir::any(return_ops_));
      return graph;
    } catch (const std::exception& e) {
      return Internal(model + ": XIR rejected the graph: " + e.what());
    }
  }

  // ---- QuantizerWriteContext (what an op's write function uses) -------------
  const FixGraph& graph() const override { return g_; }

  xir::Op* Add(const std::string& raw_name, const char* type, std::unique_ptr<xir::Attrs> attrs,
               const std::map<std::string, std::vector<xir::Op*>>& inputs) override {
    const std::string name = NndctOpName(raw_name);
    if (plan_only_) {
      plan_.push_back({name, name});
      return nullptr;
    }
    return graph_->add_op(name, type, std::move(attrs), inputs, xir::DataType(names::kFloat32Upper));
  }

  xir::Op* AddConst(const std::string& name, const Shape& shape, const std::vector<int8_t>& q,
                    int fix_point) override {
    auto attrs = NewAttrs();
    attrs->set_attr<std::vector<int>>(names::kShape, ToIntVector(shape));
    attrs->set_attr<std::string>(names::kDataType, names::kFloat32Lower);
    attrs->set_attr<std::vector<char>>(names::kData_, FloatBytes(q, fix_point));
    xir::Op* c = Add(name, names::kConst, std::move(attrs), {});
    return AddFix(name + "_fix", c, fix_point);
  }

  xir::Op* AddScaled(const std::string& name, xir::Op* value, float scale) override {
    xir::Op* k = AddScalar(name + "_i1", scale);
    return Add(name, names::kMul, NewAttrs(), {{names::kArgInput, {value, k}}});
  }

  xir::Op* AddActivation(const std::string& base, Activation act, xir::Op* input) override {
    switch (act) {
      case Activation::kNone:
        return input;
      case Activation::kRelu:
        return Add(base + "_relu", names::kRelu, NewAttrs(), {{names::kArgInput, {input}}});
      case Activation::kRelu6:
        return Add(base + "_relu6", names::kRelu6, NewAttrs(), {{names::kArgInput, {input}}});
      case Activation::kLeakyRelu: {
        auto attrs = NewAttrs();
        attrs->set_attr<float>(names::kAlpha, 26.0f / 256.0f);  // what the quantiser makes of 0.1 [source]
        return Add(base + "_leaky_relu", names::kLeakyRelu, std::move(attrs), {{names::kArgInput, {input}}});
      }
    }
    return input;
  }

  Status Finish(xir::Op* value, int tensor_id) override {
    const FixTensor& t = g_.tensors[tensor_id];
    float_of_[tensor_id] = value;
    xir::Op* last = value;
    if (!concat_only_[tensor_id]) {
      last = AddFix(FixName(t), value, t.fix_point);
      fix_of_[tensor_id] = last;
    }
    if (!plan_only_) return CheckShape(last, t.shape, info_.model_name);
    return Status::Ok();
  }

  xir::Op* FixOf(int tensor_id) const override { return fix_of_[tensor_id]; }
  xir::Op* FloatOf(int tensor_id) const override { return float_of_[tensor_id]; }
  bool IsGraphInput(int tensor_id) const override { return is_input_[tensor_id]; }
  bool IsDense(size_t op_index) const override { return dense_[op_index]; }
  void Skip(size_t op_index) override { skip_[op_index] = true; }

 private:
  xir::Op* AddFix(const std::string& name, xir::Op* input, int fix_point) {
    auto attrs = NewAttrs();
    SetOpFixAttrs(attrs.get(), fix_point);
    return Add(name, names::kFix, std::move(attrs), {{names::kArgInput, {input}}});
  }

  // A float32 const [1] without a fix (nndct's "<name>_i1" scale).
  xir::Op* AddScalar(const std::string& name, float value) {
    auto attrs = NewAttrs();
    attrs->set_attr<std::vector<int>>(names::kShape, {1});
    attrs->set_attr<std::string>(names::kDataType, names::kFloat32Lower);
    std::vector<char> bytes(sizeof(float));
    std::memcpy(bytes.data(), &value, sizeof(float));
    attrs->set_attr<std::vector<char>>(names::kData_, bytes);
    return Add(name, names::kConst, std::move(attrs), {});
  }

  // Plans the names (graph null) or writes the graph: inputs, every op
  // through its registration (ops/xir_op_io.h), the outputs.
  Status Emit(xir::Graph* graph) {
    graph_ = graph;
    fix_of_.assign(g_.tensors.size(), nullptr);
    float_of_.assign(g_.tensors.size(), nullptr);
    is_input_.assign(g_.tensors.size(), false);
    for (int id : g_.inputs) is_input_[id] = true;
    skip_.assign(g_.ops.size(), false);
    return_ops_.clear();
    for (int id : g_.inputs) {
      const FixTensor& t = g_.tensors[id];
      auto attrs = NewAttrs();
      attrs->set_attr<std::vector<int>>(names::kShape, ToIntVector(t.shape));
      attrs->set_attr<std::string>(names::kDataType, names::kFloat32Upper);
      SIGNDPU_RETURN_IF_ERROR(Finish(Add(t.name, names::kData, std::move(attrs), {}), id));
    }
    for (size_t i = 0; i < g_.ops.size(); ++i) {
      if (skip_[i]) continue;
      const FixOp& f = g_.ops[i];
      std::vector<xir::Op*> ins;
      for (int id : f.inputs) ins.push_back(fix_of_[id]);
      SIGNDPU_RETURN_IF_ERROR(FindXirOpIo(f.kind)->write_quantizer(*this, i, ins));
    }
    for (int id : g_.outputs) {
      xir::Op* last = fix_of_[id];
      std::string last_name = FixName(g_.tensors[id]);
      if (info_.softmax) {
        auto attrs = NewAttrs();
        attrs->set_attr<int>(names::kAxis, -1);
        last_name = NndctOpName(g_.tensors[id].name + "_softmax");
        last = Add(last_name, names::kSoftmax, std::move(attrs), {{names::kArgInput, {last}}});
      }
      return_ops_.push_back(last_name);
    }
    return Status::Ok();
  }

  const FixGraph& g_;
  const HostModelInfo& info_;
  xir::Graph* graph_ = nullptr;  // null while planning names
  std::vector<bool> dense_;
  std::vector<bool> concat_only_;
  std::vector<bool> is_input_;
  std::vector<bool> skip_;  // ops written by an earlier op (a dense's copy)
  bool plan_only_ = false;
  std::vector<PlannedOp> plan_;
  std::vector<xir::Op*> fix_of_;    // tensor id -> its fix op (null if only concats use it)
  std::vector<xir::Op*> float_of_;  // tensor id -> the float op computing it (ops' outputs)
  std::vector<std::string> return_ops_;
};

}  // namespace

Result<std::unique_ptr<xir::Graph>> BuildQuantizerGraph(const FixGraph& graph, const HostModelInfo& info) {
  // XIR's form: a grouped conv as conv2d-fix per group + concat-fix.
  const FixGraph g = ir::SplitGroupedConvs(graph);
  SIGNDPU_RETURN_IF_ERROR(ValidateForWriting(g, info));
  return QuantizerGraphBuilder(g, info).Build();
}

Status WriteQuantizerXmodel(const FixGraph& graph, const HostModelInfo& info, const std::string& path) {
  SIGNDPU_ASSIGN_OR_RETURN(std::unique_ptr<xir::Graph> xgraph, BuildQuantizerGraph(graph, info));
  return internal::WriteGraphAtomically(*xgraph, path);
}

}  // namespace signdpu::xmodel
