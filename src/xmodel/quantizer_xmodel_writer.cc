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
#include "signdpu/kernels/reference/pool_fix.h"
#include "signdpu/xmodel/xmodel_writer.h"
#include "writer_common.h"
#include "xir_names.h"

namespace signdpu::xmodel {

namespace {

using namespace internal;  // NOLINT: writer helpers

std::string FixName(const FixTensor& t) { return NndctOpName(t.name + "_fix"); }

constexpr const char* kMulType = "mul";  // XIR op type (not used by the host writer)

// The DPU's hard-sigmoid divides by 6 as * 2731 / 2^14 (nndct's scale).
constexpr float kHardSigmoidScale = 6.0f * 2731.0f / 16384.0f;

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
    if (c.conv.kernel_h != in[1] || c.conv.kernel_w != in[2] || c.conv.pad_left || c.conv.pad_right ||
        c.conv.pad_top || c.conv.pad_bottom || c.conv.dilation_h != 1 || c.conv.dilation_w != 1)
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
// output and every user is a concat: vai_q gives it no fix op of its own
// (the concat's fix quantises it).
std::vector<bool> FindConcatOnly(const FixGraph& g) {
  std::vector<bool> produced(g.tensors.size(), false), other_use(g.tensors.size(), false),
      concat_use(g.tensors.size(), false);
  for (const FixOp& op : g.ops) {
    produced[op.output] = true;
    for (int id : op.inputs) (op.kind == FixOpKind::kConcat ? concat_use : other_use)[id] = true;
  }
  for (int id : g.outputs) other_use[id] = true;
  std::vector<bool> concat_only(g.tensors.size(), false);
  for (size_t i = 0; i < g.tensors.size(); ++i) concat_only[i] = produced[i] && concat_use[i] && !other_use[i];
  return concat_only;
}

std::vector<char> FloatBytes(const std::vector<int8_t>& q, int fix_point) {
  std::vector<float> f(q.size());
  for (size_t i = 0; i < q.size(); ++i) f[i] = Dequantize(q[i], fix_point);
  std::vector<char> bytes(f.size() * sizeof(float));
  std::memcpy(bytes.data(), f.data(), bytes.size());
  return bytes;
}

class QuantizerGraphBuilder {
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

 private:
  // Adds an op (or only plans its name).
  xir::Op* Add(xir::Graph* graph, const std::string& raw_name, const char* type, std::unique_ptr<xir::Attrs> attrs,
               const std::map<std::string, std::vector<xir::Op*>>& inputs, const char* data_type) {
    const std::string name = NndctOpName(raw_name);
    if (plan_only_) {
      plan_.push_back({name, name});
      return nullptr;
    }
    return graph->add_op(name, type, std::move(attrs), inputs, xir::DataType(data_type));
  }

  xir::Op* AddFix(xir::Graph* graph, const std::string& name, xir::Op* input, int fix_point) {
    auto attrs = NewAttrs();
    SetOpFixAttrs(attrs.get(), fix_point);
    return Add(graph, name, names::kFix, std::move(attrs), {{names::kArgInput, {input}}}, names::kFloat32Upper);
  }

  // const (float32, q * 2^-fp) -> fix
  xir::Op* AddConst(xir::Graph* graph, const std::string& name, const Shape& shape, const std::vector<int8_t>& q,
                    int fix_point) {
    auto attrs = NewAttrs();
    attrs->set_attr<std::vector<int>>(names::kShape, ToIntVector(shape));
    attrs->set_attr<std::string>(names::kDataType, names::kFloat32Lower);
    attrs->set_attr<std::vector<char>>(names::kData_, FloatBytes(q, fix_point));
    xir::Op* c = Add(graph, name, names::kConst, std::move(attrs), {}, names::kFloat32Upper);
    return AddFix(graph, name + "_fix", c, fix_point);
  }

  // A float32 const [1] without a fix (nndct's "<name>_i1" scale).
  xir::Op* AddScalar(xir::Graph* graph, const std::string& name, float value) {
    auto attrs = NewAttrs();
    attrs->set_attr<std::vector<int>>(names::kShape, {1});
    attrs->set_attr<std::string>(names::kDataType, names::kFloat32Lower);
    std::vector<char> bytes(sizeof(float));
    std::memcpy(bytes.data(), &value, sizeof(float));
    attrs->set_attr<std::vector<char>>(names::kData_, bytes);
    return Add(graph, name, names::kConst, std::move(attrs), {}, names::kFloat32Upper);
  }

  // op "<name>_i0" -> mul(op, const "<name>_i1") "<name>", as nndct writes
  // average pooling and hard-sigmoid.
  xir::Op* AddScaled(xir::Graph* graph, const std::string& name, xir::Op* value, float scale) {
    xir::Op* k = AddScalar(graph, name + "_i1", scale);
    return Add(graph, name, kMulType, NewAttrs(), {{names::kArgInput, {value, k}}}, names::kFloat32Upper);
  }

  // Fused activation as its own float op, vai_q style.
  xir::Op* AddActivation(xir::Graph* graph, const std::string& base, Activation act, xir::Op* input) {
    switch (act) {
      case Activation::kNone:
        return input;
      case Activation::kRelu:
        return Add(graph, base + "_relu", names::kRelu, NewAttrs(), {{names::kArgInput, {input}}}, names::kFloat32Upper);
      case Activation::kRelu6:
        return Add(graph, base + "_relu6", names::kRelu6, NewAttrs(), {{names::kArgInput, {input}}},
                   names::kFloat32Upper);
      case Activation::kLeakyRelu: {
        auto attrs = NewAttrs();
        attrs->set_attr<float>(names::kAlpha, 26.0f / 256.0f);  // what the quantiser makes of 0.1 [source]
        return Add(graph, base + "_leaky_relu", names::kLeakyRelu, std::move(attrs), {{names::kArgInput, {input}}},
                   names::kFloat32Upper);
      }
    }
    return input;
  }

  // The float op computing tensor `tensor_id` -> its fix op, unless only
  // concats use the tensor (they take the float value).
  Status Finish(xir::Graph* graph, xir::Op* value, int tensor_id) {
    const FixTensor& t = g_.tensors[tensor_id];
    float_of_[tensor_id] = value;
    xir::Op* last = value;
    if (!concat_only_[tensor_id]) {
      last = AddFix(graph, FixName(t), value, t.fix_point);
      fix_of_[tensor_id] = last;
    }
    if (!plan_only_) return CheckShape(last, t.shape, info_.model_name);
    return Status::Ok();
  }

  Status Emit(xir::Graph* graph) {
    fix_of_.assign(g_.tensors.size(), nullptr);
    float_of_.assign(g_.tensors.size(), nullptr);
    std::vector<bool> is_input(g_.tensors.size(), false);
    for (int id : g_.inputs) is_input[id] = true;
    return_ops_.clear();
    for (int id : g_.inputs) {
      const FixTensor& t = g_.tensors[id];
      auto attrs = NewAttrs();
      attrs->set_attr<std::vector<int>>(names::kShape, ToIntVector(t.shape));
      attrs->set_attr<std::string>(names::kDataType, names::kFloat32Upper);
      xir::Op* data = Add(graph, t.name, names::kData, std::move(attrs), {}, names::kFloat32Upper);
      SIGNDPU_RETURN_IF_ERROR(Finish(graph, data, id));
    }
    std::vector<bool> skip(g_.ops.size(), false);
    for (size_t i = 0; i < g_.ops.size(); ++i) {
      if (skip[i]) continue;
      const FixOp& f = g_.ops[i];
      std::vector<xir::Op*> ins;
      for (int id : f.inputs) ins.push_back(fix_of_[id]);
      switch (f.kind) {
        case FixOpKind::kConv2d:
        case FixOpKind::kDepthwiseConv2d: {
          if (dense_[i]) {
            size_t j = i + 1;
            while (g_.ops[j].inputs.empty() || g_.ops[j].inputs[0] != f.output) ++j;
            skip[j] = true;
            SIGNDPU_RETURN_IF_ERROR(EmitDense(graph, f, g_.ops[j], ins[0]));
          } else {
            SIGNDPU_RETURN_IF_ERROR(EmitConv(graph, f, ins[0]));
          }
          break;
        }
        case FixOpKind::kPool: {
          const PoolConfig& p = f.pool;
          auto attrs = NewAttrs();
          attrs->set_attr<std::vector<int>>(names::kKernel, {p.kernel_w, p.kernel_h});
          attrs->set_attr<std::vector<int>>(names::kStride, {p.stride_w, p.stride_h});
          attrs->set_attr<std::vector<int>>(names::kPad, {p.pad_left, p.pad_right, p.pad_top, p.pad_bottom});
          attrs->set_attr<std::string>(names::kPadMode, names::kPadModeFloor);
          attrs->set_attr<bool>(names::kGlobal, false);
          const bool avg = p.type == PoolType::kAvg;
          if (avg) {
            // Padded pixels count in the divisor: the DPU divides by kh*kw.
            attrs->set_attr<bool>(names::kCountIncludePad, true);
            attrs->set_attr<bool>(names::kCountIncludeInvalid, true);
          }
          if (!avg) {
            xir::Op* pool =
                Add(graph, f.name, names::kMaxPool2d, std::move(attrs), {{names::kArgInput, ins}}, names::kFloat32Upper);
            SIGNDPU_RETURN_IF_ERROR(Finish(graph, pool, f.output));
            break;
          }
          // avgpool2d computes sum / (kh*kw); the DPU computes sum * N / 2^M.
          int64_t n = 1;
          int m = 0;
          AvgPoolFactor(p.kernel_h, p.kernel_w, &n, &m);
          const float scale = static_cast<float>(p.kernel_h * p.kernel_w * static_cast<double>(n) / std::ldexp(1.0, m));
          xir::Op* pool = Add(graph, f.name + "_i0", names::kAvgPool2d, std::move(attrs), {{names::kArgInput, ins}},
                              names::kFloat32Upper);
          SIGNDPU_RETURN_IF_ERROR(Finish(graph, AddScaled(graph, f.name, pool, scale), f.output));
          break;
        }
        case FixOpKind::kEltwiseAdd: {
          xir::Op* add = Add(graph, f.name, names::kAdd, NewAttrs(), {{names::kArgInput, ins}}, names::kFloat32Upper);
          SIGNDPU_RETURN_IF_ERROR(Finish(graph, AddActivation(graph, f.name, f.eltwise_activation, add), f.output));
          break;
        }
        case FixOpKind::kHardSigmoid: {
          xir::Op* hs = Add(graph, f.name + "_i0", names::kHardSigmoid, NewAttrs(), {{names::kArgInput, ins}},
                            names::kFloat32Upper);
          SIGNDPU_RETURN_IF_ERROR(Finish(graph, AddScaled(graph, f.name, hs, kHardSigmoidScale), f.output));
          break;
        }
        case FixOpKind::kConcat: {
          // Inputs computed by ops enter as floats (no fix in between); a
          // graph input enters through its data -> fix [inferred: vai_q
          // always quantises a data op].
          std::vector<xir::Op*> values;
          for (int id : f.inputs) values.push_back(is_input[id] ? fix_of_[id] : float_of_[id]);
          const int rank = static_cast<int>(g_.tensors[f.output].shape.size());
          auto attrs = NewAttrs();
          attrs->set_attr<int>(names::kAxis, f.concat_axis < 0 ? f.concat_axis + rank : f.concat_axis);
          xir::Op* concat =
              Add(graph, f.name, names::kConcat, std::move(attrs), {{names::kArgInput, values}}, names::kFloat32Upper);
          SIGNDPU_RETURN_IF_ERROR(Finish(graph, concat, f.output));
          break;
        }
        case FixOpKind::kCopy: {
          auto attrs = NewAttrs();
          attrs->set_attr<std::vector<int>>(names::kShape, ToIntVector(g_.tensors[f.output].shape));
          xir::Op* reshape =
              Add(graph, f.name, names::kReshape, std::move(attrs), {{names::kArgInput, ins}}, names::kFloat32Upper);
          SIGNDPU_RETURN_IF_ERROR(Finish(graph, reshape, f.output));
          break;
        }
      }
    }
    for (int id : g_.outputs) {
      xir::Op* last = fix_of_[id];
      std::string last_name = FixName(g_.tensors[id]);
      if (info_.softmax) {
        auto attrs = NewAttrs();
        attrs->set_attr<int>(names::kAxis, -1);
        last_name = NndctOpName(g_.tensors[id].name + "_softmax");
        last = Add(graph, last_name, names::kSoftmax, std::move(attrs), {{names::kArgInput, {last}}},
                   names::kFloat32Upper);
      }
      return_ops_.push_back(last_name);
    }
    return Status::Ok();
  }

  Status EmitConv(xir::Graph* graph, const FixOp& f, xir::Op* input) {
    const ConvConfig& c = f.conv;
    const bool depthwise = f.kind == FixOpKind::kDepthwiseConv2d;
    const int64_t channels = g_.tensors[f.inputs[0]].shape[3];
    const Shape wshape = {depthwise ? 1 : c.out_channels, c.kernel_h, c.kernel_w, channels};
    std::map<std::string, std::vector<xir::Op*>> inputs;
    inputs[names::kArgInput] = {input};
    inputs[names::kArgWeights] = {AddConst(graph, f.name + "_weight", wshape, f.weights, c.fix_weights)};
    if (c.has_bias) inputs[names::kArgBias] = {AddConst(graph, f.name + "_bias", {c.out_channels}, f.bias, c.fix_bias)};
    auto attrs = NewAttrs();
    attrs->set_attr<std::vector<int>>(names::kKernel, {c.kernel_w, c.kernel_h});
    attrs->set_attr<std::vector<int>>(names::kStride, {c.stride_w, c.stride_h});
    attrs->set_attr<std::vector<int>>(names::kDilation, {c.dilation_w, c.dilation_h});
    attrs->set_attr<std::vector<int>>(names::kPad, {c.pad_left, c.pad_right, c.pad_top, c.pad_bottom});
    attrs->set_attr<std::string>(names::kPadMode, names::kPadModeFloor);
    if (!depthwise) {
      attrs->set_attr<int>(names::kGroup, 1);
      attrs->set_attr<bool>(names::kBiasTerm, c.has_bias);
      attrs->set_attr<int>(names::kInDim, static_cast<int>(channels));
      attrs->set_attr<int>(names::kOutDim, static_cast<int>(c.out_channels));
    }
    xir::Op* conv = Add(graph, f.name, depthwise ? names::kDepthwiseConv2d : names::kConv2d, std::move(attrs), inputs,
                        names::kFloat32Upper);
    return Finish(graph, AddActivation(graph, f.name, c.activation, conv), f.output);
  }

  // conv (kernel = whole input) + copy to [1, O]  ->  flatten + matmul.
  // Weights [O, kh, kw, C] are already in NHWC flatten order: [O, kh*kw*C].
  Status EmitDense(xir::Graph* graph, const FixOp& conv, const FixOp& copy, xir::Op* input) {
    const ConvConfig& c = conv.conv;
    const Shape& in = g_.tensors[conv.inputs[0]].shape;
    auto fattrs = NewAttrs();
    fattrs->set_attr<int>(names::kStartAxis, 1);
    fattrs->set_attr<int>(names::kEndAxis, -1);
    xir::Op* flat = Add(graph, copy.name, names::kFlatten, std::move(fattrs), {{names::kArgInput, {input}}},
                        names::kFloat32Upper);
    const Shape wshape = {c.out_channels, in[1] * in[2] * in[3]};
    xir::Op* w = AddConst(graph, conv.name + "_weight", wshape, conv.weights, c.fix_weights);
    std::map<std::string, std::vector<xir::Op*>> inputs;
    inputs[names::kArgInput] = {flat, w};
    if (c.has_bias) inputs[names::kArgBias] = {AddConst(graph, conv.name + "_bias", {c.out_channels}, conv.bias, c.fix_bias)};
    auto attrs = NewAttrs();
    attrs->set_attr<bool>(names::kTransposeA, false);
    attrs->set_attr<bool>(names::kTransposeB, true);
    xir::Op* mm = Add(graph, conv.name, names::kMatmul, std::move(attrs), inputs, names::kFloat32Upper);
    return Finish(graph, AddActivation(graph, conv.name, c.activation, mm), copy.output);
  }

  const FixGraph& g_;
  const HostModelInfo& info_;
  std::vector<bool> dense_;
  std::vector<bool> concat_only_;
  bool plan_only_ = false;
  std::vector<PlannedOp> plan_;
  std::vector<xir::Op*> fix_of_;    // tensor id -> its fix op (null if only concats use it)
  std::vector<xir::Op*> float_of_;  // tensor id -> the float op computing it (ops' outputs)
  std::vector<std::string> return_ops_;
};

}  // namespace

Result<std::unique_ptr<xir::Graph>> BuildQuantizerGraph(const FixGraph& graph, const HostModelInfo& info) {
  SIGNDPU_RETURN_IF_ERROR(ValidateForWriting(graph, info));
  return QuantizerGraphBuilder(graph, info).Build();
}

Status WriteQuantizerXmodel(const FixGraph& graph, const HostModelInfo& info, const std::string& path) {
  SIGNDPU_ASSIGN_OR_RETURN(std::unique_ptr<xir::Graph> xgraph, BuildQuantizerGraph(graph, info));
  return internal::WriteGraphAtomically(*xgraph, path);
}

}  // namespace signdpu::xmodel
