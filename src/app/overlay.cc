#include "signdpu/app/overlay.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "signdpu/io/preprocess.h"

namespace signdpu::app {
namespace {
// The label near the top-left corner, scaled with the frame height, the
// frame rate in the bottom-left corner; green, 2 pixels thick.
constexpr int kTextLeft = 10;
constexpr int kMinTextBaseline = 30;   // pixels; else 1/8 of the height
constexpr int kBaselineDivisor = 8;
constexpr double kRowsPerFontScale = 240.0;  // font scale = rows/240, at least 1
constexpr int kTextThickness = 2;
constexpr int kMinShownRows = 240;  // smaller frames are enlarged first
const cv::Scalar kGreen(0, 255, 0);
const cv::Scalar kYellow(0, 255, 255);
}  // namespace

FrameOverlay OverlayFor(const FrameResult& result, const std::vector<std::string>& labels, const cv::Mat& image,
                        const io::Roi& roi, double fps) {
  FrameOverlay o;
  if (!result.top.empty()) {
    o.label = LabelName(labels, result.top[0].first);
    o.probability = result.top[0].second;
  }
  auto rect = io::RoiRect(image.cols, image.rows, roi);
  if (rect.ok()) o.roi = *rect;
  o.fps = fps;
  return o;
}

cv::Mat AnnotateFrame(const cv::Mat& image, const FrameOverlay& overlay) {
  cv::Mat shown;
  double scale = 1;
  if (image.rows > 0 && image.rows < kMinShownRows) {
    scale = std::ceil(static_cast<double>(kMinShownRows) / image.rows);
    cv::resize(image, shown, cv::Size(), scale, scale, cv::INTER_NEAREST);
  } else {
    shown = image.clone();
  }
  if (shown.channels() == 1) cv::cvtColor(shown, shown, cv::COLOR_GRAY2BGR);
  if (shown.channels() == 4) cv::cvtColor(shown, shown, cv::COLOR_BGRA2BGR);
  const double font = std::max(1.0, shown.rows / kRowsPerFontScale);
  if (!overlay.roi.empty()) {
    const cv::Rect r(static_cast<int>(overlay.roi.x * scale), static_cast<int>(overlay.roi.y * scale),
                     static_cast<int>(overlay.roi.width * scale), static_cast<int>(overlay.roi.height * scale));
    cv::rectangle(shown, r, kYellow, kTextThickness);
  }
  std::string text = overlay.label;
  if (overlay.probability >= 0) {
    char p[32];
    std::snprintf(p, sizeof p, " %.2f", overlay.probability);
    text += p;
  }
  cv::putText(shown, text, cv::Point(kTextLeft, std::max(kMinTextBaseline, shown.rows / kBaselineDivisor)),
              cv::FONT_HERSHEY_SIMPLEX, font, kGreen, kTextThickness);
  if (overlay.fps > 0) {
    char f[32];
    std::snprintf(f, sizeof f, "%.1f fps", overlay.fps);
    cv::putText(shown, f, cv::Point(kTextLeft, shown.rows - kTextLeft), cv::FONT_HERSHEY_SIMPLEX, font * 0.6, kGreen,
                kTextThickness);
  }
  return shown;
}

}  // namespace signdpu::app
