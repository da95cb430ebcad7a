// tile-fix (XIR op name; "gstiling"), reference kernel: space to depth with
// stride s, or depth to space when `reverse`.
//
// Forward: [H, W, C] -> [H/s, W/s, C*s*s]; output pixel (oy, ox), channel
// i*s*C + j*C + c reads in[oy*s + i][ox*s + j][c] [source: Vitis-AI-Library 2.5
// cpu_task tile-fix/tile-fix.cpp:61-92; shapes XIR 2.5 shape_inference.cpp
// shape_infer_gstiling]. `reverse` is the inverse permutation
// ([H, W, C] -> [H*s, W*s, C/(s*s)], :44-49). Bytes are copied (no
// requantisation in the source), so fix points must agree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"

namespace signdpu {

struct TileParams {
  Nhwc input, output;           // one image
  std::vector<int64_t> source;  // per output element: the input element
};

Result<TileParams> MakeTileParams(const Nhwc& input, int stride, bool reverse, int fix_in, int fix_out,
                                  const std::string& name = "tile");

namespace reference {
void TileFix(const TileParams& params, const int8_t* in, int8_t* out);  // one image
}  // namespace reference
}  // namespace signdpu
