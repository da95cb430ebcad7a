// The hand-offs between the three units of `signdpu run` (app/pipeline.h):
//   reader (pipeline_reader.h) -> FrameQueue -> workers (pipeline_worker.h)
//   -> ResultQueue -> collector (pipeline_collector.h),
// and the flags they share to stop one another.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include <opencv2/core.hpp>

#include "signdpu/app/report.h"
#include "signdpu/io/frame_source.h"

namespace signdpu::app {

using PipelineClock = std::chrono::steady_clock;

// A frame on its way from the reader to a worker.
struct QueuedFrame {
  io::Frame frame;
  PipelineClock::time_point read_at;  // start of the frame's end-to-end latency
};

// A classified frame on its way from a worker to the collector.
struct DoneFrame {
  FrameResult result;
  cv::Mat image;  // only kept for display/record
};

// One classified frame as the collector hands it, in frame order, to the
// per-frame hook of --results and --serve (PipelineOptions::on_frame).
struct FrameEvent {
  const FrameResult& result;
  const cv::Mat& image;  // empty unless PipelineOptions::keep_images (and for CSV rows: the 28x28 pixels)
  int64_t errors;        // frames skipped as bad so far (--skip-bad: reader and workers)
};

// Set by one unit, read by the others.
struct PipelineFlags {
  std::atomic<bool> failed{false};       // a unit hit an error: everyone stops
  std::atomic<bool> reader_stop{false};  // the collector (or a failed start) ends reading
  std::atomic<int64_t> skipped{0};       // frames dropped by --skip-bad in the workers
  std::atomic<int64_t> source_skipped{0};  // the source's own count (FrameSource::skipped), copied by the reader
  const std::atomic<bool>* stop = nullptr;  // SIGINT/SIGTERM (PipelineOptions::stop); may be null
  bool StopRequested() const { return stop != nullptr && stop->load(); }
};

// Bounded multi-consumer queue; Close() lets consumers drain and finish.
class FrameQueue {
 public:
  explicit FrameQueue(size_t capacity) : capacity_(capacity) {}
  // Waits while full. false (item dropped) when the queue is closed or
  // `stop` is set while waiting.
  bool Push(QueuedFrame item, const std::atomic<bool>* stop);
  // Up to `max` items; waits for the first, then takes what is there (a
  // live camera must not wait for a full batch). Empty result = closed.
  std::vector<QueuedFrame> PopBatch(size_t max);
  void Close();

 private:
  size_t capacity_;
  std::mutex m_;
  std::condition_variable not_empty_, not_full_;
  std::deque<QueuedFrame> q_;
  bool closed_ = false;
};

// Results arrive out of order from the workers; the collector puts them
// back in frame order.
class ResultQueue {
 public:
  void Push(std::vector<DoneFrame> batch);
  // Each worker calls this once when it stops.
  void WorkerDone();
  // Waits up to 200 ms for results (the collector's ping/progress tick) and
  // takes them all. false, with `out` empty, when all `workers` finished
  // and nothing is left.
  bool Pop(std::vector<DoneFrame>* out, int workers);

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<DoneFrame> q_;
  int finished_ = 0;
};

}  // namespace signdpu::app
