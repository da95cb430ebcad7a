#include "signdpu/app/pipeline.h"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include <opencv2/imgproc.hpp>
#include <vart/experimental/runner_helper.hpp>
#include <vart/runner.hpp>
#include <vart/tensor_buffer.hpp>
#include <xir/graph/subgraph.hpp>
#include <xir/tensor/tensor.hpp>

#include "signdpu/io/labels.h"
#include "signdpu/io/service_notifier.h"
#include "signdpu/kernels/reference/convert_fix.h"
#include "signdpu/kernels/reference/softmax.h"

namespace signdpu::app {
namespace {

using Clock = std::chrono::steady_clock;

struct Item {
  io::Frame frame;
  Clock::time_point read_at;
};

// Bounded multi-consumer queue; Close() lets consumers drain and finish.
class FrameQueue {
 public:
  explicit FrameQueue(size_t capacity) : capacity_(capacity) {}
  bool Push(Item item, const std::atomic<bool>* stop) {
    std::unique_lock<std::mutex> l(m_);
    while (q_.size() >= capacity_ && !closed_) {
      if (stop && stop->load()) return false;
      not_full_.wait_for(l, std::chrono::milliseconds(50));
    }
    if (closed_) return false;
    q_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }
  // Up to `max` items; waits for the first, then takes what is there (a
  // live camera must not wait for a full batch). Empty result = closed.
  std::vector<Item> PopBatch(size_t max) {
    std::unique_lock<std::mutex> l(m_);
    not_empty_.wait(l, [&] { return !q_.empty() || closed_; });
    std::vector<Item> out;
    while (!q_.empty() && out.size() < max) {
      out.push_back(std::move(q_.front()));
      q_.pop_front();
    }
    not_full_.notify_all();
    return out;
  }
  void Close() {
    std::lock_guard<std::mutex> l(m_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  size_t capacity_;
  std::mutex m_;
  std::condition_variable not_empty_, not_full_;
  std::deque<Item> q_;
  bool closed_ = false;
};

struct Done {
  FrameResult result;
  cv::Mat image;  // only kept for display/record
};

// Results arrive out of order from the workers; the collector emits them in
// frame order.
class ResultQueue {
 public:
  void Push(std::vector<Done> batch) {
    std::lock_guard<std::mutex> l(m_);
    for (auto& d : batch) q_.push_back(std::move(d));
    cv_.notify_one();
  }
  void WorkerDone() {
    std::lock_guard<std::mutex> l(m_);
    ++finished_;
    cv_.notify_one();
  }
  // Empty + false when all workers finished and nothing is left.
  bool Pop(std::vector<Done>* out, int workers) {
    std::unique_lock<std::mutex> l(m_);
    cv_.wait_for(l, std::chrono::milliseconds(200), [&] { return !q_.empty() || finished_ == workers; });
    out->clear();
    while (!q_.empty()) {
      out->push_back(std::move(q_.front()));
      q_.pop_front();
    }
    return !(out->empty() && finished_ == workers);
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<Done> q_;
  int finished_ = 0;
};

struct WorkerStats {
  double dpu_seconds = 0;
  int64_t frames = 0;
  Status status;
};

}  // namespace

Result<Summary> RunPipeline(const Model& model, io::FrameSource& source, const PipelineOptions& o) {
  if (model.dpu_subgraphs().size() != 1) {
    return Unsupported(model.path() + ": " + std::to_string(model.dpu_subgraphs().size()) +
                       " DPU subgraphs with CPU ops between them; `signdpu run` runs single-DPU-subgraph classifiers "
                       "(use `signdpu dump` to check each subgraph)");
  }
  const xir::Subgraph* sg = model.dpu_subgraphs().front();
  const int threads = std::max(1, o.threads);
  std::vector<std::unique_ptr<vart::Runner>> runners;
  for (int t = 0; t < threads; ++t) {
    SIGNDPU_ASSIGN_OR_RETURN(auto r, CreateRunner(sg, o.mode, o.emu_batch));
    runners.push_back(std::move(r));
  }
  auto in_tensors = runners[0]->get_input_tensors();
  auto out_tensors = runners[0]->get_output_tensors();
  if (in_tensors.size() != 1 || out_tensors.size() != 1)
    return Unsupported(sg->get_name() + ": expected 1 input and 1 output tensor, got " + std::to_string(in_tensors.size()) +
                       " and " + std::to_string(out_tensors.size()));
  const TensorInfo in_info = DescribeTensor(in_tensors[0]);
  const TensorInfo out_info = DescribeTensor(out_tensors[0]);
  if (in_info.shape.size() != 4 || in_info.shape[3] != 1)
    return Unsupported(sg->get_name() + ": input tensor " + in_info.name + " must be NHWC with 1 channel (grayscale)");
  const int batch = std::max(1, in_info.shape[0]);
  const int64_t in_size = in_info.per_image_size();
  const int64_t classes = out_info.per_image_size();
  // Labels from a file or embedded in the model: one per class, no control
  // characters (a name must not forge output lines).
  SIGNDPU_RETURN_IF_ERROR(io::ValidateLabels(o.labels, classes, o.labels_what));
  io::PreprocessConfig pre;
  pre.height = in_info.shape[1];
  pre.width = in_info.shape[2];
  pre.fix_point = in_info.fix_point;
  pre.roi = o.roi;

  std::atomic<bool> failed{false};
  std::atomic<bool> reader_stop{false};
  Status reader_status;
  std::atomic<int64_t> skipped{0};
  FrameQueue queue(static_cast<size_t>(threads * batch * 4));
  const auto start = Clock::now();

  // ---- reader --------------------------------------------------------------
  std::thread reader([&] {
    std::vector<io::Frame> cache;  // for --bench: loop over the frames read
    const size_t cache_max = 10000;
    int64_t n = 0;
    size_t replay = 0;
    bool source_done = false;
    while (!reader_stop && !failed && !(o.stop && o.stop->load())) {
      if (o.limit >= 0 && n >= o.limit) break;
      if (o.bench_seconds > 0 && std::chrono::duration<double>(Clock::now() - start).count() >= o.bench_seconds) break;
      Item item;
      if (!source_done) {
        Result<bool> got = source.Next(&item.frame);
        if (!got.ok()) {
          reader_status = got.status();
          failed = true;
          break;
        }
        if (!got.value()) {
          source_done = true;
          if (o.bench_seconds <= 0 || cache.empty()) break;
          continue;
        }
        // A ground-truth label the model cannot predict means the data and
        // the model do not belong together: an error, not a silent miss.
        if (item.frame.label >= classes) {
          reader_status = InvalidArgument(item.frame.id + ": label " + std::to_string(item.frame.label) +
                                          " is out of range for the model's " + std::to_string(classes) +
                                          " classes (0.." + std::to_string(classes - 1) + ")");
          failed = true;
          break;
        }
        if (o.bench_seconds > 0 && cache.size() < cache_max && !source.is_live()) cache.push_back(item.frame);
      } else {
        item.frame = cache[replay++ % cache.size()];
      }
      item.frame.index = n++;
      item.read_at = Clock::now();
      if (!queue.Push(std::move(item), o.stop)) break;
    }
    queue.Close();
  });

  // ---- workers -------------------------------------------------------------
  ResultQueue results;
  std::vector<WorkerStats> wstats(static_cast<size_t>(threads));
  const bool keep_images = o.display || !o.record_path.empty();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      WorkerStats& ws = wstats[static_cast<size_t>(t)];
      vart::Runner* runner = runners[static_cast<size_t>(t)].get();
      auto rin = runner->get_input_tensors();
      auto rout = runner->get_output_tensors();
      // One buffer set per runner. The edge DPU runner runs the job inside
      // execute_async and its wait returns at once
      // [source: vart/dpu-runner/src/imp/dpu_runner_ddr.cpp:172-187 and 212,
      // tag v2.5], so a second buffer set would not overlap anything: the
      // overlap comes from one runner per thread, each session bound to a
      // DPU core in turn (dpu_session_base_imp.cpp:72), with threads >= cores.
      auto ib = vart::alloc_cpu_flat_tensor_buffers(rin);
      auto ob = vart::alloc_cpu_flat_tensor_buffers(rout);
      // Full-rank indices: outputs may be [N,C], [N,1,1,C] or [N,H,W,C].
      const std::vector<int32_t> in_origin(rin[0]->get_shape().size(), 0);
      const std::vector<int32_t> out_origin(rout[0]->get_shape().size(), 0);
      std::vector<float> logits(static_cast<size_t>(classes)), probs(static_cast<size_t>(classes));

      while (!failed) {
        std::vector<Item> items = queue.PopBatch(static_cast<size_t>(batch));
        if (items.empty()) break;
        auto [in_addr, in_bytes] = ib[0]->data(in_origin);
        if (static_cast<int64_t>(in_bytes) < in_size * static_cast<int64_t>(items.size())) {
          ws.status = Internal("runner input buffer has " + std::to_string(in_bytes) + " bytes");
          failed = true;
          break;
        }
        int8_t* in = reinterpret_cast<int8_t*>(in_addr);
        std::vector<Item> good;
        for (auto& it : items) {
          Status s = it.frame.image.empty() ? io::PreprocessPixels(it.frame.pixels, pre, in + good.size() * in_size)
                                            : io::PreprocessImage(it.frame.image, pre, in + good.size() * in_size);
          if (!s.ok()) {
            if (o.skip_bad) {
              skipped.fetch_add(1);
              continue;
            }
            ws.status = s.WithContext(it.frame.id);
            failed = true;
            break;
          }
          good.push_back(std::move(it));
        }
        if (failed) break;
        if (good.empty()) continue;
        // Unused batch slots hold stale data; their outputs are ignored.
        // DPU time = execute_async + wait: on the board the job runs inside
        // execute_async; with an asynchronous runner (the emulator by
        // default) inside wait. Either way this is the runner's time for the
        // job, including VART's copies in and out.
        const auto t0 = Clock::now();
        std::vector<vart::TensorBuffer*> inp = {ib[0].get()}, outp = {ob[0].get()};
        const std::pair<uint32_t, int> job = runner->execute_async(inp, outp);
        if (job.second != 0) {
          ws.status = Internal("execute_async returned status " + std::to_string(job.second));
          failed = true;
          break;
        }
        const int rc = runner->wait(static_cast<int>(job.first), -1);
        ws.dpu_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
        if (rc != 0) {
          ws.status = Internal("runner wait returned " + std::to_string(rc));
          failed = true;
          break;
        }
        auto [out_addr, out_bytes] = ob[0]->data(out_origin);
        if (static_cast<int64_t>(out_bytes) < classes * static_cast<int64_t>(good.size())) {
          ws.status = Internal("runner output buffer has " + std::to_string(out_bytes) + " bytes");
          failed = true;
          break;
        }
        const int8_t* out = reinterpret_cast<const int8_t*>(out_addr);
        std::vector<Done> done;
        for (size_t i = 0; i < good.size(); ++i) {
          reference::Fix2Float(out + i * classes, classes, out_info.fix_point, logits.data());
          reference::Softmax(logits.data(), 1, classes, probs.data());
          Done d;
          d.result.index = good[i].frame.index;
          d.result.id = good[i].frame.id;
          d.result.label = good[i].frame.label;
          d.result.top = reference::TopK(probs.data(), classes, o.top_k);
          d.result.latency_us = std::chrono::duration<double, std::micro>(Clock::now() - good[i].read_at).count();
          if (keep_images) d.image = good[i].frame.image;
          done.push_back(std::move(d));
        }
        ws.frames += static_cast<int64_t>(good.size());
        results.Push(std::move(done));
      }
      results.WorkerDone();
    });
  }

  // ---- collector (this thread) ---------------------------------------------
  StatsCollector stats(static_cast<int>(classes), o.labels);
  std::map<int64_t, Done> reorder;
  int64_t next = 0;
  std::unique_ptr<io::FrameSink> sink;
  if (keep_images) {
    auto opened = io::OpenFrameSink(o.display, o.record_path);
    if (!opened.ok()) {
      reader_stop = true;
      failed = true;
      queue.Close();
      reader.join();
      for (auto& w : workers) w.join();
      return opened.status();
    }
    sink = std::move(opened).value();
  }
  Status sink_status;
  auto last_status = Clock::now();
  int64_t emitted = 0;
  std::vector<Done> got;
  auto handle = [&](Done& d) {
    stats.Add(d.result);
    ++emitted;
    if (o.per_frame && o.emit) o.emit(o.json ? FrameJson(d.result, o.labels) : FrameText(d.result, o.labels));
    if (keep_images && !d.image.empty()) {
      cv::Mat shown = d.image.clone();
      if (shown.channels() == 1) cv::cvtColor(shown, shown, cv::COLOR_GRAY2BGR);
      const std::string text = d.result.top.empty() ? "?" : LabelName(o.labels, d.result.top[0].first);
      cv::putText(shown, text, cv::Point(10, std::max(30, shown.rows / 8)), cv::FONT_HERSHEY_SIMPLEX,
                  std::max(1.0, shown.rows / 240.0), cv::Scalar(0, 255, 0), 2);
      if (sink_status.ok()) sink_status = sink->Write(shown);
    }
  };
  if (o.notifier) (void)o.notifier->Ready();  // runners created, input open
  while (results.Pop(&got, threads)) {
    for (auto& d : got) reorder.emplace(d.result.index, std::move(d));
    for (auto it = reorder.find(next); it != reorder.end(); it = reorder.find(next)) {
      handle(it->second);
      reorder.erase(it);
      ++next;
    }
    const auto now = Clock::now();
    // Ping only when frames were emitted since the last ping: a stalled
    // source (a camera that delivers nothing) or a hung DPU job stops the
    // pings and systemd restarts the service after WatchdogSec
    // (docs/deployment.md, "Watchdog"). A finished CSV ends the run instead.
    if (o.notifier) (void)o.notifier->WatchdogIfProgress(static_cast<uint64_t>(emitted));
    if (now - last_status > std::chrono::seconds(1)) {
      const double secs = std::chrono::duration<double>(now - start).count();
      if (o.notifier) (void)o.notifier->Status(io::ServiceNotifier::FpsStatusText(emitted / secs, static_cast<uint64_t>(emitted)));
      if (o.progress) std::fprintf(stderr, "\r%lld frames, %.0f frames/s   ", static_cast<long long>(emitted), emitted / secs);
      last_status = now;
    }
    if (o.stop && o.stop->load()) reader_stop = true;
  }
  for (auto& [idx, d] : reorder) handle(d);  // gaps only after a failure
  reader_stop = true;
  queue.Close();
  reader.join();
  for (auto& w : workers) w.join();
  if (o.progress) std::fprintf(stderr, "\r%s\r", std::string(40, ' ').c_str());
  if (sink && sink_status.ok()) sink_status = sink->Finish();  // a recording is checked when complete
  if (!reader_status.ok()) return reader_status;
  SIGNDPU_RETURN_IF_ERROR(sink_status);
  for (const auto& ws : wstats) SIGNDPU_RETURN_IF_ERROR(ws.status);
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<std::pair<double, int64_t>> dpu;
  for (const auto& ws : wstats) dpu.emplace_back(ws.dpu_seconds, ws.frames);
  Summary s = stats.Finish(secs, dpu);
  s.skipped = skipped.load() + source.skipped();
  s.mode = RunModeName(o.mode);
  s.source = source.Describe();
  s.threads = threads;
  s.batch = batch;
  s.interrupted = o.stop && o.stop->load();
  return s;
}

}  // namespace signdpu::app
