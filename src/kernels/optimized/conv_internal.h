// Private to src/kernels/optimized: plain-data plans shared by the
// ISA-independent prepare code (conv2d_fix.cc) and the per-ISA compute files
// (conv2d_fix_{portable,avx2,avx512,neon}.cc).
//
// ODR rule for this folder: the x86 SIMD files are compiled with -mavx2 /
// -mavx512* and must run only after run-time dispatch. Any inline function or
// template with external linkage that they instantiated (std::vector, std::min,
// an inline helper from another header) could be emitted as a weak symbol with
// AVX-512 code and then be picked by the linker for the whole program, which
// would crash CPUs without AVX-512. So this header includes only C headers,
// holds plain structs, and keeps every helper in an anonymous namespace
// (internal linkage: each file gets its own copy compiled with its own flags).
#pragma once

#include <stdint.h>
#include <string.h>

namespace signdpu::optimized::internal {

// Geometry of one conv (one image; the batch is a run-time argument).
struct ConvGeom {
  int64_t in_h, in_w, in_c;
  int64_t out_h, out_w, out_c;
  int kh, kw, sh, sw, dh, dw, pt, pl;
};

// The conv output stage in int32 (dpu-arithmetic.md 2.3), used only when
// Prepare proved that no intermediate leaves int32 (see conv2d_fix.cc):
//   v = acc * 2^scale_up + bias_term[o]
//   y = leaky && v < 0 ? (26 * v + round_neg) >> (shift + 8)
//                      : (v + round_pos) >> shift          (>> is floor)
//   out = clamp(y, lo, hi)        (lo/hi fold the activation and Sat8)
struct Stage32 {
  int32_t scale_up;   // e = max(0, -shift_bias)
  int32_t shift;      // s = shift_cut + e, 0..30
  int32_t leaky;      // 1 for LEAKYRELU
  int32_t round_pos;  // s > 0 ? 2^(s-1) : 0
  int32_t round_neg;  // 2^(s+7)
  int32_t lo, hi;
};

// Conv as GEMM: rows = output pixels (batch * out_h * out_w), columns =
// output channels, depth k = kh * kw * in_c in OHWI order. Each ISA packs the
// im2col rows of a block of `rows_per_block` pixels into caller-provided
// scratch and multiplies them by weights packed at prepare time.
struct GemmPlan {
  ConvGeom g;
  int64_t k;               // kh * kw * in_c
  int64_t k_pad;           // k rounded up to the ISA's depth step
  int64_t rows_per_block;  // pixels packed per block
  const void* weights;     // ISA-specific packed layout (see each file)
  const int32_t* acc_init;   // [o_pad] initial accumulator (VNNI: -128 * sum w)
  const int32_t* bias_term;  // [o_pad] bias[o] << max(0, shift_bias)
  Stage32 stage;
  int acc_only;  // 1: write raw int32 accumulators (the caller finishes in int64)
};

// Depthwise (channel multiplier 1), direct loops over channels.
struct DepthwisePlan {
  ConvGeom g;
  const int32_t* weights;    // [kh * kw][in_c], sign-extended
  const int32_t* bias_term;  // [in_c]
  Stage32 stage;
  int acc_only;
};

// Max / average pool (pool-fix), exact in int64 at the end.
struct PoolPlan {
  int64_t in_h, in_w, c, out_h, out_w;
  int kh, kw, sh, sw, pt, pl;
  int is_max;
  int64_t avg_multiplier;  // N (AVG)
  int shift;               // MAX: fi - fo; AVG: M + fi - fo
};

// Per-ISA entry points. `scratch` holds rows_per_block * k_pad elements of the
// ISA's packed A type (see ScratchBytes in conv2d_fix.cc); acc_out is used only
// when plan.acc_only (batch * out_h * out_w * out_c int32).
void GemmConvPortable(const GemmPlan& plan, const int8_t* in, int64_t batch, int8_t* out,
                      int32_t* acc_out, void* scratch);
void DepthwisePortable(const DepthwisePlan& plan, const int8_t* in, int64_t batch, int8_t* out,
                       int32_t* acc_out);
void PoolPortable(const PoolPlan& plan, const int8_t* in, int64_t batch, int8_t* out);  // also NEON

#if defined(SIGNDPU_HAVE_X86_KERNELS)
void GemmConvAvx2(const GemmPlan& plan, const int8_t* in, int64_t batch, int8_t* out, int32_t* acc_out,
                  void* scratch);
void DepthwiseAvx2(const DepthwisePlan& plan, const int8_t* in, int64_t batch, int8_t* out,
                   int32_t* acc_out);
void PoolAvx2(const PoolPlan& plan, const int8_t* in, int64_t batch, int8_t* out);
void GemmConvAvx512Vnni(const GemmPlan& plan, const int8_t* in, int64_t batch, int8_t* out,
                        int32_t* acc_out, void* scratch);
void DepthwiseAvx512(const DepthwisePlan& plan, const int8_t* in, int64_t batch, int8_t* out,
                     int32_t* acc_out);
#endif
#if defined(SIGNDPU_HAVE_NEON_KERNELS)
void GemmConvNeon(const GemmPlan& plan, const int8_t* in, int64_t batch, int8_t* out, int32_t* acc_out,
                  void* scratch);
void DepthwiseNeon(const DepthwisePlan& plan, const int8_t* in, int64_t batch, int8_t* out,
                   int32_t* acc_out);
#endif

namespace {

inline int64_t MinI64(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t MaxI64(int64_t a, int64_t b) { return a > b ? a : b; }

// Scalar int32 output stage (Stage32 above). Shifting a negative int32 right
// is arithmetic (floor) on every compiler this project supports (GCC, Clang;
// C++20 makes it standard).
inline int32_t ApplyStage32(const Stage32& st, int32_t acc, int32_t bias_term) {
  const int32_t v = acc * (int32_t{1} << st.scale_up) + bias_term;
  int32_t y;
  if (st.leaky && v < 0) {
    y = (v * 26 + st.round_neg) >> (st.shift + 8);
  } else {
    y = (v + st.round_pos) >> st.shift;
  }
  y = y < st.lo ? st.lo : y;
  y = y > st.hi ? st.hi : y;
  return y;
}

// im2col for rows [m0, m0 + rows) of the conv-as-GEMM into dst (row stride
// k_pad), converting each int8 with `xf` (identity, sign-extend to int16, or
// +128 to uint8) and writing `pad` for padded pixels and the depth tail.
template <typename T, typename Xform>
void PackRows(const ConvGeom& g, int64_t k, int64_t k_pad, const int8_t* in, int64_t m0, int64_t rows,
              T* dst, T pad, Xform xf) {
  const int64_t c = g.in_c;
  const int64_t per_image = g.out_h * g.out_w;
  const int64_t run = int64_t{g.kw} * c;  // one kernel row, contiguous when dw == 1
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t m = m0 + i;
    const int64_t n = m / per_image;
    const int64_t r = m - n * per_image;
    const int64_t oy = r / g.out_w;
    const int64_t ox = r - oy * g.out_w;
    const int8_t* in_n = in + n * g.in_h * g.in_w * c;
    T* d = dst + i * k_pad;
    const int64_t ix0 = ox * g.sw - g.pl;
    const bool row_inside = g.dw == 1 && ix0 >= 0 && ix0 + g.kw <= g.in_w;
    for (int ky = 0; ky < g.kh; ++ky) {
      const int64_t iy = oy * g.sh + int64_t{ky} * g.dh - g.pt;
      if (iy < 0 || iy >= g.in_h) {
        for (int64_t j = 0; j < run; ++j) d[j] = pad;
        d += run;
        continue;
      }
      const int8_t* row = in_n + iy * g.in_w * c;
      if (row_inside) {
        const int8_t* s = row + ix0 * c;
        for (int64_t j = 0; j < run; ++j) d[j] = xf(s[j]);
        d += run;
        continue;
      }
      for (int kx = 0; kx < g.kw; ++kx) {
        const int64_t ix = ix0 + int64_t{kx} * g.dw;
        if (ix < 0 || ix >= g.in_w) {
          for (int64_t j = 0; j < c; ++j) d[j] = pad;
        } else {
          const int8_t* s = row + ix * c;
          for (int64_t j = 0; j < c; ++j) d[j] = xf(s[j]);
        }
        d += c;
      }
    }
    for (int64_t j = k; j < k_pad; ++j) dst[i * k_pad + j] = pad;
  }
}

// Depthwise conv, direct: channels innermost so the loops vectorise with the
// including file's ISA flags.
inline void DepthwiseBody(const DepthwisePlan& p, const int8_t* in, int64_t batch, int8_t* out,
                          int32_t* acc_out) {
  const ConvGeom& g = p.g;
  const int64_t c = g.in_c;
  constexpr int64_t kChunk = 256;
  int32_t acc[kChunk];
  for (int64_t n = 0; n < batch; ++n) {
    const int8_t* in_n = in + n * g.in_h * g.in_w * c;
    for (int64_t oy = 0; oy < g.out_h; ++oy) {
      for (int64_t ox = 0; ox < g.out_w; ++ox) {
        const int64_t m = (n * g.out_h + oy) * g.out_w + ox;
        for (int64_t c0 = 0; c0 < c; c0 += kChunk) {
          const int64_t cn = MinI64(kChunk, c - c0);
          for (int64_t j = 0; j < cn; ++j) acc[j] = 0;
          for (int ky = 0; ky < g.kh; ++ky) {
            const int64_t iy = oy * g.sh + int64_t{ky} * g.dh - g.pt;
            if (iy < 0 || iy >= g.in_h) continue;
            for (int kx = 0; kx < g.kw; ++kx) {
              const int64_t ix = ox * g.sw + int64_t{kx} * g.dw - g.pl;
              if (ix < 0 || ix >= g.in_w) continue;
              const int8_t* px = in_n + (iy * g.in_w + ix) * c + c0;
              const int32_t* wt = p.weights + (int64_t{ky} * g.kw + kx) * c + c0;
              for (int64_t j = 0; j < cn; ++j) acc[j] += int32_t{px[j]} * wt[j];
            }
          }
          if (p.acc_only) {
            int32_t* a = acc_out + m * c + c0;
            for (int64_t j = 0; j < cn; ++j) a[j] = acc[j];
          } else {
            int8_t* o = out + m * c + c0;
            const int32_t* bt = p.bias_term + c0;
            for (int64_t j = 0; j < cn; ++j) o[j] = static_cast<int8_t>(ApplyStage32(p.stage, acc[j], bt[j]));
          }
        }
      }
    }
  }
}

// pool-fix. MAX starts at -128 and skips padded pixels; AVG sums the full
// window with padded pixels as 0; then Sat8(ShiftRound(y * N, shift)) in
// int64, as kernels/reference/pool_fix.cc.
inline void PoolBody(const PoolPlan& p, const int8_t* in, int64_t batch, int8_t* out) {
  const int64_t c = p.c;
  constexpr int64_t kChunk = 256;
  int32_t acc[kChunk];
  for (int64_t n = 0; n < batch; ++n) {
    const int8_t* in_n = in + n * p.in_h * p.in_w * c;
    int8_t* out_n = out + n * p.out_h * p.out_w * c;
    for (int64_t oy = 0; oy < p.out_h; ++oy) {
      for (int64_t ox = 0; ox < p.out_w; ++ox) {
        int8_t* o = out_n + (oy * p.out_w + ox) * c;
        for (int64_t c0 = 0; c0 < c; c0 += kChunk) {
          const int64_t cn = MinI64(kChunk, c - c0);
          const int32_t init = p.is_max ? -128 : 0;
          for (int64_t j = 0; j < cn; ++j) acc[j] = init;
          for (int ky = 0; ky < p.kh; ++ky) {
            const int64_t iy = oy * p.sh + ky - p.pt;
            if (iy < 0 || iy >= p.in_h) continue;
            for (int kx = 0; kx < p.kw; ++kx) {
              const int64_t ix = ox * p.sw + kx - p.pl;
              if (ix < 0 || ix >= p.in_w) continue;
              const int8_t* px = in_n + (iy * p.in_w + ix) * c + c0;
              if (p.is_max) {
                for (int64_t j = 0; j < cn; ++j) acc[j] = acc[j] > px[j] ? acc[j] : int32_t{px[j]};
              } else {
                for (int64_t j = 0; j < cn; ++j) acc[j] += px[j];
              }
            }
          }
          if (p.is_max && p.shift == 0) {  // the common case: fi == fo
            for (int64_t j = 0; j < cn; ++j) o[c0 + j] = static_cast<int8_t>(acc[j]);
            continue;
          }
          const int64_t mul = p.is_max ? 1 : p.avg_multiplier;
          for (int64_t j = 0; j < cn; ++j) {
            int64_t v = acc[j] * mul;
            v = p.shift > 0 ? (v + (int64_t{1} << (p.shift - 1))) >> p.shift : v * (int64_t{1} << -p.shift);
            v = v < -128 ? -128 : (v > 127 ? 127 : v);
            o[c0 + j] = static_cast<int8_t>(v);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace signdpu::optimized::internal
