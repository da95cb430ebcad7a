// Reference transposed-depthwise-conv2d-fix. Formula: see the header.
#include "signdpu/kernels/reference/transposed_depthwise_conv2d_fix.h"

namespace signdpu::reference {

void TransposedDepthwiseConv2dFix(const TransposedConvParams& p, const int8_t* in, const int8_t* weights,
                                  const int8_t* bias, int8_t* out) {
  const ConvConfig& c = p.conv.config;  // Pt = c.pad_top, Pl = c.pad_left
  const int64_t ih = p.input.h, iw = p.input.w, ch = p.input.c;
  const int64_t oh = p.conv.output.h, ow = p.conv.output.w;
  for (int64_t n = 0; n < p.input.n; ++n) {
    const int8_t* in_n = in + n * ih * iw * ch;
    int8_t* out_n = out + n * oh * ow * ch;
    for (int64_t oy = 0; oy < oh; ++oy) {
      for (int64_t ox = 0; ox < ow; ++ox) {
        for (int64_t k = 0; k < ch; ++k) {
          int64_t acc = 0;
          for (int ky = 0; ky < c.kernel_h; ++ky) {
            const int64_t zy = oy + int64_t{ky} * c.dilation_h - c.pad_top;  // row of Z
            if (zy < 0 || zy % p.stride_h != 0 || zy / p.stride_h >= ih) continue;
            for (int kx = 0; kx < c.kernel_w; ++kx) {
              const int64_t zx = ox + int64_t{kx} * c.dilation_w - c.pad_left;
              if (zx < 0 || zx % p.stride_w != 0 || zx / p.stride_w >= iw) continue;
              acc += int64_t{in_n[((zy / p.stride_h) * iw + zx / p.stride_w) * ch + k]} *
                     weights[(int64_t{ky} * c.kernel_w + kx) * ch + k];
            }
          }
          const int64_t b = (c.has_bias && bias != nullptr) ? bias[k] : 0;
          out_n[(oy * ow + ox) * ch + k] = ConvOutputStage(p.conv, acc, b);
        }
      }
    }
  }
}

}  // namespace signdpu::reference
