// BatchNormalization: folded into the conv before it, folded through ReLU/LeakyReLU,
// or a depthwise 1x1 (split into power-of-two and mantissa when the scales span 8x..128x).
#include "lowering.h"

#include <algorithm>

namespace signdpu::quantize::lowering {

Result<Lowering::ScaleShift> Lowering::BatchNormScaleShift(const Node& n, const Nhwc& d) {
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

Status Lowering::LowerBatchNorm(const Node& n) {
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
bool Lowering::FoldBatchNormIntoConv(const Node& n, const Value& in, const ScaleShift& ss) {
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
bool Lowering::FoldBatchNormThroughActivation(const Node& n, const Value& in, const Nhwc& d, const ScaleShift& ss) {
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
int Lowering::SplitBatchNormScale(const Node& n, const Value& in, const Nhwc& d, std::vector<float>* scale_io) {
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
}  // namespace signdpu::quantize::lowering
