#include "signdpu/quantize/lower.h"

#include "signdpu/quantize/fix_point_search.h"

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <map>
#include <sstream>

namespace signdpu::quantize {
namespace {

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
std::string FormatG3(double v) {
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

  Result<DpuFloatGraph> Run() {
    if (g_.inputs().size() != 1)
      return Unsupported(g_.label() + ": expected exactly 1 graph input, got " + std::to_string(g_.inputs().size()));
    if (g_.outputs().empty()) return Unsupported(g_.label() + ": graph has no output");
    SIGNDPU_RETURN_IF_ERROR(LowerInput());
    for (const Node& node : g_.nodes()) {
      Status s = LowerNode(node);
      if (!s.ok()) return s;
    }
    const std::string final_name = g_.Resolve(g_.outputs()[0]);
    if (!out_.softmax_on_cpu) {
      auto it = values_.find(final_name);
      if (it == values_.end()) return Unsupported(g_.label() + ": graph output " + final_name + " is not computed by DPU ops");
      last_ = it->second;
      out_.source_logits = final_name;
    }
    out_.source_output = final_name;
    SIGNDPU_RETURN_IF_ERROR(Finish());
    return std::move(out_);
  }

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

  Status LowerInput() {
    const std::string in = g_.inputs()[0];
    Shape s = g_.InputShape(in);
    if (s.size() != 4) {
      return Unsupported(g_.label() + ": input '" + in + "' has rank " + std::to_string(s.size()) +
                         ", expected a 4-D image tensor (NCHW or NHWC)");
    }
    // NHWC when the first consumer transposes NHWC -> NCHW (tf2onnx/Keras).
    bool nhwc = false;
    for (const Node* c : g_.Consumers(in)) {
      if (c->type == OpType::kTranspose && c->attrs.GetInts("perm") == std::vector<int64_t>{0, 3, 1, 2}) nhwc = true;
    }
    const int64_t c = nhwc ? s[3] : s[1], h = nhwc ? s[1] : s[2], w = nhwc ? s[2] : s[3];
    if (c <= 0 || h <= 0 || w <= 0) return Unsupported(g_.label() + ": input '" + in + "' needs concrete C, H, W");
    Value v;
    v.tensor = AddTensor(in, {1, h, w, c}, in, !nhwc && c > 1);
    v.kind = nhwc ? Value::Kind::kNhwc : Value::Kind::kNchw;
    values_[in] = v;
    out_.input = v.tensor;
    out_.source_input = in;
    Shape per_image = s;
    per_image[0] = 1;
    out_.source_input_shape = per_image;
    return Status::Ok();
  }

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

  using LowerFn = Status (Lowering::*)(const Node&);

 public:
  // How each graph op type lowers to DPU ops: one entry per OpType of the
  // float op registry (graph/op_registry.h); HasDpuLowering exposes the
  // coverage to tests. An op the DPU cannot run has an entry that says why.
  static const std::map<OpType, LowerFn>& Rules() {
    static const std::map<OpType, LowerFn> kRules = {
        {OpType::kTranspose, &Lowering::LowerTranspose},
        {OpType::kConv, &Lowering::LowerConv},
        {OpType::kBatchNorm, &Lowering::LowerBatchNorm},
        {OpType::kRelu, &Lowering::LowerRelu},
        {OpType::kRelu6, &Lowering::LowerRelu6},
        {OpType::kLeakyRelu, &Lowering::LowerLeakyRelu},
        {OpType::kClip, &Lowering::LowerClip},
        {OpType::kMaxPool, &Lowering::LowerPool},
        {OpType::kAveragePool, &Lowering::LowerPool},
        {OpType::kGlobalAveragePool, &Lowering::LowerPool},
        {OpType::kFlatten, &Lowering::LowerFlatten},
        {OpType::kReshape, &Lowering::LowerFlatten},
        {OpType::kGemm, &Lowering::LowerDense},
        {OpType::kMatMul, &Lowering::LowerDense},
        {OpType::kAdd, &Lowering::LowerAdd},
        {OpType::kSoftmax, &Lowering::LowerSoftmax},
    };
    return kRules;
  }

 private:
  Status LowerNode(const Node& n) {
    auto it = Rules().find(n.type);
    if (it == Rules().end()) return Fail(n, "op type not supported by the DPU lowering");
    return (this->*(it->second))(n);
  }

  Status LowerRelu(const Node& n) { return LowerActivation(n, Activation::kRelu, ""); }
  Status LowerRelu6(const Node& n) { return LowerActivation(n, Activation::kRelu6, ""); }

  Status LowerLeakyRelu(const Node& n) {
    const float alpha = n.attrs.GetFloat("alpha", 0.01f);
    if (std::fabs(alpha - 0.1f) > 1e-6f)
      return Fail(n, "LeakyRelu alpha " + std::to_string(alpha) +
                         " is not supported: the DPU implements alpha 0.1 as 26/256 only");
    return LowerActivation(n, Activation::kLeakyRelu, "LeakyRelu alpha 0.1 -> 26/256");
  }

  Status LowerClip(const Node& n) {
    return Fail(n, "Clip(" + std::to_string(n.attrs.GetFloat("min")) + ", " + std::to_string(n.attrs.GetFloat("max")) +
                       ") is not supported: the DPU has ReLU (Clip 0..inf) and ReLU6 (Clip 0..6) only");
  }

  Status LowerTranspose(const Node& n) {
    SIGNDPU_ASSIGN_OR_RETURN(Value v, Get(n, 0));
    const auto perm = n.attrs.GetInts("perm");
    if (v.kind == Value::Kind::kNhwc && perm == std::vector<int64_t>{0, 3, 1, 2}) v.kind = Value::Kind::kNchw;
    else if (v.kind == Value::Kind::kNchw && perm == std::vector<int64_t>{0, 2, 3, 1}) v.kind = Value::Kind::kNhwc;
    else {
      std::ostringstream s;
      for (size_t i = 0; i < perm.size(); ++i) s << (i ? "," : "") << perm[i];
      return Fail(n, "Transpose perm [" + s.str() + "] is not an NCHW<->NHWC layout change");
    }
    values_[n.outputs[0]] = v;  // same data, other layout: no op
    return Status::Ok();
  }

  Status LowerConv(const Node& n) {
    SIGNDPU_ASSIGN_OR_RETURN(Value in, Get(n, 0));
    if (in.kind != Value::Kind::kNchw) return Fail(n, "Conv input must be an NCHW image tensor");
    SIGNDPU_ASSIGN_OR_RETURN(std::vector<float> w, Const(n, 1, "weights"));
    const graph::Tensor* wt = g_.FindConstant(n.inputs[1]);
    if (wt->shape.size() != 4) return Fail(n, "only 2-D convolutions are supported (weights rank " + std::to_string(wt->shape.size()) + ")");
    const Nhwc id = Dims(in.tensor);
    const int64_t m = wt->shape[0], cg = wt->shape[1], kh = wt->shape[2], kw = wt->shape[3];
    const int64_t group = n.attrs.GetInt("group", 1);
    const auto strides = n.attrs.GetInts("strides", {1, 1});
    const auto pads = n.attrs.GetInts("pads", {0, 0, 0, 0});
    const auto dil = n.attrs.GetInts("dilations", {1, 1});
    if (strides.size() != 2 || pads.size() != 4 || dil.size() != 2) return Fail(n, "expected 2-D strides, pads, dilations");
    DpuFloatOp op;
    op.name = n.name;
    op.inputs = {in.tensor};
    ConvConfig& c = op.conv;
    c.input = id;
    c.out_channels = m;
    SetWindow(&c, kh, kw, strides, pads);
    c.dilation_h = static_cast<int>(dil[0]);
    c.dilation_w = static_cast<int>(dil[1]);
    if (group == 1) {
      if (cg != id.c) return Fail(n, "weights expect " + std::to_string(cg) + " input channels, input has " + std::to_string(id.c));
      op.kind = FixOpKind::kConv2d;
      op.weights.resize(static_cast<size_t>(m * kh * kw * cg));
      for (int64_t o = 0; o < m; ++o)
        for (int64_t ci = 0; ci < cg; ++ci)
          for (int64_t y = 0; y < kh; ++y)
            for (int64_t x = 0; x < kw; ++x)
              op.weights[((o * kh + y) * kw + x) * cg + ci] = w[((o * cg + ci) * kh + y) * kw + x];
    } else if (group == id.c && m == id.c && cg == 1) {
      op.kind = FixOpKind::kDepthwiseConv2d;
      c.depthwise = true;
      op.weights.resize(static_cast<size_t>(kh * kw * m));
      for (int64_t o = 0; o < m; ++o)
        for (int64_t y = 0; y < kh; ++y)
          for (int64_t x = 0; x < kw; ++x) op.weights[(y * kw + x) * m + o] = w[(o * kh + y) * kw + x];
    } else {
      return Fail(n, "grouped convolution with group " + std::to_string(group) +
                         " is not supported (group 1 or depthwise with multiplier 1 only)");
    }
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
      SIGNDPU_ASSIGN_OR_RETURN(op.bias, Const(n, 2, "bias"));
    } else {
      op.bias.assign(static_cast<size_t>(m), 0.0f);
    }
    const int64_t oh = WindowOutputSize(id.h, c.kernel_h, c.stride_h, c.dilation_h, c.pad_top, c.pad_bottom);
    const int64_t ow = WindowOutputSize(id.w, c.kernel_w, c.stride_w, c.dilation_w, c.pad_left, c.pad_right);
    if (oh <= 0 || ow <= 0) return Fail(n, "kernel larger than the padded input");
    Produce(n, std::move(op), {1, oh, ow, m}, Value::Kind::kNchw);
    return Status::Ok();
  }

  // A 1x1 depthwise-conv2d-fix over tensor `input` (dims `d`).
  static DpuFloatOp Depthwise1x1(const std::string& name, int input, const Nhwc& d, std::vector<float> weights,
                                 std::vector<float> bias) {
    DpuFloatOp op;
    op.kind = FixOpKind::kDepthwiseConv2d;
    op.name = name;
    op.inputs = {input};
    op.conv.input = d;
    op.conv.out_channels = d.c;
    op.conv.depthwise = true;
    op.weights = std::move(weights);
    op.bias = std::move(bias);
    return op;
  }

  // BatchNormalization's per-channel y = scale * x + shift.
  struct ScaleShift {
    std::vector<float> scale, shift;
  };
  Result<ScaleShift> BatchNormScaleShift(const Node& n, const Nhwc& d) {
    SIGNDPU_ASSIGN_OR_RETURN(auto gamma, Const(n, 1, "scale"));
    SIGNDPU_ASSIGN_OR_RETURN(auto beta, Const(n, 2, "bias"));
    SIGNDPU_ASSIGN_OR_RETURN(auto mean, Const(n, 3, "mean"));
    SIGNDPU_ASSIGN_OR_RETURN(auto var, Const(n, 4, "var"));
    if (static_cast<int64_t>(gamma.size()) != d.c || beta.size() != gamma.size() || mean.size() != gamma.size() ||
        var.size() != gamma.size())
      return Fail(n, "parameters must have " + std::to_string(d.c) + " values");
    const float eps = n.attrs.GetFloat("epsilon", 1e-5f);
    ScaleShift ss;
    ss.scale.resize(gamma.size());
    ss.shift.resize(gamma.size());
    for (size_t i = 0; i < gamma.size(); ++i) {
      if (var[i] + eps <= 0) return Fail(n, "variance + epsilon <= 0 in channel " + std::to_string(i));
      ss.scale[i] = static_cast<float>(gamma[i] / std::sqrt(static_cast<double>(var[i]) + eps));
      ss.shift[i] = static_cast<float>(beta[i] - mean[i] * ss.scale[i]);
    }
    return ss;
  }

  Status LowerBatchNorm(const Node& n) {
    SIGNDPU_ASSIGN_OR_RETURN(Value in, Get(n, 0));
    if (in.kind != Value::Kind::kNchw) return Fail(n, "BatchNormalization input must be an NCHW image tensor");
    const Nhwc d = Dims(in.tensor);
    SIGNDPU_ASSIGN_OR_RETURN(ScaleShift ss, BatchNormScaleShift(n, d));
    if (FoldBatchNormIntoConv(n, in, ss)) return Status::Ok();
    if (FoldBatchNormThroughActivation(n, in, d, ss)) return Status::Ok();
    const int in_tensor = SplitBatchNormScale(n, in, d, &ss.scale);
    DpuFloatOp op = Depthwise1x1(n.name, in_tensor, d, ss.scale, ss.shift);
    op.transform_note = in_tensor == in.tensor ? "BatchNormalization (not foldable) -> depthwise 1x1 scale"
                                               : "BatchNormalization (not foldable) -> depthwise 1x1 mantissa + bias";
    out_.notes.push_back("BatchNormalization " + n.name + " -> depthwise-conv2d-fix 1x1 (cannot fold: input is not a bare conv output)");
    Produce(n, std::move(op), {1, d.h, d.w, d.c}, in.kind);
    return Status::Ok();
  }

  // Folds into the producing conv when nothing else reads the conv output
  // and no activation was fused yet. False when it does not apply.
  bool FoldBatchNormIntoConv(const Node& n, const Value& in, const ScaleShift& ss) {
    if (in.producer < 0) return false;
    DpuFloatOp& p = out_.ops[in.producer];
    const bool is_conv = p.kind == FixOpKind::kConv2d || p.kind == FixOpKind::kDepthwiseConv2d;
    if (!is_conv || p.conv.activation != Activation::kNone || Consumers(n.inputs[0]) != 1) return false;
    const std::vector<float>& scale = ss.scale;
    const int64_t o_count = p.conv.out_channels;
    const int64_t per_o = p.kind == FixOpKind::kConv2d ? static_cast<int64_t>(p.weights.size()) / o_count : 0;
    for (int64_t o = 0; o < o_count; ++o) {
      if (p.kind == FixOpKind::kConv2d) {
        for (int64_t k = 0; k < per_o; ++k) p.weights[o * per_o + k] *= scale[o];
      } else {
        for (size_t k = static_cast<size_t>(o); k < p.weights.size(); k += static_cast<size_t>(o_count)) p.weights[k] *= scale[o];
      }
      p.bias[o] = p.bias[o] * scale[o] + ss.shift[o];
    }
    p.transform_note += (p.transform_note.empty() ? "" : "; ") + std::string("BatchNormalization ") + n.name + " folded";
    out_.notes.push_back("BatchNormalization " + n.name + " folded into " + p.name);
    Alias(n, in);
    return true;
  }

  // After a conv with ReLU / LeakyReLU: fold |s| through the activation,
  // relu(|s| z) = |s| relu(z) (both are positively homogeneous), so the
  // conv computes |s| * x directly and every channel of its output lands
  // on the BatchNorm's normalised scale (one per-tensor fix point fits
  // them all). What is left, y = sign(s) * (|s| x) + shift, is a depthwise
  // 1x1 with weights +-1 (exact in int8) and the bias. False when it does
  // not apply (mode, readers, activation, an already mapped tensor).
  bool FoldBatchNormThroughActivation(const Node& n, const Value& in, const Nhwc& d, const ScaleShift& ss) {
    if (options_.batchnorm_after_activation != BatchNormMode::kFold || in.producer < 0 ||
        Consumers(n.inputs[0]) != 1)
      return false;
    DpuFloatOp& p = out_.ops[in.producer];
    DpuFloatTensor& pt = out_.tensors[in.tensor];
    const bool homogeneous = p.conv.activation == Activation::kRelu || p.conv.activation == Activation::kLeakyRelu;
    if (p.kind != FixOpKind::kConv2d || !homogeneous || !pt.channel_scale.empty() || !pt.channel_map.empty())
      return false;
    const std::vector<float>& scale = ss.scale;
    const int64_t o_count = p.conv.out_channels;
    const int64_t per_o = static_cast<int64_t>(p.weights.size()) / o_count;
    std::vector<float> sign(scale.size());
    pt.channel_scale.resize(scale.size());
    for (int64_t o = 0; o < o_count; ++o) {
      const float a = std::fabs(scale[o]);
      for (int64_t k = 0; k < per_o; ++k) p.weights[o * per_o + k] *= a;
      p.bias[o] *= a;
      pt.channel_scale[o] = a;
      sign[o] = scale[o] > 0 ? 1.0f : (scale[o] < 0 ? -1.0f : 0.0f);
    }
    const std::string act = ActivationName(p.conv.activation);
    p.transform_note += "; BatchNormalization " + n.name + " scale folded through " + act;
    DpuFloatOp op = Depthwise1x1(n.name, in.tensor, d, sign, ss.shift);
    op.transform_note = "BatchNormalization after " + act + ": scale folded into " + p.name + ", depthwise 1x1 sign + bias";
    out_.notes.push_back("BatchNormalization " + n.name + " (after " + act + ") scale folded into " + p.name +
                         " through the activation (exact); its bias stays as a depthwise 1x1 with weights +-1");
    Produce(n, std::move(op), {1, d.h, d.w, d.c}, in.kind);
    return true;
  }

  // Scales spanning more than 8x lose bits in one per-tensor weight fix
  // point (the tutorial CNN's first BatchNorm spans 4.2..301). Split
  // s_c = p_c * m_c: a first depthwise 1x1 multiplies by the power of two
  // p_c = 2^floor(log2(s_c / s_min)) (exact in int8 when the span is below
  // 2^7), a second by the mantissa m_c in [s_min, 2 s_min) plus the bias.
  // Exact in real arithmetic; the intermediate x_c * p_c ~ (y_c - b_c) / m_c
  // has balanced channel ranges because BatchNorm normalises y. Returns the
  // tensor the mantissa op reads (in.tensor when there is no split) and
  // leaves the mantissas in *scale.
  int SplitBatchNormScale(const Node& n, const Value& in, const Nhwc& d, std::vector<float>* scale_io) {
    std::vector<float>& scale = *scale_io;
    float s_min = 1e30f, s_max = 0;
    for (float v : scale) {
      if (v == 0) continue;
      s_min = std::min(s_min, std::fabs(v));
      s_max = std::max(s_max, std::fabs(v));
    }
    if (options_.batchnorm_after_activation == BatchNormMode::kDepthwise || !(s_max > 8 * s_min && s_max < 128 * s_min))
      return in.tensor;
    std::vector<float> pow2(scale.size(), 1.0f);
    for (size_t c = 0; c < scale.size(); ++c) {
      if (scale[c] == 0) continue;
      pow2[c] = std::exp2(std::floor(std::log2(std::fabs(scale[c]) / s_min)));
      scale[c] /= pow2[c];
    }
    DpuFloatOp a = Depthwise1x1(n.name + "_pow2", in.tensor, d, pow2, std::vector<float>(pow2.size(), 0.0f));
    a.transform_note = "BatchNormalization scale, power-of-two part";
    const bool nchw = in.kind == Value::Kind::kNchw && d.c > 1;
    const int t = AddTensor(a.name, {1, d.h, d.w, d.c}, out_.tensors[in.tensor].source_tensor, nchw);
    out_.tensors[t].source_layout = out_.tensors[in.tensor].source_layout;
    out_.tensors[t].channel_scale = pow2;
    a.output = t;
    AddOp(std::move(a));
    out_.notes.push_back("BatchNormalization " + n.name + " scales span " + FormatG3(s_min) + ".." + FormatG3(s_max) +
                         ": split into a power-of-two and a mantissa depthwise 1x1");
    return t;
  }

  Status LowerActivation(const Node& n, Activation act, const std::string& note) {
    SIGNDPU_ASSIGN_OR_RETURN(Value in, Get(n, 0));
    if (in.producer >= 0 && Consumers(n.inputs[0]) == 1) {
      DpuFloatOp& p = out_.ops[in.producer];
      const bool is_conv = p.kind == FixOpKind::kConv2d || p.kind == FixOpKind::kDepthwiseConv2d;
      if (is_conv && p.conv.activation == Activation::kNone) {
        p.conv.activation = act;
        p.transform_note += (p.transform_note.empty() ? "" : "; ") + std::string(ActivationName(act)) + " fused" +
                            (note.empty() ? "" : " (" + note + ")");
        Alias(n, in);
        return Status::Ok();
      }
      if (p.kind == FixOpKind::kEltwiseAdd && act == Activation::kRelu && p.eltwise_activation == Activation::kNone) {
        p.eltwise_activation = act;
        p.transform_note = "RELU fused";
        Alias(n, in);
        return Status::Ok();
      }
    }
    if (in.kind == Value::Kind::kFlatNchw || in.kind == Value::Kind::kFlatNhwc) {
      if (Dims(in.tensor).h != 1 || Dims(in.tensor).w != 1) return Fail(n, "activation on a flattened tensor is not supported");
    }
    // Standalone: identity depthwise 1x1 conv carrying the activation (exact).
    const Nhwc d = Dims(in.tensor);
    DpuFloatOp op = Depthwise1x1(n.name, in.tensor, d, std::vector<float>(static_cast<size_t>(d.c), 1.0f),
                                 std::vector<float>(static_cast<size_t>(d.c), 0.0f));
    op.conv.activation = act;
    op.transform_note = std::string(ActivationName(act)) + " as identity depthwise 1x1" + (note.empty() ? "" : " (" + note + ")");
    Produce(n, std::move(op), {1, d.h, d.w, d.c}, in.kind);
    return Status::Ok();
  }

  Status LowerPool(const Node& n) {
    SIGNDPU_ASSIGN_OR_RETURN(Value in, Get(n, 0));
    if (in.kind != Value::Kind::kNchw) return Fail(n, "pooling input must be an NCHW image tensor");
    const Nhwc d = Dims(in.tensor);
    DpuFloatOp op;
    op.kind = FixOpKind::kPool;
    op.name = n.name;
    op.inputs = {in.tensor};
    PoolConfig& p = op.pool;
    p.input = d;
    if (n.type == OpType::kGlobalAveragePool) {
      p.type = PoolType::kAvg;
      p.kernel_h = static_cast<int>(d.h);
      p.kernel_w = static_cast<int>(d.w);
      p.stride_h = p.stride_w = 1;
    } else {
      p.type = n.type == OpType::kMaxPool ? PoolType::kMax : PoolType::kAvg;
      const auto k = n.attrs.GetInts("kernel_shape");
      const auto s = n.attrs.GetInts("strides", {1, 1});
      const auto pads = n.attrs.GetInts("pads", {0, 0, 0, 0});
      const auto dil = n.attrs.GetInts("dilations", {1, 1});
      if (k.size() != 2 || s.size() != 2 || pads.size() != 4) return Fail(n, "only 2-D pooling is supported");
      if (dil != std::vector<int64_t>{1, 1}) return Fail(n, "dilated pooling is not supported by pool-fix");
      SetWindow(&p, k[0], k[1], s, pads);
      const bool padded = pads != std::vector<int64_t>{0, 0, 0, 0};
      if (p.type == PoolType::kAvg && padded && n.attrs.GetInt("count_include_pad", 0) == 0)
        return Fail(n, "AveragePool with padding and count_include_pad=0 is not supported: the DPU divides by the full window");
    }
    auto pr = MakePoolParams(p, n.name);
    if (!pr.ok()) return Fail(n, pr.status().message());
    if (p.type == PoolType::kAvg) {
      int64_t mult;
      int shift;
      AvgPoolFactor(p.kernel_h, p.kernel_w, &mult, &shift);
      op.transform_note = "average factor " + std::to_string(mult) + "/2^" + std::to_string(shift);
    }
    Produce(n, std::move(op), pr->output.ToShape(), Value::Kind::kNchw);
    return Status::Ok();
  }

  Status LowerFlatten(const Node& n) {
    SIGNDPU_ASSIGN_OR_RETURN(Value in, Get(n, 0));
    const Nhwc d = Dims(in.tensor);
    if (n.type == OpType::kFlatten && n.attrs.GetInt("axis", 1) != 1) return Fail(n, "Flatten axis must be 1");
    if (n.type == OpType::kReshape) {
      auto shape = g_.ShapeOf(n.outputs[0], 1);
      if (!shape.ok()) return shape.status();
      if (shape->size() != 2 || (*shape)[1] != d.size())
        return Fail(n, "only a Reshape to [N, " + std::to_string(d.size()) + "] (a flatten) is supported, got " +
                           ShapeToString(*shape));
    }
    Value v = in;
    if (in.kind == Value::Kind::kNchw) v.kind = Value::Kind::kFlatNchw;
    else if (in.kind == Value::Kind::kNhwc) v.kind = Value::Kind::kFlatNhwc;
    values_[n.outputs[0]] = v;  // no data movement: the dense conv reads the HWC tensor
    return Status::Ok();
  }

  Status LowerDense(const Node& n) {
    SIGNDPU_ASSIGN_OR_RETURN(Value in, Get(n, 0));
    const Nhwc d = Dims(in.tensor);
    const bool flat_ok = in.kind == Value::Kind::kFlatNchw || in.kind == Value::Kind::kFlatNhwc ||
                         (d.h == 1 && d.w == 1);
    if (!flat_ok) return Fail(n, "dense layer input must be flattened first (Flatten or Reshape)");
    SIGNDPU_ASSIGN_OR_RETURN(std::vector<float> b, Const(n, 1, "weights"));
    const graph::Tensor* bt = g_.FindConstant(n.inputs[1]);
    if (bt->shape.size() != 2) return Fail(n, "weights must be 2-D");
    const int64_t k = d.size();
    bool trans_b = false;
    float alpha = 1.0f, beta = 1.0f;
    if (n.type == OpType::kGemm) {
      if (n.attrs.GetInt("transA", 0) != 0) return Fail(n, "Gemm transA=1 is not supported");
      trans_b = n.attrs.GetInt("transB", 0) != 0;
      alpha = n.attrs.GetFloat("alpha", 1.0f);
      beta = n.attrs.GetFloat("beta", 1.0f);
    }
    const int64_t rows = trans_b ? bt->shape[1] : bt->shape[0];
    const int64_t o_count = trans_b ? bt->shape[0] : bt->shape[1];
    if (rows != k) return Fail(n, "weights expect " + std::to_string(rows) + " inputs, the input has " + std::to_string(k));
    DpuFloatOp op;
    op.kind = FixOpKind::kConv2d;
    op.name = n.name;
    op.inputs = {in.tensor};
    op.conv.input = d;
    op.conv.out_channels = o_count;
    op.conv.kernel_h = static_cast<int>(d.h);
    op.conv.kernel_w = static_cast<int>(d.w);
    op.weights.resize(static_cast<size_t>(o_count * k));
    const bool nchw_order = in.kind == Value::Kind::kFlatNchw;
    for (int64_t o = 0; o < o_count; ++o)
      for (int64_t y = 0; y < d.h; ++y)
        for (int64_t x = 0; x < d.w; ++x)
          for (int64_t c = 0; c < d.c; ++c) {
            const int64_t src_k = nchw_order ? (c * d.h + y) * d.w + x : (y * d.w + x) * d.c + c;
            const float wv = trans_b ? b[o * k + src_k] : b[src_k * o_count + o];
            op.weights[((o * d.h + y) * d.w + x) * d.c + c] = alpha * wv;
          }
    op.bias.assign(static_cast<size_t>(o_count), 0.0f);
    if (n.type == OpType::kGemm && n.inputs.size() > 2 && !n.inputs[2].empty()) {
      SIGNDPU_ASSIGN_OR_RETURN(std::vector<float> c, Const(n, 2, "bias C"));
      if (c.size() == 1) for (auto& v : op.bias) v = beta * c[0];
      else if (static_cast<int64_t>(c.size()) == o_count) for (int64_t o = 0; o < o_count; ++o) op.bias[o] = beta * c[o];
      else return Fail(n, "bias C must have 1 or " + std::to_string(o_count) + " values");
    }
    op.transform_note = std::string(graph::OpTypeName(n.type)) + " -> conv2d-fix " + std::to_string(d.h) + "x" +
                        std::to_string(d.w) + " kernel over " + std::to_string(d.c) + " channels" +
                        (d.h * d.w > 1 ? (nchw_order ? " (NCHW flatten order permuted to NHWC)" : " (NHWC flatten order)") : "");
    Produce(n, std::move(op), {1, 1, 1, o_count}, Value::Kind::kFlatNhwc);
    return Status::Ok();
  }

  Status LowerAdd(const Node& n) {
    if (n.inputs.size() != 2) return Fail(n, "Add needs 2 inputs");
    const graph::Tensor* c0 = g_.FindConstant(n.inputs[0]);
    const graph::Tensor* c1 = g_.FindConstant(n.inputs[1]);
    if (c0 || c1) {
      // Bias after MatMul: fold into the dense conv.
      const size_t act_idx = c0 ? 1 : 0;
      SIGNDPU_ASSIGN_OR_RETURN(Value in, Get(n, act_idx));
      const graph::Tensor* bias = c0 ? c0 : c1;
      if (in.producer < 0) return Fail(n, "adding a constant to the input is not supported");
      DpuFloatOp& p = out_.ops[in.producer];
      const bool is_conv = p.kind == FixOpKind::kConv2d || p.kind == FixOpKind::kDepthwiseConv2d;
      if (!is_conv || p.conv.activation != Activation::kNone || Consumers(n.inputs[act_idx]) != 1)
        return Fail(n, "adding a constant is supported only as the bias of a Conv/MatMul/Gemm");
      const int64_t o_count = p.conv.out_channels;
      if (static_cast<int64_t>(bias->data.size()) != o_count && bias->data.size() != 1)
        return Fail(n, "bias has " + std::to_string(bias->data.size()) + " values, expected " + std::to_string(o_count));
      for (int64_t o = 0; o < o_count; ++o) p.bias[o] += bias->data.size() == 1 ? bias->data[0] : bias->data[o];
      p.transform_note += "; Add " + n.name + " folded as bias";
      Alias(n, in);
      return Status::Ok();
    }
    SIGNDPU_ASSIGN_OR_RETURN(Value a, Get(n, 0));
    SIGNDPU_ASSIGN_OR_RETURN(Value b, Get(n, 1));
    if (out_.tensors[a.tensor].shape != out_.tensors[b.tensor].shape || a.kind != b.kind)
      return Fail(n, "Add inputs must have the same shape and layout (no broadcasting on the DPU)");
    DpuFloatOp op;
    op.kind = FixOpKind::kEltwiseAdd;
    op.name = n.name;
    op.inputs = {a.tensor, b.tensor};
    Produce(n, std::move(op), out_.tensors[a.tensor].shape, a.kind);
    return Status::Ok();
  }

  Status LowerSoftmax(const Node& n) {
    SIGNDPU_ASSIGN_OR_RETURN(Value in, Get(n, 0));
    bool is_output = false;
    for (const auto& o : g_.outputs()) is_output |= g_.Resolve(o) == n.outputs[0];
    if (!is_output) return Fail(n, "Softmax is supported only as the last op (it runs on the CPU)");
    const Nhwc d = Dims(in.tensor);
    if (d.h != 1 || d.w != 1) return Fail(n, "Softmax over a spatial tensor is not supported");
    out_.softmax_on_cpu = true;
    out_.softmax_axis = static_cast<int>(n.attrs.GetInt("axis", 1));
    out_.source_logits = g_.Resolve(n.inputs[0]);
    last_ = in;
    return Status::Ok();
  }

  // The one op reading tensor `t`, -1 when none or several.
  int SoleConsumer(int t) const {
    int found = -1;
    for (size_t i = 0; i < out_.ops.size(); ++i) {
      for (int in : out_.ops[i].inputs) {
        if (in != t) continue;
        if (found >= 0) return -1;
        found = static_cast<int>(i);
      }
    }
    return found;
  }

  // Permutes the channels of tensor t: new channel j holds old channel perm[j].
  void PermuteTensor(int t, const std::vector<int>& perm) {
    DpuFloatTensor& d = out_.tensors[t];
    std::vector<int> map(perm.size());
    std::vector<float> scale(d.channel_scale.empty() ? 0 : perm.size());
    for (size_t j = 0; j < perm.size(); ++j) {
      map[j] = d.channel_map.empty() ? perm[j] : d.channel_map[perm[j]];
      if (!scale.empty()) scale[j] = d.channel_scale[perm[j]];
    }
    d.channel_map = std::move(map);
    d.channel_scale = std::move(scale);
  }

  // Reorders the innermost axis (size perm.size()) of every row of `v`.
  static void PermuteInner(std::vector<float>* v, const std::vector<int>& perm) {
    const size_t c = perm.size();
    std::vector<float> row(c);
    for (size_t base = 0; base + c <= v->size(); base += c) {
      for (size_t j = 0; j < c; ++j) row[j] = (*v)[base + perm[j]];
      std::copy(row.begin(), row.end(), v->begin() + static_cast<std::ptrdiff_t>(base));
    }
  }

  // Per-channel weight fix points. One power-of-two position per weight
  // tensor costs a channel whose weights are much smaller than the largest
  // ones its top bits; after a BatchNorm scale is folded into a conv (the
  // tutorial CNN's first one spans 4.2..301) that is most of them. A conv
  // whose per-channel min-MSE positions spread by 2 or more gets its output
  // channels reordered so that channels sharing a position are adjacent, at
  // most `weight_groups` groups (adjacent positions merge where the fewest
  // channel-bits are lost; a merged channel takes the coarser position, so
  // it never saturates). The permutation passes through the per-channel ops
  // after it (depthwise, pool) into the input channels of the next conv;
  // the quantiser emits one conv2d-fix per group and a concat-fix (all
  // DPU ops; the concat inputs share the output's fix point).
  // The distinct positions of `fp`, adjacent ones merged (the coarser, smaller
  // position wins) where the fewest channel-bits are lost, until at most
  // `max_groups` remain; *fp is updated to the merged positions.
  static std::vector<int> MergeFixPointGroups(std::vector<int>* fp_io, int max_groups) {
    std::vector<int>& fp = *fp_io;
    std::vector<int> values(fp.begin(), fp.end());
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    while (static_cast<int>(values.size()) > max_groups) {
      size_t best = 0;
      int64_t best_cost = -1;
      for (size_t k = 0; k + 1 < values.size(); ++k) {
        const int64_t members = std::count(fp.begin(), fp.end(), values[k + 1]);
        const int64_t cost = members * (values[k + 1] - values[k]);
        if (best_cost < 0 || cost < best_cost) {
          best_cost = cost;
          best = k;
        }
      }
      std::replace(fp.begin(), fp.end(), values[best + 1], values[best]);
      values.erase(values.begin() + static_cast<std::ptrdiff_t>(best + 1));
    }
    return values;
  }

  void GroupWeightChannels() {
    for (size_t i = 0; i < out_.ops.size(); ++i) {
      DpuFloatOp& op = out_.ops[i];
      if (op.kind != FixOpKind::kConv2d || op.conv.out_channels < 2) continue;
      const int64_t oc = op.conv.out_channels;
      const size_t per = op.weights.size() / static_cast<size_t>(oc);
      const int whole = QuantizeWeights(op.weights).fix_point;
      std::vector<int> fp(static_cast<size_t>(oc));
      for (int64_t o = 0; o < oc; ++o) {
        std::vector<float> row(op.weights.begin() + static_cast<std::ptrdiff_t>(o * per),
                               op.weights.begin() + static_cast<std::ptrdiff_t>((o + 1) * per));
        fp[o] = QuantizeWeights(row).fix_point;
      }
      if (*std::max_element(fp.begin(), fp.end()) - whole < 2) continue;
      // The readers: per-channel ops up to the next conv2d, nothing else.
      std::vector<int> chain;
      int terminal = -1;
      for (int t = op.output, c = SoleConsumer(t); c >= 0; c = SoleConsumer(t)) {
        const DpuFloatOp& co = out_.ops[c];
        if (co.inputs.size() != 1) break;
        if (co.kind == FixOpKind::kConv2d) {
          terminal = c;
          break;
        }
        if (co.kind != FixOpKind::kDepthwiseConv2d && co.kind != FixOpKind::kPool) break;
        chain.push_back(c);
        t = co.output;
      }
      if (terminal < 0) continue;
      const std::vector<int> values = MergeFixPointGroups(&fp, options_.weight_groups);
      if (values.size() < 2) continue;
      std::vector<int> perm;
      for (int v : values) {
        for (int64_t o = 0; o < oc; ++o)
          if (fp[o] == v) perm.push_back(static_cast<int>(o));
        op.channel_group_ends.push_back(static_cast<int64_t>(perm.size()));
      }
      // Apply: the conv's rows and bias, the tensors and per-channel ops
      // after it, the input channels of the terminal conv.
      std::vector<float> w(op.weights.size()), b(op.bias.size());
      for (size_t j = 0; j < perm.size(); ++j) {
        std::copy_n(op.weights.begin() + static_cast<std::ptrdiff_t>(perm[j] * per), per,
                    w.begin() + static_cast<std::ptrdiff_t>(j * per));
        b[j] = op.bias[perm[j]];
      }
      op.weights = std::move(w);
      op.bias = std::move(b);
      PermuteTensor(op.output, perm);
      for (int c : chain) {
        DpuFloatOp& co = out_.ops[c];
        if (co.kind == FixOpKind::kDepthwiseConv2d) {
          PermuteInner(&co.weights, perm);
          PermuteInner(&co.bias, perm);
        }
        PermuteTensor(co.output, perm);
      }
      PermuteInner(&out_.ops[terminal].weights, perm);
      std::ostringstream groups;
      for (size_t k = 0; k < values.size(); ++k)
        groups << (k ? ", " : "") << (op.channel_group_ends[k] - (k ? op.channel_group_ends[k - 1] : 0)) << " at "
               << values[k];
      op.transform_note += "; " + std::to_string(values.size()) + " weight groups (channels at fix point: " +
                           groups.str() + ")";
      out_.notes.push_back(op.name + ": per-channel weight fix points span " + std::to_string(values.front()) + ".." +
                           std::to_string(*std::max_element(values.begin(), values.end())) + " (one per tensor: " +
                           std::to_string(whole) + "): output channels reordered into " +
                           std::to_string(values.size()) + " groups (" + groups.str() +
                           "), conv2d-fix per group + concat-fix; " + out_.ops[terminal].name +
                           " reads them in that order");
    }
  }

  Status Finish() {
    if (out_.ops.empty()) return Unsupported(g_.label() + ": no DPU ops after lowering");
    if (options_.weight_groups > 1) GroupWeightChannels();
    const Nhwc d = Dims(last_.tensor);
    // Like Xilinx's compiler output: the dense conv's [1,1,1,C] becomes [1,C] with reshape-fix.
    DpuFloatOp op;
    op.kind = FixOpKind::kCopy;
    op.name = out_.tensors[last_.tensor].name + "_reshape";
    op.inputs = {last_.tensor};
    const int t = AddTensor(op.name, {1, d.size()}, out_.tensors[last_.tensor].source_tensor, false);
    op.output = t;
    AddOp(std::move(op));
    out_.output = t;
    return Status::Ok();
  }

  const graph::Graph& g_;
  LowerOptions options_;
  DpuFloatGraph out_;
  std::map<std::string, Value> values_;
  Value last_;
};

}  // namespace

const char* BatchNormModeName(BatchNormMode m) {
  switch (m) {
    case BatchNormMode::kFold: return "fold";
    case BatchNormMode::kSplit: return "split";
    case BatchNormMode::kDepthwise: return "depthwise";
  }
  return "?";
}

bool ParseBatchNormMode(const std::string& s, BatchNormMode* m) {
  for (BatchNormMode v : {BatchNormMode::kFold, BatchNormMode::kSplit, BatchNormMode::kDepthwise}) {
    if (s == BatchNormModeName(v)) {
      *m = v;
      return true;
    }
  }
  return false;
}

bool HasDpuLowering(graph::OpType type) { return Lowering::Rules().count(type) != 0; }

Result<DpuFloatGraph> LowerToDpu(const graph::Graph& graph, const std::string& name, const LowerOptions& options) {
  if (options.weight_groups < 1) return InvalidArgument("weight groups must be >= 1, got " + std::to_string(options.weight_groups));
  return Lowering(graph, name, options).Run();
}

}  // namespace signdpu::quantize
