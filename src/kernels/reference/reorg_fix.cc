// Reference reorg-fix. Formula and provenance: see the header.
#include "signdpu/kernels/reference/reorg_fix.h"

#include "signdpu/fixpoint/fixpoint.h"

namespace signdpu {

namespace {
// Flat index in the large map [H, W, C] of small-map element (oy, ox, k),
// the small map being [H/s, W/s, C*s*s].
int64_t LargeIndex(const Nhwc& large, int64_t s, int64_t oy, int64_t ox, int64_t k) {
  const int64_t c = k % large.c, j = (k / large.c) % s, i = k / (large.c * s);
  const int64_t y = (oy % s) + (oy / s) * s * s + i * s;
  const int64_t x = ox * s + j;
  return (y * large.w + x) * large.c + c;
}
}  // namespace

Result<ReorgParams> MakeReorgParams(const Nhwc& input, int scale, bool reverse, int fix_in, int fix_out,
                                    const std::string& name) {
  if (scale < 1 || scale > 64) return OutOfRange(name + ": scale " + std::to_string(scale) + " outside [1, 64]");
  if (input.h <= 0 || input.w <= 0 || input.c <= 0) return InvalidArgument(name + ": empty input");
  const int64_t s = scale;
  ReorgParams p;
  p.input = input;
  p.shift = fix_in - fix_out;
  if (p.shift < -16 || p.shift > 16)
    return OutOfRange(name + ": requantisation shift " + std::to_string(p.shift) + " outside [-16, 16]");
  if (!reverse) {
    if (input.h % (s * s) != 0 || input.w % s != 0)
      return Unsupported(name + ": input " + std::to_string(input.h) + "x" + std::to_string(input.w) +
                         " (reorg needs H a multiple of scale^2 and W of scale)");
    p.output = {1, input.h / s, input.w / s, input.c * s * s};
  } else {
    if (input.c % (s * s) != 0 || input.h % s != 0)
      return Unsupported(name + ": reverse reorg needs C a multiple of scale^2 and H of scale");
    p.output = {1, input.h * s, input.w * s, input.c / (s * s)};
  }
  const Nhwc& small = reverse ? p.input : p.output;
  const Nhwc& large = reverse ? p.output : p.input;
  p.source.assign(static_cast<size_t>(p.output.size()), 0);
  int64_t flat = 0;
  for (int64_t oy = 0; oy < small.h; ++oy)
    for (int64_t ox = 0; ox < small.w; ++ox)
      for (int64_t k = 0; k < small.c; ++k, ++flat) {
        const int64_t big = LargeIndex(large, s, oy, ox, k);
        if (reverse) {
          p.source[static_cast<size_t>(big)] = flat;
        } else {
          p.source[static_cast<size_t>(flat)] = big;
        }
      }
  return p;
}

namespace reference {

void ReorgFix(const ReorgParams& p, const int8_t* in, int8_t* out) {
  for (size_t i = 0; i < p.source.size(); ++i) out[i] = static_cast<int8_t>(Sat8(ShiftRound(in[p.source[i]], p.shift)));
}

}  // namespace reference
}  // namespace signdpu
