#include "signdpu/app/pipeline_collector.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include <opencv2/imgproc.hpp>

#include "signdpu/core/str_format.h"
#include "signdpu/io/service_notifier.h"

namespace signdpu::app {
namespace {
// The class name drawn on a shown or recorded frame: near the top-left
// corner, scaled with the frame height, green, 2 pixels thick.
constexpr int kTextLeft = 10;
constexpr int kMinTextBaseline = 30;   // pixels; else 1/8 of the height
constexpr int kBaselineDivisor = 8;
constexpr double kRowsPerFontScale = 240.0;  // font scale = rows/240, at least 1
constexpr int kTextThickness = 2;
// How often the service status and the progress line are refreshed.
constexpr std::chrono::seconds kStatusInterval{1};
}  // namespace

cv::Mat AnnotateFrame(const cv::Mat& image, const std::string& text) {
  cv::Mat shown = image.clone();
  if (shown.channels() == 1) cv::cvtColor(shown, shown, cv::COLOR_GRAY2BGR);
  cv::putText(shown, text, cv::Point(kTextLeft, std::max(kMinTextBaseline, shown.rows / kBaselineDivisor)),
              cv::FONT_HERSHEY_SIMPLEX, std::max(1.0, shown.rows / kRowsPerFontScale), cv::Scalar(0, 255, 0),
              kTextThickness);
  return shown;
}

void ResultCollector::Handle(const DoneFrame& d) {
  stats_->Add(d.result);
  ++emitted_;
  if (c_.per_frame && c_.emit) c_.emit(c_.json ? FrameJson(d.result, c_.labels) : FrameText(d.result, c_.labels));
  if (c_.sink != nullptr && !d.image.empty()) {
    const std::string text = d.result.top.empty() ? "?" : LabelName(c_.labels, d.result.top[0].first);
    cv::Mat shown = AnnotateFrame(d.image, text);
    if (sink_status_.ok()) sink_status_ = c_.sink->Write(shown);
  }
}

void ResultCollector::Tick() {
  const auto now = PipelineClock::now();
  // Ping only when frames were emitted since the last ping: a stalled
  // source (a camera that delivers nothing) or a hung DPU job stops the
  // pings and systemd restarts the service after WatchdogSec
  // (docs/deployment.md, "Watchdog"). A finished CSV ends the run instead.
  if (c_.notifier) (void)c_.notifier->WatchdogIfProgress(static_cast<uint64_t>(emitted_));
  if (now - last_status_ > kStatusInterval) {
    const double secs = std::chrono::duration<double>(now - c_.start).count();
    if (c_.notifier)
      (void)c_.notifier->Status(io::ServiceNotifier::FpsStatusText(emitted_ / secs, static_cast<uint64_t>(emitted_)));
    if (c_.progress)
      std::fprintf(stderr, "\r%s, %.0f frames/s   ", CountText(emitted_, "frame").c_str(), emitted_ / secs);
    last_status_ = now;
  }
}

void ResultCollector::Run(ResultQueue& results, PipelineFlags& flags) {
  if (c_.notifier) (void)c_.notifier->Ready();  // runners created, input open
  std::vector<DoneFrame> got;
  while (results.Pop(&got, c_.workers)) {
    for (auto& d : got) reorder_.emplace(d.result.index, std::move(d));
    for (auto it = reorder_.find(next_); it != reorder_.end(); it = reorder_.find(next_)) {
      Handle(it->second);
      reorder_.erase(it);
      ++next_;
    }
    Tick();
    if (flags.StopRequested()) flags.reader_stop = true;
  }
  for (auto& [idx, d] : reorder_) Handle(d);  // gaps only after a failure
  reorder_.clear();
}

}  // namespace signdpu::app
