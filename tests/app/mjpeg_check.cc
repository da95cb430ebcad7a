// Test helper for tests/app/live_e2e.sh.
//   mjpeg_check BODY N [FIRST.png]   the first N parts of a captured
//       multipart/x-mixed-replace body decode as JPEG (cv::imdecode) and carry
//       the overlay of app/overlay.h (green label text, yellow ROI box); the
//       first is written to FIRST.png when given.
//   mjpeg_check --png-has-picture SCREENSHOT.png   a browser screenshot shows
//       a frame with its overlay (enough yellow ROI-box pixels; the page itself
//       has no yellow).
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace {

int CountColour(const cv::Mat& bgr, bool yellow) {
  int n = 0;
  for (int y = 0; y < bgr.rows; ++y)
    for (int x = 0; x < bgr.cols; ++x) {
      const cv::Vec3b p = bgr.at<cv::Vec3b>(y, x);
      const bool green = p[1] > 200 && p[0] < 90 && p[2] < 90;
      const bool yel = p[1] > 200 && p[2] > 200 && p[0] < 90;
      n += yellow ? yel : green;
    }
  return n;
}

int PngHasPicture(const char* path) {
  cv::Mat img = cv::imread(path, cv::IMREAD_COLOR);
  if (img.empty()) {
    std::printf("FAIL: cannot read %s\n", path);
    return 1;
  }
  const int yellow = CountColour(img, true);
  std::printf("%s: %dx%d, %d yellow (ROI box) pixels\n", path, img.cols, img.rows, yellow);
  return yellow >= 200 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--png-has-picture") return PngHasPicture(argv[2]);
  if (argc < 3) {
    std::fprintf(stderr, "usage: mjpeg_check BODY N [FIRST.png] | --png-has-picture PNG\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const int want = std::stoi(argv[2]);
  size_t pos = 0;
  int parts = 0;
  while (parts < want) {
    const size_t h = body.find("Content-Length: ", pos);
    if (h == std::string::npos) break;
    const size_t end = body.find("\r\n\r\n", h);
    if (end == std::string::npos) break;
    const size_t len = std::stoul(body.substr(h + 16, end - h - 16));
    if (end + 4 + len > body.size()) break;
    std::vector<uint8_t> jpeg(body.begin() + static_cast<long>(end + 4), body.begin() + static_cast<long>(end + 4 + len));
    cv::Mat img = cv::imdecode(jpeg, cv::IMREAD_COLOR);
    if (img.empty()) {
      std::printf("FAIL: part %d (%zu bytes) is not a JPEG\n", parts, len);
      return 1;
    }
    const int green = CountColour(img, false), yellow = CountColour(img, true);
    std::printf("part %d: JPEG %dx%d, %zu bytes, %d green (label) and %d yellow (ROI) pixels\n", parts, img.cols,
                img.rows, len, green, yellow);
    if (green < 20 || yellow < 20) {
      std::printf("FAIL: part %d lacks the overlay\n", parts);
      return 1;
    }
    if (parts == 0 && argc > 3) cv::imwrite(argv[3], img);
    ++parts;
    pos = end + 4 + len;
  }
  if (parts < want) {
    std::printf("FAIL: %d of %d parts found\n", parts, want);
    return 1;
  }
  return 0;
}
