// Reference tile-fix. Formula and provenance: see the header.
#include "signdpu/kernels/reference/tile_fix.h"

namespace signdpu {

Result<TileParams> MakeTileParams(const Nhwc& input, int stride, bool reverse, int fix_in, int fix_out,
                                  const std::string& name) {
  if (stride < 1 || stride > 64) return OutOfRange(name + ": stride " + std::to_string(stride) + " outside [1, 64]");
  if (input.h <= 0 || input.w <= 0 || input.c <= 0) return InvalidArgument(name + ": empty input");
  if (fix_in != fix_out)
    return Unsupported(name + ": input fix point " + std::to_string(fix_in) + " differs from the output's " +
                       std::to_string(fix_out) + " (tile-fix copies bytes)");
  const int64_t s = stride;
  TileParams p;
  p.input = input;
  if (!reverse) {
    if (input.h % s != 0 || input.w % s != 0)
      return Unsupported(name + ": H and W must be multiples of the stride " + std::to_string(s));
    p.output = {1, input.h / s, input.w / s, input.c * s * s};
  } else {
    if (input.c % (s * s) != 0) return Unsupported(name + ": C must be a multiple of stride^2");
    p.output = {1, input.h * s, input.w * s, input.c / (s * s)};
  }
  const Nhwc& small = reverse ? p.input : p.output;
  const Nhwc& large = reverse ? p.output : p.input;
  p.source.assign(static_cast<size_t>(p.output.size()), 0);
  int64_t flat = 0;
  for (int64_t oy = 0; oy < small.h; ++oy)
    for (int64_t ox = 0; ox < small.w; ++ox)
      for (int64_t k = 0; k < small.c; ++k, ++flat) {
        const int64_t c = k % large.c, j = (k / large.c) % s, i = k / (large.c * s);
        const int64_t big = ((oy * s + i) * large.w + ox * s + j) * large.c + c;
        if (reverse) {
          p.source[static_cast<size_t>(big)] = flat;
        } else {
          p.source[static_cast<size_t>(flat)] = big;
        }
      }
  return p;
}

namespace reference {

void TileFix(const TileParams& p, const int8_t* in, int8_t* out) {
  for (size_t i = 0; i < p.source.size(); ++i) out[i] = in[p.source[i]];
}

}  // namespace reference
}  // namespace signdpu
