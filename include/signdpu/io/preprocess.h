// Preprocessing, identical on host and board:
//   region of interest (centre square by default) -> grayscale ->
//   resize to the model input with INTER_AREA -> divide by 255 (as in
//   training) -> quantise with the input tensor's fix_point using DPU_ROUND
//   and saturation (fixpoint.h (3); never a bare (int8_t) cast).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "signdpu/core/status.h"

namespace signdpu::io {

struct Roi {
  bool centre_square = true;  // default: the largest centred square
  int x = 0, y = 0, width = 0, height = 0;  // explicit ROI when !centre_square
};

// Parses "--roi" values: "centre"/"center", "full", or "X,Y,W,H".
Result<Roi> ParseRoi(const std::string& text);

struct PreprocessConfig {
  int height = 28, width = 28;  // model input (NHWC, C = 1)
  int fix_point = 0;            // the runner's input tensor fix_point
  Roi roi;
};

// Any-size 8-bit image (1, 3 or 4 channels, BGR order as OpenCV reads it)
// into `out` (height * width int8). Errors name the problem (empty image,
// unsupported depth/channels, ROI outside the frame).
Status PreprocessImage(const cv::Mat& image, const PreprocessConfig& config, int8_t* out);

// 28x28 CSV pixels (already at model size) -> int8; same maths without the
// resize. `pixels.size()` must equal height * width.
Status PreprocessPixels(const std::vector<uint8_t>& pixels, const PreprocessConfig& config, int8_t* out);

}  // namespace signdpu::io
