// libFuzzer target: the user-number parser and the --roi parser on
// arbitrary text, and the ROI that parses applied to small frames. A value
// is accepted only inside its range (never wrapped), an error is one line,
// and PreprocessImage never reads outside the frame (ASan) or throws.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "signdpu/core/number_parse.h"
#include "signdpu/io/preprocess.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto one_line = [](const signdpu::Status& s) {
    if (s.message().find('\n') != std::string::npos || s.message().find('\r') != std::string::npos) __builtin_trap();
  };
  for (auto [min, max] : {std::pair<int64_t, int64_t>{1, 64}, {1, std::numeric_limits<int64_t>::max()},
                          {std::numeric_limits<int64_t>::min(), 0}}) {
    auto v = signdpu::ParseInt64(text, "--x", min, max);
    if (v.ok() && (*v < min || *v > max)) __builtin_trap();
    if (!v.ok()) one_line(v.status());
  }
  auto d = signdpu::ParseFinite(text, "--bench", 0, 1e6);
  if (d.ok() && !(*d >= 0 && *d <= 1e6)) __builtin_trap();
  if (!d.ok()) one_line(d.status());
  auto roi = signdpu::io::ParseRoi(text);
  if (!roi.ok()) {
    one_line(roi.status());
    return 0;
  }
  if (!roi->centre_square && roi->width != -1 && (roi->x < 0 || roi->y < 0 || roi->width <= 0 || roi->height <= 0))
    __builtin_trap();
  signdpu::io::PreprocessConfig c;
  c.height = c.width = 4;
  c.roi = *roi;
  std::vector<int8_t> out(16);
  for (cv::Size size : {cv::Size(1, 1), cv::Size(7, 5), cv::Size(64, 48)}) {
    cv::Mat img(size, CV_8UC1, cv::Scalar(7));
    try {
      signdpu::Status s = signdpu::io::PreprocessImage(img, c, out.data());
      if (!s.ok()) one_line(s);
    } catch (...) {
      __builtin_trap();  // an OpenCV throw means the bounds check let a bad ROI through
    }
  }
  return 0;
}
