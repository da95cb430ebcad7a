// Reference transposed-conv2d-fix. Formula: see the header.
#include "signdpu/kernels/reference/transposed_conv2d_fix.h"

namespace signdpu {

Result<TransposedConvParams> MakeTransposedConvParams(const ConvConfig& c, const std::string& name) {
  if (c.input.n <= 0 || c.input.h <= 0 || c.input.w <= 0 || c.input.c <= 0)
    return InvalidArgument(name + ": input shape " + ShapeToString(c.input.ToShape()) + " has a non-positive dim");
  if (c.kernel_h <= 0 || c.kernel_w <= 0 || c.stride_h <= 0 || c.stride_w <= 0 || c.dilation_h <= 0 ||
      c.dilation_w <= 0)
    return InvalidArgument(name + ": kernel, stride and dilation must be positive");
  if (c.kernel_h > 64 || c.kernel_w > 64 || c.stride_h > 64 || c.stride_w > 64 || c.dilation_h > 64 ||
      c.dilation_w > 64)
    return OutOfRange(name + ": kernel, stride and dilation must be at most 64");
  const int64_t span_h = int64_t{c.dilation_h} * (c.kernel_h - 1), span_w = int64_t{c.dilation_w} * (c.kernel_w - 1);
  if (c.pad_top < 0 || c.pad_bottom < 0 || c.pad_left < 0 || c.pad_right < 0 || c.pad_top > span_h ||
      c.pad_bottom > span_h || c.pad_left > span_w || c.pad_right > span_w)
    return InvalidArgument(name + ": pad (l,r,t,b) " + std::to_string(c.pad_left) + "," + std::to_string(c.pad_right) +
                           "," + std::to_string(c.pad_top) + "," + std::to_string(c.pad_bottom) +
                           " outside [0, dilation*(kernel-1)]");
  ConvConfig eq = c;  // the stride-1 conv over the zero-inserted input
  eq.input.h = (c.input.h - 1) * c.stride_h + 1;
  eq.input.w = (c.input.w - 1) * c.stride_w + 1;
  eq.stride_h = eq.stride_w = 1;
  eq.pad_top = static_cast<int>(span_h - c.pad_top);
  eq.pad_bottom = static_cast<int>(span_h - c.pad_bottom);
  eq.pad_left = static_cast<int>(span_w - c.pad_left);
  eq.pad_right = static_cast<int>(span_w - c.pad_right);
  SIGNDPU_ASSIGN_OR_RETURN(ConvParams conv, MakeConvParams(eq, name));
  TransposedConvParams p;
  p.conv = conv;
  p.input = c.input;
  p.stride_h = c.stride_h;
  p.stride_w = c.stride_w;
  return p;
}

namespace reference {

void TransposedConv2dFix(const TransposedConvParams& p, const int8_t* in, const int8_t* weights,
                         const int8_t* bias, int8_t* out) {
  const ConvConfig& c = p.conv.config;  // Pt = c.pad_top, Pl = c.pad_left
  const int64_t ih = p.input.h, iw = p.input.w, ic = p.input.c;
  const int64_t oh = p.conv.output.h, ow = p.conv.output.w, oc = p.conv.output.c;
  for (int64_t n = 0; n < p.input.n; ++n) {
    const int8_t* in_n = in + n * ih * iw * ic;
    int8_t* out_n = out + n * oh * ow * oc;
    for (int64_t oy = 0; oy < oh; ++oy) {
      for (int64_t ox = 0; ox < ow; ++ox) {
        for (int64_t o = 0; o < oc; ++o) {
          int64_t acc = 0;
          for (int ky = 0; ky < c.kernel_h; ++ky) {
            const int64_t zy = oy + int64_t{ky} * c.dilation_h - c.pad_top;  // row of Z
            if (zy < 0 || zy % p.stride_h != 0 || zy / p.stride_h >= ih) continue;
            for (int kx = 0; kx < c.kernel_w; ++kx) {
              const int64_t zx = ox + int64_t{kx} * c.dilation_w - c.pad_left;
              if (zx < 0 || zx % p.stride_w != 0 || zx / p.stride_w >= iw) continue;
              const int8_t* px = in_n + ((zy / p.stride_h) * iw + zx / p.stride_w) * ic;
              const int8_t* wk = weights + ((o * c.kernel_h + ky) * c.kernel_w + kx) * ic;
              for (int64_t ci = 0; ci < ic; ++ci) acc += int64_t{px[ci]} * wk[ci];
            }
          }
          const int64_t b = (c.has_bias && bias != nullptr) ? bias[o] : 0;
          out_n[(oy * ow + ox) * oc + o] = ConvOutputStage(p.conv, acc, b);
        }
      }
    }
  }
}

}  // namespace reference
}  // namespace signdpu
