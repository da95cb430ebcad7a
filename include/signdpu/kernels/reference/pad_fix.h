// pad-fix (XIR op name), reference kernel: spatial padding of an NHWC map.
//
// XIR's `paddings` holds 2 values per dim (before, after), NHWC order
// [source: XIR 2.5 built_in_ops.cpp PadOpDefGenerator]; Xilinx's CPU reference
// pads H and W only: top = paddings[2], bottom = [3], left = [4], right = [5]
// [source: Vitis-AI-Library 2.5 cpu_task pad-fix/pad-fix.cpp:36-37].
//   CONSTANT:  padded pixels are 0 (:59-66; `constant_values` is not read there,
//              so a non-zero value is refused here)
//   SYMMETRIC: mirror including the edge (:93-123):
//              row iy < top     -> top - 1 - iy
//              row iy >= top+H  -> H - 1 - (iy - top - H)
//   REFLECT:   mirror excluding the edge [source: XIR pad annotation example;
//              Xilinx's CPU reference does not implement it]:
//              row iy < top     -> top - iy
//              row iy >= top+H  -> H - 2 - (iy - top - H)
// No arithmetic: bytes are copied, so input and output fix points must agree
// (the source copies bytes whatever they are; a differing pair is refused).
// SYMMETRIC needs each pad <= the side, REFLECT <= side - 1 (the source
// would read outside the map otherwise).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"

namespace signdpu {

enum class PadMode { kConstant, kSymmetric, kReflect };
bool ParsePadMode(const std::string& name, PadMode* mode);  // "CONSTANT", "SYMMETRIC", "REFLECT"

struct PadParams {
  Nhwc input;  // n ignored: one image
  int64_t top = 0, bottom = 0, left = 0, right = 0;
  PadMode mode = PadMode::kConstant;
  Nhwc output;
  std::vector<int64_t> rows, cols;  // source row / column per output row / column, -1 = constant 0
};

// paddings: XIR's 8 values; constant_values: XIR's optional attribute (empty or all 0).
Result<PadParams> MakePadParams(const Nhwc& input, const std::vector<int>& paddings, PadMode mode,
                                const std::vector<int>& constant_values, int fix_in, int fix_out,
                                const std::string& name = "pad");

namespace reference {
void PadFix(const PadParams& params, const int8_t* in, int8_t* out);  // one image
}  // namespace reference
}  // namespace signdpu
