#include "signdpu/app/pipeline_reader.h"

#include <string>
#include <utility>
#include <vector>

namespace signdpu::app {
namespace {

// A ground-truth label the model cannot predict means the data and the
// model do not belong together: an error, not a silent miss.
Status CheckLabel(const io::Frame& frame, int64_t classes) {
  if (frame.label < classes) return Status::Ok();
  return InvalidArgument(frame.id + ": label " + std::to_string(frame.label) + " is out of range for the model's " +
                         std::to_string(classes) + " classes (0.." + std::to_string(classes - 1) + ")");
}

bool BenchTimeUp(const ReaderConfig& c) {
  return c.bench_seconds > 0 &&
         std::chrono::duration<double>(PipelineClock::now() - c.start).count() >= c.bench_seconds;
}

}  // namespace

Status ReadFrames(io::FrameSource& source, const ReaderConfig& c, FrameQueue& queue, PipelineFlags& flags) {
  Status status;
  std::vector<io::Frame> cache;  // for --bench: loop over the frames read
  int64_t n = 0;
  size_t replay = 0;
  bool source_done = false;
  while (!flags.reader_stop && !flags.failed && !flags.StopRequested()) {
    if (c.limit >= 0 && n >= c.limit) break;
    if (BenchTimeUp(c)) break;
    QueuedFrame item;
    if (!source_done) {
      Result<bool> got = source.Next(&item.frame);
      flags.source_skipped = source.skipped();
      if (got.ok() && got.value()) status = CheckLabel(item.frame, c.classes);
      if (!got.ok()) status = got.status();
      if (!status.ok()) {
        flags.failed = true;
        break;
      }
      if (!got.value()) {
        source_done = true;
        if (c.bench_seconds <= 0 || cache.empty()) break;
        continue;
      }
      if (c.bench_seconds > 0 && cache.size() < kBenchReplayFrames && !source.is_live()) cache.push_back(item.frame);
    } else {
      item.frame = cache[replay++ % cache.size()];
    }
    item.frame.index = n++;
    item.read_at = PipelineClock::now();
    if (!queue.Push(std::move(item), flags.stop)) break;
  }
  queue.Close();
  return status;
}

}  // namespace signdpu::app
