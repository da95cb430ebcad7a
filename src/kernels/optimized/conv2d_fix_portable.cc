// Portable path (any CPU): plain C++ written so that the compiler can
// vectorise it with the baseline ISA. Exact in int32 because Prepare only
// chooses it when 128 * sum |w[o]| < 2^31 for every output channel (every
// partial sum is bounded by that too, so no intermediate overflows).
//
// Packed weights: [o_pad][k_pad] int8, o_pad a multiple of 4 (kCols), k_pad
// a multiple of 16 (kDepthStep), zero in the padding (GemmKernelPortable).
#include "conv_internal.h"

namespace signdpu::optimized::internal {
namespace {

constexpr int kCols = 4;    // output channels per tile
constexpr int kMaxRows = 4;
constexpr int kDepthStep = 16;  // pixels per tile

template <int P>
void Tile(const int8_t* a, int64_t k_pad, const int8_t* w, const GemmPlan& plan, int64_t ch0,
          int8_t* out, int32_t* acc_out, int64_t out_c) {
  // One dot product per (pixel, channel) over the whole depth: a plain
  // reduction that the vectoriser turns into multiply-add pairs; the tile
  // keeps the P rows and kCols weight rows hot in L1.
  int32_t acc[P][kCols];
  for (int p = 0; p < P; ++p) {
    const int8_t* ap = a + p * k_pad;
    for (int o = 0; o < kCols; ++o) {
      const int8_t* wo = w + o * k_pad;
      int32_t s = 0;
      for (int64_t k = 0; k < k_pad; ++k) s += int32_t{ap[k]} * int32_t{wo[k]};
      acc[p][o] = s;
    }
  }
  const int64_t valid = MinI64(kCols, out_c - ch0);
  #pragma GCC unroll 16
  for (int p = 0; p < P; ++p) {
    if (plan.acc_only) {
      for (int64_t o = 0; o < valid; ++o) acc_out[p * out_c + ch0 + o] = acc[p][o] + plan.acc_init[ch0 + o];
    } else {
      for (int64_t o = 0; o < valid; ++o)
        out[p * out_c + ch0 + o] = static_cast<int8_t>(
            ApplyStage32(plan.stage, acc[p][o] + plan.acc_init[ch0 + o], plan.bias_term[ch0 + o]));
    }
  }
}

using TileFn = void (*)(const int8_t*, int64_t, const int8_t*, const GemmPlan&, int64_t, int8_t*, int32_t*,
                        int64_t);
constexpr TileFn kTiles[kMaxRows] = {Tile<1>, Tile<2>, Tile<3>, Tile<4>};


void GemmConvPortable(const GemmPlan& plan, const int8_t* in, int64_t batch, int8_t* out, int32_t* acc_out,
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
// multiple of kCols, k_pad a multiple of kDepthStep (the vectoriser).
int64_t PackedBytes(int64_t out_c, int64_t k_pad) { return (out_c + kCols - 1) / kCols * kCols * k_pad; }

void Pack(const int8_t* plain, int64_t out_c, int64_t k_pad, void* dst, int32_t*) {
  memcpy(dst, plain, static_cast<size_t>(out_c * k_pad));  // the padding channels stay zero
}

}  // namespace

const GemmKernel& GemmKernelPortable() {
  static const GemmKernel kernel{kDepthStep, 1, 0, PackedBytes, Pack, GemmConvPortable};
  return kernel;
}

void DepthwisePortable(const DepthwisePlan& plan, const int8_t* in, int64_t batch, int8_t* out,
                       int32_t* acc_out, void* scratch) {
  DepthwiseBody(plan, in, batch, out, acc_out, static_cast<int32_t*>(scratch));
}

void FinishChannelsPortable(const ChannelStage& st, const int32_t* acc, int64_t pixels, int8_t* out) {
  const int64_t c = st.channels;
  for (int64_t m = 0; m < pixels; ++m)
    for (int64_t o = 0; o < c; ++o) out[m * c + o] = FinishChannel(st, o, acc[m * c + o]);
}

}  // namespace signdpu::optimized::internal
