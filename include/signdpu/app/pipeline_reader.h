// The reader unit of `signdpu run` (app/pipeline.h): pulls frames from a
// FrameSource, numbers them and queues them for the workers.
#pragma once

#include <cstdint>

#include "signdpu/app/pipeline_queues.h"
#include "signdpu/core/status.h"
#include "signdpu/io/frame_source.h"

namespace signdpu::app {

struct ReaderConfig {
  int64_t limit = -1;          // frames; < 0: no limit
  double bench_seconds = 0;    // > 0: loop over the frames read until this long after `start`
  int64_t classes = 0;         // a ground-truth label >= classes is an error
  PipelineClock::time_point start = PipelineClock::now();
};

// Most frames --bench keeps in memory to loop over (a file source only;
// a live camera is never replayed).
inline constexpr size_t kBenchReplayFrames = 10000;

// Runs on the reader thread until the source ends, the limit or bench time
// is reached, or flags.reader_stop / flags.failed / flags.stop is set. The
// queue is closed on every path. A source error or an out-of-range label
// sets flags.failed and is returned; OK otherwise.
Status ReadFrames(io::FrameSource& source, const ReaderConfig& config, FrameQueue& queue, PipelineFlags& flags);

}  // namespace signdpu::app
