// Optimised conv2d-fix / depthwise-conv2d-fix: weights packed once at
// prepare time, then run for any batch. Bit-exact with
// kernels/reference/conv2d_fix (tests/kernels/conv2d_fix_optimized_test.cc).
#pragma once

#include <cstdint>
#include <memory>

#include "signdpu/kernels/dispatch.h"
#include "signdpu/kernels/reference/conv2d_fix.h"

namespace signdpu::optimized {

class PreparedConv2d {
 public:
  virtual ~PreparedConv2d() = default;
  // in/out: `batch` images in params' NHWC layout (params.config.input.n ignored).
  virtual void Run(const int8_t* in, int8_t* out, int64_t batch) const = 0;
};

// weights/bias are copied; `path` must be in AvailableKernelPaths().
std::unique_ptr<PreparedConv2d> PrepareConv2d(const ConvParams& params, const int8_t* weights,
                                              const int8_t* bias, KernelPath path);

}  // namespace signdpu::optimized
