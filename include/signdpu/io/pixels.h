// The OpenCV-free half of preprocessing: CSV pixels (already at model size)
// -> int8 through a 256-entry DPU_ROUND table, and the --roi syntax. Lives in
// the signdpu::csv library with the CSV reader and the labels, so the
// quantiser reads calibration CSVs without linking OpenCV; preprocess.h adds
// the OpenCV image path (PreprocessImage) on top.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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
  // The float input the model was trained on: (pixel - mean) * scale. The
  // defaults are what signdpu-quantize calibrates with and writes into its
  // xmodels (signdpu_input_mean / signdpu_input_scale); the runner takes a
  // model's stored values (app::Model::input_mean / input_scale).
  float mean = 0.0f;
  float scale = 1.0f / 255.0f;
  Roi roi;
};

// 28x28 CSV pixels (already at model size) -> int8; same maths as
// PreprocessImage without the resize. `pixels.size()` must equal height * width.
Status PreprocessPixels(const std::vector<uint8_t>& pixels, const PreprocessConfig& config, int8_t* out);

// The 256-entry table QuantizeDpu((p - mean) * scale, fix_point) for every
// pixel value p, computed once per thread and (fix point, mean, scale) (valid
// until the calling thread asks for another). With the default mean and
// scale it equals QuantizeDpu(p / 255.0f, fix_point) (io_pixels_test).
const int8_t* PixelTable(int fix_point, float mean = 0.0f, float scale = 1.0f / 255.0f);

}  // namespace signdpu::io
