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
  int kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
};

// The conv output stage in int32 (docs/arithmetic.md section 4), used only when
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
  // AVX-512 VNNI and AVX2: direct (implicit-GEMM) mode for dilation_w == 1.
  // The batch is copied once into a padded image of the packed A type and
  // each pixel's kernel rows are read in place: depth order [ky][run_pad],
  // run_pad = kw * in_c rounded up to the depth step (the extra elements meet
  // zero weights). See ForEachRowBlock.
  int direct;
  int64_t run_pad;
  int64_t padded_image_bytes;  // (pt + in_h + pb) * (pl + in_w + pr) * in_c * sizeof(A type)
};

// One ISA's GEMM conv: the operand layout its kernel reads and the kernel.
// Each ISA file defines its own (GemmKernelPortable() etc.), so the weight
// packing and its block sizes live beside the only code that reads them, in
// the manner of ruy's per-path packing; conv2d_fix.cc only hands it the
// weights as a plain matrix.
struct GemmKernel {
  int64_t k_step;  // depth padded to a multiple of this (GemmPlan::k_pad, run_pad)
  int64_t a_elem;  // bytes per packed activation element
  int direct;      // 1: the kernel has the direct mode (GemmPlan::direct) for dilation_w == 1
  // Bytes of packed weights for out_c channels of depth k_pad.
  int64_t (*packed_bytes)(int64_t out_c, int64_t k_pad);
  // plain: [out_c][k_pad] int8 in the kernel's depth order, zero in the depth
  // padding. Writes the packed weights into dst (packed_bytes, zeroed) and
  // sets acc_init[0..out_c) where the kernel needs one (zeroed otherwise).
  void (*pack)(const int8_t* plain, int64_t out_c, int64_t k_pad, void* dst, int32_t* acc_init);
  // GEMM `scratch` holds rows_per_block * k_pad elements of a_elem bytes
  // (direct mode: the padded batch, see GemmPlan); acc_out is used only when
  // plan.acc_only (batch * out_h * out_w * out_c int32).
  void (*run)(const GemmPlan& plan, const int8_t* in, int64_t batch, int8_t* out, int32_t* acc_out, void* scratch);
};

// Depthwise (channel multiplier 1), direct loops over channels.
struct DepthwisePlan {
  ConvGeom g;
  const int32_t* weights;      // [kh * kw][in_c], sign-extended
  const int32_t* weights_row;  // [kh * kw][out_w * in_c] tiled along x, or null (stride_w != 1)
  const int32_t* bias_row;     // [out_w * in_c], bias_term tiled along x
  Stage32 stage;
  int acc_only;
};


// Per-ISA entry points. Depthwise scratch holds out_w * in_c int32
// (conv2d_fix.cc sizes it); acc_out is used only when plan.acc_only
// (batch * out_h * out_w * out_c int32).
const GemmKernel& GemmKernelPortable();
void DepthwisePortable(const DepthwisePlan& plan, const int8_t* in, int64_t batch, int8_t* out,
                       int32_t* acc_out, void* scratch);

// Weight groups' output stages after one shared GEMM (conv2d_fix.cc,
// PrepareGroupedConv2d), per channel o, used when every group's Stage32 is
// fast and not LEAKYRELU:
//   out[m][o] = clamp(((acc[m][o] << up[o]) + add[o]) >> shift[o], lo, hi)
// with add[o] = bias_term[o] + round_pos (the same as ApplyStage32).
struct ChannelStage {
  const int32_t* up;
  const int32_t* add;
  const int32_t* shift;
  int32_t lo, hi;
  int64_t channels;
};
void FinishChannelsPortable(const ChannelStage& st, const int32_t* acc, int64_t pixels, int8_t* out);

// The x86-64 (conv2d_fix_avx2.cc, conv2d_fix_avx512.cc) and aarch64
// (conv2d_fix_neon.cc) entry points are declared on every build; where an ISA
// is not compiled, isa_stubs_x86.cc / isa_stubs_neon.cc define them as
// never-called stubs (dispatch.cc never offers that path), so the callers
// hold no preprocessor switches.
void FinishChannelsAvx2(const ChannelStage& st, const int32_t* acc, int64_t pixels, int8_t* out);
void FinishChannelsAvx512(const ChannelStage& st, const int32_t* acc, int64_t pixels, int8_t* out);
const GemmKernel& GemmKernelAvx2();
void DepthwiseAvx2(const DepthwisePlan& plan, const int8_t* in, int64_t batch, int8_t* out,
                   int32_t* acc_out, void* scratch);
const GemmKernel& GemmKernelAvx512Vnni();
void DepthwiseAvx512(const DepthwisePlan& plan, const int8_t* in, int64_t batch, int8_t* out,
                     int32_t* acc_out, void* scratch);
const GemmKernel& GemmKernelNeon();
void DepthwiseNeon(const DepthwisePlan& plan, const int8_t* in, int64_t batch, int8_t* out,
                   int32_t* acc_out, void* scratch);

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

// One channel of FinishChannels* (ChannelStage above), scalar.
inline int8_t FinishChannel(const ChannelStage& st, int64_t o, int32_t acc) {
  int32_t y = (acc * (int32_t{1} << st.up[o]) + st.add[o]) >> st.shift[o];
  y = y < st.lo ? st.lo : (y > st.hi ? st.hi : y);
  return static_cast<int8_t>(y);
}

// Copies runs of int8 into the packed A type: identity (int8), sign-extend
// (int16) or +128 (uint8, via xor 0x80). SIMD files pass their own copier.
template <typename T, typename Xform>
struct LoopCopier {
  T pad;
  Xform xf;
  void Copy(T* d, const int8_t* s, int64_t n) const {
    for (int64_t j = 0; j < n; ++j) d[j] = xf(s[j]);
  }
  void Fill(T* d, int64_t n) const {
    for (int64_t j = 0; j < n; ++j) d[j] = pad;
  }
};

struct ToInt8 {
  int8_t operator()(int8_t v) const { return v; }
};
struct ToInt16 {
  int16_t operator()(int8_t v) const { return v; }
};

// im2col for rows [m0, m0 + rows) of the conv-as-GEMM into dst (row stride
// k_pad): padded pixels and the depth tail are filled with the copier's pad
// (an activation of 0).
template <typename T, typename Copier>
void PackRows(const ConvGeom& g, int64_t k, int64_t k_pad, const int8_t* in, int64_t m0, int64_t rows,
              T* dst, const Copier& cp) {
  const int64_t c = g.in_c;
  const int64_t per_image = g.out_h * g.out_w;
  const int64_t run = int64_t{g.kw} * c;  // one kernel row, contiguous when dw == 1
  int64_t n = m0 / per_image;
  int64_t oy = (m0 - n * per_image) / g.out_w;
  int64_t ox = m0 - n * per_image - oy * g.out_w;
  for (int64_t i = 0; i < rows; ++i) {
    const int8_t* in_n = in + n * g.in_h * g.in_w * c;
    T* d = dst + i * k_pad;
    const int64_t ix0 = ox * g.sw - g.pl;
    const bool row_inside = g.dw == 1 && ix0 >= 0 && ix0 + g.kw <= g.in_w;
    for (int ky = 0; ky < g.kh; ++ky) {
      const int64_t iy = oy * g.sh + int64_t{ky} * g.dh - g.pt;
      if (iy < 0 || iy >= g.in_h) {
        cp.Fill(d, run);
        d += run;
        continue;
      }
      const int8_t* row = in_n + iy * g.in_w * c;
      if (row_inside) {
        cp.Copy(d, row + ix0 * c, run);
        d += run;
        continue;
      }
      for (int kx = 0; kx < g.kw; ++kx) {
        const int64_t ix = ix0 + int64_t{kx} * g.dw;
        if (ix < 0 || ix >= g.in_w) {
          cp.Fill(d, c);
        } else {
          cp.Copy(d, row + ix * c, c);
        }
        d += c;
      }
    }
    if (k_pad > k) cp.Fill(dst + i * k_pad + k, k_pad - k);
    if (++ox == g.out_w) {
      ox = 0;
      if (++oy == g.out_h) {
        oy = 0;
        ++n;
      }
    }
  }
}

// Splits the conv-as-GEMM rows into blocks and gives `block_fn` one row
// pointer per pixel of a block:
//   block_fn(rows, n_rows, kh, ky_stride, kgroups, m0)
// where pixel i's activations for kernel row ky and depth group g start at
// rows[i] + ky * ky_stride + g * group (in T elements).
// im2col mode: the rows are packed into scratch (kh = 1).
// Direct mode (plan.direct): the batch is copied once into scratch as a
// padded image (padding = an activation of 0) plus 64 elements of slack for
// the run_pad over-read, and rows point into it.
template <typename T, typename Copier, typename BlockFn>
void ForEachRowBlock(const GemmPlan& plan, const int8_t* in, int64_t batch, void* scratch, const Copier& cp,
                     int64_t group, BlockFn block_fn) {
  const ConvGeom& g = plan.g;
  const int64_t m_total = batch * g.out_h * g.out_w;
  constexpr int64_t kBlock = 960;  // >= GemmPlan::rows_per_block (conv2d_fix.cc caps it)
  const T* row_ptr[kBlock];
  const int64_t block = plan.direct ? kBlock : MinI64(kBlock, plan.rows_per_block);
  const int kh = plan.direct ? g.kh : 1;
  const int64_t kgroups = (plan.direct ? plan.run_pad : plan.k_pad) / group;
  const int64_t c = g.in_c;
  const int64_t hp = g.pt + g.in_h + g.pb, wp = g.pl + g.in_w + g.pr;
  const int64_t ky_stride = plan.direct ? int64_t{g.dh} * wp * c : 0;
  T* a = static_cast<T*>(scratch);
  if (plan.direct) {
    T* d = a;
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t y = 0; y < hp; ++y, d += wp * c) {
        const int64_t iy = y - g.pt;
        if (iy < 0 || iy >= g.in_h) {
          cp.Fill(d, wp * c);
          continue;
        }
        cp.Fill(d, g.pl * c);
        cp.Copy(d + g.pl * c, in + (n * g.in_h + iy) * g.in_w * c, g.in_w * c);
        cp.Fill(d + (g.pl + g.in_w) * c, g.pr * c);
      }
    }
    cp.Fill(d, 64);
  }
  int64_t n = 0, oy = 0, ox = 0;  // pixel of row m0 (direct mode)
  for (int64_t m0 = 0; m0 < m_total; m0 += block) {
    const int64_t rows = MinI64(block, m_total - m0);
    if (plan.direct) {
      for (int64_t i = 0; i < rows; ++i) {
        row_ptr[i] = a + ((n * hp + oy * g.sh) * wp + ox * g.sw) * c;
        if (++ox == g.out_w) {
          ox = 0;
          if (++oy == g.out_h) {
            oy = 0;
            ++n;
          }
        }
      }
    } else {
      PackRows<T>(g, plan.k, plan.k_pad, in, m0, rows, a, cp);
      for (int64_t i = 0; i < rows; ++i) row_ptr[i] = a + i * plan.k_pad;
    }
    block_fn(static_cast<const T* const*>(row_ptr), rows, kh, ky_stride, kgroups, m0);
  }
}

// Output stage over n elements (vectorisable: uniform shifts, no branches in
// the loop body).
inline void StageRow(const Stage32& st, const int32_t* acc, const int32_t* bias, int8_t* out, int64_t n) {
  // Locals only in the loops (int8 stores may alias the struct).
  const int32_t mul = int32_t{1} << st.scale_up;
  const int32_t round = st.round_pos, lo = st.lo, hi = st.hi;
  const int shift = st.shift;
  if (!st.leaky) {
    for (int64_t j = 0; j < n; ++j) {
      int32_t y = (acc[j] * mul + bias[j] + round) >> shift;
      y = y < lo ? lo : y;
      y = y > hi ? hi : y;
      out[j] = static_cast<int8_t>(y);
    }
    return;
  }
  const Stage32 local = st;
  for (int64_t j = 0; j < n; ++j) out[j] = static_cast<int8_t>(ApplyStage32(local, acc[j], bias[j]));
}

// Depthwise conv, direct, channels innermost so the loops vectorise with
// the including file's ISA flags. With stride_w 1 and row-tiled weights
// (weights_row != nullptr) a whole output row (out_w * C values) is one
// contiguous multiply-add per tap; otherwise per output pixel.
// scratch: out_w * C int32.
inline void DepthwiseBody(const DepthwisePlan& p, const int8_t* in, int64_t batch, int8_t* out,
                          int32_t* acc_out, int32_t* scratch) {
  const ConvGeom& g = p.g;
  const int64_t c = g.in_c;
  const int64_t row_len = g.out_w * c;
  if (g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.pb == 0 && g.pr == 0 &&
      p.weights_row != nullptr && !p.acc_only && !p.stage.leaky) {
    // 1x1, stride 1, no padding (a BatchNorm folded into a depthwise conv):
    // product and output stage in one pass. Everything the loop reads is in
    // locals: int8 stores may alias anything, which would stop vectorisation.
    const int32_t mul = int32_t{1} << p.stage.scale_up;
    const int32_t round = p.stage.round_pos, lo = p.stage.lo, hi = p.stage.hi;
    const int shift = p.stage.shift;
    const int32_t* const w = p.weights_row;
    const int32_t* const b = p.bias_row;
    const int64_t rows = batch * g.out_h;
    for (int64_t r = 0; r < rows; ++r) {
      const int8_t* src = in + r * row_len;
      int8_t* dst = out + r * row_len;
      for (int64_t j = 0; j < row_len; ++j) {
        int32_t y = (int32_t{src[j]} * w[j] * mul + b[j] + round) >> shift;
        y = y < lo ? lo : y;
        y = y > hi ? hi : y;
        dst[j] = static_cast<int8_t>(y);
      }
    }
    return;
  }
  for (int64_t n = 0; n < batch; ++n) {
    const int8_t* in_n = in + n * g.in_h * g.in_w * c;
    for (int64_t oy = 0; oy < g.out_h; ++oy) {
      int32_t* acc = scratch;
      for (int64_t j = 0; j < row_len; ++j) acc[j] = 0;
      for (int ky = 0; ky < g.kh; ++ky) {
        const int64_t iy = oy * g.sh + int64_t{ky} * g.dh - g.pt;
        if (iy < 0 || iy >= g.in_h) continue;
        const int8_t* in_row = in_n + iy * g.in_w * c;
        for (int kx = 0; kx < g.kw; ++kx) {
          const int64_t tap = int64_t{ky} * g.kw + kx;
          const int64_t shift_x = int64_t{kx} * g.dw - g.pl;  // ix = ox * sw + shift_x
          if (p.weights_row != nullptr) {
            const int64_t x0 = MaxI64(0, -shift_x);
            const int64_t x1 = MinI64(g.out_w, g.in_w - shift_x);
            if (x0 >= x1) continue;
            const int8_t* src = in_row + (x0 + shift_x) * c;
            const int32_t* wt = p.weights_row + tap * row_len + x0 * c;
            int32_t* a = acc + x0 * c;
            const int64_t len = (x1 - x0) * c;
            for (int64_t j = 0; j < len; ++j) a[j] += int32_t{src[j]} * wt[j];
            continue;
          }
          const int32_t* wt = p.weights + tap * c;
          for (int64_t ox = 0; ox < g.out_w; ++ox) {
            const int64_t ix = ox * g.sw + shift_x;
            if (ix < 0 || ix >= g.in_w) continue;
            const int8_t* px = in_row + ix * c;
            int32_t* a = acc + ox * c;
            for (int64_t j = 0; j < c; ++j) a[j] += int32_t{px[j]} * wt[j];
          }
        }
      }
      const int64_t m0 = (n * g.out_h + oy) * g.out_w;
      if (p.acc_only) {
        int32_t* a = acc_out + m0 * c;
        for (int64_t j = 0; j < row_len; ++j) a[j] = acc[j];
      } else {
        StageRow(p.stage, acc, p.bias_row, out + m0 * c, row_len);
      }
    }
  }
}

}  // namespace
}  // namespace signdpu::optimized::internal
