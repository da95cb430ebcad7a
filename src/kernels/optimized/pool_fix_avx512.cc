// x86-64 AVX-512 pool-fix path. Compiled with the AVX-512 flags of
// conv2d_fix_avx512.cc (src/kernels/CMakeLists.txt) and only called after
// AvailableKernelPaths() saw those features at run time; no C++ library
// header (see conv_internal.h).
#include <immintrin.h>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "pool_internal.h"

namespace signdpu::optimized::internal {
namespace {

inline int64_t MinI64(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t MaxI64(int64_t a, int64_t b) { return a > b ? a : b; }
// The first n (>= 1) of 64 byte lanes.
inline __mmask64 Mask64(int64_t n) { return n >= 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1; }

}  // namespace

// MAX pool with fi == fo (the common case) in int8 with masked 64-byte
// vectors over channels; everything else goes through PoolBody.
void PoolAvx512(const PoolPlan& p, const int8_t* in, int64_t batch, int8_t* out, void* scratch) {
  if (!p.is_max || p.shift != 0) {
    PoolBody(p, in, batch, out, static_cast<int32_t*>(scratch));
    return;
  }
  const int64_t c = p.c;
  const __m512i lowest = _mm512_set1_epi8(-128);
  for (int64_t n = 0; n < batch; ++n) {
    const int8_t* in_n = in + n * p.in_h * p.in_w * c;
    int8_t* o = out + n * p.out_h * p.out_w * c;
    for (int64_t oy = 0; oy < p.out_h; ++oy) {
      const int64_t y0 = MaxI64(0, oy * p.sh - p.pt), y1 = MinI64(p.in_h, oy * p.sh - p.pt + p.kh);
      for (int64_t ox = 0; ox < p.out_w; ++ox, o += c) {
        const int64_t x0 = MaxI64(0, ox * p.sw - p.pl), x1 = MinI64(p.in_w, ox * p.sw - p.pl + p.kw);
        for (int64_t c0 = 0; c0 < c; c0 += 64) {
          const __mmask64 m = Mask64(c - c0);
          __m512i acc = lowest;
          for (int64_t iy = y0; iy < y1; ++iy)
            for (int64_t ix = x0; ix < x1; ++ix)
              acc = _mm512_max_epi8(acc, _mm512_maskz_loadu_epi8(m, in_n + (iy * p.in_w + ix) * c + c0));
          _mm512_mask_storeu_epi8(o + c0, m, acc);
        }
      }
    }
  }
}

}  // namespace signdpu::optimized::internal
