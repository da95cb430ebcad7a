// Reference downsample-fix. Formula and provenance: see the header.
#include "signdpu/kernels/reference/downsample_fix.h"

#include <cmath>

#include "signdpu/fixpoint/fixpoint.h"

namespace signdpu {

namespace {
Result<int> IntegerScale(float s, const char* which, const std::string& name) {
  if (!(s >= 1.0f && s <= 256.0f) || std::floor(s) != s)
    return Unsupported(name + ": " + which + " " + std::to_string(s) + " (supported: integers 1..256)");
  return static_cast<int>(s);
}
}  // namespace

Result<DownsampleParams> MakeDownsampleParams(const Nhwc& input, float scale_w, float scale_h,
                                              const std::string& mode, int fix_in, int fix_out,
                                              const std::string& name) {
  if (!mode.empty() && mode != "NEAREST")
    return Unsupported(name + ": mode " + mode + " (supported: NEAREST)");
  if (input.h <= 0 || input.w <= 0 || input.c <= 0) return InvalidArgument(name + ": empty input");
  DownsampleParams p;
  p.input = input;
  SIGNDPU_ASSIGN_OR_RETURN(p.scale_w, IntegerScale(scale_w, "scale_w", name));
  SIGNDPU_ASSIGN_OR_RETURN(p.scale_h, IntegerScale(scale_h, "scale_h", name));
  p.out_h = (input.h + p.scale_h - 1) / p.scale_h;
  p.out_w = (input.w + p.scale_w - 1) / p.scale_w;
  p.shift = fix_in - fix_out;
  if (p.shift < -16 || p.shift > 16)
    return OutOfRange(name + ": requantisation shift " + std::to_string(p.shift) + " outside [-16, 16]");
  return p;
}

namespace reference {

void DownsampleFix(const DownsampleParams& p, const int8_t* in, int8_t* out) {
  const int64_t ch = p.input.c, row = p.input.w * ch;
  for (int64_t oy = 0; oy < p.out_h; ++oy) {
    for (int64_t ox = 0; ox < p.out_w; ++ox) {
      const int8_t* src = in + oy * p.scale_h * row + ox * p.scale_w * ch;
      for (int64_t k = 0; k < ch; ++k) *out++ = static_cast<int8_t>(Sat8(ShiftRound(src[k], p.shift)));
    }
  }
}

}  // namespace reference
}  // namespace signdpu
