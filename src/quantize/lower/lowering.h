// Internal to src/quantize/lower: the lowering of one float graph into a
// DpuFloatGraph. The driver (lower.cc) walks the graph and calls, per node,
// the rule its op type has in Lowering::Rules(); each ONNX op's rule lives in
// its own file beside it (conv.cc, batchnorm.cc, activation.cc, pool.cc,
// dense.cc, add.cc, eltwise.cc (Mul), concat.cc, pad.cc, transpose.cc, softmax.cc) and the weight-group pass in
// weight_groups.cc. Adding an op: one file defining its rule, one entry in
// Rules(), one declaration here.
#pragma once

#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "signdpu/quantize/lower.h"

namespace signdpu::quantize::lowering {

using graph::Node;
using graph::OpType;

// ONNX's window attributes (kernel [h, w], strides [h, w], pads [top, left,
// bottom, right]) into a ConvConfig or PoolConfig (same field names).
template <typename Config>
void SetWindow(Config* c, int64_t kh, int64_t kw, const std::vector<int64_t>& strides, const std::vector<int64_t>& pads) {
  c->kernel_h = static_cast<int>(kh);
  c->kernel_w = static_cast<int>(kw);
  c->stride_h = static_cast<int>(strides[0]);
  c->stride_w = static_cast<int>(strides[1]);
  c->pad_top = static_cast<int>(pads[0]);
  c->pad_left = static_cast<int>(pads[1]);
  c->pad_bottom = static_cast<int>(pads[2]);
  c->pad_right = static_cast<int>(pads[3]);
}

// "%.3g" of one number (a bounded buffer cannot truncate it).
inline std::string FormatG3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// What a source tensor is in our graph.
struct Value {
  int tensor = -1;      // our tensor id ([1,H,W,C])
  enum class Kind { kNchw, kNhwc, kFlatNchw, kFlatNhwc } kind = Kind::kNchw;
  int producer = -1;    // our op index that produced `tensor`, -1 for the input
};

class Lowering {
 public:
  Lowering(const graph::Graph& g, const std::string& name, const LowerOptions& options)
      : g_(g), options_(options) {
    out_.name = name;
  }

  Result<DpuFloatGraph> Run();  // lower.cc

  using LowerFn = Status (Lowering::*)(const Node&);
  // How each graph op type lowers to DPU ops: one entry per OpType of the
  // float op registry (graph/op_registry.h); HasDpuLowering exposes the
  // coverage to tests. An op the DPU cannot run has an entry that says why.
  static const std::map<OpType, LowerFn>& Rules();  // lower.cc

 private:
  Status Fail(const Node& n, const std::string& why) { return Unsupported(n.Describe() + ": " + why); }

  int AddTensor(const std::string& name, Shape shape, const std::string& source, bool nchw) {
    DpuFloatTensor t;
    t.name = name;
    t.shape = std::move(shape);
    t.source_tensor = source;
    t.source_layout = nchw ? DpuFloatTensor::Layout::kNchw : DpuFloatTensor::Layout::kSame;
    out_.tensors.push_back(t);
    return static_cast<int>(out_.tensors.size()) - 1;
  }

  Nhwc Dims(int tensor) const {
    const Shape& s = out_.tensors[tensor].shape;
    return Nhwc{1, s[1], s[2], s[3]};
  }

  Result<Value> Get(const Node& n, size_t i) {
    if (i >= n.inputs.size()) return Fail(n, "missing input " + std::to_string(i));
    const std::string name = g_.Resolve(n.inputs[i]);
    auto it = values_.find(name);
    if (it == values_.end()) {
      if (g_.FindConstant(name)) return Fail(n, "input '" + name + "' is a constant where an activation is expected");
      return Fail(n, "input '" + name + "' is not produced by a supported op");
    }
    return it->second;
  }

  int Consumers(const std::string& name) const {
    int n = static_cast<int>(g_.Consumers(g_.Resolve(name)).size());
    for (const auto& o : g_.outputs())
      if (g_.Resolve(o) == g_.Resolve(name)) ++n;
    return n;
  }

  Status LowerInput();  // lower.cc

  int AddOp(DpuFloatOp op) {
    out_.ops.push_back(std::move(op));
    return static_cast<int>(out_.ops.size()) - 1;
  }

  Value Produce(const Node& n, DpuFloatOp op, Shape shape, Value::Kind kind) {
    const bool nchw = kind == Value::Kind::kNchw && shape[3] > 1;
    Value v;
    v.tensor = AddTensor(n.outputs[0], std::move(shape), n.outputs[0], nchw);
    v.kind = kind;
    op.output = v.tensor;
    v.producer = AddOp(std::move(op));
    values_[n.outputs[0]] = v;
    return v;
  }

  // Re-labels `v`'s tensor as also being `source` (after a fusion).
  void Alias(const Node& n, Value v) {
    DpuFloatTensor& t = out_.tensors[v.tensor];
    t.source_tensor = n.outputs[0];
    values_[n.outputs[0]] = v;
  }

  Result<std::vector<float>> Const(const Node& n, size_t i, const char* what) {
    if (i >= n.inputs.size() || n.inputs[i].empty()) return Fail(n, std::string("missing ") + what);
    const graph::Tensor* t = g_.FindConstant(n.inputs[i]);
    if (t == nullptr) return Fail(n, std::string(what) + " '" + n.inputs[i] + "' must be a constant (initializer)");
    return t->data;
  }

  // The driver (lower.cc).
  Status LowerNode(const Node& n);
  Status Finish();

  // One rule per ONNX op type, each in its own file.
  Status LowerTranspose(const Node& n);      // transpose.cc
  Status LowerConv(const Node& n);           // conv.cc
  Status LowerBatchNorm(const Node& n);      // batchnorm.cc
  Status LowerRelu(const Node& n);           // activation.cc
  Status LowerRelu6(const Node& n);          // activation.cc
  Status LowerLeakyRelu(const Node& n);      // activation.cc
  Status LowerClip(const Node& n);           // activation.cc
  Status LowerPool(const Node& n);           // pool.cc
  Status LowerFlatten(const Node& n);        // dense.cc (Flatten, Reshape to [N, K])
  Status LowerDense(const Node& n);          // dense.cc (Gemm, MatMul)
  Status LowerAdd(const Node& n);            // add.cc
  Status LowerSoftmax(const Node& n);        // softmax.cc
  Status LowerMul(const Node& n);            // eltwise.cc
  Status LowerConcat(const Node& n);         // concat.cc
  Status LowerPad(const Node& n);            // pad.cc

  // eltwise.cc: Add / Mul of an activation and a constant -> eltwise-fix
  // with a const-fix operand; of two activations -> eltwise-fix.
  Status LowerEltwiseConst(const Node& n, EltwiseType type);
  Status LowerEltwiseTensors(const Node& n, EltwiseType type);
  // A constant holding one value per channel of a `kind` tensor with `c`
  // channels, or a scalar ([C,1,1] / [1,C,1,1] for NCHW, [C] / [1,C] else).
  static bool IsPerChannel(const graph::Tensor& t, int64_t c, Value::Kind kind);
  Status LowerConvTranspose(const Node& n);  // conv_transpose.cc
  Status LowerResize(const Node& n);         // resize.cc (Resize, Upsample)
  Status LowerDepthToSpace(const Node& n);   // depth_to_space.cc
  Status ReorderForDcr(const Node& n, const Value& in, int64_t s, int64_t c_out);  // depth_to_space.cc

  // conv.cc
  // A 1x1 depthwise-conv2d-fix over tensor `input` (dims `d`).
  static DpuFloatOp Depthwise1x1(const std::string& name, int input, const Nhwc& d, std::vector<float> weights,
                                 std::vector<float> bias);

  // batchnorm.cc
  // BatchNormalization's per-channel y = scale * x + shift.
  struct ScaleShift {
    std::vector<float> scale, shift;
  };
  Result<ScaleShift> BatchNormScaleShift(const Node& n, const Nhwc& d);
  bool FoldBatchNormIntoConv(const Node& n, const Value& in, const ScaleShift& ss);
  bool FoldBatchNormThroughActivation(const Node& n, const Value& in, const Nhwc& d, const ScaleShift& ss);
  int SplitBatchNormScale(const Node& n, const Value& in, const Nhwc& d, std::vector<float>* scale_io);

  // activation.cc
  Status LowerActivation(const Node& n, Activation act, const std::string& note);

  // weight_groups.cc
  int SoleConsumer(int t) const;
  void PermuteTensor(int t, const std::vector<int>& perm);
  static void PermuteInner(std::vector<float>* v, const std::vector<int>& perm);
  static std::vector<int> MergeFixPointGroups(std::vector<int>* fp_io, int max_groups);
  void GroupWeightChannels();

  const graph::Graph& g_;
  LowerOptions options_;
  DpuFloatGraph out_;
  std::map<std::string, Value> values_;
  Value last_;
};

}  // namespace signdpu::quantize::lowering
