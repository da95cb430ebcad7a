#include "signdpu/app/pipeline.h"

#include <algorithm>
#include <cstdio>
#include <thread>
#include <utility>

#include <vart/runner.hpp>
#include <xir/graph/subgraph.hpp>
#include <xir/tensor/tensor.hpp>

#include "signdpu/app/pipeline_collector.h"
#include "signdpu/app/pipeline_queues.h"
#include "signdpu/app/pipeline_reader.h"
#include "signdpu/app/pipeline_worker.h"
#include "signdpu/io/labels.h"

namespace signdpu::app {
namespace {

// Frames the reader may queue ahead, per worker and batch slot.
constexpr int kQueuedBatchesPerWorker = 4;
// Width of the blank that erases the progress line at the end.
constexpr size_t kProgressLineWidth = 40;

// What the workers share, checked once before any thread starts.
struct PreparedRun {
  std::vector<std::unique_ptr<vart::Runner>> runners;  // one per thread
  WorkerConfig worker;
};

Result<PreparedRun> PrepareWorkers(const Model& model, const PipelineOptions& o, int threads) {
  if (model.dpu_subgraphs().size() != 1) {
    return Unsupported(model.path() + ": " + std::to_string(model.dpu_subgraphs().size()) +
                       " DPU subgraphs with CPU ops between them; `signdpu run` runs single-DPU-subgraph classifiers "
                       "(use `signdpu dump` to check each subgraph)");
  }
  const xir::Subgraph* sg = model.dpu_subgraphs().front();
  PreparedRun p;
  for (int t = 0; t < threads; ++t) {
    SIGNDPU_ASSIGN_OR_RETURN(auto r, CreateRunner(sg, o.mode, o.emu_batch));
    p.runners.push_back(std::move(r));
  }
  auto in_tensors = p.runners[0]->get_input_tensors();
  auto out_tensors = p.runners[0]->get_output_tensors();
  if (in_tensors.size() != 1 || out_tensors.size() != 1)
    return Unsupported(sg->get_name() + ": expected 1 input and 1 output tensor, got " + std::to_string(in_tensors.size()) +
                       " and " + std::to_string(out_tensors.size()));
  const TensorInfo in_info = DescribeTensor(in_tensors[0]);
  const TensorInfo out_info = DescribeTensor(out_tensors[0]);
  if (in_info.shape.size() != 4 || in_info.shape[3] != 1)
    return Unsupported(sg->get_name() + ": input tensor " + in_info.name + " must be NHWC with 1 channel (grayscale)");
  WorkerConfig& w = p.worker;
  w.batch = std::max(1, in_info.shape[0]);
  w.in_size = in_info.per_image_size();
  w.classes = out_info.per_image_size();
  w.out_fix_point = out_info.fix_point;
  // Labels from a file or embedded in the model: one per class, no control
  // characters (a name must not forge output lines).
  SIGNDPU_RETURN_IF_ERROR(io::ValidateLabels(o.labels, w.classes, o.labels_what));
  w.pre.height = in_info.shape[1];
  w.pre.width = in_info.shape[2];
  w.pre.fix_point = in_info.fix_point;
  w.pre.roi = o.roi;
  w.top_k = o.top_k;
  w.skip_bad = o.skip_bad;
  w.keep_images = o.display || !o.record_path.empty() || o.keep_images;
  return p;
}

CollectorConfig CollectorConfigFor(const PipelineOptions& o, int threads, io::FrameSink* sink,
                                   PipelineClock::time_point start) {
  CollectorConfig c;
  c.workers = threads;
  c.per_frame = o.per_frame;
  c.json = o.json;
  c.labels = o.labels;
  c.emit = o.emit;
  c.on_frame = o.on_frame;
  c.roi = o.roi;
  c.sink = sink;
  c.notifier = o.notifier;
  c.progress = o.progress;
  c.start = start;
  return c;
}

// The reader and worker threads of one run.
struct Threads {
  std::thread reader;
  std::vector<std::thread> workers;
  void Join() {
    reader.join();
    for (auto& w : workers) w.join();
  }
};

}  // namespace

Result<Summary> RunPipeline(const Model& model, io::FrameSource& source, const PipelineOptions& o) {
  const int threads = std::max(1, o.threads);
  SIGNDPU_ASSIGN_OR_RETURN(PreparedRun run, PrepareWorkers(model, o, threads));
  const WorkerConfig& wc = run.worker;
  PipelineFlags flags;
  flags.stop = o.stop;
  FrameQueue queue(static_cast<size_t>(threads * wc.batch * kQueuedBatchesPerWorker));
  const auto start = PipelineClock::now();

  ReaderConfig rc;
  rc.limit = o.limit;
  rc.bench_seconds = o.bench_seconds;
  rc.classes = wc.classes;
  rc.start = start;
  Status reader_status;
  Threads th;
  th.reader = std::thread([&] { reader_status = ReadFrames(source, rc, queue, flags); });
  ResultQueue results;
  std::vector<WorkerStats> wstats(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    th.workers.emplace_back([&, t] {
      const size_t i = static_cast<size_t>(t);
      wstats[i] = RunWorker(run.runners[i].get(), wc, queue, results, flags);
    });
  }

  StatsCollector stats(static_cast<int>(wc.classes), o.labels);
  std::unique_ptr<io::FrameSink> sink;
  if (o.display || !o.record_path.empty()) {
    auto opened = io::OpenFrameSink(o.display, o.record_path);
    if (!opened.ok()) {
      flags.reader_stop = true;
      flags.failed = true;
      queue.Close();
      th.Join();
      return opened.status();
    }
    sink = std::move(opened).value();
  }
  const CollectorConfig cc = CollectorConfigFor(o, threads, sink.get(), start);
  ResultCollector collector(cc, &stats);
  collector.Run(results, flags);
  flags.reader_stop = true;
  queue.Close();
  th.Join();
  if (o.progress) std::fprintf(stderr, "\r%s\r", std::string(kProgressLineWidth, ' ').c_str());
  Status sink_status = collector.sink_status();
  if (sink && sink_status.ok()) sink_status = sink->Finish();  // a recording is checked when complete
  SIGNDPU_RETURN_IF_ERROR(reader_status);
  SIGNDPU_RETURN_IF_ERROR(sink_status);
  for (const auto& ws : wstats) SIGNDPU_RETURN_IF_ERROR(ws.status);
  const double secs = std::chrono::duration<double>(PipelineClock::now() - start).count();
  std::vector<std::pair<double, int64_t>> dpu;
  for (const auto& ws : wstats) dpu.emplace_back(ws.dpu_seconds, ws.frames);
  Summary s = stats.Finish(secs, dpu);
  s.skipped = flags.skipped.load() + source.skipped();
  s.mode = RunModeName(o.mode);
  s.source = source.Describe();
  s.threads = threads;
  s.batch = wc.batch;
  s.interrupted = o.stop && o.stop->load();
  return s;
}

}  // namespace signdpu::app
