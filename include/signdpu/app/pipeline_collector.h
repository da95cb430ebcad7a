// The collector unit of `signdpu run` (app/pipeline.h): on the calling
// thread, takes the workers' results, puts them back in frame order and
// for each frame adds it to the statistics, prints its line and shows or
// records it with the prediction drawn; between batches it pings the
// service watchdog, updates the service status and the progress line.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "signdpu/app/pipeline_queues.h"
#include "signdpu/app/report.h"
#include "signdpu/core/status.h"
#include "signdpu/io/frame_source.h"
#include "signdpu/io/pixels.h"

namespace signdpu::io {
class ServiceNotifier;
}

namespace signdpu::app {

struct CollectorConfig {
  int workers = 1;                 // ResultQueue::WorkerDone calls that end the run
  bool per_frame = true;           // emit one line per frame
  bool json = false;               // ... as JSON (FrameJson), else text (FrameText)
  std::vector<std::string> labels;
  std::function<void(const std::string&)> emit;  // per-frame line sink; may be empty
  io::FrameSink* sink = nullptr;   // display/record; null: images are not drawn
  std::function<void(const FrameEvent&)> on_frame;  // --results, --serve; may be empty
  io::Roi roi;                     // drawn on shown/recorded frames (app/overlay.h)
  io::ServiceNotifier* notifier = nullptr;
  bool progress = false;           // progress line on stderr
  PipelineClock::time_point start = PipelineClock::now();
};

class ResultCollector {
 public:
  ResultCollector(const CollectorConfig& config, StatsCollector* stats) : c_(config), stats_(stats) {}
  // Sends READY=1, then collects until every worker is done; a stop
  // request (flags.stop) sets flags.reader_stop. Results left after a gap
  // (only after a failure) are handled in index order at the end.
  void Run(ResultQueue& results, PipelineFlags& flags);
  // The first error writing to the sink (later frames are not written).
  const Status& sink_status() const { return sink_status_; }
  int64_t emitted() const { return emitted_; }

 private:
  void Handle(const DoneFrame& d);
  void Tick();  // watchdog, service status, progress line

  const CollectorConfig& c_;
  StatsCollector* stats_;
  std::map<int64_t, DoneFrame> reorder_;
  int64_t next_ = 0;
  int64_t emitted_ = 0;
  const PipelineFlags* flags_ = nullptr;  // for the skip counts of FrameEvent
  Status sink_status_;
  PipelineClock::time_point last_status_ = PipelineClock::now();
};

}  // namespace signdpu::app
