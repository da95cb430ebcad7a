// downsample-fix (XIR op name), reference kernel: NEAREST subsampling of an
// NHWC map by integer factors, then requantisation.
//
// [source: Vitis-AI-Library 2.5 cpu_task downsample-fix/downsample-fix.cpp:31-34
// (scale = {scale_w, scale_h}), :62 (2^(fo - fi)), :69-82 (index), :81 (DPU
// rounding); output size from XIR 2.5 shape_inference.cpp
// shape_infer_updownsample_fix: ceil(in / scale)]:
//   out_h = ceil(in_h / scale_h), out_w = ceil(in_w / scale_w)
//   out[oy][ox][c] = Sat8(ShiftRound(in[oy * scale_h][ox * scale_w][c], fi - fo))
// The source truncates oy * scale_h * row_stride as a float, which only
// addresses whole rows for integer factors; other factors are refused.
#pragma once

#include <cstdint>
#include <string>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"

namespace signdpu {

struct DownsampleParams {
  Nhwc input;  // n ignored: one image
  int64_t out_h = 0, out_w = 0;
  int scale_h = 1, scale_w = 1;
  int shift = 0;  // fi - fo
};

// scale_w / scale_h as XIR stores them (floats); mode must be "NEAREST" or "".
Result<DownsampleParams> MakeDownsampleParams(const Nhwc& input, float scale_w, float scale_h,
                                              const std::string& mode, int fix_in, int fix_out,
                                              const std::string& name = "downsample");

namespace reference {
void DownsampleFix(const DownsampleParams& params, const int8_t* in, int8_t* out);  // one image
}  // namespace reference
}  // namespace signdpu
