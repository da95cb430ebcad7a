// libFuzzer target: preprocessing of arbitrary image sizes, channel counts,
// ROIs and fix points.
#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "signdpu/io/preprocess.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  const int rows = data[0] % 64 + (data[1] % 2 ? 0 : 1);  // 0..64 rows
  const int cols = data[2] % 64 + 1;
  const int channels = data[3] % 5;                      // 0..4 (0 and 2 are invalid)
  const int fix_point = static_cast<int8_t>(data[4]) / 8;  // -16..15
  signdpu::io::PreprocessConfig c;
  c.height = data[5] % 40;  // 0 is invalid
  c.width = data[6] % 40 + 1;
  c.fix_point = fix_point;
  c.roi.centre_square = data[7] % 3 == 0;
  if (!c.roi.centre_square) {
    c.roi.x = data[7] % 16;
    c.roi.y = data[7] % 8;
    c.roi.width = data[7] % 3 == 1 ? -1 : cols;
    c.roi.height = rows;
  }
  cv::Mat img;
  if (channels > 0 && rows > 0) {
    img = cv::Mat(rows, cols, CV_8UC(channels));
    const size_t n = img.total() * img.elemSize();
    const size_t tail = size - 8;  // pixel bytes after the 8 header bytes (may be 0)
    for (size_t i = 0; i < n; ++i) img.data[i] = tail ? data[8 + i % tail] : 0;
  }
  std::vector<int8_t> out(static_cast<size_t>(std::max(0, c.height) * c.width) + 1);
  (void)signdpu::io::PreprocessImage(img, c, out.data());
  std::vector<uint8_t> pixels(data + 8, data + size);
  (void)signdpu::io::PreprocessPixels(pixels, c, out.data());
  return 0;
}
