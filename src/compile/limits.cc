// The engine layer of a quantiser-format op, for the target's limits
// (target::CheckLayer, which reads libtarget-factory's description): the
// partition puts an op that fails them on the CPU (partition.cc
// MarkOutsideLimits; docs/compile.md "Partition").
#include "plan.h"
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::compile::internal {

namespace names = xmodel::names;
using xmodel::GetAttrOr;

namespace {

// An XIR window attribute ({w, h} or {l, r, t, b}); `fallback` when absent.
Status Window(const xir::Op* op, const char* key, std::vector<int> fallback, std::vector<int>* out) {
  const size_t n = fallback.size();
  SIGNDPU_ASSIGN_OR_RETURN(*out, GetAttrOr<std::vector<int>>(op, key, std::move(fallback), Where(op)));
  if (out->size() != n)
    return InvalidArgument(Where(op) + ": attribute " + key + " needs " + std::to_string(n) + " values");
  return Status::Ok();
}

// The nonlinear names of libtarget-factory (target::DpuLayer::nonlinear).
Status Nonlinear(const xir::Op* op, target::DpuLayer* x) {
  const xir::Op* act = FusedActivationOf(op);
  if (act == nullptr) return Status::Ok();
  const std::string& t = act->get_type();
  if (t == names::kRelu) x->nonlinear = "relu";
  if (t == names::kRelu6) x->nonlinear = "relu_six";
  if (t == names::kLeakyRelu) {
    x->nonlinear = "leaky_relu";
    SIGNDPU_ASSIGN_OR_RETURN(float alpha, GetAttrOr<float>(act, names::kAlpha, 0.1f, Where(act)));
    // 0.1 is how quantisers spell the DPU's 26/256 (docs/arithmetic.md section 4).
    x->leaky_alpha = alpha == 0.1f ? 26.0f / 256.0f : alpha;
  }
  return Status::Ok();
}

Status WindowOf(const xir::Op* op, bool global, target::DpuLayer* x) {
  std::vector<int> k, s, d, p;
  if (global) {
    x->kernel_h = static_cast<int>(x->in_h);
    x->kernel_w = static_cast<int>(x->in_w);
    return Status::Ok();
  }
  SIGNDPU_RETURN_IF_ERROR(Window(op, names::kKernel, {1, 1}, &k));
  SIGNDPU_RETURN_IF_ERROR(Window(op, names::kStride, {1, 1}, &s));
  SIGNDPU_RETURN_IF_ERROR(Window(op, names::kDilation, {1, 1}, &d));
  SIGNDPU_RETURN_IF_ERROR(Window(op, names::kPad, {0, 0, 0, 0}, &p));
  x->kernel_w = k[0], x->kernel_h = k[1], x->stride_w = s[0], x->stride_h = s[1];
  x->dilation_w = d[0], x->dilation_h = d[1];
  x->pad_left = p[0], x->pad_right = p[1], x->pad_top = p[2], x->pad_bottom = p[3];
  return Status::Ok();
}

}  // namespace

Result<std::optional<target::DpuLayer>> EngineLayerOf(const xir::Op* op) {
  const std::string& t = op->get_type();
  target::DpuLayer x;
  x.name = op->get_name() + " (" + t + ")";
  const bool dense = t == names::kMatmul && !InputOps(op, names::kArgInput).empty() &&
                     DenseMatmulOf(InputOps(op, names::kArgInput)[0]) == op;
  if (t == names::kConv2d || dense) x.kind = target::LayerKind::kConv;
  else if (t == names::kDepthwiseConv2d) x.kind = target::LayerKind::kDepthwiseConv;
  else if (t == names::kMaxPool2d) x.kind = target::LayerKind::kMaxPool;
  else if (t == names::kAvgPool2d) x.kind = target::LayerKind::kAvgPool;
  else if (t == names::kAdd) x.kind = target::LayerKind::kEltwiseAdd;
  else if (t == names::kMul) x.kind = target::LayerKind::kEltwiseMul;
  else if (t == names::kHardSigmoid) x.kind = target::LayerKind::kHardSigmoid;
  else return std::optional<target::DpuLayer>();
  const std::vector<const xir::Op*> ins = ActivationInputs(op);
  if (ins.empty()) return std::optional<target::DpuLayer>();  // a mul of consts, a correction mul
  for (const xir::Op* in : ins)
    if (CorrectionMulOf(in) == op) return std::optional<target::DpuLayer>();
  const auto in = ins[0]->get_output_tensor()->get_shape();
  const auto out = op->get_output_tensor()->get_shape();
  if (in.size() == 4) x.in_h = in[1], x.in_w = in[2];
  if (!in.empty()) x.in_c = in.back();
  if (!out.empty()) x.out_c = out.back();
  x.dense = dense;
  if (!dense && (x.kind == target::LayerKind::kConv || x.kind == target::LayerKind::kDepthwiseConv ||
                 x.kind == target::LayerKind::kMaxPool || x.kind == target::LayerKind::kAvgPool)) {
    SIGNDPU_ASSIGN_OR_RETURN(bool global, GetAttrOr<bool>(op, names::kGlobal, false, Where(op)));
    SIGNDPU_RETURN_IF_ERROR(WindowOf(op, global, &x));
  }
  SIGNDPU_RETURN_IF_ERROR(Nonlinear(op, &x));
  return std::optional<target::DpuLayer>(std::move(x));
}

}  // namespace signdpu::compile::internal
