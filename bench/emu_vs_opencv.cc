// The int8 emulator (FixGraphExecutor, optimised kernels) against OpenCV DNN
// float32 on the tutorial CNN, in the same run. docs/benchmarks.md gives the
// method and the numbers.
//
//   build/bin/emu_vs_opencv                       (defaults: 5 repetitions, medians)
//   build/bin/emu_vs_opencv --benchmark_min_time=0.05 --benchmark_repetitions=1
//
// Model (per image, ~5.0 M MACs): 28x28x1 -> conv 28 3x3 same + RELU ->
// depthwise 1x1 (BatchNorm as scale) -> maxpool 2 -> conv 64 3x3 same + RELU ->
// depthwise 1x1 -> maxpool 2 -> dense as conv 7x7x64 -> 512 + RELU -> conv 1x1
// 512 -> 10. Random int8 weights (fixed seed) with fix points chosen so that
// shift_cut and shift_bias are in the DPU's ranges. The emulator stops at the
// int8 logits (softmax runs on the CPU after the DPU); OpenCV runs the float
// ONNX including its Softmax.
//
// Threads: "2 threads" means one FixGraphExecutor per thread. Batch 64 splits
// the 64 images 32/32; batch 1 means each thread serves its own stream of
// single-image requests (an executor can not split one image). OpenCV gets
// cv::setNumThreads(2) and parallelises inside each layer.
//
// ONNX: $SIGNDPU_BENCH_ONNX, else models/signcnn_fashion.onnx, else
// tests/data/onnx/*.onnx, else bench/make_tutorial_onnx.py writes one into the
// build directory (needs /usr/bin/python3 with python3-torch). A candidate is
// used only if its conv and dense weights have the tutorial CNN's sizes.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "signdpu/kernels/dispatch.h"
#include "signdpu/kernels/fix_graph.h"

#ifndef SIGNDPU_SOURCE_DIR
#define SIGNDPU_SOURCE_DIR "."
#endif
#ifndef SIGNDPU_BENCH_DIR
#define SIGNDPU_BENCH_DIR "."
#endif

namespace signdpu {
namespace {

namespace fs = std::filesystem;

// MACs per image of the model above.
constexpr double kMacsPerImage = 28.0 * 28 * 28 * 9 + 28.0 * 28 * 28 + 14.0 * 14 * 64 * 252 + 14.0 * 14 * 64 +
                                 512.0 * 3136 + 10.0 * 512;
constexpr int kThreadsMax = 2;

// ---- the FixGraph -----------------------------------------------------------

int AddTensor(FixGraph* g, const std::string& name, Shape shape, int fix_point) {
  FixTensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.fix_point = fix_point;
  g->tensors.push_back(t);
  return static_cast<int>(g->tensors.size()) - 1;
}

std::vector<int8_t> RandomInt8(size_t n, double stddev, std::mt19937& rng) {
  std::normal_distribution<double> d(0.0, stddev);
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(std::clamp(std::lround(d(rng)), -128L, 127L));
  return v;
}

void AddConv(FixGraph* g, const std::string& name, int in, int out, int out_channels, int kernel, int pad,
             bool depthwise, int fix_weights, int fix_bias, Activation act, std::mt19937& rng) {
  FixOp op;
  op.kind = depthwise ? FixOpKind::kDepthwiseConv2d : FixOpKind::kConv2d;
  op.name = name;
  op.inputs = {in};
  op.output = out;
  ConvAttrs& c = op.attrs.emplace<ConvAttrs>();
  c.out_channels = out_channels;
  c.kernel_h = c.kernel_w = kernel;
  c.pad_left = c.pad_right = c.pad_top = c.pad_bottom = pad;
  c.fix_weights = fix_weights;
  c.fix_bias = fix_bias;
  c.has_bias = true;
  c.activation = act;
  const int64_t in_c = g->tensors[in].shape[3];
  const size_t n = depthwise ? static_cast<size_t>(kernel * kernel * in_c)
                             : static_cast<size_t>(out_channels * kernel * kernel * in_c);
  c.weights = RandomInt8(n, depthwise ? 40.0 : 24.0, rng);
  c.bias = RandomInt8(static_cast<size_t>(out_channels), 30.0, rng);
  g->ops.push_back(std::move(op));
}

void AddMaxPool(FixGraph* g, const std::string& name, int in, int out) {
  PoolAttrs pool;  // MAX 2x2 stride 2
  pool.type = PoolType::kMax;
  pool.kernel_h = pool.kernel_w = 2;
  pool.stride_h = pool.stride_w = 2;
  g->ops.push_back(MakeFixOp(FixOpKind::kPool, name, {in}, out, pool));
}

FixGraph TutorialGraph() {
  std::mt19937 rng(20261127);
  FixGraph g;
  g.name = "tutorial_cnn";
  // fix points: shift_cut = fi + fw - fo, shift_bias = fi + fw - fb.
  const int x = AddTensor(&g, "input", {1, 28, 28, 1}, 7);
  const int c1 = AddTensor(&g, "conv1", {1, 28, 28, 28}, 5);
  const int b1 = AddTensor(&g, "bn1", {1, 28, 28, 28}, 5);
  const int p1 = AddTensor(&g, "pool1", {1, 14, 14, 28}, 5);
  const int c2 = AddTensor(&g, "conv2", {1, 14, 14, 64}, 4);
  const int b2 = AddTensor(&g, "bn2", {1, 14, 14, 64}, 4);
  const int p2 = AddTensor(&g, "pool2", {1, 7, 7, 64}, 4);
  const int d1 = AddTensor(&g, "dense1", {1, 1, 1, 512}, 3);
  const int d2 = AddTensor(&g, "logits", {1, 1, 1, 10}, 2);
  AddConv(&g, "conv1", x, c1, 28, 3, 1, false, 8, 10, Activation::kRelu, rng);  // shift_cut 10, shift_bias 5
  AddConv(&g, "bn1", c1, b1, 28, 1, 0, true, 6, 8, Activation::kNone, rng);     // 6, 3
  AddMaxPool(&g, "pool1", b1, p1);
  AddConv(&g, "conv2", p1, c2, 64, 3, 1, false, 9, 10, Activation::kRelu, rng);  // 10, 4
  AddConv(&g, "bn2", c2, b2, 64, 1, 0, true, 6, 8, Activation::kNone, rng);      // 6, 2
  AddMaxPool(&g, "pool2", b2, p2);
  AddConv(&g, "dense1", p2, d1, 512, 7, 0, false, 10, 11, Activation::kRelu, rng);  // 11, 3
  AddConv(&g, "dense2", d1, d2, 10, 1, 0, false, 8, 9, Activation::kNone, rng);     // 9, 2
  g.inputs = {x};
  g.outputs = {d2};
  return g;
}

// ---- a minimal fork/join for N threads (the calling thread is worker 0) -----

class Team {
 public:
  explicit Team(int threads) : threads_(threads) {
    for (int t = 1; t < threads_; ++t) workers_.emplace_back([this, t] { Loop(t); });
  }
  ~Team() {
    stop_.store(true);
    generation_.fetch_add(1);
    for (auto& w : workers_) w.join();
  }
  template <typename F>
  void Run(F&& f) {
    job_ = std::forward<F>(f);
    done_.store(0);
    generation_.fetch_add(1, std::memory_order_release);
    job_(0);
    while (done_.load(std::memory_order_acquire) != threads_ - 1) std::this_thread::yield();
  }

 private:
  void Loop(int t) {
    uint64_t seen = 0;
    for (;;) {
      uint64_t g;
      while ((g = generation_.load(std::memory_order_acquire)) == seen) std::this_thread::yield();
      seen = g;
      if (stop_.load()) return;
      job_(t);
      done_.fetch_add(1, std::memory_order_release);
    }
  }
  int threads_;
  std::vector<std::thread> workers_;
  std::function<void(int)> job_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> done_{0};
  std::atomic<bool> stop_{false};
};

// ---- emulator ---------------------------------------------------------------

const FixGraph& Graph() {
  static const FixGraph g = TutorialGraph();
  return g;
}

KernelPath BenchPath() {
  if (const char* p = std::getenv("SIGNDPU_BENCH_PATH")) {
    for (KernelPath k : AvailableKernelPaths())
      if (std::string(KernelPathName(k)) == p) return k;
    std::fprintf(stderr, "SIGNDPU_BENCH_PATH=%s not available; using the best path\n", p);
  }
  return BestKernelPath();
}

// CPU time of the calling thread. With one thread (emulator worker 0 is the
// caller; OpenCV with setNumThreads(1) runs in the caller) images per CPU
// second is insensitive to other processes competing for the cores.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

void SetRate(benchmark::State& state, double images, double seconds, double cpu_seconds, int threads) {
  state.counters["images_per_s"] = images / seconds;
  if (threads == 1) state.counters["images_per_cpu_s"] = images / cpu_seconds;
}

// Emulator, `batch` images per request, `threads` executors.
void BM_Emulator(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const KernelPath path = BenchPath();
  // Batch 1 with several threads: every thread serves its own stream of
  // single-image requests, kRequests per iteration.
  constexpr int kRequests = 16;
  const int per_thread = batch == 1 ? 1 : (batch + threads - 1) / threads;
  std::vector<std::unique_ptr<FixGraphExecutor>> ex;
  for (int t = 0; t < threads; ++t) {
    auto e = FixGraphExecutor::Create(Graph(), per_thread, path);
    if (!e.ok()) {
      state.SkipWithError(e.status().ToString().c_str());
      return;
    }
    ex.push_back(std::move(e).value());
  }
  std::mt19937 rng(1);
  const int64_t in_size = 28 * 28;
  const int images_per_iter = batch == 1 && threads > 1 ? threads * kRequests : batch;
  std::vector<int8_t> input(static_cast<size_t>(std::max(batch, threads) * in_size * kRequests));
  for (auto& v : input) v = static_cast<int8_t>(std::uniform_int_distribution<int>(0, 127)(rng));
  std::vector<std::vector<int8_t>> logits(threads, std::vector<int8_t>(static_cast<size_t>(per_thread) * 10));
  auto work = [&](int t) {
    if (batch == 1) {
      const int reps = threads > 1 ? kRequests : 1;
      for (int r = 0; r < reps; ++r)
        ex[t]->Run({input.data() + (t * kRequests + r) * in_size}, {logits[t].data()}, 1);
    } else {
      const int first = t * per_thread;
      const int count = std::min(per_thread, batch - first);
      if (count > 0) ex[t]->Run({input.data() + first * in_size}, {logits[t].data()}, count);
    }
  };
  Team team(threads);
  team.Run(work);  // warm-up: scratch buffers, caches
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = ThreadCpuSeconds();
  for (auto _ : state) team.Run(work);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  SetRate(state, static_cast<double>(state.iterations()) * images_per_iter, seconds, ThreadCpuSeconds() - cpu0,
          threads);
  state.SetLabel(KernelPathName(path));
}

// ---- OpenCV DNN -------------------------------------------------------------

// True if the ONNX has the tutorial CNN's layers: OpenCV's Convolution and
// InnerProduct weight blobs must hold 28*1*3*3, 64*28*3*3, 512*3136 and
// 10*512 values (other test models have a smaller dense layer).
bool IsTutorialCnn(const std::string& path, std::string* why) {
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
    std::vector<size_t> sizes;
    for (const std::string& name : net.getLayerNames()) {
      cv::Ptr<cv::dnn::Layer> layer = net.getLayer(name);
      if ((layer->type == "Convolution" || layer->type == "InnerProduct") && !layer->blobs.empty())
        sizes.push_back(layer->blobs[0].total());
    }
    std::sort(sizes.begin(), sizes.end());
    const std::vector<size_t> want = {28 * 9, 10 * 512, 64 * 28 * 9, 512 * 3136};
    if (sizes != want) {
      *why = path + ": not the tutorial CNN (weight sizes differ)";
      return false;
    }
    return true;
  } catch (const cv::Exception& e) {
    *why = path + ": " + e.what();
    return false;
  }
}

const std::string& OnnxPath() {
  static const std::string path = [] {
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("SIGNDPU_BENCH_ONNX")) candidates.push_back(env);
    const fs::path src(SIGNDPU_SOURCE_DIR);
    candidates.push_back((src / "models" / "signcnn_fashion.onnx").string());
    std::error_code ec;
    std::vector<std::string> test_models;
    for (const auto& e : fs::directory_iterator(src / "tests" / "data" / "onnx", ec))
      if (e.path().extension() == ".onnx") test_models.push_back(e.path().string());
    std::sort(test_models.begin(), test_models.end());
    candidates.insert(candidates.end(), test_models.begin(), test_models.end());
    for (const auto& c : candidates) {
      if (!fs::exists(c)) continue;
      std::string why;
      if (IsTutorialCnn(c, &why)) return c;
      std::fprintf(stderr, "emu_vs_opencv: skipping %s\n", why.c_str());
    }
    const std::string out = (fs::path(SIGNDPU_BENCH_DIR) / "tutorial_cnn.onnx").string();
    if (!fs::exists(out)) {
      const std::string script = (src / "bench" / "make_tutorial_onnx.py").string();
      const std::string cmd = "/usr/bin/python3 '" + script + "' '" + out + "'";
      std::fprintf(stderr, "emu_vs_opencv: generating %s\n", out.c_str());
      if (std::system(cmd.c_str()) != 0 || !fs::exists(out)) return std::string();
    }
    std::string why;
    if (!IsTutorialCnn(out, &why)) {
      std::fprintf(stderr, "emu_vs_opencv: %s\n", why.c_str());
      return std::string();
    }
    return out;
  }();
  return path;
}

void BM_OpenCV(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  if (OnnxPath().empty()) {
    state.SkipWithError("no ONNX model (see the file comment)");
    return;
  }
  cv::setNumThreads(threads);
  cv::dnn::Net net = cv::dnn::readNetFromONNX(OnnxPath());
  net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  cv::Mat blob(std::vector<int>{batch, 1, 28, 28}, CV_32F);
  cv::randu(blob, 0.0f, 1.0f);
  net.setInput(blob);
  net.forward();  // warm-up: allocation, layer fusion
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = ThreadCpuSeconds();
  for (auto _ : state) {
    net.setInput(blob);
    cv::Mat out = net.forward();
    benchmark::DoNotOptimize(out.data);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  SetRate(state, static_cast<double>(state.iterations()) * batch, seconds, ThreadCpuSeconds() - cpu0, threads);
  state.SetLabel(fs::path(OnnxPath()).filename().string());
}

BENCHMARK(BM_Emulator)->ArgNames({"batch", "threads"})->Args({1, 1})->Args({1, 2})->Args({64, 2})->Args({64, 1})
    ->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OpenCV)->ArgNames({"batch", "threads"})->Args({1, 1})->Args({1, 2})->Args({64, 2})->Args({64, 1})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// ---- summary ----------------------------------------------------------------

// Keeps images_per_s per benchmark: the median aggregate when repetitions > 1,
// else the single run.
class Collector : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      for (const auto& [counter, value] : r.counters) {
        const std::string key = r.run_name.function_name + "/" + r.run_name.args + "#" + counter;
        if (r.run_type == Run::RT_Aggregate) {
          if (r.aggregate_name == "median") median_[key] = value.value;
        } else {
          single_[key].push_back(value.value);
        }
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  // key: "BM_Name/batch:B/threads:T#counter"
  double Get(const std::string& key) const {
    auto m = median_.find(key);
    if (m != median_.end()) return m->second;
    auto s = single_.find(key);
    if (s == single_.end() || s->second.empty()) return 0;
    std::vector<double> v = s->second;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  }

 private:
  std::map<std::string, double> median_;
  std::map<std::string, std::vector<double>> single_;
};

double CpuGhz() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("cpu MHz", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return std::atof(line.c_str() + colon + 1) / 1000.0;
    }
  }
  return 0;
}

// int8 MACs per cycle per core for a path (assumptions, see docs/benchmarks.md).
double MacsPerCycle(KernelPath path, std::string* why) {
  switch (path) {
    case KernelPath::kAvx512Vnni:
      *why = "2 x vpdpbusd zmm per cycle (64 MACs each; two 512-bit ports as on Xeon Scalable)";
      return 128;
    case KernelPath::kAvx2:
      *why = "2 x vpmaddwd ymm per cycle (16 MACs each)";
      return 32;
    case KernelPath::kNeon:
      *why = "1 x 128-bit smull per cycle (8 MACs; Cortex-A53)";
      return 8;
    case KernelPath::kPortable:
      *why = "2 x pmaddwd xmm per cycle (8 MACs each, SSE2 auto-vectorised)";
      return 16;
    case KernelPath::kReference:
      *why = "1 scalar MAC per cycle";
      return 1;
  }
  return 1;
}

// The optimised path must give the reference path's logits (bit-exact).
bool MatchesReference() {
  constexpr int kImages = 8;
  std::mt19937 rng(2);
  std::vector<int8_t> input(kImages * 28 * 28);
  for (auto& v : input) v = static_cast<int8_t>(std::uniform_int_distribution<int>(0, 127)(rng));
  std::vector<int8_t> want(kImages * 10), got(kImages * 10);
  auto ref = FixGraphExecutor::Create(Graph(), kImages, KernelPath::kReference);
  auto opt = FixGraphExecutor::Create(Graph(), kImages, BenchPath());
  if (!ref.ok() || !opt.ok()) return false;
  ref.value()->Run({input.data()}, {want.data()}, kImages);
  opt.value()->Run({input.data()}, {got.data()}, kImages);
  return want == got;
}

void PrintSummary(const Collector& c) {
  const KernelPath path = BenchPath();
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const double ghz = CpuGhz();
  std::string why;
  const double mpc = MacsPerCycle(path, &why);
  const double peak_gmacs = cores * ghz * mpc;
  std::printf("\n== emulator (int8, path %s) vs OpenCV DNN (float32), medians ==\n", KernelPathName(path));
  std::printf("logits of path %s == reference path on 8 images: %s\n", KernelPathName(path),
              MatchesReference() ? "yes" : "NO (bug)");
  std::printf("model: tutorial CNN, %.2f M MACs per image; ONNX: %s\n", kMacsPerImage / 1e6,
              OnnxPath().empty() ? "(none)" : OnnxPath().c_str());
  for (int threads : {2, 1}) {
    for (int batch : {1, 64}) {
      const std::string args = "batch:" + std::to_string(batch) + "/threads:" + std::to_string(threads);
      const double emu = c.Get("BM_Emulator/" + args + "#images_per_s");
      const double cv = c.Get("BM_OpenCV/" + args + "#images_per_s");
      std::printf("batch %2d, %d thread%s: emulator %8.0f images/s, OpenCV %8.0f images/s", batch, threads,
                  threads > 1 ? "s" : " ", emu, cv);
      if (cv > 0 && emu > 0) {
        const double ratio = emu / cv;
        std::printf(", ratio %5.2fx", ratio);
        if (threads == 2)
          std::printf(" (target >= 2x: %s, goal 3x: %s)", ratio >= 2 ? "met" : "NOT met",
                      ratio >= 3 ? "met" : "not met");
      }
      std::printf("\n");
      if (emu > 0 && peak_gmacs > 0 && threads == 2) {
        const double gmacs = emu * kMacsPerImage / 1e9;
        std::printf("    emulator %.1f GMAC/s = %.1f %% of the int8 MAC peak %.0f GMAC/s\n", gmacs,
                    100.0 * gmacs / peak_gmacs, peak_gmacs);
      }
    }
  }
  for (int batch : {1, 64}) {
    const std::string args = "batch:" + std::to_string(batch) + "/threads:1#images_per_cpu_s";
    const double emu = c.Get("BM_Emulator/" + args), cv = c.Get("BM_OpenCV/" + args);
    std::printf("batch %2d, 1 thread, per CPU second: emulator %8.0f, OpenCV %8.0f", batch, emu, cv);
    if (emu > 0 && cv > 0) std::printf(", ratio %5.2fx", emu / cv);
    std::printf("\n");
  }
  std::printf("peak assumption: %u cores x %.2f GHz (/proc/cpuinfo 'cpu MHz', no turbo) x %.0f MACs/cycle (%s)\n",
              cores, ghz, mpc, why.c_str());
}

}  // namespace
}  // namespace signdpu

int main(int argc, char** argv) {
  // Defaults unless given on the command line: 5 repetitions, medians only.
  std::vector<char*> args(argv, argv + argc);
  bool has_reps = false, has_time = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    has_reps = has_reps || a.rfind("--benchmark_repetitions", 0) == 0;
    has_time = has_time || a.rfind("--benchmark_min_time", 0) == 0;
  }
  static char reps[] = "--benchmark_repetitions=5";
  static char aggr[] = "--benchmark_report_aggregates_only=true";
  static char min_time[] = "--benchmark_min_time=0.5";
  if (!has_reps) {
    args.push_back(reps);
    args.push_back(aggr);
  }
  if (!has_time) args.push_back(min_time);
  int n = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  signdpu::Collector collector;
  benchmark::RunSpecifiedBenchmarks(&collector);
  signdpu::PrintSummary(collector);
  benchmark::Shutdown();
  return 0;
}
