// conv2d-fix and depthwise-conv2d-fix (XIR op names), reference kernel.
//
// Integer formula, in the order the code applies it (docs/arithmetic.md section 4,
// [checked] against Xilinx's CPU reference for shift_bias +6 and -2):
//   shift_cut  = fi + fw - fo
//   shift_bias = fi + fw - fb
//   acc  = sum_{ky,kx,c} in[n, oy*sh + ky*dh - pt, ox*sw + kx*dw - pl, c] * w[o, ky, kx, c]
//          (padded pixels contribute 0; int64 accumulator)
//   e    = max(0, -shift_bias)                       (negative shift_bias scales acc up)
//   acc  = (acc << e) + (bias[o] << max(0, shift_bias))
//   y    = ShiftRound(acc, shift_cut + e)            (one DPU_ROUND rounding)
//   out  = Sat8(act(y))
// Activations:
//   NONE       y
//   RELU       max(y, 0)
//   RELU6      clamp(y, 0, six) with six = 6 * 2^fo for fo >= 0,
//              ShiftRound(6, -fo) for fo < 0           [inferred for fo < 0]
//   LEAKYRELU  acc < 0 ? ShiftRound(acc * 26, shift_cut + e + 8) : y
//              (alpha 0.1 is rewritten to 26/256 by Vitis AI's quantisers
//               [source]; a single rounding is [inferred])
// Depthwise (channel multiplier 1): output channel c uses only input channel c
// and weights w[0, ky, kx, c]. [source: XIR depthwise-conv2d-fix definition]
#pragma once

#include <cstdint>
#include <string>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"
#include "signdpu/fixpoint/fixpoint.h"
#include "signdpu/kernels/reference/window.h"

namespace signdpu {

enum class Activation { kNone, kRelu, kRelu6, kLeakyRelu };

const char* ActivationName(Activation act);           // "NONE", "RELU", "RELU6", "LEAKYRELU"
bool ParseActivation(const std::string& name, Activation* act);  // accepts "" as NONE

// What a conv op stores (its XIR attributes and the fix points of its
// weights and bias). out_channels is the weights' O dimension (weights are
// kept flat).
struct ConvSpec {
  int64_t out_channels = 0;
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  int pad_left = 0, pad_right = 0, pad_top = 0, pad_bottom = 0;
  int fix_weights = 0, fix_bias = 0;
  bool has_bias = true;
  Activation activation = Activation::kNone;
};

// One conv as the kernel sees it: the stored spec plus what a graph derives
// from its tensors and op kind (input shape, input/output fix points,
// depthwise); validated by MakeConvParams.
struct ConvConfig : ConvSpec {
  Nhwc input;            // n, h, w, c
  int fix_in = 0, fix_out = 0;
  bool depthwise = false;
};

// Everything the kernel needs, precomputed once.
struct ConvParams {
  ConvConfig config;
  Nhwc output;
  int shift_cut = 0;
  int shift_bias = 0;
  int scale_up = 0;      // e = max(0, -shift_bias)
  int bias_shift = 0;    // max(0, shift_bias)
  int64_t relu6_max = 0;
  int64_t weights_size() const;  // number of int8 weights expected
};

// Validates shapes and the DPU shift ranges (0 <= shift_cut <= 16,
// min(0, shift_cut - 16) <= shift_bias <= 16; LEAKYRELU needs shift_bias >= 0).
// `name` is used in messages.
Result<ConvParams> MakeConvParams(const ConvConfig& config, const std::string& name = "conv");

namespace reference {

// in: NHWC int8, weights: OHWI ([1,kh,kw,C] for depthwise), bias: [O] (may be
// null when !has_bias), out: NHWC int8 of params.output.
void Conv2dFix(const ConvParams& params, const int8_t* in, const int8_t* weights,
               const int8_t* bias, int8_t* out);

// The per-output-element tail shared with optimised kernels: bias, one
// rounding, activation, saturation. `acc` is the raw dot product.
inline int8_t ConvOutputStage(const ConvParams& p, int64_t acc, int64_t bias_q) {
  int64_t v = acc * (int64_t{1} << p.scale_up) + bias_q * (int64_t{1} << p.bias_shift);
  const int s = p.shift_cut + p.scale_up;
  int64_t y;
  switch (p.config.activation) {
    case Activation::kNone:
      y = ShiftRound(v, s);
      break;
    case Activation::kRelu:
      y = ShiftRound(v, s);
      if (y < 0) y = 0;
      break;
    case Activation::kRelu6:
      y = ShiftRound(v, s);
      if (y < 0) y = 0;
      if (y > p.relu6_max) y = p.relu6_max;
      break;
    case Activation::kLeakyRelu:
      y = v < 0 ? ShiftRound(v * 26, s + 8) : ShiftRound(v, s);
      break;
    default:
      y = 0;
  }
  if (y < -128) y = -128;
  if (y > 127) y = 127;
  return static_cast<int8_t>(y);
}

}  // namespace reference
}  // namespace signdpu
