// Optimised conv2d-fix / depthwise-conv2d-fix: prepare (bounds, packing) and
// run-time dispatch. The arithmetic is the reference's (docs/arithmetic.md
// section 4), reorganised:
//
//   acc  = sum_k a_k * w_k                 int32 instead of int64, only when
//          |acc| <= 128 * sum_k |w[o][k]| < 2^31 for every channel o (a proof
//          per layer from the stored weights; |a| <= 128). Otherwise the whole
//          op runs the reference kernel.
//   stage                                  int32 (Stage32 in conv_internal.h)
//          only when every intermediate is bounded below 2^31:
//            V = max_o (128 * sum|w[o]|) * 2^e + |bias[o] << max(0, shift_bias)|
//            s = shift_cut + e <= 30, V + 2^(s-1) < 2^31,
//            LEAKYRELU also: s + 8 <= 30, 26 * V + 2^(s+7) < 2^31.
//          Otherwise the kernel writes int32 accumulators and the int64
//          reference::ConvOutputStage finishes each element.
// Both fall-backs give the reference's result by construction; the fast
// paths equal it because no int32 value can wrap.
#include "signdpu/kernels/optimized/conv2d_fix.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "conv_internal.h"
#include "signdpu/core/check.h"

namespace signdpu::optimized {
namespace {

using internal::ConvGeom;
using internal::DepthwisePlan;
using internal::GemmPlan;
using internal::Stage32;

constexpr int64_t kInt32Max = 2147483647;

int64_t RoundUp(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// 64-byte aligned, zero-initialised byte storage.
class AlignedBuffer {
 public:
  void Resize(size_t bytes) {
    storage_.assign(bytes + 64, 0);
    const uintptr_t p = reinterpret_cast<uintptr_t>(storage_.data());
    offset_ = static_cast<size_t>((64 - p % 64) % 64);
  }
  uint8_t* data() { return storage_.data() + offset_; }
  const uint8_t* data() const { return storage_.data() + offset_; }

 private:
  std::vector<uint8_t> storage_;
  size_t offset_ = 0;
};

// Per-thread im2col scratch: Run is const and may run on several threads at
// once (one executor per thread sharing nothing else).
void* Scratch(size_t bytes) {
  thread_local std::vector<uint64_t> scratch;
  const size_t words = (bytes + 7) / 8 + 8;
  if (scratch.size() < words) scratch.resize(words);
  return scratch.data();
}

ConvGeom MakeGeom(const ConvParams& p) {
  const ConvConfig& c = p.config;
  ConvGeom g;
  g.in_h = c.input.h;
  g.in_w = c.input.w;
  g.in_c = c.input.c;
  g.out_h = p.output.h;
  g.out_w = p.output.w;
  g.out_c = p.output.c;
  g.kh = c.kernel_h;
  g.kw = c.kernel_w;
  g.sh = c.stride_h;
  g.sw = c.stride_w;
  g.dh = c.dilation_h;
  g.dw = c.dilation_w;
  g.pt = c.pad_top;
  g.pl = c.pad_left;
  g.pb = c.pad_bottom;
  g.pr = c.pad_right;
  return g;
}

bool PathCompiled(KernelPath path) {
  const std::vector<KernelPath> paths = AvailableKernelPaths();
  return std::find(paths.begin(), paths.end(), path) != paths.end();
}

// Accumulator bound per output channel: 128 * sum_k |w[o][k]| (|a| <= 128),
// OHWI weights or [1,kh,kw,C] for depthwise.
std::vector<int64_t> AccumulatorBounds(const ConvParams& p, const int8_t* w) {
  const ConvConfig& c = p.config;
  const int64_t taps = int64_t{c.kernel_h} * c.kernel_w;
  const int64_t k = c.depthwise ? taps : taps * c.input.c;
  std::vector<int64_t> bound(static_cast<size_t>(p.output.c), 0);
  for (int64_t o = 0; o < p.output.c; ++o) {
    int64_t s = 0;
    for (int64_t i = 0; i < k; ++i) s += std::abs(int64_t{c.depthwise ? w[i * c.input.c + o] : w[o * k + i]});
    bound[static_cast<size_t>(o)] = 128 * s;
  }
  return bound;
}

// The GEMM kernel (and its weight layout) of a path; the reference path never
// gets here.
const internal::GemmKernel& GemmKernelFor(KernelPath path) {
  switch (path) {
    case KernelPath::kAvx2:
      return internal::GemmKernelAvx2();
    case KernelPath::kAvx512Vnni:
      return internal::GemmKernelAvx512Vnni();
    case KernelPath::kNeon:
      return internal::GemmKernelNeon();
    default:
      return internal::GemmKernelPortable();
  }
}

int64_t MaxBound(const std::vector<int64_t>& bound) {
  return bound.empty() ? 0 : *std::max_element(bound.begin(), bound.end());
}

// The output stage of one conv in int32 (see the file comment): the per
// channel bias terms into bias_term[0..out_c), and whether every intermediate
// is provably in int32 (`*fast`). bound[o] = 128 * sum_k |w[o][k]|.
Stage32 MakeStage32(const ConvParams& p, const std::vector<int64_t>& bound, const std::vector<int8_t>& bias,
                    int32_t* bias_term, bool* fast) {
  const ConvConfig& c = p.config;
  int64_t v_max = 0;
  for (int64_t o = 0; o < p.output.c; ++o) {
    const int64_t bt = bias.empty() ? 0 : int64_t{bias[o]} * (int64_t{1} << p.bias_shift);
    bias_term[o] = static_cast<int32_t>(bt);
    v_max = std::max(v_max, bound[o] * (int64_t{1} << p.scale_up) + std::abs(bt));
  }
  const int s = p.shift_cut + p.scale_up;
  const bool leaky = c.activation == Activation::kLeakyRelu;
  bool ok = s <= 30 && v_max + (s > 0 ? (int64_t{1} << (s - 1)) : 0) <= kInt32Max;
  if (leaky) ok = ok && s + 8 <= 30 && 26 * v_max + (int64_t{1} << (s + 7)) <= kInt32Max;
  *fast = ok;
  Stage32 st{};
  st.scale_up = p.scale_up;
  st.shift = ok ? s : 0;
  st.leaky = leaky ? 1 : 0;
  st.round_pos = ok && s > 0 ? static_cast<int32_t>(int64_t{1} << (s - 1)) : 0;
  st.round_neg = ok && leaky ? static_cast<int32_t>(int64_t{1} << (s + 7)) : 0;
  st.lo = -128;
  st.hi = 127;
  if (c.activation == Activation::kRelu || c.activation == Activation::kRelu6) st.lo = 0;
  if (c.activation == Activation::kRelu6) st.hi = static_cast<int32_t>(std::min<int64_t>(127, p.relu6_max));
  return st;
}

class OptimizedConv2d final : public PreparedConv2d {
 public:
  // accumulators_only: RunAccumulators only (weight groups, see
  // PrepareGroupedConv2d); Run is not used.
  OptimizedConv2d(const ConvParams& p, const int8_t* w, const int8_t* b, KernelPath path,
                  bool accumulators_only = false)
      : params_(p), path_(path), geom_(MakeGeom(p)) {
    const ConvConfig& c = p.config;
    const int64_t out_c = p.output.c;
    const int64_t taps = int64_t{c.kernel_h} * c.kernel_w;
    k_ = c.depthwise ? taps : taps * c.input.c;
    weights_.assign(w, w + p.weights_size());
    if (c.has_bias && b != nullptr) bias_.assign(b, b + out_c);

    const std::vector<int64_t> bound = AccumulatorBounds(p, w);
    use_reference_ = path == KernelPath::kReference || MaxBound(bound) > kInt32Max;
    if (use_reference_) return;

    // Output stage in int32 when provably exact (see the file comment). The
    // per-channel terms are padded with zeros to a multiple of 64 channels so
    // that any kernel's whole-vector loads past out_c stay inside them.
    const int64_t o_pad = RoundUp(out_c, 64);
    bias_term_.assign(static_cast<size_t>(o_pad), 0);
    acc_init_.assign(static_cast<size_t>(o_pad), 0);
    bool fast = false;
    stage_ = MakeStage32(p, bound, bias_, bias_term_.data(), &fast);
    acc_only_ = !fast || accumulators_only;

    if (c.depthwise) {
      PrepareDepthwise();
    } else {
      PrepareGemm();
    }
  }

  bool uses_reference() const { return use_reference_; }

  // Raw accumulators sum_k w[o][k] * x[k] (conv2d only, !uses_reference()).
  void RunAccumulators(const int8_t* in, int32_t* acc, int64_t batch) const { RunGemm(in, batch, nullptr, acc); }

  void Run(const int8_t* in, int8_t* out, int64_t batch) const override {
    if (use_reference_) {
      ConvParams p = params_;
      p.config.input.n = batch;
      p.output.n = batch;
      reference::Conv2dFix(p, in, weights_.data(), bias_.empty() ? nullptr : bias_.data(), out);
      return;
    }
    std::vector<int32_t> acc;
    if (acc_only_) acc.resize(static_cast<size_t>(batch * params_.output.h * params_.output.w * params_.output.c));
    int32_t* acc_out = acc_only_ ? acc.data() : nullptr;
    if (params_.config.depthwise) {
      RunDepthwise(in, batch, out, acc_out);
    } else {
      RunGemm(in, batch, out, acc_out);
    }
    if (acc_only_) {
      const int64_t oc = params_.output.c;
      const int64_t pixels = batch * params_.output.h * params_.output.w;
      for (int64_t m = 0; m < pixels; ++m)
        for (int64_t o = 0; o < oc; ++o)
          out[m * oc + o] = reference::ConvOutputStage(params_, acc[m * oc + o], bias_.empty() ? 0 : bias_[o]);
    }
  }

 private:
  // Weight for output channel o and depth index k (OHWI order; depthwise:
  // tap k of channel o).
  int8_t WeightAt(int64_t o, int64_t k) const {
    if (params_.config.depthwise) return weights_[k * params_.config.input.c + o];
    return weights_[o * k_ + k];
  }

  void PrepareDepthwise() {
    const int64_t c = params_.config.input.c;
    dw_weights_.resize(static_cast<size_t>(k_ * c));
    for (int64_t t = 0; t < k_; ++t)
      for (int64_t ch = 0; ch < c; ++ch) dw_weights_[t * c + ch] = weights_[t * c + ch];
    // Row-tiled copies for stride_w 1 (one contiguous multiply-add per tap and
    // output row), unless they would be large.
    const int64_t row_len = params_.output.w * c;
    bias_row_.resize(static_cast<size_t>(row_len));
    for (int64_t j = 0; j < row_len; ++j) bias_row_[j] = bias_term_[j % c];
    if (params_.config.stride_w == 1 && k_ * row_len <= (int64_t{1} << 20)) {
      dw_weights_row_.resize(static_cast<size_t>(k_ * row_len));
      for (int64_t t = 0; t < k_; ++t)
        for (int64_t j = 0; j < row_len; ++j) dw_weights_row_[t * row_len + j] = dw_weights_[t * c + j % c];
    }
    dw_.g = geom_;
    dw_.weights = dw_weights_.data();
    dw_.weights_row = dw_weights_row_.empty() ? nullptr : dw_weights_row_.data();
    dw_.bias_row = bias_row_.data();
    dw_.stage = stage_;
    dw_.acc_only = acc_only_ ? 1 : 0;
  }

  void PrepareGemm() {
    const internal::GemmKernel& kernel = GemmKernelFor(path_);
    const int64_t out_c = params_.output.c;
    const int64_t elem = kernel.a_elem;
    int64_t k_pad = RoundUp(k_, kernel.k_step);
    const ConvConfig& c = params_.config;
    const int64_t run = int64_t{c.kernel_w} * c.input.c;  // one kernel row of OHWI depth
    if (kernel.direct && c.dilation_w == 1) {
      // Direct mode (conv_internal.h GemmPlan::direct): depth [ky][run_pad].
      gemm_.direct = 1;
      gemm_.run_pad = RoundUp(run, kernel.k_step);
      gemm_.padded_image_bytes = (c.pad_top + c.input.h + c.pad_bottom) * (c.pad_left + c.input.w + c.pad_right) *
                                 c.input.c * elem;
      k_pad = c.kernel_h * gemm_.run_pad;
    }
    // The weights as a plain [out_c][k_pad] matrix in the kernel's depth
    // order; the ISA file packs it into the layout its kernel reads.
    std::vector<int8_t> plain(static_cast<size_t>(out_c * k_pad), 0);
    for (int64_t o = 0; o < out_c; ++o)
      for (int64_t k = 0; k < k_; ++k)
        plain[o * k_pad + (gemm_.direct ? (k / run) * gemm_.run_pad + k % run : k)] = WeightAt(o, k);
    packed_.Resize(static_cast<size_t>(kernel.packed_bytes(out_c, k_pad)));
    kernel.pack(plain.data(), out_c, k_pad, packed_.data(), acc_init_.data());
    // Rows per im2col block: about 64 KiB of packed activations (L2-resident
    // while every weight block streams past it), a multiple of 24 rows (the
    // micro-kernels' row counts divide 24) when large enough.
    int64_t rows = std::max<int64_t>(1, (64 * 1024) / (k_pad * elem));
    rows = std::min<int64_t>(rows, 960);
    if (rows >= 24) rows = rows / 24 * 24;
    gemm_.g = geom_;
    gemm_.k = k_;
    gemm_.k_pad = k_pad;
    gemm_.rows_per_block = rows;
    gemm_.weights = packed_.data();
    gemm_.acc_init = acc_init_.data();
    gemm_.bias_term = bias_term_.data();
    gemm_.stage = stage_;
    gemm_.acc_only = acc_only_ ? 1 : 0;
    scratch_bytes_ = static_cast<size_t>(rows * k_pad * elem);  // direct mode: per batch, in RunGemm
  }

  void RunGemm(const int8_t* in, int64_t batch, int8_t* out, int32_t* acc_out) const {
    // Direct mode: the padded batch plus 64 elements (<= 128 bytes) of slack.
    const size_t bytes =
        gemm_.direct ? static_cast<size_t>(batch * gemm_.padded_image_bytes + 128) : scratch_bytes_;
    GemmKernelFor(path_).run(gemm_, in, batch, out, acc_out, Scratch(bytes));
  }

  void RunDepthwise(const int8_t* in, int64_t batch, int8_t* out, int32_t* acc_out) const {
    void* scratch = Scratch(static_cast<size_t>(params_.output.w * params_.output.c) * sizeof(int32_t));
    switch (path_) {
      case KernelPath::kAvx2:
        internal::DepthwiseAvx2(dw_, in, batch, out, acc_out, scratch);
        return;
      case KernelPath::kAvx512Vnni:
        internal::DepthwiseAvx512(dw_, in, batch, out, acc_out, scratch);
        return;
      case KernelPath::kNeon:
        internal::DepthwiseNeon(dw_, in, batch, out, acc_out, scratch);
        return;
      default:
        internal::DepthwisePortable(dw_, in, batch, out, acc_out, scratch);
        return;
    }
  }

  ConvParams params_;
  KernelPath path_;
  ConvGeom geom_;
  int64_t k_ = 0;
  std::vector<int8_t> weights_;  // OHWI as given (reference fall-back, prepare)
  std::vector<int8_t> bias_;
  bool use_reference_ = false;
  bool acc_only_ = false;
  Stage32 stage_{};
  std::vector<int32_t> bias_term_;
  std::vector<int32_t> acc_init_;
  std::vector<int32_t> dw_weights_;
  std::vector<int32_t> dw_weights_row_;
  std::vector<int32_t> bias_row_;
  AlignedBuffer packed_;
  GemmPlan gemm_{};
  DepthwisePlan dw_{};
  size_t scratch_bytes_ = 0;
};

// Weight groups (one conv2d-fix per group on the same input, joined by a
// concat-fix): one GEMM over all groups' output channels in int32
// accumulators, then each group's own output stage into its channel range of
// the concatenated output. Per channel this is exactly the group's conv, so
// it equals running the groups and the concat one by one.
class OptimizedGroupedConv2d final : public PreparedConv2d {
 public:
  struct Group {
    ConvParams params;
    std::vector<int8_t> bias;
    int64_t c0 = 0, c1 = 0;  // channels in the concatenated output
    bool fast = false;
    Stage32 stage{};
  };

  OptimizedGroupedConv2d(std::unique_ptr<OptimizedConv2d> gemm, std::vector<Group> groups, std::vector<int32_t> bias_term,
                         int64_t pixels, int64_t channels, KernelPath path)
      : gemm_(std::move(gemm)), groups_(std::move(groups)), bias_term_(std::move(bias_term)), pixels_(pixels),
        channels_(channels), path_(path) {
    // Vectorised per-channel stage when every group is fast and none is
    // LEAKYRELU (its lo/hi are then the same: one activation, one fix_out).
    vector_stage_ = true;
    for (const Group& g : groups_) vector_stage_ = vector_stage_ && g.fast && !g.stage.leaky;
    if (!vector_stage_) return;
    lo_ = groups_[0].stage.lo;
    hi_ = groups_[0].stage.hi;
    for (const Group& g : groups_) {
      vector_stage_ = vector_stage_ && g.stage.lo == lo_ && g.stage.hi == hi_;
      for (int64_t o = g.c0; o < g.c1; ++o) {
        up_.push_back(g.stage.scale_up);
        add_.push_back(bias_term_[static_cast<size_t>(o)] + g.stage.round_pos);
        shift_.push_back(g.stage.shift);
      }
    }
  }

  void Run(const int8_t* in, int8_t* out, int64_t batch) const override {
    // Per-thread accumulator buffer, grown once (no per-call zeroing).
    thread_local std::vector<int32_t> acc;
    const size_t need = static_cast<size_t>(batch * pixels_ * channels_);
    if (acc.size() < need) acc.resize(need);
    gemm_->RunAccumulators(in, acc.data(), batch);
    if (vector_stage_) {
      internal::ChannelStage st{up_.data(), add_.data(), shift_.data(), lo_, hi_, channels_};
      switch (path_) {
        case KernelPath::kAvx2:
          internal::FinishChannelsAvx2(st, acc.data(), batch * pixels_, out);
          return;
        case KernelPath::kAvx512Vnni:
          internal::FinishChannelsAvx512(st, acc.data(), batch * pixels_, out);
          return;
        default:
          internal::FinishChannelsPortable(st, acc.data(), batch * pixels_, out);
          return;
      }
    }
    for (int64_t m = 0; m < batch * pixels_; ++m) {
      const int32_t* a = acc.data() + m * channels_;
      int8_t* y = out + m * channels_;
      for (const Group& g : groups_) {
        if (g.fast) {
          for (int64_t o = g.c0; o < g.c1; ++o)
            y[o] = static_cast<int8_t>(internal::ApplyStage32(g.stage, a[o], bias_term_[static_cast<size_t>(o)]));
        } else {
          for (int64_t o = g.c0; o < g.c1; ++o)
            y[o] = reference::ConvOutputStage(g.params, a[o], g.bias.empty() ? 0 : g.bias[static_cast<size_t>(o - g.c0)]);
        }
      }
    }
  }

 private:
  std::unique_ptr<OptimizedConv2d> gemm_;
  std::vector<Group> groups_;
  std::vector<int32_t> bias_term_;  // per output channel (fast groups)
  int64_t pixels_ = 0;              // output pixels per image
  int64_t channels_ = 0;
  KernelPath path_;
  bool vector_stage_ = false;
  std::vector<int32_t> up_, add_, shift_;  // per channel (vector_stage_)
  int32_t lo_ = -128, hi_ = 127;
};

bool SameGeometry(const ConvConfig& a, const ConvConfig& b) {
  return a.input.h == b.input.h && a.input.w == b.input.w && a.input.c == b.input.c && a.kernel_h == b.kernel_h &&
         a.kernel_w == b.kernel_w && a.stride_h == b.stride_h && a.stride_w == b.stride_w &&
         a.dilation_h == b.dilation_h && a.dilation_w == b.dilation_w && a.pad_top == b.pad_top &&
         a.pad_left == b.pad_left && a.pad_bottom == b.pad_bottom && a.pad_right == b.pad_right &&
         a.activation == b.activation && !a.depthwise && !b.depthwise;
}

}  // namespace

std::unique_ptr<PreparedConv2d> PrepareGroupedConv2d(const std::vector<ConvGroupSpec>& specs, KernelPath path) {
  SIGNDPU_CHECK(PathCompiled(path)) << "kernel path " << KernelPathName(path) << " is not available on this CPU/build";
  if (path == KernelPath::kReference || specs.size() < 2) return nullptr;
  const ConvParams& first = specs[0].params;
  int64_t channels = 0;
  for (const ConvGroupSpec& g : specs) {
    if (!SameGeometry(g.params.config, first.config) || g.params.output.h != first.output.h ||
        g.params.output.w != first.output.w)
      return nullptr;
    channels += g.params.output.c;
  }
  // One conv over every group's output channels, weights concatenated (OHWI
  // rows), no bias: only its accumulators are used.
  ConvParams all = first;
  all.config.out_channels = channels;
  all.config.has_bias = false;
  all.output.c = channels;
  std::vector<int8_t> weights;
  weights.reserve(static_cast<size_t>(all.weights_size()));
  for (const ConvGroupSpec& g : specs) weights.insert(weights.end(), g.weights, g.weights + g.params.weights_size());
  auto gemm = std::make_unique<OptimizedConv2d>(all, weights.data(), nullptr, path, /*accumulators_only=*/true);
  if (gemm->uses_reference()) return nullptr;  // some channel's accumulator may leave int32
  std::vector<OptimizedGroupedConv2d::Group> groups;
  std::vector<int32_t> bias_term(static_cast<size_t>(channels), 0);
  int64_t c0 = 0;
  for (const ConvGroupSpec& spec : specs) {
    OptimizedGroupedConv2d::Group g;
    g.params = spec.params;
    const int64_t oc = spec.params.output.c;
    if (spec.params.config.has_bias && spec.bias != nullptr) g.bias.assign(spec.bias, spec.bias + oc);
    const std::vector<int64_t> bound = AccumulatorBounds(spec.params, spec.weights);
    g.stage = MakeStage32(spec.params, bound, g.bias, bias_term.data() + c0, &g.fast);
    g.c0 = c0;
    g.c1 = c0 + oc;
    c0 = g.c1;
    groups.push_back(std::move(g));
  }
  return std::make_unique<OptimizedGroupedConv2d>(std::move(gemm), std::move(groups), std::move(bias_term),
                                                  first.output.h * first.output.w, channels, path);
}

bool UsesInt32Accumulators(const ConvParams& params, const int8_t* weights) {
  return MaxBound(AccumulatorBounds(params, weights)) <= kInt32Max;
}

std::unique_ptr<PreparedConv2d> PrepareConv2d(const ConvParams& params, const int8_t* weights,
                                              const int8_t* bias, KernelPath path) {
  SIGNDPU_CHECK(PathCompiled(path)) << "kernel path " << KernelPathName(path) << " is not available on this CPU/build";
  return std::make_unique<OptimizedConv2d>(params, weights, bias, path);
}

}  // namespace signdpu::optimized
