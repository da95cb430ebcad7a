// x86-64 AVX-512 VNNI path. Compiled with -mavx512f -mavx512bw -mavx512vl
// -mavx512dq -mavx512vnni (src/kernels/CMakeLists.txt) and only called after
// AvailableKernelPaths() saw those features at run time. See conv_internal.h
// for why this file includes no C++ library header.
//
// vpdpbusd multiplies unsigned 8-bit by signed 8-bit. Activations are packed
// as a + 128 (0..255) and each accumulator starts at -128 * sum_k w[o][k]:
//   sum (a + 128) * w - 128 * sum w = sum a * w.
// vpdpbusd adds with wrap-around (no saturation), so the result is exact
// modulo 2^32; Prepare chose this path only when |sum a * w| <= 128 * sum |w|
// < 2^31, so the int32 result is the true accumulator. Padded pixels are
// packed as 128 (a = 0) and padded depth has weight 0.
//
// Packed weights: blocks of up to 64 output channels (4 x 16 lanes); block b
// starts at b * 64 * k_pad bytes and holds [k_pad / 4][nc * 16][4] int8, nc
// the block's number of 16-channel groups. Depth order: OHWI's k in im2col
// mode; [ky][run_pad] in direct mode (GemmPlan::direct).
#include <immintrin.h>

// GCC 12 reports the deliberately undefined pass-through operand inside
// avx512fintrin.h (_mm512_undefined_epi32) as maybe-uninitialized.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "conv_internal.h"

namespace signdpu::optimized::internal {
namespace {

constexpr int kLanes = 16;
constexpr int kMaxGroups = 4;
// The packed weight layout (file comment): blocks of kBlock channels, depth
// in groups of kDepthGroup (vpdpbusd: 4 int8 products per int32 lane).
constexpr int kDepthGroup = 4;
constexpr int kBlock = kLanes * kMaxGroups;

struct Epilogue {
  __m128i e, s, s8;
  __m512i round_pos, round_neg, lo, hi, k26;
  int leaky;
  int acc_only;
};

inline __m512i StageVec(const Epilogue& ep, __m512i acc, __m512i bias) {
  const __m512i v = _mm512_add_epi32(_mm512_sll_epi32(acc, ep.e), bias);
  __m512i y = _mm512_sra_epi32(_mm512_add_epi32(v, ep.round_pos), ep.s);
  if (ep.leaky) {
    const __m512i neg = _mm512_sra_epi32(_mm512_add_epi32(_mm512_mullo_epi32(v, ep.k26), ep.round_neg), ep.s8);
    y = _mm512_mask_blend_epi32(_mm512_cmplt_epi32_mask(v, _mm512_setzero_si512()), y, neg);
  }
  return _mm512_min_epi32(_mm512_max_epi32(y, ep.lo), ep.hi);
}

// P pixels x NC * 16 channels; the accumulators stay in registers. Pixel p's
// activations are read from rows[p] + ky * ky_stride + 4 * g for kernel row
// ky < kh and group g < kgroups (im2col mode: kh = 1, rows = packed rows).
template <int P, int NC>
void Kernel(const uint8_t* const* rows, int kh, int64_t ky_stride, int64_t kgroups, const int8_t* w,
            const int32_t* init, const int32_t* bias, const Epilogue& ep, int8_t* out, int32_t* acc_out,
            int64_t out_stride, int64_t valid) {
  __m512i acc[P][NC];
#pragma GCC unroll 16
  for (int j = 0; j < NC; ++j) {
    const __m512i i0 = _mm512_loadu_si512(init + j * kLanes);
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) acc[p][j] = i0;
  }
  for (int ky = 0; ky < kh; ++ky) {
    const uint8_t* rp[P];
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) rp[p] = rows[p] + ky * ky_stride;
    for (int64_t gi = 0; gi < kgroups; ++gi, w += NC * 64) {
      __m512i wv[NC];
#pragma GCC unroll 16
      for (int j = 0; j < NC; ++j) wv[j] = _mm512_loadu_si512(w + j * 64);
#pragma GCC unroll 16
      for (int p = 0; p < P; ++p) {
        int32_t x;
        memcpy(&x, rp[p] + gi * 4, 4);
        const __m512i av = _mm512_set1_epi32(x);
#pragma GCC unroll 16
        for (int j = 0; j < NC; ++j) acc[p][j] = _mm512_dpbusd_epi32(acc[p][j], av, wv[j]);
      }
    }
  }
#pragma GCC unroll 16
  for (int j = 0; j < NC; ++j) {
    const int64_t lanes = MaxI64(0, MinI64(kLanes, valid - j * kLanes));
    const __mmask16 mask = static_cast<__mmask16>((1u << lanes) - 1u);
    if (ep.acc_only) {
#pragma GCC unroll 16
      for (int p = 0; p < P; ++p) _mm512_mask_storeu_epi32(acc_out + p * out_stride + j * kLanes, mask, acc[p][j]);
      continue;
    }
    const __m512i b = _mm512_loadu_si512(bias + j * kLanes);
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p)
      _mm512_mask_cvtsepi32_storeu_epi8(out + p * out_stride + j * kLanes, mask, StageVec(ep, acc[p][j], b));
  }
}

using KernelFn = void (*)(const uint8_t* const*, int, int64_t, int64_t, const int8_t*, const int32_t*,
                          const int32_t*, const Epilogue&, int8_t*, int32_t*, int64_t, int64_t);

// Rows per tile for nc groups: P * nc accumulators + nc weights + 1 broadcast
// fit in the 32 zmm registers.
constexpr int kMaxRows[kMaxGroups] = {8, 8, 6, 4};

#define SIGNDPU_ROWS12(NC)                                                                              \
  {Kernel<1, NC>, Kernel<2, NC>, Kernel<3, NC>, Kernel<4, NC>, Kernel<5, NC>, Kernel<6, NC>,            \
   Kernel<7, NC>, Kernel<8, NC>, Kernel<9, NC>, Kernel<10, NC>, Kernel<11, NC>, Kernel<12, NC>}
constexpr KernelFn kKernels[kMaxGroups][12] = {
    SIGNDPU_ROWS12(1),
    SIGNDPU_ROWS12(2),
    {Kernel<1, 3>, Kernel<2, 3>, Kernel<3, 3>, Kernel<4, 3>, Kernel<5, 3>, Kernel<6, 3>, Kernel<7, 3>,
     Kernel<8, 3>, nullptr, nullptr, nullptr, nullptr},
    {Kernel<1, 4>, Kernel<2, 4>, Kernel<3, 4>, Kernel<4, 4>, Kernel<5, 4>, Kernel<6, 4>, nullptr, nullptr,
     nullptr, nullptr, nullptr, nullptr},
};
#undef SIGNDPU_ROWS12

// im2col runs as a + 128 (xor 0x80) with masked 64-byte loads and stores:
// runs are short (kw * C bytes) and masked-off bytes are never touched.
struct VnniCopier {
  static __mmask64 Mask(int64_t n) { return n >= 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1; }
  void Copy(uint8_t* d, const int8_t* s, int64_t n) const {
    const __m512i k80 = _mm512_set1_epi8(static_cast<char>(0x80));
    for (; n > 0; n -= 64, d += 64, s += 64) {
      const __mmask64 m = Mask(n);
      _mm512_mask_storeu_epi8(d, m, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, s), k80));
    }
  }
  void Fill(uint8_t* d, int64_t n) const {
    const __m512i k80 = _mm512_set1_epi8(static_cast<char>(0x80));
    for (; n > 0; n -= 64, d += 64) _mm512_mask_storeu_epi8(d, Mask(n), k80);
  }
};


void GemmConvAvx512Vnni(const GemmPlan& plan, const int8_t* in, int64_t batch, int8_t* out,
                        int32_t* acc_out, void* scratch) {
  const int64_t out_c = plan.g.out_c;
  const int64_t groups = (out_c + kLanes - 1) / kLanes;
  const int8_t* weights = static_cast<const int8_t*>(plan.weights);

  Epilogue ep;
  ep.e = _mm_cvtsi32_si128(plan.stage.scale_up);
  ep.s = _mm_cvtsi32_si128(plan.stage.shift);
  ep.s8 = _mm_cvtsi32_si128(plan.stage.shift + 8);
  ep.round_pos = _mm512_set1_epi32(plan.stage.round_pos);
  ep.round_neg = _mm512_set1_epi32(plan.stage.round_neg);
  ep.lo = _mm512_set1_epi32(plan.stage.lo);
  ep.hi = _mm512_set1_epi32(plan.stage.hi);
  ep.k26 = _mm512_set1_epi32(26);
  ep.leaky = plan.stage.leaky;
  ep.acc_only = plan.acc_only;

  ForEachRowBlock<uint8_t>(
      plan, in, batch, scratch, VnniCopier(), kDepthGroup,
      [&](const uint8_t* const* rows, int64_t n_rows, int kh, int64_t ky_stride, int64_t kgroups, int64_t m0) {
        for (int64_t gb = 0; gb < groups; gb += kMaxGroups) {
          const int nc = static_cast<int>(MinI64(kMaxGroups, groups - gb));
          const int64_t ch0 = gb * kLanes;
          const int8_t* w = weights + ch0 * plan.k_pad;
          const int max_rows = kMaxRows[nc - 1];
          for (int64_t p0 = 0; p0 < n_rows; p0 += max_rows) {
            const int64_t pr = MinI64(max_rows, n_rows - p0);
            const int64_t row = m0 + p0;
            kKernels[nc - 1][pr - 1](rows + p0, kh, ky_stride, kgroups, w, plan.acc_init + ch0, plan.bias_term + ch0,
                                     ep, out + row * out_c + ch0,
                                     acc_out != nullptr ? acc_out + row * out_c + ch0 : nullptr, out_c, out_c - ch0);
          }
        }
      });
}

int64_t PackedBytes(int64_t out_c, int64_t k_pad) { return (out_c + kLanes - 1) / kLanes * kLanes * k_pad; }

void Pack(const int8_t* plain, int64_t out_c, int64_t k_pad, void* dst_v, int32_t* acc_init) {
  int8_t* dst = static_cast<int8_t*>(dst_v);
  const int64_t groups = (out_c + kLanes - 1) / kLanes;
  for (int64_t o = 0; o < out_c; ++o) {
    const int64_t b = o / kBlock, l = o % kBlock;
    const int64_t nc = MinI64(kMaxGroups, groups - kMaxGroups * b);
    int64_t sum = 0;
    for (int64_t kp = 0; kp < k_pad; ++kp) {
      const int8_t w = plain[o * k_pad + kp];
      dst[b * kBlock * k_pad + (kp / kDepthGroup) * (nc * kBlock) + l * kDepthGroup + kp % kDepthGroup] = w;
      sum += w;
    }
    acc_init[o] = static_cast<int32_t>(-128 * sum);  // see the file comment
  }
}

}  // namespace

const GemmKernel& GemmKernelAvx512Vnni() {
  static const GemmKernel kernel{kDepthGroup, 1, 1, PackedBytes, Pack, GemmConvAvx512Vnni};
  return kernel;
}

void DepthwiseAvx512(const DepthwisePlan& plan, const int8_t* in, int64_t batch, int8_t* out,
                     int32_t* acc_out, void* scratch) {
  DepthwiseBody(plan, in, batch, out, acc_out, static_cast<int32_t*>(scratch));
}

void FinishChannelsAvx512(const ChannelStage& st, const int32_t* acc, int64_t pixels, int8_t* out) {
  const int64_t c = st.channels;
  const __m512i lo = _mm512_set1_epi32(st.lo), hi = _mm512_set1_epi32(st.hi);
  for (int64_t m = 0; m < pixels; ++m) {
    for (int64_t o = 0; o < c; o += kLanes) {
      const int64_t n = MinI64(kLanes, c - o);
      const __mmask16 mask = static_cast<__mmask16>((1u << n) - 1u);
      __m512i v = _mm512_maskz_loadu_epi32(mask, acc + m * c + o);
      v = _mm512_add_epi32(_mm512_sllv_epi32(v, _mm512_maskz_loadu_epi32(mask, st.up + o)),
                           _mm512_maskz_loadu_epi32(mask, st.add + o));
      v = _mm512_srav_epi32(v, _mm512_maskz_loadu_epi32(mask, st.shift + o));
      v = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
      _mm512_mask_cvtsepi32_storeu_epi8(out + m * c + o, mask, v);
    }
  }
}

}  // namespace signdpu::optimized::internal
