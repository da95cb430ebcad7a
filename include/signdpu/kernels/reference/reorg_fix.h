// reorg-fix (XIR op name), reference kernel: YOLOv2's reorg (space to depth
// with its own row order), forward or `reverse`, then requantisation.
//
// Forward, scale s: [H, W, C] -> [H/s, W/s, C*s*s] [source: XIR 2.5
// shape_inference.cpp shape_infer_reorg]; output pixel (oy, ox), channel
// i*s*C + j*C + c, i, j in [0, s), reads [source: Vitis-AI-Library 2.5 cpu_task
// reorg-fix/reorg-fix.cpp:62-93]
//   in[(oy % s) + (oy / s) * s*s + i*s][ox*s + j][c]
// `reverse` is the exact inverse permutation ([H, W, C] -> [H*s, W*s, C/(s*s)],
// :44-50 with the roles of input and output swapped). The row formula only
// stays inside the map when the large map's height is a multiple of s*s
// (and its width of s); other shapes are refused.
// Values: Sat8(ShiftRound(v, fi - fo)) [source: Xilinx VART cpu-runner
// reorg_fix.cpp:31-33 and its reorg_fix(); a byte copy when fi = fo, which is
// all the 2.5 cpu_task does].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"

namespace signdpu {

struct ReorgParams {
  Nhwc input, output;           // n ignored: one image
  std::vector<int64_t> source;  // per output element: the input element (one image)
  int shift = 0;                // fi - fo
};

Result<ReorgParams> MakeReorgParams(const Nhwc& input, int scale, bool reverse, int fix_in, int fix_out,
                                    const std::string& name = "reorg");

namespace reference {
void ReorgFix(const ReorgParams& params, const int8_t* in, int8_t* out);  // one image
}  // namespace reference
}  // namespace signdpu
