// transposed-conv2d-fix (XIR op name), reference kernel; the shared
// parameters of transposed-depthwise-conv2d-fix
// (kernels/reference/transposed_depthwise_conv2d_fix.h).
//
// Integer formula (docs/arithmetic.md section 5b). XIR states the op as a
// stride-1 correlation over the input with zeros inserted between pixels
// [source: VART xir/src/xir/op/built_in_ops.cpp:267-314 (annotation) and
// shape_inference.cpp:2081-2118, Vitis-AI-Library
// cpu_task/ops/transposed-conv2d-fix/transposed-conv2d-fix.cpp:52-60,84-85,
// 123-124,179-215, tag v2.5]:
//   Z[j, i, c]   = in[j / sh, i / sw, c]  if j % sh == 0, i % sw == 0 and the
//                  quotient lies inside the input, else 0     (zero insertion)
//   Pt = dh*(kh-1) - pad_top,  Pl = dw*(kw-1) - pad_left         (>= 0)
//   acc[o]       = sum_{ky,kx,c} Z[oy + ky*dh - Pt, ox + kx*dw - Pl, c] * w[o, ky, kx, c]
//   OH = (H-1)*sh + dh*(kh-1) + 1 - pad_top - pad_bottom   (OW alike)
//   then the conv2d-fix output stage (section 4, (4.1)-(4.7)):
//   shift_cut = fi + fw - fo, shift_bias = fi + fw - fb, one DPU_ROUND, act, Sat8.
// `pad` is XIR's attribute {left, right, top, bottom}: the framework's
// (PyTorch) padding, which crops the full output. Weights are OHWI in XIR
// order, i.e. already flipped in h and w relative to PyTorch's
// ConvTranspose2d (vai_q_pytorch flips them when it writes the xmodel
// [source: vai_q_pytorch nndct_shared/compile/xir_compiler.py:137-140]).
// Xilinx's CPU reference computes the output stage in float and ignores
// dilation in the padding; we use the integer stage of conv2d-fix and
// dh*(kh-1) - pad, which keeps the output size XIR's shape inference states
// [inferred for dilation > 1].
#pragma once

#include <cstdint>
#include <string>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"
#include "signdpu/kernels/reference/conv2d_fix.h"

namespace signdpu {

// A transposed conv as the equivalent stride-1 conv2d-fix over the
// zero-inserted input (`conv.config.input` = the zero-inserted size
// ((H-1)*sh+1, (W-1)*sw+1), pads Pt/Pb/Pl/Pr), which carries the output
// size, the shifts and the activation.
struct TransposedConvParams {
  ConvParams conv;
  Nhwc input;                 // the op's real input
  int stride_h = 1, stride_w = 1;  // the zero-insertion factors
  int64_t weights_size() const { return conv.weights_size(); }
  const Nhwc& output() const { return conv.output; }
};

// `config` as XIR states the op: input = the real input, stride = the
// insertion factors, pad_* = XIR's pad attribute. Refuses a pad larger than
// dilation*(kernel-1) (it would crop more than the full output's border) and
// everything MakeConvParams refuses; messages start with `name`.
Result<TransposedConvParams> MakeTransposedConvParams(const ConvConfig& config,
                                                      const std::string& name = "transposed conv");

namespace reference {

// in: NHWC int8; weights OHWI; bias [O] or null when !has_bias; out: NHWC of
// params.output(). Dense (config.depthwise false) only.
void TransposedConv2dFix(const TransposedConvParams& params, const int8_t* in, const int8_t* weights,
                         const int8_t* bias, int8_t* out);

}  // namespace reference
}  // namespace signdpu
