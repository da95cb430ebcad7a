// Private to src/kernels/optimized: the pool-fix plan shared by the
// ISA-independent prepare code (pool_fix.cc) and the per-ISA compute files
// (pool_fix_avx2.cc, pool_fix_avx512.cc; the portable/NEON body is compiled
// in pool_fix.cc). Same ODR rule as conv_internal.h: C headers only, helpers
// with internal linkage.
#pragma once

#include <stdint.h>

namespace signdpu::optimized::internal {

// Max / average pool (pool-fix), exact in int64 at the end.
struct PoolPlan {
  int64_t in_h, in_w, c, out_h, out_w;
  int kh, kw, sh, sw, pt, pl;
  int is_max;
  int64_t avg_multiplier;  // N (AVG)
  int shift;               // MAX: fi - fo; AVG: M + fi - fo
};

// Per-ISA entry points; scratch: c int32 (pool_fix.cc sizes it). Declared on
// every build (isa_stubs_x86.cc where the x86 kernels are not compiled).
void PoolPortable(const PoolPlan& plan, const int8_t* in, int64_t batch, int8_t* out, void* scratch);  // also NEON
void PoolAvx2(const PoolPlan& plan, const int8_t* in, int64_t batch, int8_t* out, void* scratch);
void PoolAvx512(const PoolPlan& plan, const int8_t* in, int64_t batch, int8_t* out, void* scratch);

namespace {

// pool-fix. MAX starts at -128 and skips padded pixels (compared in int8);
// AVG sums the full window with padded pixels as 0 (int32); then
// Sat8(ShiftRound(y * N, shift)) in int64, as kernels/reference/pool_fix.cc.
// scratch: C int32.
inline void PoolBody(const PoolPlan& p, const int8_t* in, int64_t batch, int8_t* out, int32_t* scratch) {
  const int64_t c = p.c;
  for (int64_t n = 0; n < batch; ++n) {
    const int8_t* in_n = in + n * p.in_h * p.in_w * c;
    int8_t* out_n = out + n * p.out_h * p.out_w * c;
    for (int64_t oy = 0; oy < p.out_h; ++oy) {
      for (int64_t ox = 0; ox < p.out_w; ++ox) {
        int8_t* o = out_n + (oy * p.out_w + ox) * c;
        if (p.is_max) {
          for (int64_t j = 0; j < c; ++j) o[j] = -128;
        } else {
          for (int64_t j = 0; j < c; ++j) scratch[j] = 0;
        }
        for (int ky = 0; ky < p.kh; ++ky) {
          const int64_t iy = oy * p.sh + ky - p.pt;
          if (iy < 0 || iy >= p.in_h) continue;
          for (int kx = 0; kx < p.kw; ++kx) {
            const int64_t ix = ox * p.sw + kx - p.pl;
            if (ix < 0 || ix >= p.in_w) continue;
            const int8_t* px = in_n + (iy * p.in_w + ix) * c;
            if (p.is_max) {
              for (int64_t j = 0; j < c; ++j) o[j] = o[j] > px[j] ? o[j] : px[j];
            } else {
              for (int64_t j = 0; j < c; ++j) scratch[j] += px[j];
            }
          }
        }
        if (p.is_max && p.shift == 0) continue;  // the common case: fi == fo
        const int64_t mul = p.is_max ? 1 : p.avg_multiplier;
        for (int64_t j = 0; j < c; ++j) {
          int64_t v = (p.is_max ? int64_t{o[j]} : int64_t{scratch[j]}) * mul;
          v = p.shift > 0 ? (v + (int64_t{1} << (p.shift - 1))) >> p.shift : v * (int64_t{1} << -p.shift);
          v = v < -128 ? -128 : (v > 127 ? 127 : v);
          o[j] = static_cast<int8_t>(v);
        }
      }
    }
  }
}

}  // namespace
}  // namespace signdpu::optimized::internal
