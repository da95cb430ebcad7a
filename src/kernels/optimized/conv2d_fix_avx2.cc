// x86-64 AVX2 path. Compiled with -mavx2 (src/kernels/CMakeLists.txt) and
// only called after AvailableKernelPaths() saw AVX2 at run time. See
// conv_internal.h for why this file includes no C++ library header.
//
// vpmaddubsw (u8 x s8 -> saturated int16 pairs) is not exact for int8 x int8,
// so activations and weights are sign-extended to int16 and multiplied with
// vpmaddwd: two exact int16 products (|p| <= 2^14) summed into int32. The
// int32 sum is exact because Prepare chose this path only when
// 128 * sum |w[o]| < 2^31.
//
// Packed weights: blocks of up to 16 output channels (2 x 8 lanes); block b
// starts at b * 16 * k_pad int16 and holds [k_pad / 2][nc * 8][2] int16.
// Depth order: OHWI's k in im2col mode; [ky][run_pad] in direct mode
// (GemmPlan::direct, dilation_w == 1).
#include <immintrin.h>

#include "conv_internal.h"

namespace signdpu::optimized::internal {
namespace {

constexpr int kLanes = 8;
constexpr int kMaxGroups = 2;
// The packed weight layout (file comment): blocks of kBlock channels, depth
// in pairs (vpmaddwd: 2 int16 products per int32 lane).
constexpr int kDepthGroup = 2;
constexpr int kBlock = kLanes * kMaxGroups;

struct Epilogue {
  __m128i e, s, s8;
  __m256i round_pos, round_neg, lo, hi, k26;
  int leaky;
  int acc_only;
};

inline __m256i StageVec(const Epilogue& ep, __m256i acc, __m256i bias) {
  const __m256i v = _mm256_add_epi32(_mm256_sll_epi32(acc, ep.e), bias);
  __m256i y = _mm256_sra_epi32(_mm256_add_epi32(v, ep.round_pos), ep.s);
  if (ep.leaky) {
    const __m256i neg =
        _mm256_sra_epi32(_mm256_add_epi32(_mm256_mullo_epi32(v, ep.k26), ep.round_neg), ep.s8);
    y = _mm256_blendv_epi8(y, neg, _mm256_cmpgt_epi32(_mm256_setzero_si256(), v));
  }
  return _mm256_min_epi32(_mm256_max_epi32(y, ep.lo), ep.hi);
}

inline void StoreInt8(int8_t* out, __m256i y, int64_t lanes) {
  const __m128i p16 = _mm_packs_epi32(_mm256_castsi256_si128(y), _mm256_extracti128_si256(y, 1));
  const __m128i p8 = _mm_packs_epi16(p16, p16);
  if (lanes == kLanes) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), p8);
  } else {
    int8_t tmp[16];
    _mm_storeu_si128(reinterpret_cast<__m128i*>(tmp), p8);
    for (int64_t i = 0; i < lanes; ++i) out[i] = tmp[i];
  }
}

inline void StoreInt32(int32_t* out, __m256i v, int64_t lanes) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int32_t>(lanes)), idx);
  _mm256_maskstore_epi32(out, mask, v);
}

// P pixels x NC * 8 channels. Pixel p's activations for kernel row ky < kh
// and depth pair kp < kpairs are at rows[p] + ky * ky_stride + 2 * kp.
template <int P, int NC>
void Kernel(const int16_t* const* rows, int kh, int64_t ky_stride, int64_t kpairs, const int16_t* w,
            const int32_t* init, const int32_t* bias, const Epilogue& ep, int8_t* out, int32_t* acc_out,
            int64_t out_stride, int64_t valid) {
  __m256i acc[P][NC];
  #pragma GCC unroll 16
  for (int j = 0; j < NC; ++j) {
    const __m256i i0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(init + j * kLanes));
    #pragma GCC unroll 16
    for (int p = 0; p < P; ++p) acc[p][j] = i0;
  }
  for (int ky = 0; ky < kh; ++ky) {
    const int16_t* rp[P];
    #pragma GCC unroll 16
    for (int p = 0; p < P; ++p) rp[p] = rows[p] + ky * ky_stride;
    for (int64_t kp = 0; kp < kpairs; ++kp, w += NC * 2 * kLanes) {
      __m256i wv[NC];
      #pragma GCC unroll 16
      for (int j = 0; j < NC; ++j) wv[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + j * 2 * kLanes));
      #pragma GCC unroll 16
      for (int p = 0; p < P; ++p) {
        int32_t x;
        memcpy(&x, rp[p] + kp * 2, 4);
        const __m256i av = _mm256_set1_epi32(x);
        #pragma GCC unroll 16
        for (int j = 0; j < NC; ++j) acc[p][j] = _mm256_add_epi32(acc[p][j], _mm256_madd_epi16(av, wv[j]));
      }
    }
  }
  #pragma GCC unroll 16
  for (int j = 0; j < NC; ++j) {
    const int64_t lanes = MaxI64(0, MinI64(kLanes, valid - j * kLanes));
    if (lanes == 0) continue;
    if (ep.acc_only) {
      #pragma GCC unroll 16
      for (int p = 0; p < P; ++p) StoreInt32(acc_out + p * out_stride + j * kLanes, acc[p][j], lanes);
      continue;
    }
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + j * kLanes));
    #pragma GCC unroll 16
    for (int p = 0; p < P; ++p) StoreInt8(out + p * out_stride + j * kLanes, StageVec(ep, acc[p][j], b), lanes);
  }
}

using KernelFn = void (*)(const int16_t* const*, int, int64_t, int64_t, const int16_t*, const int32_t*,
                          const int32_t*, const Epilogue&, int8_t*, int32_t*, int64_t, int64_t);

// 16 ymm registers: P * nc accumulators + nc weights + broadcast + product.
constexpr int kMaxRows[kMaxGroups] = {8, 6};
constexpr KernelFn kKernels[kMaxGroups][8] = {
    {Kernel<1, 1>, Kernel<2, 1>, Kernel<3, 1>, Kernel<4, 1>, Kernel<5, 1>, Kernel<6, 1>, Kernel<7, 1>,
     Kernel<8, 1>},
    {Kernel<1, 2>, Kernel<2, 2>, Kernel<3, 2>, Kernel<4, 2>, Kernel<5, 2>, Kernel<6, 2>, nullptr, nullptr},
};


void GemmConvAvx2(const GemmPlan& plan, const int8_t* in, int64_t batch, int8_t* out, int32_t* acc_out,
                  void* scratch) {
  const int64_t out_c = plan.g.out_c;
  const int64_t groups = (out_c + kLanes - 1) / kLanes;
  const int16_t* weights = static_cast<const int16_t*>(plan.weights);

  Epilogue ep;
  ep.e = _mm_cvtsi32_si128(plan.stage.scale_up);
  ep.s = _mm_cvtsi32_si128(plan.stage.shift);
  ep.s8 = _mm_cvtsi32_si128(plan.stage.shift + 8);
  ep.round_pos = _mm256_set1_epi32(plan.stage.round_pos);
  ep.round_neg = _mm256_set1_epi32(plan.stage.round_neg);
  ep.lo = _mm256_set1_epi32(plan.stage.lo);
  ep.hi = _mm256_set1_epi32(plan.stage.hi);
  ep.k26 = _mm256_set1_epi32(26);
  ep.leaky = plan.stage.leaky;
  ep.acc_only = plan.acc_only;

  ForEachRowBlock<int16_t>(
      plan, in, batch, scratch, LoopCopier<int16_t, ToInt16>{0, ToInt16()}, kDepthGroup,
      [&](const int16_t* const* rows, int64_t n_rows, int kh, int64_t ky_stride, int64_t kpairs, int64_t m0) {
        for (int64_t gb = 0; gb < groups; gb += kMaxGroups) {
          const int nc = static_cast<int>(MinI64(kMaxGroups, groups - gb));
          const int64_t ch0 = gb * kLanes;
          const int16_t* w = weights + ch0 * plan.k_pad;
          const int max_rows = kMaxRows[nc - 1];
          for (int64_t p0 = 0; p0 < n_rows; p0 += max_rows) {
            const int64_t pr = MinI64(max_rows, n_rows - p0);
            const int64_t row = m0 + p0;
            kKernels[nc - 1][pr - 1](rows + p0, kh, ky_stride, kpairs, w, plan.acc_init + ch0, plan.bias_term + ch0,
                                     ep, out + row * out_c + ch0,
                                     acc_out != nullptr ? acc_out + row * out_c + ch0 : nullptr, out_c, out_c - ch0);
          }
        }
      });
}

int64_t PackedBytes(int64_t out_c, int64_t k_pad) {
  return (out_c + kLanes - 1) / kLanes * kLanes * k_pad * static_cast<int64_t>(sizeof(int16_t));
}

void Pack(const int8_t* plain, int64_t out_c, int64_t k_pad, void* dst_v, int32_t*) {
  int16_t* dst = static_cast<int16_t*>(dst_v);
  const int64_t groups = (out_c + kLanes - 1) / kLanes;
  for (int64_t o = 0; o < out_c; ++o) {
    const int64_t b = o / kBlock, l = o % kBlock;
    const int64_t nc = MinI64(kMaxGroups, groups - kMaxGroups * b);
    for (int64_t kp = 0; kp < k_pad; ++kp)
      dst[b * kBlock * k_pad + (kp / kDepthGroup) * (nc * kBlock) + l * kDepthGroup + kp % kDepthGroup] =
          plain[o * k_pad + kp];
  }
}

}  // namespace

const GemmKernel& GemmKernelAvx2() {
  static const GemmKernel kernel{kDepthGroup, sizeof(int16_t), 1, PackedBytes, Pack, GemmConvAvx2};
  return kernel;
}

void DepthwiseAvx2(const DepthwisePlan& plan, const int8_t* in, int64_t batch, int8_t* out,
                   int32_t* acc_out, void* scratch) {
  DepthwiseBody(plan, in, batch, out, acc_out, static_cast<int32_t*>(scratch));
}

void FinishChannelsAvx2(const ChannelStage& st, const int32_t* acc, int64_t pixels, int8_t* out) {
  const int64_t c = st.channels;
  const __m256i lo = _mm256_set1_epi32(st.lo), hi = _mm256_set1_epi32(st.hi);
  for (int64_t m = 0; m < pixels; ++m) {
    const int32_t* a = acc + m * c;
    int8_t* y = out + m * c;
    int64_t o = 0;
    for (; o + 8 <= c; o += 8) {
      __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + o));
      v = _mm256_add_epi32(_mm256_sllv_epi32(v, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(st.up + o))),
                           _mm256_loadu_si256(reinterpret_cast<const __m256i*>(st.add + o)));
      v = _mm256_srav_epi32(v, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(st.shift + o)));
      v = _mm256_min_epi32(_mm256_max_epi32(v, lo), hi);
      const __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(y + o), _mm_packs_epi16(w16, w16));
    }
    for (; o < c; ++o) y[o] = FinishChannel(st, o, a[o]);
  }
}

}  // namespace signdpu::optimized::internal
