// upsample-fix (XIR op name), reference kernel: NEAREST and BILINEAR resize of
// an NHWC map, then requantisation to the output's fix point.
//
// Source index per output row oy (columns alike) [source: Vitis-AI-Library 2.5
// cpu_task upsample-fix/upsample-fix.cpp:59-69 and XIR 2.5 built_in_ops.cpp
// resize annotation], in float32 as there:
//   scale  = (align_corners && out > 1) ? (in - 1) / (float)(out - 1) : in / (float)out
//   src    = half_pixel_centers ? (oy + 0.5f) * scale - 0.5f : oy * scale
//   NEAREST (:84-105):  iy = min(align_corners ? round(src) : floor(src), in - 1),
//                       clamped at 0 [inferred: the source would read before row 0]
//                       out = Sat8(ShiftRound(in[iy][ix][c], fi - fo))
//   BILINEAR (:70-83, :106-153): lo = max(floor(src), 0), hi = min(ceil(src), in - 1),
//                       l = src - lo; top = tl + (tr - tl) * lx,
//                       bottom = bl + (br - bl) * lx, v = top + (bottom - top) * ly
//                       (float32, this order), out = DpuRound(v * 2^(fo - fi)) with
//                       halves toward +inf and saturation (:158-172).
// The DPU's own bilinear datapath is not public: BILINEAR follows Xilinx's CPU
// reference bit for bit [source], its agreement with silicon is [inferred].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"

namespace signdpu {

enum class ResizeMode { kNearest, kBilinear };
bool ParseResizeMode(const std::string& name, ResizeMode* mode);  // "NEAREST", "BILINEAR"

struct UpsampleConfig {
  Nhwc input;               // n is ignored: one image
  int64_t out_h = 0, out_w = 0;
  ResizeMode mode = ResizeMode::kNearest;
  bool align_corners = false;
  bool half_pixel_centers = false;
  int fix_in = 0, fix_out = 0;
};

struct UpsampleAxis {
  std::vector<int64_t> lo, hi;  // source rows / columns (NEAREST: lo only)
  std::vector<float> lerp;      // BILINEAR
};

struct UpsampleParams {
  UpsampleConfig config;
  UpsampleAxis ys, xs;
  int shift = 0;  // fi - fo
};

Result<UpsampleParams> MakeUpsampleParams(const UpsampleConfig& config, const std::string& name = "upsample");

namespace reference {
void UpsampleFix(const UpsampleParams& params, const int8_t* in, int8_t* out);  // one image
}  // namespace reference
}  // namespace signdpu
