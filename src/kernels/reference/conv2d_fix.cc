// Reference conv2d-fix / depthwise-conv2d-fix. Formula: see the header.
#include "signdpu/kernels/reference/conv2d_fix.h"

#include <sstream>

#include "signdpu/core/check.h"

namespace signdpu {

const char* ActivationName(Activation act) {
  switch (act) {
    case Activation::kNone: return "NONE";
    case Activation::kRelu: return "RELU";
    case Activation::kRelu6: return "RELU6";
    case Activation::kLeakyRelu: return "LEAKYRELU";
  }
  return "NONE";
}

bool ParseActivation(const std::string& name, Activation* act) {
  if (name.empty() || name == "NONE") { *act = Activation::kNone; return true; }
  if (name == "RELU") { *act = Activation::kRelu; return true; }
  if (name == "RELU6") { *act = Activation::kRelu6; return true; }
  if (name == "LEAKYRELU" || name == "LEAKY_RELU") { *act = Activation::kLeakyRelu; return true; }
  return false;
}

int64_t ConvParams::weights_size() const {
  const auto& c = config;
  if (c.depthwise) return int64_t{c.kernel_h} * c.kernel_w * c.input.c;
  return c.out_channels * c.kernel_h * c.kernel_w * c.input.c;
}

Result<ConvParams> MakeConvParams(const ConvConfig& c, const std::string& name) {
  auto fail = [&](const std::string& what) {
    return InvalidArgument(name + ": " + what);
  };
  const WindowGeometry window{c.kernel_h,  c.kernel_w, c.stride_h,    c.stride_w,  c.dilation_h, c.dilation_w,
                      c.pad_top,   c.pad_bottom, c.pad_left, c.pad_right, true};
  SIGNDPU_RETURN_IF_ERROR(CheckWindow(c.input, window, name));
  if (c.depthwise && c.out_channels != c.input.c) {
    std::ostringstream s;
    s << "depthwise conv needs out_channels == in_channels (multiplier 1), got " << c.out_channels
      << " vs " << c.input.c;
    return fail(s.str());
  }
  if (c.out_channels <= 0) return fail("out_channels must be positive");
  for (int fp : {c.fix_in, c.fix_weights, c.fix_bias, c.fix_out}) {
    if (fp < -32 || fp > 32) return OutOfRange(name + ": fix_point " + std::to_string(fp) + " outside [-32, 32]");
  }
  ConvParams p;
  p.config = c;
  p.output.n = c.input.n;
  p.output.h = WindowOutputH(c.input, window);
  p.output.w = WindowOutputW(c.input, window);
  p.output.c = c.out_channels;
  if (p.output.h <= 0 || p.output.w <= 0) return fail("kernel larger than the padded input");
  p.shift_cut = c.fix_in + c.fix_weights - c.fix_out;
  p.shift_bias = c.has_bias ? c.fix_in + c.fix_weights - c.fix_bias : 0;
  // DPU constraints [source: vai_q_pytorch torchquantizer.py, vai_q_tensorflow2 pof2s refine].
  if (p.shift_cut < 0 || p.shift_cut > 16) {
    return OutOfRange(name + ": shift_cut " + std::to_string(p.shift_cut) +
                      " (fi + fw - fo) outside [0, 16]");
  }
  const int bias_lo = c.activation == Activation::kLeakyRelu ? 0 : std::min(0, p.shift_cut - 16);
  if (c.has_bias && (p.shift_bias < bias_lo || p.shift_bias > 16)) {
    return OutOfRange(name + ": shift_bias " + std::to_string(p.shift_bias) + " (fi + fw - fb) outside [" +
                      std::to_string(bias_lo) + ", 16]");
  }
  p.scale_up = p.shift_bias < 0 ? -p.shift_bias : 0;
  p.bias_shift = p.shift_bias > 0 ? p.shift_bias : 0;
  // RELU6 upper bound in output units [inferred for fo < 0].
  p.relu6_max = c.fix_out >= 0 ? (int64_t{6} << c.fix_out) : ShiftRound(6, -c.fix_out);
  return p;
}

namespace reference {

void Conv2dFix(const ConvParams& p, const int8_t* in, const int8_t* weights, const int8_t* bias,
               int8_t* out) {
  const ConvConfig& c = p.config;
  const int64_t ih = c.input.h, iw = c.input.w, ic = c.input.c;
  const int64_t oh = p.output.h, ow = p.output.w, oc = p.output.c;
  for (int64_t n = 0; n < c.input.n; ++n) {
    const int8_t* in_n = in + n * ih * iw * ic;
    int8_t* out_n = out + n * oh * ow * oc;
    for (int64_t oy = 0; oy < oh; ++oy) {
      for (int64_t ox = 0; ox < ow; ++ox) {
        for (int64_t o = 0; o < oc; ++o) {
          int64_t acc = 0;
          for (int ky = 0; ky < c.kernel_h; ++ky) {
            const int64_t iy = oy * c.stride_h + int64_t{ky} * c.dilation_h - c.pad_top;
            if (iy < 0 || iy >= ih) continue;
            for (int kx = 0; kx < c.kernel_w; ++kx) {
              const int64_t ix = ox * c.stride_w + int64_t{kx} * c.dilation_w - c.pad_left;
              if (ix < 0 || ix >= iw) continue;
              const int8_t* px = in_n + (iy * iw + ix) * ic;
              if (c.depthwise) {
                acc += int64_t{px[o]} * weights[(int64_t{ky} * c.kernel_w + kx) * ic + o];
              } else {
                const int8_t* wk = weights + ((o * c.kernel_h + ky) * c.kernel_w + kx) * ic;
                for (int64_t ci = 0; ci < ic; ++ci) acc += int64_t{px[ci]} * wk[ci];
              }
            }
          }
          const int64_t b = (c.has_bias && bias != nullptr) ? bias[o] : 0;
          out_n[(oy * ow + ox) * oc + o] = ConvOutputStage(p, acc, b);
        }
      }
    }
  }
}

}  // namespace reference
}  // namespace signdpu
