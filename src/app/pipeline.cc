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
      // Two buffer sets: fill one while the runner executes the other.
      std::vector<std::unique_ptr<vart::TensorBuffer>> ib[2], ob[2];
      for (int k = 0; k < 2; ++k) {
        ib[k] = vart::alloc_cpu_flat_tensor_buffers(rin);
        ob[k] = vart::alloc_cpu_flat_tensor_buffers(rout);
      }
      std::vector<Item> pending[2];
      std::pair<uint32_t, int> job[2] = {{0, -1}, {0, -1}};
      Clock::time_point submitted[2];
      Clock::time_point last_end{};
      std::vector<float> logits(static_cast<size_t>(classes)), probs(static_cast<size_t>(classes));

      auto finish = [&](int k) -> bool {
        if (pending[k].empty()) return true;
        const int rc = runner->wait(static_cast<int>(job[k].first), -1);
        // Runner busy time: a runner executes its jobs one after another, so
        // job k occupies [max(submit, end of the previous job), its wait's
        // return]. The wait returns at most one preprocessing step late, so
        // this is an upper bound of the DPU time (docs/benchmarks.md).
        const auto now = Clock::now();
        const auto begin = std::max(submitted[k], last_end);
        ws.dpu_seconds += std::chrono::duration<double>(now - begin).count();
        last_end = now;
        if (rc != 0) {
          ws.status = Internal("runner wait returned " + std::to_string(rc));
          return false;
        }
        auto [out_addr, out_bytes] = ob[k][0]->data({0, 0});
        (void)out_bytes;
        const int8_t* out = reinterpret_cast<const int8_t*>(out_addr);
        std::vector<Done> done;
        for (size_t i = 0; i < pending[k].size(); ++i) {
          reference::Fix2Float(out + i * classes, classes, out_info.fix_point, logits.data());
          reference::Softmax(logits.data(), 1, classes, probs.data());
          Done d;
          d.result.index = pending[k][i].frame.index;
          d.result.id = pending[k][i].frame.id;
          d.result.label = pending[k][i].frame.label;
          d.result.top = reference::TopK(probs.data(), classes, o.top_k);
          d.result.latency_us = std::chrono::duration<double, std::micro>(Clock::now() - pending[k][i].read_at).count();
          if (keep_images) d.image = pending[k][i].frame.image;
          done.push_back(std::move(d));
        }
        ws.frames += static_cast<int64_t>(pending[k].size());
        pending[k].clear();
        results.Push(std::move(done));
        return true;
      };

      int k = 0;
      while (!failed) {
        std::vector<Item> items = queue.PopBatch(static_cast<size_t>(batch));
        if (items.empty()) break;
        auto [in_addr, in_bytes] = ib[k][0]->data({0, 0, 0, 0});
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
        submitted[k] = Clock::now();
        std::vector<vart::TensorBuffer*> inp = {ib[k][0].get()}, outp = {ob[k][0].get()};
        job[k] = runner->execute_async(inp, outp);
        if (job[k].second != 0) {
          ws.status = Internal("execute_async returned status " + std::to_string(job[k].second));
          failed = true;
          break;
        }
        pending[k] = std::move(good);
        // Finish the other set (submitted earlier) while this one runs.
        if (!finish(1 - k)) {
          failed = true;
          break;
        }
        k = 1 - k;
      }
      if (!failed) finish(1 - k);
      if (!failed) finish(k);
      // Never free buffers a runner may still be writing into: after a
      // failure elsewhere, wait for this worker's jobs in flight first.
      for (int slot = 0; slot < 2; ++slot) {
        if (pending[slot].empty()) continue;
        (void)runner->wait(static_cast<int>(job[slot].first), -1);
        pending[slot].clear();
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
    if (o.notifier) (void)o.notifier->Watchdog();
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
