#include "signdpu/app/pipeline_worker.h"

#include <string>
#include <utility>
#include <vector>

#include <vart/experimental/runner_helper.hpp>
#include <vart/tensor_buffer.hpp>
#include <xir/tensor/tensor.hpp>

#include "signdpu/kernels/reference/convert_fix.h"
#include "signdpu/kernels/reference/softmax.h"

namespace signdpu::app {
namespace {

// The picture handed on for display, record and the live view: the frame's
// image, or a CSV row's model-sized gray pixels as one.
cv::Mat KeptImage(const io::Frame& frame, const io::PreprocessConfig& pre) {
  if (!frame.image.empty() || frame.pixels.size() != static_cast<size_t>(pre.height) * pre.width) return frame.image;
  return cv::Mat(pre.height, pre.width, CV_8UC1, const_cast<uint8_t*>(frame.pixels.data())).clone();
}

// One worker's runner and buffers.
class Worker {
 public:
  Worker(vart::Runner* runner, const WorkerConfig& c, PipelineFlags& flags);
  // One batch from the queue through the runner; false when the worker stops.
  bool Step(FrameQueue& queue, ResultQueue& results);
  WorkerStats& stats() { return stats_; }

 private:
  bool Fail(Status s) {
    stats_.status = std::move(s);
    flags_.failed = true;
    return false;
  }
  // Preprocesses `items` into the input buffer; drops bad ones with
  // --skip-bad. false on an error.
  bool Preprocess(std::vector<QueuedFrame>& items, std::vector<QueuedFrame>* good);
  bool Execute();
  bool Collect(const std::vector<QueuedFrame>& good, ResultQueue& results);

  vart::Runner* runner_;
  const WorkerConfig& c_;
  PipelineFlags& flags_;
  WorkerStats stats_;
  std::vector<std::unique_ptr<vart::TensorBuffer>> ib_, ob_;
  std::vector<int32_t> in_origin_, out_origin_;
  std::vector<float> logits_, probs_;
};

Worker::Worker(vart::Runner* runner, const WorkerConfig& c, PipelineFlags& flags)
    : runner_(runner), c_(c), flags_(flags) {
  auto rin = runner->get_input_tensors();
  auto rout = runner->get_output_tensors();
  // One buffer set per runner. The edge DPU runner runs the job inside
  // execute_async and its wait returns at once
  // [source: vart/dpu-runner/src/imp/dpu_runner_ddr.cpp:172-187 and 212,
  // tag v2.5], so a second buffer set would not overlap anything: the
  // overlap comes from one runner per thread, each session bound to a
  // DPU core in turn (dpu_session_base_imp.cpp:72), with threads >= cores.
  ib_ = vart::alloc_cpu_flat_tensor_buffers(rin);
  ob_ = vart::alloc_cpu_flat_tensor_buffers(rout);
  // Full-rank indices: outputs may be [N,C], [N,1,1,C] or [N,H,W,C].
  in_origin_.assign(rin[0]->get_shape().size(), 0);
  out_origin_.assign(rout[0]->get_shape().size(), 0);
  logits_.resize(static_cast<size_t>(c.classes));
  probs_.resize(static_cast<size_t>(c.classes));
}

bool Worker::Preprocess(std::vector<QueuedFrame>& items, std::vector<QueuedFrame>* good) {
  auto [in_addr, in_bytes] = ib_[0]->data(in_origin_);
  if (static_cast<int64_t>(in_bytes) < c_.in_size * static_cast<int64_t>(items.size()))
    return Fail(Internal("runner input buffer has " + std::to_string(in_bytes) + " bytes"));
  int8_t* in = reinterpret_cast<int8_t*>(in_addr);
  for (auto& it : items) {
    int8_t* slot = in + good->size() * c_.in_size;
    Status s = it.frame.image.empty() ? io::PreprocessPixels(it.frame.pixels, c_.pre, slot)
                                      : io::PreprocessImage(it.frame.image, c_.pre, slot);
    if (!s.ok()) {
      if (c_.skip_bad) {
        flags_.skipped.fetch_add(1);
        continue;
      }
      return Fail(s.WithContext(it.frame.id));
    }
    good->push_back(std::move(it));
  }
  return true;
}

// Unused batch slots hold stale data; their outputs are ignored.
// DPU time = execute_async + wait: on the board the job runs inside
// execute_async; with an asynchronous runner (the emulator by default)
// inside wait. Either way this is the runner's time for the job, including
// VART's copies in and out.
bool Worker::Execute() {
  const auto t0 = PipelineClock::now();
  std::vector<vart::TensorBuffer*> inp = {ib_[0].get()}, outp = {ob_[0].get()};
  const std::pair<uint32_t, int> job = runner_->execute_async(inp, outp);
  if (job.second != 0) return Fail(Internal("execute_async returned status " + std::to_string(job.second)));
  const int rc = runner_->wait(static_cast<int>(job.first), -1);
  stats_.dpu_seconds += std::chrono::duration<double>(PipelineClock::now() - t0).count();
  if (rc != 0) return Fail(Internal("runner wait returned " + std::to_string(rc)));
  return true;
}

bool Worker::Collect(const std::vector<QueuedFrame>& good, ResultQueue& results) {
  auto [out_addr, out_bytes] = ob_[0]->data(out_origin_);
  if (static_cast<int64_t>(out_bytes) < c_.classes * static_cast<int64_t>(good.size()))
    return Fail(Internal("runner output buffer has " + std::to_string(out_bytes) + " bytes"));
  const int8_t* out = reinterpret_cast<const int8_t*>(out_addr);
  std::vector<DoneFrame> done;
  for (size_t i = 0; i < good.size(); ++i) {
    reference::Fix2Float(out + i * c_.classes, c_.classes, c_.out_fix_point, logits_.data());
    reference::Softmax(logits_.data(), 1, c_.classes, probs_.data());
    DoneFrame d;
    d.result.index = good[i].frame.index;
    d.result.id = good[i].frame.id;
    d.result.label = good[i].frame.label;
    d.result.top = reference::TopK(probs_.data(), c_.classes, c_.top_k);
    d.result.latency_us = std::chrono::duration<double, std::micro>(PipelineClock::now() - good[i].read_at).count();
    if (c_.keep_images) d.image = KeptImage(good[i].frame, c_.pre);
    done.push_back(std::move(d));
  }
  stats_.frames += static_cast<int64_t>(good.size());
  results.Push(std::move(done));
  return true;
}

bool Worker::Step(FrameQueue& queue, ResultQueue& results) {
  std::vector<QueuedFrame> items = queue.PopBatch(static_cast<size_t>(c_.batch));
  if (items.empty()) return false;
  std::vector<QueuedFrame> good;
  if (!Preprocess(items, &good)) return false;
  if (flags_.failed) return false;  // another worker failed meanwhile: no new job
  if (good.empty()) return true;
  return Execute() && Collect(good, results);
}

}  // namespace

WorkerStats RunWorker(vart::Runner* runner, const WorkerConfig& config, FrameQueue& queue, ResultQueue& results,
                      PipelineFlags& flags) {
  Worker w(runner, config, flags);
  while (!flags.failed && w.Step(queue, results)) {
  }
  results.WorkerDone();
  return std::move(w.stats());
}

}  // namespace signdpu::app
