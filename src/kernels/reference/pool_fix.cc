// Reference pool-fix. Formula: see the header.
#include "signdpu/kernels/reference/pool_fix.h"

#include <cmath>

#include "signdpu/fixpoint/fixpoint.h"
#include "signdpu/kernels/reference/conv2d_fix.h"

namespace signdpu {

void AvgPoolFactor(int kernel_h, int kernel_w, int64_t* multiplier, int* shift) {
  const int k = kernel_h * kernel_w;
  // The DPU's fixed factors [source: Vitis-AI-Library pool-fix, vai_q_pytorch dpu_utils].
  if (kernel_h == kernel_w) {
    switch (kernel_h) {
      case 2: *multiplier = 1; *shift = 2; return;
      case 3: *multiplier = 7; *shift = 6; return;
      case 5: *multiplier = 10; *shift = 8; return;
      case 6: *multiplier = 7; *shift = 8; return;
      case 7: *multiplier = 21; *shift = 10; return;
      case 14: *multiplier = 21; *shift = 12; return;
      default: break;
    }
  }
  if (k == 1) { *multiplier = 1; *shift = 0; return; }
  const int max_s = static_cast<int>(std::ceil(std::log2(static_cast<double>(k) * 128.0)));
  double best_err = 1e30;
  int best_s = 0;
  int64_t best_n = 0;
  for (int s = 0; s < max_s; ++s) {
    const double scale = std::ldexp(1.0, s);
    const int64_t n = static_cast<int64_t>(std::round(scale / k));
    const double err = std::fabs(static_cast<double>(n) / scale - 1.0 / k);
    if (err < best_err) {  // strict: the smallest s wins ties
      best_err = err;
      best_s = s;
      best_n = n;
    }
  }
  *multiplier = best_n;
  *shift = best_s;
}

Result<PoolParams> MakePoolParams(const PoolConfig& c, const std::string& name) {
  const WindowGeometry window{c.kernel_h, c.kernel_w, c.stride_h,   c.stride_w,  1, 1,
                      c.pad_top,  c.pad_bottom, c.pad_left, c.pad_right, false};
  SIGNDPU_RETURN_IF_ERROR(CheckWindow(c.input, window, name));
  if (c.pad_left >= c.kernel_w || c.pad_right >= c.kernel_w || c.pad_top >= c.kernel_h ||
      c.pad_bottom >= c.kernel_h)
    return InvalidArgument(name + ": padding must be smaller than the kernel");
  PoolParams p;
  p.config = c;
  p.output.n = c.input.n;
  p.output.c = c.input.c;
  p.output.h = WindowOutputH(c.input, window);
  p.output.w = WindowOutputW(c.input, window);
  if (p.output.h <= 0 || p.output.w <= 0) return InvalidArgument(name + ": kernel larger than the padded input");
  if (c.type == PoolType::kAvg) {
    AvgPoolFactor(c.kernel_h, c.kernel_w, &p.avg_multiplier, &p.avg_shift);
    p.shift = p.avg_shift + c.fix_in - c.fix_out;
  } else {
    p.shift = c.fix_in - c.fix_out;
  }
  if (p.shift < -16 || p.shift > 32)
    return OutOfRange(name + ": pool shift " + std::to_string(p.shift) + " outside [-16, 32]");
  return p;
}

namespace reference {

void PoolFix(const PoolParams& p, const int8_t* in, int8_t* out) {
  const PoolConfig& c = p.config;
  const int64_t ih = c.input.h, iw = c.input.w, ch = c.input.c;
  const int64_t oh = p.output.h, ow = p.output.w;
  for (int64_t n = 0; n < c.input.n; ++n) {
    const int8_t* in_n = in + n * ih * iw * ch;
    int8_t* out_n = out + n * oh * ow * ch;
    for (int64_t oy = 0; oy < oh; ++oy) {
      for (int64_t ox = 0; ox < ow; ++ox) {
        for (int64_t ci = 0; ci < ch; ++ci) {
          int64_t acc = c.type == PoolType::kMax ? kInt8Min : 0;
          for (int ky = 0; ky < c.kernel_h; ++ky) {
            const int64_t iy = oy * c.stride_h + ky - c.pad_top;
            if (iy < 0 || iy >= ih) continue;
            for (int kx = 0; kx < c.kernel_w; ++kx) {
              const int64_t ix = ox * c.stride_w + kx - c.pad_left;
              if (ix < 0 || ix >= iw) continue;
              const int64_t v = in_n[(iy * iw + ix) * ch + ci];
              if (c.type == PoolType::kMax) {
                if (v > acc) acc = v;
              } else {
                acc += v;
              }
            }
          }
          if (c.type == PoolType::kAvg) acc *= p.avg_multiplier;
          out_n[(oy * ow + ox) * ch + ci] = static_cast<int8_t>(Sat8(ShiftRound(acc, p.shift)));
        }
      }
    }
  }
}

}  // namespace reference
}  // namespace signdpu
