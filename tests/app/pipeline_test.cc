// The units of `signdpu run` (app/pipeline.h): queues, reader, worker and
// collector, driven with a fake FrameSource and, for the worker and the
// whole pipeline, the real emulator runner through libvart on the tiny
// classifier of tests/xmodel/test_graphs.h (the plugin is dlopen()ed by
// libvart, found through the test's DT_RPATH).
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <vart/runner.hpp>
#include <xir/graph/subgraph.hpp>

#include "signdpu/app/model.h"
#include "signdpu/app/pipeline.h"
#include "signdpu/app/pipeline_collector.h"
#include "signdpu/app/pipeline_queues.h"
#include "signdpu/app/pipeline_reader.h"
#include "signdpu/app/pipeline_worker.h"
#include "signdpu/xmodel/xmodel_writer.h"
#include "test_graphs.h"

namespace signdpu::app {
namespace {

constexpr int kSide = 8;      // TinyClassifier: input [1,8,8,1]
constexpr int kClasses = 5;   // ... output [1,5]

io::Frame MakeFrame(int i, int label = -1, int pixels = kSide * kSide) {
  io::Frame f;
  f.id = "fake:" + std::to_string(i);
  f.label = label;
  std::mt19937 rng(static_cast<uint32_t>(100 + i));
  f.pixels.resize(static_cast<size_t>(pixels));
  for (auto& p : f.pixels) p = static_cast<uint8_t>(std::uniform_int_distribution<int>(0, 255)(rng));
  return f;
}

class FakeSource : public io::FrameSource {
 public:
  explicit FakeSource(std::vector<io::Frame> frames, bool live = false) : frames_(std::move(frames)), live_(live) {}
  Result<bool> Next(io::Frame* f) override {
    ++calls;
    if (fail_at >= 0 && next_ == static_cast<size_t>(fail_at)) return IoError("fake: disk gone at frame " + std::to_string(fail_at));
    if (next_ >= frames_.size()) return false;
    *f = frames_[next_++];
    return true;
  }
  std::string Describe() const override { return "fake source"; }
  bool is_live() const override { return live_; }
  int fail_at = -1;
  int calls = 0;

 private:
  std::vector<io::Frame> frames_;
  size_t next_ = 0;
  bool live_;
};

std::vector<io::Frame> Frames(int n, int label_mod = kClasses) {
  std::vector<io::Frame> v;
  for (int i = 0; i < n; ++i) v.push_back(MakeFrame(i, i % label_mod));
  return v;
}

std::vector<QueuedFrame> Drain(FrameQueue& q) {
  std::vector<QueuedFrame> all;
  for (auto b = q.PopBatch(1000); !b.empty(); b = q.PopBatch(1000))
    for (auto& f : b) all.push_back(std::move(f));
  return all;
}

// ---- queues ------------------------------------------------------------------

TEST(FrameQueue, BatchesWhatIsThereAndEndsWhenClosed) {
  FrameQueue q(10);
  for (int i = 0; i < 5; ++i) {
    QueuedFrame f;
    f.frame.index = i;
    ASSERT_TRUE(q.Push(std::move(f), nullptr));
  }
  auto b = q.PopBatch(3);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].frame.index, 0);
  EXPECT_EQ(b[2].frame.index, 2);
  EXPECT_EQ(q.PopBatch(3).size(), 2u) << "a partial batch is not held back";
  q.Close();
  EXPECT_TRUE(q.PopBatch(3).empty());
  EXPECT_FALSE(q.Push(QueuedFrame{}, nullptr)) << "nothing enters a closed queue";
}

TEST(FrameQueue, FullQueueGivesUpOnStop) {
  FrameQueue q(1);
  ASSERT_TRUE(q.Push(QueuedFrame{}, nullptr));
  std::atomic<bool> stop{false};
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop = true;
  });
  EXPECT_FALSE(q.Push(QueuedFrame{}, &stop));
  t.join();
}

TEST(ResultQueue, EndsOnlyWhenEveryWorkerIsDoneAndItIsEmpty) {
  ResultQueue r;
  std::vector<DoneFrame> got;
  r.Push(std::vector<DoneFrame>(2));
  r.WorkerDone();
  EXPECT_TRUE(r.Pop(&got, 2));
  EXPECT_EQ(got.size(), 2u);
  r.WorkerDone();
  EXPECT_FALSE(r.Pop(&got, 2));
  EXPECT_TRUE(got.empty());
}

// ---- reader -----------------------------------------------------------------

TEST(Reader, NumbersFramesAndStopsAtTheLimit) {
  FakeSource src(Frames(10));
  FrameQueue q(100);
  PipelineFlags flags;
  ReaderConfig c;
  c.limit = 4;
  c.classes = kClasses;
  ASSERT_TRUE(ReadFrames(src, c, q, flags).ok());
  auto all = Drain(q);  // the queue was closed: Drain ends
  ASSERT_EQ(all.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(all[i].frame.index, i);
    EXPECT_EQ(all[i].frame.id, "fake:" + std::to_string(i));
  }
  EXPECT_FALSE(flags.failed);
}

TEST(Reader, LabelOutOfRangeIsAnErrorNamingTheFrame) {
  std::vector<io::Frame> frames = Frames(3);
  frames[2].label = kClasses;
  FakeSource src(frames);
  FrameQueue q(100);
  PipelineFlags flags;
  ReaderConfig c;
  c.classes = kClasses;
  Status s = ReadFrames(src, c, q, flags);
  EXPECT_EQ(s.message(), "fake:2: label 5 is out of range for the model's 5 classes (0..4)");
  EXPECT_TRUE(flags.failed);
  EXPECT_EQ(Drain(q).size(), 2u);
}

TEST(Reader, SourceErrorStopsReading) {
  FakeSource src(Frames(5));
  src.fail_at = 1;
  FrameQueue q(100);
  PipelineFlags flags;
  ReaderConfig c;
  c.classes = kClasses;
  Status s = ReadFrames(src, c, q, flags);
  EXPECT_EQ(s.message(), "fake: disk gone at frame 1");
  EXPECT_TRUE(flags.failed);
  EXPECT_EQ(src.calls, 2);
}

TEST(Reader, BenchReplaysAFileButNotALiveSource) {
  for (bool live : {false, true}) {
    FakeSource src(Frames(3), live);
    FrameQueue q(4);
    PipelineFlags flags;
    ReaderConfig c;
    c.classes = kClasses;
    c.bench_seconds = 0.3;
    std::vector<QueuedFrame> got;
    std::thread consumer([&] { got = Drain(q); });
    ASSERT_TRUE(ReadFrames(src, c, q, flags).ok());
    consumer.join();
    if (live) {
      EXPECT_EQ(got.size(), 3u) << "a live source is never replayed";
    } else {
      ASSERT_GT(got.size(), 6u);
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].frame.index, static_cast<int64_t>(i));
        EXPECT_EQ(got[i].frame.id, "fake:" + std::to_string(i % 3));
      }
    }
  }
}

TEST(Reader, StopFlagEndsReading) {
  FakeSource src(Frames(10));
  FrameQueue q(100);
  PipelineFlags flags;
  std::atomic<bool> stop{true};
  flags.stop = &stop;
  ReaderConfig c;
  c.classes = kClasses;
  EXPECT_TRUE(ReadFrames(src, c, q, flags).ok());
  EXPECT_EQ(src.calls, 0);
  EXPECT_TRUE(Drain(q).empty());
}

// ---- worker and pipeline on the emulator ------------------------------------

class EmulatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    path_ = new std::string(testing::MakeTempDir("pipeline") + "/tiny.xmodel");
    Status s = xmodel::WriteHostXmodel(testing::TinyClassifier(7), testing::InfoFor("tiny"), *path_);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  void SetUp() override {
    auto m = Model::Open(*path_);
    ASSERT_TRUE(m.ok()) << m.status().message();
    model_ = std::move(m).value();
    ASSERT_EQ(model_->dpu_subgraphs().size(), 1u);
  }
  std::unique_ptr<vart::Runner> Runner(int emu_batch) {
    auto r = CreateRunner(model_->dpu_subgraphs().front(), RunMode::kRef, emu_batch);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? std::move(r).value() : nullptr;
  }
  WorkerConfig ConfigFor(vart::Runner* r, int top_k) {
    const TensorInfo in = DescribeTensor(r->get_input_tensors()[0]);
    const TensorInfo out = DescribeTensor(r->get_output_tensors()[0]);
    WorkerConfig c;
    c.batch = in.shape[0];
    c.in_size = in.per_image_size();
    c.classes = out.per_image_size();
    c.out_fix_point = out.fix_point;
    c.pre.height = in.shape[1];
    c.pre.width = in.shape[2];
    c.pre.fix_point = in.fix_point;
    c.top_k = top_k;
    return c;
  }
  // Runs `frames` through one worker; results by index.
  std::map<int64_t, FrameResult> Work(vart::Runner* r, const WorkerConfig& c, std::vector<io::Frame> frames,
                                      PipelineFlags* flags, WorkerStats* stats) {
    FrameQueue q(frames.size() + 1);
    for (size_t i = 0; i < frames.size(); ++i) {
      QueuedFrame f;
      f.frame = frames[i];
      f.frame.index = static_cast<int64_t>(i);
      f.read_at = PipelineClock::now();
      EXPECT_TRUE(q.Push(std::move(f), nullptr));
    }
    q.Close();
    ResultQueue results;
    *stats = RunWorker(r, c, q, results, *flags);
    std::map<int64_t, FrameResult> out;
    std::vector<DoneFrame> got;
    while (results.Pop(&got, 1))
      for (auto& d : got) out[d.result.index] = d.result;
    return out;
  }
  static std::string* path_;
  std::unique_ptr<Model> model_;
};
std::string* EmulatorTest::path_ = nullptr;

TEST_F(EmulatorTest, WorkerResultDoesNotDependOnTheBatchSlot) {
  auto batched = Runner(4);
  auto single = Runner(1);
  ASSERT_TRUE(batched && single);
  const WorkerConfig cb = ConfigFor(batched.get(), kClasses);
  const WorkerConfig cs = ConfigFor(single.get(), kClasses);
  ASSERT_EQ(cb.batch, 4);
  ASSERT_EQ(cs.batch, 1);
  ASSERT_EQ(cb.classes, kClasses);
  PipelineFlags f1, f2;
  WorkerStats s1, s2;
  auto a = Work(batched.get(), cb, Frames(7), &f1, &s1);
  auto b = Work(single.get(), cs, Frames(7), &f2, &s2);
  ASSERT_TRUE(s1.status.ok()) << s1.status.message();
  ASSERT_TRUE(s2.status.ok()) << s2.status.message();
  EXPECT_EQ(s1.frames, 7);
  EXPECT_GT(s1.dpu_seconds, 0);
  ASSERT_EQ(a.size(), 7u);
  ASSERT_EQ(b.size(), 7u);
  for (int i = 0; i < 7; ++i) {
    const FrameResult& r = a[i];
    EXPECT_EQ(r.id, "fake:" + std::to_string(i));
    EXPECT_EQ(r.label, i % kClasses);
    ASSERT_EQ(r.top.size(), static_cast<size_t>(kClasses));
    float sum = 0;
    for (size_t k = 0; k < r.top.size(); ++k) {
      sum += r.top[k].second;
      if (k > 0) {
        EXPECT_GE(r.top[k - 1].second, r.top[k].second) << "best first";
      }
    }
    EXPECT_NEAR(sum, 1.0f, 1e-4f) << "softmax over every class";
    EXPECT_EQ(r.top, b[i].top) << "frame " << i << ": slot " << i % 4 << " of a batch of 4 vs alone";
  }
}

TEST_F(EmulatorTest, WorkerSkipsOrFailsOnABadFrame) {
  auto runner = Runner(4);
  ASSERT_TRUE(runner);
  std::vector<io::Frame> frames = Frames(5);
  frames[1] = MakeFrame(1, 1, 10);  // 10 pixels, the model takes 8x8
  WorkerConfig c = ConfigFor(runner.get(), 1);
  c.skip_bad = true;
  PipelineFlags flags;
  WorkerStats stats;
  auto got = Work(runner.get(), c, frames, &flags, &stats);
  EXPECT_TRUE(stats.status.ok());
  EXPECT_EQ(flags.skipped.load(), 1);
  EXPECT_EQ(got.size(), 4u);
  EXPECT_EQ(got.count(1), 0u);
  EXPECT_EQ(got[2].id, "fake:2");

  c.skip_bad = false;
  PipelineFlags strict;
  got = Work(runner.get(), c, frames, &strict, &stats);
  EXPECT_EQ(stats.status.message(), "fake:1: frame has 10 pixels, the model input needs 8x8");
  EXPECT_TRUE(strict.failed);
  EXPECT_TRUE(got.empty()) << "the failed batch produces no results";
}

struct Lines {
  std::vector<std::string> lines;
  std::function<void(const std::string&)> Emit() {
    return [this](const std::string& l) { lines.push_back(l); };
  }
};

TEST_F(EmulatorTest, PipelineOutputIsInFrameOrderWhateverTheThreads) {
  std::vector<std::string> first;
  for (int threads : {1, 3}) {
    FakeSource src(Frames(23));
    Lines out;
    PipelineOptions o;
    o.threads = threads;
    o.emu_batch = 4;
    o.emit = out.Emit();
    auto s = RunPipeline(*model_, src, o);
    ASSERT_TRUE(s.ok()) << s.status().message();
    EXPECT_EQ(s->frames, 23);
    EXPECT_EQ(s->threads, threads);
    EXPECT_EQ(s->batch, 4);
    EXPECT_EQ(s->source, "fake source");
    ASSERT_EQ(out.lines.size(), 23u);
    for (int i = 0; i < 23; ++i) EXPECT_EQ(out.lines[i].find("fake:" + std::to_string(i)), 0u) << out.lines[i];
    if (first.empty()) {
      first = out.lines;
    } else {
      EXPECT_EQ(out.lines, first) << "the same lines with 1 and 3 threads";
    }
  }
}

TEST_F(EmulatorTest, PipelineReportsTheReaderErrorAndCountsSkips) {
  FakeSource bad(Frames(5));
  bad.fail_at = 3;
  PipelineOptions o;
  o.threads = 2;
  auto s = RunPipeline(*model_, bad, o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "fake: disk gone at frame 3");

  std::vector<io::Frame> frames = Frames(6);
  frames[4] = MakeFrame(4, 4, 3);
  FakeSource src(frames);
  o.skip_bad = true;
  o.limit = 5;
  auto ok = RunPipeline(*model_, src, o);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->frames, 4);
  EXPECT_EQ(ok->skipped, 1);

  o.labels = {"a", "b"};
  FakeSource src2(Frames(2));
  auto wrong_labels = RunPipeline(*model_, src2, o);
  ASSERT_FALSE(wrong_labels.ok());
  EXPECT_NE(wrong_labels.status().message().find("labels"), std::string::npos) << wrong_labels.status().message();
}

// ---- collector -----------------------------------------------------------------

class CountingSink : public io::FrameSink {
 public:
  Status Write(const cv::Mat& frame) override {
    ++writes;
    last = frame;
    if (writes == fail_at) return IoError("sink full");
    return Status::Ok();
  }
  int writes = 0;
  int fail_at = -1;
  cv::Mat last;
};

DoneFrame Done(int64_t index, int label, int top) {
  DoneFrame d;
  d.result.index = index;
  d.result.id = "f" + std::to_string(index);
  d.result.label = label;
  d.result.top = {{top, 0.75f}};
  d.result.latency_us = 100;
  d.image = cv::Mat(48, 64, CV_8UC1, cv::Scalar(0));
  return d;
}

TEST(Collector, EmitsInFrameOrderAndCountsEveryFrame) {
  ResultQueue results;
  std::vector<DoneFrame> batch;
  batch.push_back(Done(2, 1, 1));
  batch.push_back(Done(0, 0, 0));
  results.Push(std::move(batch));
  std::vector<DoneFrame> batch2;
  batch2.push_back(Done(1, 1, 0));
  results.Push(std::move(batch2));
  results.WorkerDone();
  Lines out;
  CountingSink sink;
  sink.fail_at = 2;
  CollectorConfig c;
  c.workers = 1;
  c.labels = {"zero", "one"};
  c.emit = out.Emit();
  c.sink = &sink;
  StatsCollector stats(2, c.labels);
  ResultCollector collector(c, &stats);
  PipelineFlags flags;
  collector.Run(results, flags);
  ASSERT_EQ(out.lines.size(), 3u);
  EXPECT_EQ(out.lines[0].rfind("f0", 0), 0u);
  EXPECT_EQ(out.lines[1].rfind("f1", 0), 0u);
  EXPECT_EQ(out.lines[2].rfind("f2", 0), 0u);
  EXPECT_EQ(out.lines[1], FrameText(Done(1, 1, 0).result, c.labels));
  EXPECT_EQ(collector.emitted(), 3);
  EXPECT_EQ(sink.writes, 2) << "no write after the first failure";
  EXPECT_EQ(collector.sink_status().message(), "sink full");
  EXPECT_EQ(sink.last.channels(), 3) << "gray frames are drawn in colour";
  Summary s = stats.Finish(1.0, {{0.5, 3}});
  EXPECT_EQ(s.frames, 3);
  EXPECT_EQ(s.correct, 2);
  EXPECT_FALSE(flags.reader_stop);
}

TEST(Collector, StopRequestStopsTheReaderAndGapsAreFlushedAtTheEnd) {
  ResultQueue results;
  std::vector<DoneFrame> batch;
  batch.push_back(Done(3, -1, 0));  // frames 0..2 never arrive (a failed worker)
  batch.push_back(Done(1, -1, 0));
  results.Push(std::move(batch));
  results.WorkerDone();
  std::atomic<bool> stop{true};
  PipelineFlags flags;
  flags.stop = &stop;
  Lines out;
  CollectorConfig c;
  c.json = true;
  c.emit = out.Emit();
  StatsCollector stats(2, {});
  ResultCollector collector(c, &stats);
  collector.Run(results, flags);
  EXPECT_TRUE(flags.reader_stop);
  ASSERT_EQ(out.lines.size(), 2u);
  EXPECT_EQ(out.lines[0], FrameJson(Done(1, -1, 0).result, {}));
  EXPECT_EQ(out.lines[1], FrameJson(Done(3, -1, 0).result, {}));
}

}  // namespace
}  // namespace signdpu::app
