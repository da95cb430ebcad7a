#include "signdpu/io/preprocess.h"

#include <vector>

#include <opencv2/imgproc.hpp>

namespace signdpu::io {

namespace {

Status QuantizeGray(const cv::Mat& gray, const PreprocessConfig& config, int8_t* out) {
  const int8_t* table = PixelTable(config.fix_point, config.mean, config.scale);
  for (int y = 0; y < gray.rows; ++y) {
    const uint8_t* row = gray.ptr<uint8_t>(y);
    for (int x = 0; x < gray.cols; ++x) *out++ = table[row[x]];
  }
  return Status::Ok();
}

}  // namespace

Status PreprocessImage(const cv::Mat& image, const PreprocessConfig& config, int8_t* out) {
  if (image.empty()) return InvalidArgument("empty image");
  if (image.depth() != CV_8U) return Unsupported("image depth " + std::to_string(image.depth()) + " is not 8-bit");
  const int ch = image.channels();
  if (ch != 1 && ch != 3 && ch != 4) return Unsupported("image has " + std::to_string(ch) + " channels, expected 1, 3 or 4");
  if (config.height <= 0 || config.width <= 0) return InvalidArgument("model input size must be positive");
  cv::Rect rect(0, 0, image.cols, image.rows);
  if (config.roi.centre_square) {
    const int side = std::min(image.cols, image.rows);
    rect = cv::Rect((image.cols - side) / 2, (image.rows - side) / 2, side, side);
  } else if (config.roi.width > 0) {
    // In 64 bits: x + width of two large ints must not wrap past the check.
    const int64_t x = config.roi.x, y = config.roi.y, w = config.roi.width, h = config.roi.height;
    if (x < 0 || y < 0 || h <= 0 || x + w > image.cols || y + h > image.rows) {
      return InvalidArgument("ROI " + std::to_string(x) + "," + std::to_string(y) + "," + std::to_string(w) + "," +
                             std::to_string(h) + " lies outside the " + std::to_string(image.cols) + "x" +
                             std::to_string(image.rows) + " frame");
    }
    rect = cv::Rect(config.roi.x, config.roi.y, config.roi.width, config.roi.height);
  }
  cv::Mat roi = image(rect);
  cv::Mat gray;
  if (ch == 1) gray = roi;
  else cv::cvtColor(roi, gray, ch == 3 ? cv::COLOR_BGR2GRAY : cv::COLOR_BGRA2GRAY);
  cv::Mat resized;
  if (gray.rows == config.height && gray.cols == config.width) resized = gray;
  else cv::resize(gray, resized, cv::Size(config.width, config.height), 0, 0, cv::INTER_AREA);
  return QuantizeGray(resized, config, out);
}

}  // namespace signdpu::io
