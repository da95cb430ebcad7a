#include "signdpu/io/preprocess.h"

#include <vector>

#include <opencv2/imgproc.hpp>

namespace signdpu::io {

namespace {

Status QuantizeGray(const cv::Mat& gray, int fix_point, int8_t* out) {
  const int8_t* table = PixelTable(fix_point);
  for (int y = 0; y < gray.rows; ++y) {
    const uint8_t* row = gray.ptr<uint8_t>(y);
    for (int x = 0; x < gray.cols; ++x) *out++ = table[row[x]];
  }
  return Status::Ok();
}

}  // namespace

Result<cv::Rect> RoiRect(int cols, int rows, const Roi& roi) {
  cv::Rect rect(0, 0, cols, rows);
  if (roi.centre_square) {
    const int side = std::min(cols, rows);
    return cv::Rect((cols - side) / 2, (rows - side) / 2, side, side);
  }
  if (roi.width <= 0) return rect;
  // In 64 bits: x + width of two large ints must not wrap past the check.
  const int64_t x = roi.x, y = roi.y, w = roi.width, h = roi.height;
  if (x < 0 || y < 0 || h <= 0 || x + w > cols || y + h > rows) {
    return InvalidArgument("ROI " + std::to_string(x) + "," + std::to_string(y) + "," + std::to_string(w) + "," +
                           std::to_string(h) + " lies outside the " + std::to_string(cols) + "x" +
                           std::to_string(rows) + " frame");
  }
  return cv::Rect(roi.x, roi.y, roi.width, roi.height);
}

Status PreprocessImage(const cv::Mat& image, const PreprocessConfig& config, int8_t* out) {
  if (image.empty()) return InvalidArgument("empty image");
  if (image.depth() != CV_8U) return Unsupported("image depth " + std::to_string(image.depth()) + " is not 8-bit");
  const int ch = image.channels();
  if (ch != 1 && ch != 3 && ch != 4) return Unsupported("image has " + std::to_string(ch) + " channels, expected 1, 3 or 4");
  if (config.height <= 0 || config.width <= 0) return InvalidArgument("model input size must be positive");
  auto rect = RoiRect(image.cols, image.rows, config.roi);
  if (!rect.ok()) return rect.status();
  cv::Mat roi = image(*rect);
  cv::Mat gray;
  if (ch == 1) gray = roi;
  else cv::cvtColor(roi, gray, ch == 3 ? cv::COLOR_BGR2GRAY : cv::COLOR_BGRA2GRAY);
  cv::Mat resized;
  if (gray.rows == config.height && gray.cols == config.width) resized = gray;
  else cv::resize(gray, resized, cv::Size(config.width, config.height), 0, 0, cv::INTER_AREA);
  return QuantizeGray(resized, config.fix_point, out);
}

}  // namespace signdpu::io
