// Reference upsample-fix. Formula and provenance: see the header.
#include "signdpu/kernels/reference/upsample_fix.h"

#include <algorithm>
#include <cmath>

#include "signdpu/fixpoint/fixpoint.h"

namespace signdpu {

namespace {

float AxisScale(int64_t in, int64_t out, bool align_corners) {
  return (align_corners && out > 1) ? static_cast<float>(in - 1) / static_cast<float>(out - 1)
                                    : static_cast<float>(in) / static_cast<float>(out);
}

float SourceCoord(int64_t o, float scale, bool half_pixel) {
  return half_pixel ? (static_cast<float>(o) + 0.5f) * scale - 0.5f : static_cast<float>(o) * scale;
}

UpsampleAxis MakeAxis(int64_t in, int64_t out, const UpsampleConfig& c) {
  UpsampleAxis a;
  const float scale = AxisScale(in, out, c.align_corners);
  for (int64_t o = 0; o < out; ++o) {
    const float src = SourceCoord(o, scale, c.half_pixel_centers);
    if (c.mode == ResizeMode::kNearest) {
      const int64_t i = c.align_corners ? static_cast<int64_t>(std::round(src)) : static_cast<int64_t>(std::floor(src));
      a.lo.push_back(std::clamp<int64_t>(i, 0, in - 1));
    } else {
      const int64_t lo = std::max<int64_t>(static_cast<int64_t>(std::floor(src)), 0);
      a.lo.push_back(lo);
      a.hi.push_back(std::min<int64_t>(static_cast<int64_t>(std::ceil(src)), in - 1));
      a.lerp.push_back(src - static_cast<float>(lo));
    }
  }
  return a;
}

// The CPU reference's fix(): halves toward +inf, others to nearest, saturated.
int8_t DpuRoundFloat(float v) {
  const double d = v;
  if (d > 127.0) return 127;
  if (d < -128.0) return -128;
  if (d < 0 && d - std::floor(d) == 0.5) return static_cast<int8_t>(std::ceil(d));
  return static_cast<int8_t>(std::round(d));
}

}  // namespace

bool ParseResizeMode(const std::string& name, ResizeMode* mode) {
  if (name == "NEAREST") {
    *mode = ResizeMode::kNearest;
  } else if (name == "BILINEAR") {
    *mode = ResizeMode::kBilinear;
  } else {
    return false;
  }
  return true;
}

Result<UpsampleParams> MakeUpsampleParams(const UpsampleConfig& c, const std::string& name) {
  if (c.input.h <= 0 || c.input.w <= 0 || c.input.c <= 0 || c.out_h <= 0 || c.out_w <= 0)
    return InvalidArgument(name + ": empty input or output");
  if (c.out_h > (int64_t{1} << 24) || c.out_w > (int64_t{1} << 24) || c.input.h > (int64_t{1} << 24) ||
      c.input.w > (int64_t{1} << 24))
    return OutOfRange(name + ": a side above 2^24 (float32 coordinates would not be exact)");
  UpsampleParams p;
  p.config = c;
  p.shift = c.fix_in - c.fix_out;
  if (p.shift < -16 || p.shift > 16)
    return OutOfRange(name + ": requantisation shift " + std::to_string(p.shift) + " outside [-16, 16]");
  p.ys = MakeAxis(c.input.h, c.out_h, c);
  p.xs = MakeAxis(c.input.w, c.out_w, c);
  return p;
}

namespace reference {

namespace {
void Bilinear(const UpsampleParams& p, const int8_t* in, int8_t* out) {
  const UpsampleConfig& c = p.config;
  const int64_t ch = c.input.c, row = c.input.w * ch;
  const float factor = static_cast<float>(Pow2(-p.shift));
  for (int64_t oy = 0; oy < c.out_h; ++oy) {
    const int8_t* top_row = in + p.ys.lo[oy] * row;
    const int8_t* bottom_row = in + p.ys.hi[oy] * row;
    const float ly = p.ys.lerp[oy];
    for (int64_t ox = 0; ox < c.out_w; ++ox) {
      const int64_t l = p.xs.lo[ox] * ch, r = p.xs.hi[ox] * ch;
      const float lx = p.xs.lerp[ox];
      for (int64_t k = 0; k < ch; ++k) {
        const float tl = top_row[l + k], tr = top_row[r + k];
        const float bl = bottom_row[l + k], br = bottom_row[r + k];
        const float top = tl + (tr - tl) * lx;
        const float bottom = bl + (br - bl) * lx;
        const float v = top + (bottom - top) * ly;
        *out++ = DpuRoundFloat(v * factor);
      }
    }
  }
}
}  // namespace

void UpsampleFix(const UpsampleParams& p, const int8_t* in, int8_t* out) {
  if (p.config.mode == ResizeMode::kBilinear) {
    Bilinear(p, in, out);
    return;
  }
  const int64_t ch = p.config.input.c, row = p.config.input.w * ch;
  for (int64_t oy = 0; oy < p.config.out_h; ++oy) {
    for (int64_t ox = 0; ox < p.config.out_w; ++ox) {
      const int8_t* src = in + p.ys.lo[oy] * row + p.xs.lo[ox] * ch;
      for (int64_t k = 0; k < ch; ++k) *out++ = static_cast<int8_t>(Sat8(ShiftRound(src[k], p.shift)));
    }
  }
}

}  // namespace reference
}  // namespace signdpu
