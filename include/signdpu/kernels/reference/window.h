// The sliding window shared by conv2d-fix, depthwise-conv2d-fix and pool-fix:
// one output-size formula and one validation (MakeConvParams and
// MakePoolParams both use them).
#pragma once

#include <cstdint>
#include <string>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"

namespace signdpu {

// Output spatial size of a window op: (in + pads - dilation*(k-1) - 1) / stride + 1,
// 0 when the dilated kernel does not fit the padded input (or stride <= 0).
int64_t WindowOutputSize(int64_t in, int kernel, int stride, int dilation, int pad_begin, int pad_end);

struct WindowGeometry {
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;  // pools: 1
  int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  bool dilated = true;  // false: the op has no dilation (pool); only wording
};

// Positive input dims, positive kernel / stride (/ dilation), non-negative
// padding; messages start with `name`.
Status CheckWindow(const Nhwc& input, const WindowGeometry& w, const std::string& name);
// The output's height and width (0 when the kernel does not fit).
int64_t WindowOutputH(const Nhwc& input, const WindowGeometry& w);
int64_t WindowOutputW(const Nhwc& input, const WindowGeometry& w);

}  // namespace signdpu
