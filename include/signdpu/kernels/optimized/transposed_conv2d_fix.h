// Optimised transposed-conv2d-fix / transposed-depthwise-conv2d-fix:
// bit-exact with kernels/reference/transposed_conv2d_fix.h
// (tests/kernels/transposed_conv2d_fix_test.cc sweeps every KernelPath).
//
// Output phases: with dilation 1, the outputs whose row is ry modulo sh and
// column rx modulo sw read only the kernel taps ky = fy + t*sh, kx = fx + u*sw
// (fy = (Pt - ry) mod sh, fx alike) at input pixels (q + t + offy, r + u + offx).
// Each of the sh*sw phases is therefore an ordinary stride-1 conv2d-fix over
// the real input with a sub-kernel (the optimised conv kernels of `path`),
// whose outputs are scattered to rows q*sh + ry, columns r*sw + rx; a phase
// with no taps writes the bias-only value. No zero is multiplied: the work is
// the op's true MACs (PointPillars' 4x4 stride-4 deconv: 1/16 of a conv over
// the zero-inserted input). Dilation > 1, kReference, and layouts where a
// phase would start inside the input (offy or offx > 0, only with padding)
// run the reference kernel.
#pragma once

#include <cstdint>
#include <memory>

#include "signdpu/kernels/dispatch.h"
#include "signdpu/kernels/optimized/conv2d_fix.h"
#include "signdpu/kernels/reference/transposed_conv2d_fix.h"

namespace signdpu::optimized {

// weights/bias are copied; `path` must be in AvailableKernelPaths().
// params.conv.config.depthwise selects the depthwise op. The returned kernel's
// Run takes `batch` images of params.input and writes params.output().
std::unique_ptr<PreparedConv2d> PrepareTransposedConv2d(const TransposedConvParams& params, const int8_t* weights,
                                                        const int8_t* bias, KernelPath path);

}  // namespace signdpu::optimized
