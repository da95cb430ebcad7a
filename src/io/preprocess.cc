#include "signdpu/io/preprocess.h"

#include <cstdio>
#include <limits>
#include <string_view>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "signdpu/core/json_text.h"
#include "signdpu/core/number_parse.h"
#include "signdpu/fixpoint/fixpoint.h"

namespace signdpu::io {

Result<Roi> ParseRoi(const std::string& text) {
  Roi r;
  if (text.empty()) return InvalidArgument("--roi: empty value, expected centre, full or X,Y,W,H");
  if (text == "centre" || text == "center") return r;
  if (text == "full") {
    r.centre_square = false;
    r.width = r.height = -1;  // whole frame
    return r;
  }
  // X,Y,W,H: four fields, each parsed whole and range-checked in 64 bits
  // (the checked parser), so that nothing wraps before the bounds check.
  std::vector<std::string_view> fields;
  std::string_view rest = text;
  for (;;) {
    const size_t comma = rest.find(',');
    fields.push_back(rest.substr(0, comma));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (fields.size() != 4)
    return InvalidArgument("--roi '" + PrintableText(text) + "': expected centre, full or X,Y,W,H with W, H > 0");
  static const char* kNames[4] = {"--roi X", "--roi Y", "--roi W", "--roi H"};
  int64_t v[4];
  for (int i = 0; i < 4; ++i) {
    SIGNDPU_ASSIGN_OR_RETURN(v[i], ParseInt64(fields[static_cast<size_t>(i)], kNames[i], i < 2 ? 0 : 1,
                                              std::numeric_limits<int>::max()));
  }
  r.centre_square = false;
  r.x = static_cast<int>(v[0]);
  r.y = static_cast<int>(v[1]);
  r.width = static_cast<int>(v[2]);
  r.height = static_cast<int>(v[3]);
  return r;
}

namespace {

// DPU_ROUND quantisation of pixel/255 with a 256-entry table: identical to
// QuantizeDpu(p / 255.0f, fp) for every pixel value, computed once.
constexpr int kPixelValues = 256;     // 8-bit grayscale
constexpr float kPixelMax = 255.0f;   // pixel / 255 = the float model's input in [0, 1]
struct PixelTable {
  static constexpr int kNoTable = std::numeric_limits<int>::min();  // no fix point is this: the first For() fills the table
  int fix_point = kNoTable;
  int8_t q[kPixelValues];
  const int8_t* For(int fp) {
    if (fp != fix_point) {
      for (int p = 0; p < kPixelValues; ++p) q[p] = QuantizeDpu(static_cast<float>(p) / kPixelMax, fp);
      fix_point = fp;
    }
    return q;
  }
};

thread_local PixelTable t_table;

Status QuantizeGray(const cv::Mat& gray, int fix_point, int8_t* out) {
  const int8_t* table = t_table.For(fix_point);
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
  return QuantizeGray(resized, config.fix_point, out);
}

Status PreprocessPixels(const std::vector<uint8_t>& pixels, const PreprocessConfig& config, int8_t* out) {
  if (static_cast<int64_t>(pixels.size()) != int64_t{config.height} * config.width)
    return InvalidArgument("frame has " + std::to_string(pixels.size()) + " pixels, the model input needs " +
                           std::to_string(config.height) + "x" + std::to_string(config.width));
  const int8_t* table = t_table.For(config.fix_point);
  for (size_t i = 0; i < pixels.size(); ++i) out[i] = table[pixels[i]];
  return Status::Ok();
}

}  // namespace signdpu::io
