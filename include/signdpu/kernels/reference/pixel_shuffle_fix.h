// pixel-shuffle-fix (XIR op name), reference kernel: PyTorch's PixelShuffle
// (`upscale` true: depth to space) or PixelUnshuffle (false) on NHWC maps.
//
// Upscale, scale s: [H, W, C*s*s] -> [H*s, W*s, C];
//   out[y][x][c] = in[y/s][x/s][c*s*s + (y%s)*s + x%s]
// [source: Xilinx VART cpu-runner pixel_shuffle.cpp:64-91; shapes XIR 2.5
// shape_inference.cpp shape_infer_pixel_shuffle]. Downscale is the inverse.
// Note the channel order differs from tile-fix's (c is the slow index here).
// XIR 2.5 defines the op with the attributes `scale` and `reverse` but infers
// its shape from `upscale` (built_in_ops.cpp PixelShuffleOpDefGenerator vs
// ReorgOpDefGenerator [checked: libxir 2.5 needs both set]); `upscale` is
// the one read. Bytes are copied, so fix points must agree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"

namespace signdpu {

struct PixelShuffleParams {
  Nhwc input, output;           // one image
  std::vector<int64_t> source;  // per output element: the input element
};

Result<PixelShuffleParams> MakePixelShuffleParams(const Nhwc& input, int scale, bool upscale, int fix_in,
                                                  int fix_out, const std::string& name = "pixel-shuffle");

namespace reference {
void PixelShuffleFix(const PixelShuffleParams& params, const int8_t* in, int8_t* out);  // one image
}  // namespace reference
}  // namespace signdpu
