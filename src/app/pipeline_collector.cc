#include "signdpu/app/pipeline_collector.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "signdpu/app/overlay.h"
#include "signdpu/io/service_notifier.h"

namespace signdpu::app {
namespace {
// How often the service status and the progress line are refreshed.
constexpr std::chrono::seconds kStatusInterval{1};
}  // namespace

void ResultCollector::Handle(const DoneFrame& d) {
  stats_->Add(d.result);
  ++emitted_;
  if (c_.per_frame && c_.emit) c_.emit(c_.json ? FrameJson(d.result, c_.labels) : FrameText(d.result, c_.labels));
  if (c_.on_frame) {
    const int64_t errors = flags_ ? flags_->skipped.load() + flags_->source_skipped.load() : 0;
    c_.on_frame(FrameEvent{d.result, d.image, errors});
  }
  if (c_.sink != nullptr && !d.image.empty() && sink_status_.ok()) {
    const double secs = std::chrono::duration<double>(PipelineClock::now() - c_.start).count();
    const FrameOverlay overlay = OverlayFor(d.result, c_.labels, d.image, c_.roi, secs > 0 ? emitted_ / secs : 0);
    sink_status_ = c_.sink->Write(AnnotateFrame(d.image, overlay));
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
      std::fprintf(stderr, "\r%lld frames, %.0f frames/s   ", static_cast<long long>(emitted_), emitted_ / secs);
    last_status_ = now;
  }
}

void ResultCollector::Run(ResultQueue& results, PipelineFlags& flags) {
  flags_ = &flags;
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
