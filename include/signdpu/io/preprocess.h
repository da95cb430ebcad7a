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
#include "signdpu/io/pixels.h"  // Roi, ParseRoi, PreprocessConfig, PreprocessPixels (OpenCV-free)

namespace signdpu::io {

// The --roi rectangle inside a cols x rows frame (the largest centred square,
// the whole frame, or X,Y,W,H checked to lie inside). The one place that
// knows it: preprocessing cuts it, the --record/--serve overlay draws it.
Result<cv::Rect> RoiRect(int cols, int rows, const Roi& roi);

// Any-size 8-bit image (1, 3 or 4 channels, BGR order as OpenCV reads it)
// into `out` (height * width int8). Errors name the problem (empty image,
// unsupported depth/channels, ROI outside the frame).
Status PreprocessImage(const cv::Mat& image, const PreprocessConfig& config, int8_t* out);

}  // namespace signdpu::io
