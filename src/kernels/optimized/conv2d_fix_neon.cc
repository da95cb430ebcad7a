// aarch64 NEON path (the ZCU104's Cortex-A53). Compiled only for aarch64,
// where NEON is part of the base ISA. With __ARM_FEATURE_DOTPROD (ARMv8.2+,
// e.g. -march=armv8.2-a+dotprod) the inner step is sdot; the A53 has no dot
// product, so the default is vmull_s8 (exact int16 products: |p| <= 2^14)
// plus vpadalq_s16 (pairwise add into int32). Either way the int32 sums are
// exact because Prepare chose this path only when 128 * sum |w[o]| < 2^31.
//
// Packed weights: [o_pad][k_pad] int8, o_pad a multiple of 4 (kCols), k_pad a
// multiple of 16 (kDepthStep), zero in the padding (GemmKernelNeon; the same
// layout as the portable path, kept here beside the kernel that reads it). Tiles are up to
// 4 pixels x 4 channels: 16 int32x4 accumulators, 8 operand registers.
#include <arm_neon.h>

#include "conv_internal.h"

namespace signdpu::optimized::internal {
namespace {

constexpr int kCols = 4;
constexpr int kMaxRows = 4;
constexpr int kDepthStep = 16;

inline int32x4_t Step(int32x4_t acc, int8x16_t a, int8x16_t w) {
#if defined(__ARM_FEATURE_DOTPROD)
  return vdotq_s32(acc, a, w);
#else
  acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(w)));
  return vpadalq_s16(acc, vmull_high_s8(a, w));
#endif
}

// (v + round) >> s with >> = floor: vshlq_s32 by a negative count is an
// arithmetic (flooring) right shift.
inline int32x4_t StageVec(const Stage32& st, int32x4_t acc, int32x4_t bias) {
  const int32x4_t v = vaddq_s32(vshlq_s32(acc, vdupq_n_s32(st.scale_up)), bias);
  int32x4_t y = vshlq_s32(vaddq_s32(v, vdupq_n_s32(st.round_pos)), vdupq_n_s32(-st.shift));
  if (st.leaky) {
    const int32x4_t neg =
        vshlq_s32(vaddq_s32(vmulq_n_s32(v, 26), vdupq_n_s32(st.round_neg)), vdupq_n_s32(-(st.shift + 8)));
    y = vbslq_s32(vcltzq_s32(v), neg, y);
  }
  return vminq_s32(vmaxq_s32(y, vdupq_n_s32(st.lo)), vdupq_n_s32(st.hi));
}

template <int P>
void Tile(const int8_t* a, int64_t k_pad, const int8_t* w, const GemmPlan& plan, int64_t ch0, int8_t* out,
          int32_t* acc_out, int64_t out_c) {
  int32x4_t acc[P][kCols];
  #pragma GCC unroll 16
  for (int p = 0; p < P; ++p)
    #pragma GCC unroll 16
    for (int o = 0; o < kCols; ++o) acc[p][o] = vdupq_n_s32(0);
  for (int64_t k0 = 0; k0 < k_pad; k0 += 16) {
    int8x16_t wv[kCols];
    #pragma GCC unroll 16
    for (int o = 0; o < kCols; ++o) wv[o] = vld1q_s8(w + o * k_pad + k0);
    #pragma GCC unroll 16
    for (int p = 0; p < P; ++p) {
      const int8x16_t av = vld1q_s8(a + p * k_pad + k0);
      #pragma GCC unroll 16
      for (int o = 0; o < kCols; ++o) acc[p][o] = Step(acc[p][o], av, wv[o]);
    }
  }
  const int64_t valid = MinI64(kCols, out_c - ch0);
  const int32x4_t init = vld1q_s32(plan.acc_init + ch0);
  const int32x4_t bias = vld1q_s32(plan.bias_term + ch0);
  #pragma GCC unroll 16
  for (int p = 0; p < P; ++p) {
    // Horizontal sums: lane o of `sum` is the dot product for channel ch0 + o.
    const int32x4_t sum =
        vaddq_s32(vpaddq_s32(vpaddq_s32(acc[p][0], acc[p][1]), vpaddq_s32(acc[p][2], acc[p][3])), init);
    if (plan.acc_only) {
      int32_t tmp[kCols];
      vst1q_s32(tmp, sum);
      for (int64_t o = 0; o < valid; ++o) acc_out[p * out_c + ch0 + o] = tmp[o];
      continue;
    }
    const int32x4_t y = StageVec(plan.stage, sum, bias);
    const int16x4_t y16 = vmovn_s32(y);                       // values are already in [-128, 127]
    const int8x8_t y8 = vmovn_s16(vcombine_s16(y16, y16));
    int8_t tmp[8];
    vst1_s8(tmp, y8);
    for (int64_t o = 0; o < valid; ++o) out[p * out_c + ch0 + o] = tmp[o];
  }
}

using TileFn = void (*)(const int8_t*, int64_t, const int8_t*, const GemmPlan&, int64_t, int8_t*, int32_t*,
                        int64_t);
constexpr TileFn kTiles[kMaxRows] = {Tile<1>, Tile<2>, Tile<3>, Tile<4>};


void GemmConvNeon(const GemmPlan& plan, const int8_t* in, int64_t batch, int8_t* out, int32_t* acc_out,
                  void* scratch) {
  const ConvGeom& g = plan.g;
  const int64_t m_total = batch * g.out_h * g.out_w;
  const int64_t out_c = g.out_c;
  const int8_t* weights = static_cast<const int8_t*>(plan.weights);
  int8_t* a = static_cast<int8_t*>(scratch);
  for (int64_t m0 = 0; m0 < m_total; m0 += plan.rows_per_block) {
    const int64_t rows = MinI64(plan.rows_per_block, m_total - m0);
    PackRows<int8_t>(g, plan.k, plan.k_pad, in, m0, rows, a, LoopCopier<int8_t, ToInt8>{0, ToInt8()});
    for (int64_t ch0 = 0; ch0 < out_c; ch0 += kCols) {
      const int8_t* w = weights + ch0 * plan.k_pad;
      for (int64_t p0 = 0; p0 < rows; p0 += kMaxRows) {
        const int64_t pr = MinI64(kMaxRows, rows - p0);
        kTiles[pr - 1](a + p0 * plan.k_pad, plan.k_pad, w, plan, ch0, out + (m0 + p0) * out_c,
                       acc_out != nullptr ? acc_out + (m0 + p0) * out_c : nullptr, out_c);
      }
    }
  }
}

// The packed weight layout (file comment): [o_pad][k_pad] int8, o_pad a
// multiple of kCols, k_pad a multiple of kDepthStep (one int8x16 register).
int64_t PackedBytes(int64_t out_c, int64_t k_pad) { return (out_c + kCols - 1) / kCols * kCols * k_pad; }

void Pack(const int8_t* plain, int64_t out_c, int64_t k_pad, void* dst, int32_t*) {
  memcpy(dst, plain, static_cast<size_t>(out_c * k_pad));  // the padding channels stay zero
}

}  // namespace

const GemmKernel& GemmKernelNeon() {
  static const GemmKernel kernel{kDepthStep, 1, 0, PackedBytes, Pack, GemmConvNeon};
  return kernel;
}

void DepthwiseNeon(const DepthwisePlan& plan, const int8_t* in, int64_t batch, int8_t* out,
                   int32_t* acc_out, void* scratch) {
  DepthwiseBody(plan, in, batch, out, acc_out, static_cast<int32_t*>(scratch));
}

}  // namespace signdpu::optimized::internal
