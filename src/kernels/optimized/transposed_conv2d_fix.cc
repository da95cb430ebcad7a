// Optimised transposed convs as sh*sw phase convs (see the header).
#include "signdpu/kernels/optimized/transposed_conv2d_fix.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "signdpu/core/check.h"
#include "signdpu/kernels/reference/transposed_depthwise_conv2d_fix.h"

namespace signdpu::optimized {
namespace {

// One axis of one phase: which taps, which input offset, how many outputs.
struct AxisPhase {
  int first_tap = 0, taps = 0;   // ky = first_tap + t*stride, t < taps
  int pad_begin = 0, pad_end = 0;  // of the phase's stride-1 conv
  int64_t count = 0;             // outputs r, r + s, ... below the output size
  bool supported = true;         // false: the phase starts inside the input
};

AxisPhase MakeAxisPhase(int r, int stride, int kernel, int conv_pad, int64_t in, int64_t out) {
  AxisPhase a;
  a.count = r < out ? (out - r + stride - 1) / stride : 0;
  a.first_tap = ((conv_pad - r) % stride + stride) % stride;
  a.taps = a.first_tap < kernel ? (kernel - a.first_tap + stride - 1) / stride : 0;
  const int off = (r + a.first_tap - conv_pad) / stride;  // exact: r + first_tap = conv_pad (mod stride)
  if (off > 0) a.supported = false;
  a.pad_begin = -off;
  a.pad_end = static_cast<int>(std::max<int64_t>(0, a.count + a.taps - 1 - in - a.pad_begin));
  return a;
}

struct Phase {
  int ry = 0, rx = 0;
  AxisPhase y, x;
  Nhwc sub_out;                            // the phase conv's output (per image)
  std::unique_ptr<PreparedConv2d> conv;    // null: no taps, `constant` per channel
  std::vector<int8_t> constant;
};

class ReferenceTransposed final : public PreparedConv2d {
 public:
  ReferenceTransposed(const TransposedConvParams& p, const int8_t* w, const int8_t* b)
      : p_(p), w_(w, w + p.weights_size()), b_(b ? std::vector<int8_t>(b, b + p.conv.output.c) : std::vector<int8_t>()) {}
  void Run(const int8_t* in, int8_t* out, int64_t batch) const override {
    TransposedConvParams p = p_;
    p.input.n = batch;
    p.conv.output.n = batch;
    const int8_t* bias = b_.empty() ? nullptr : b_.data();
    if (p.conv.config.depthwise) {
      reference::TransposedDepthwiseConv2dFix(p, in, w_.data(), bias, out);
    } else {
      reference::TransposedConv2dFix(p, in, w_.data(), bias, out);
    }
  }

 private:
  TransposedConvParams p_;
  std::vector<int8_t> w_, b_;
};

// The phase's sub-kernel: OHWI (dense) or [1, taps_y, taps_x, C] (depthwise).
std::vector<int8_t> PhaseWeights(const TransposedConvParams& p, const Phase& ph, const int8_t* w) {
  const ConvConfig& c = p.conv.config;
  const int64_t outs = c.depthwise ? 1 : p.conv.output.c, ic = p.input.c;
  std::vector<int8_t> sub;
  sub.reserve(static_cast<size_t>(outs * ph.y.taps * ph.x.taps * ic));
  for (int64_t o = 0; o < outs; ++o)
    for (int t = 0; t < ph.y.taps; ++t)
      for (int u = 0; u < ph.x.taps; ++u) {
        const int64_t ky = ph.y.first_tap + int64_t{t} * p.stride_h, kx = ph.x.first_tap + int64_t{u} * p.stride_w;
        const int8_t* src = w + ((o * c.kernel_h + ky) * c.kernel_w + kx) * ic;
        sub.insert(sub.end(), src, src + ic);
      }
  return sub;
}

class PhasedTransposed final : public PreparedConv2d {
 public:
  PhasedTransposed(const TransposedConvParams& p, std::vector<Phase> phases) : p_(p), phases_(std::move(phases)) {}
  void Run(const int8_t* in, int8_t* out, int64_t batch) const override {
    const int64_t oh = p_.conv.output.h, ow = p_.conv.output.w, oc = p_.conv.output.c;
    std::vector<int8_t> tmp;
    for (const Phase& ph : phases_) {
      if (ph.conv) {
        tmp.resize(static_cast<size_t>(batch * ph.sub_out.h * ph.sub_out.w * oc));
        ph.conv->Run(in, tmp.data(), batch);
      }
      for (int64_t n = 0; n < batch; ++n)
        for (int64_t q = 0; q < ph.y.count; ++q)
          for (int64_t r = 0; r < ph.x.count; ++r) {
            int8_t* dst = out + ((n * oh + q * p_.stride_h + ph.ry) * ow + r * p_.stride_w + ph.rx) * oc;
            const int8_t* src = ph.conv ? tmp.data() + ((n * ph.sub_out.h + q) * ph.sub_out.w + r) * oc
                                        : ph.constant.data();
            std::memcpy(dst, src, static_cast<size_t>(oc));
          }
    }
  }

 private:
  TransposedConvParams p_;
  std::vector<Phase> phases_;
};

// The phase's stride-1 conv, or its constant when it has no taps.
void PreparePhase(const TransposedConvParams& p, const int8_t* w, const int8_t* b, KernelPath path, Phase* ph) {
  const ConvConfig& c = p.conv.config;
  if (ph->y.taps == 0 || ph->x.taps == 0) {
    for (int64_t o = 0; o < p.conv.output.c; ++o)
      ph->constant.push_back(reference::ConvOutputStage(p.conv, 0, (c.has_bias && b) ? b[o] : 0));
    return;
  }
  ConvConfig sc = c;
  sc.input = p.input;
  sc.input.n = 1;
  sc.kernel_h = ph->y.taps;
  sc.kernel_w = ph->x.taps;
  sc.stride_h = sc.stride_w = sc.dilation_h = sc.dilation_w = 1;
  sc.pad_top = ph->y.pad_begin;
  sc.pad_bottom = ph->y.pad_end;
  sc.pad_left = ph->x.pad_begin;
  sc.pad_right = ph->x.pad_end;
  Result<ConvParams> sp = MakeConvParams(sc, "transposed conv phase");
  SIGNDPU_CHECK(sp.ok()) << sp.status().ToString();  // same shifts as the validated op
  ph->sub_out = sp.value().output;
  const std::vector<int8_t> sub = PhaseWeights(p, *ph, w);
  ph->conv = PrepareConv2d(sp.value(), sub.data(), b, path);
}

}  // namespace

std::unique_ptr<PreparedConv2d> PrepareTransposedConv2d(const TransposedConvParams& p, const int8_t* weights,
                                                        const int8_t* bias, KernelPath path) {
  const ConvConfig& c = p.conv.config;
  if (path == KernelPath::kReference || c.dilation_h != 1 || c.dilation_w != 1)
    return std::make_unique<ReferenceTransposed>(p, weights, bias);
  std::vector<Phase> phases;
  for (int ry = 0; ry < p.stride_h; ++ry)
    for (int rx = 0; rx < p.stride_w; ++rx) {
      Phase ph;
      ph.ry = ry;
      ph.rx = rx;
      ph.y = MakeAxisPhase(ry, p.stride_h, c.kernel_h, c.pad_top, p.input.h, p.conv.output.h);
      ph.x = MakeAxisPhase(rx, p.stride_w, c.kernel_w, c.pad_left, p.input.w, p.conv.output.w);
      if (ph.y.count == 0 || ph.x.count == 0) continue;
      if (!ph.y.supported || !ph.x.supported) return std::make_unique<ReferenceTransposed>(p, weights, bias);
      phases.push_back(std::move(ph));
    }
  for (Phase& ph : phases) PreparePhase(p, weights, bias, path, &ph);
  return std::make_unique<PhasedTransposed>(p, std::move(phases));
}

}  // namespace signdpu::optimized
