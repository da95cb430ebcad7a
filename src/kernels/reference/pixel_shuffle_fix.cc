// Reference pixel-shuffle-fix. Formula and provenance: see the header.
#include "signdpu/kernels/reference/pixel_shuffle_fix.h"

namespace signdpu {

Result<PixelShuffleParams> MakePixelShuffleParams(const Nhwc& input, int scale, bool upscale, int fix_in,
                                                  int fix_out, const std::string& name) {
  if (scale < 1 || scale > 64) return OutOfRange(name + ": scale " + std::to_string(scale) + " outside [1, 64]");
  if (input.h <= 0 || input.w <= 0 || input.c <= 0) return InvalidArgument(name + ": empty input");
  if (fix_in != fix_out)
    return Unsupported(name + ": input fix point " + std::to_string(fix_in) + " differs from the output's " +
                       std::to_string(fix_out) + " (pixel-shuffle-fix copies bytes)");
  const int64_t s = scale;
  PixelShuffleParams p;
  p.input = input;
  if (upscale) {
    if (input.c % (s * s) != 0) return Unsupported(name + ": C must be a multiple of scale^2");
    p.output = {1, input.h * s, input.w * s, input.c / (s * s)};
  } else {
    if (input.h % s != 0 || input.w % s != 0)
      return Unsupported(name + ": H and W must be multiples of the scale " + std::to_string(s));
    p.output = {1, input.h / s, input.w / s, input.c * s * s};
  }
  const Nhwc& large = upscale ? p.output : p.input;  // [H*s, W*s, C]
  const Nhwc& small = upscale ? p.input : p.output;  // [H, W, C*s*s]
  p.source.assign(static_cast<size_t>(p.output.size()), 0);
  int64_t flat = 0;
  for (int64_t y = 0; y < large.h; ++y)
    for (int64_t x = 0; x < large.w; ++x)
      for (int64_t c = 0; c < large.c; ++c, ++flat) {
        const int64_t sm = ((y / s) * small.w + x / s) * small.c + c * s * s + (y % s) * s + x % s;
        if (upscale) {
          p.source[static_cast<size_t>(flat)] = sm;
        } else {
          p.source[static_cast<size_t>(sm)] = flat;
        }
      }
  return p;
}

namespace reference {

void PixelShuffleFix(const PixelShuffleParams& p, const int8_t* in, int8_t* out) {
  for (size_t i = 0; i < p.source.size(); ++i) out[i] = in[p.source[i]];
}

}  // namespace reference
}  // namespace signdpu
