// transposed-depthwise-conv2d-fix (XIR op name), reference kernel.
//
// Integer formula: transposed-conv2d-fix's (kernels/reference/
// transposed_conv2d_fix.h, docs/arithmetic.md section 5b) per channel, with
// channel multiplier 1: output channel c reads only input channel c,
//   acc[c] = sum_{ky,kx} Z[oy + ky*dh - Pt, ox + kx*dw - Pl, c] * w[0, ky, kx, c]
// weights [1, kh, kw, C] [source: VART xir/src/xir/op/built_in_ops.cpp:316-354
// and shape_inference.cpp:2120-2158 (oc = w[0] * w[3]); Vitis-AI-Library
// cpu_task/ops/transposed-depthwise-conv2d-fix, tag v2.5]. Multipliers other
// than 1 are refused by the op's validation.
#pragma once

#include <cstdint>

#include "signdpu/kernels/reference/transposed_conv2d_fix.h"

namespace signdpu::reference {

// params.conv.config.depthwise must be true; weights [1, kh, kw, C].
void TransposedDepthwiseConv2dFix(const TransposedConvParams& params, const int8_t* in, const int8_t* weights,
                                  const int8_t* bias, int8_t* out);

}  // namespace signdpu::reference
