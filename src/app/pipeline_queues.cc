#include "signdpu/app/pipeline_queues.h"

#include <utility>

namespace signdpu::app {
namespace {
// How often a producer blocked on a full queue re-checks the stop flag.
constexpr std::chrono::milliseconds kPushStopPoll{50};
// How long the collector waits for results before its periodic work
// (watchdog ping, progress line, stop check).
constexpr std::chrono::milliseconds kCollectorTick{200};
}  // namespace

bool FrameQueue::Push(QueuedFrame item, const std::atomic<bool>* stop) {
  std::unique_lock<std::mutex> l(m_);
  while (q_.size() >= capacity_ && !closed_) {
    if (stop && stop->load()) return false;
    not_full_.wait_for(l, kPushStopPoll);
  }
  if (closed_) return false;
  q_.push_back(std::move(item));
  not_empty_.notify_one();
  return true;
}

std::vector<QueuedFrame> FrameQueue::PopBatch(size_t max) {
  std::unique_lock<std::mutex> l(m_);
  not_empty_.wait(l, [&] { return !q_.empty() || closed_; });
  std::vector<QueuedFrame> out;
  while (!q_.empty() && out.size() < max) {
    out.push_back(std::move(q_.front()));
    q_.pop_front();
  }
  not_full_.notify_all();
  return out;
}

void FrameQueue::Close() {
  std::lock_guard<std::mutex> l(m_);
  closed_ = true;
  not_empty_.notify_all();
  not_full_.notify_all();
}

void ResultQueue::Push(std::vector<DoneFrame> batch) {
  std::lock_guard<std::mutex> l(m_);
  for (auto& d : batch) q_.push_back(std::move(d));
  cv_.notify_one();
}

void ResultQueue::WorkerDone() {
  std::lock_guard<std::mutex> l(m_);
  ++finished_;
  cv_.notify_one();
}

bool ResultQueue::Pop(std::vector<DoneFrame>* out, int workers) {
  std::unique_lock<std::mutex> l(m_);
  cv_.wait_for(l, kCollectorTick, [&] { return !q_.empty() || finished_ == workers; });
  out->clear();
  while (!q_.empty()) {
    out->push_back(std::move(q_.front()));
    q_.pop_front();
  }
  return !(out->empty() && finished_ == workers);
}

}  // namespace signdpu::app
