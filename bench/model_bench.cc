// Throughput of the emulator on the heavy models of issue 18's op set
// (bench/bench_models.h): a transposed-conv decoder and a depthwise-separable
// net. Builds the model (seeded, deterministic), writes it as a host xmodel,
// loads that file and runs its DPU subgraph through the real libvart, which
// dlopen()s the emulator plugin (mode "ref"), one runner per thread on the
// same seeded frame. Prints one JSON line: MACs per frame, frames/s, GMAC/s,
// the share of the assumed int8 peak (docs/benchmarks.md: 666 GMAC/s for the
// 2 cores; per CPU second against one core's half), the kernel path
// (SIGNDPU_REFERENCE_KERNELS=1 gives the reference path), the saturation
// share of the model's activations and an FNV-1a hash of the first output
// (scripts/bench.sh compares the optimised and reference runs' hashes).
//   model_bench --model decoder|dw_separable --out DIR [--threads N] [--min-time S]
//               [--min-frames N] [--peak-gmacs G] [--profile]
// --profile adds per-op CPU milliseconds per frame on the reference and the
// best path (each op run alone, FixGraphExecutor, one thread) to the JSON line.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <vart/runner.hpp>
#include <vart/experimental/runner_helper.hpp>
#include <xir/attrs/attrs.hpp>
#include <xir/graph/graph.hpp>

#include "bench_models.h"
#include "signdpu/core/json_text.h"
#include "signdpu/xmodel/xmodel_file.h"
#include "signdpu/xmodel/xmodel_writer.h"

namespace {

using signdpu::FixGraph;
using signdpu::FixOp;

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

const char* Arg(int argc, char** argv, const char* key, const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], key) == 0) return argv[i + 1];
  return fallback;
}

bool Flag(int argc, char** argv, const char* key) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], key) == 0) return true;
  return false;
}

uint64_t Fnv1a(const int8_t* p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<uint8_t>(p[i])) * 1099511628211ull;
  return h;
}

std::unique_ptr<vart::Runner> EmuRunner(const xir::Subgraph* subgraph) {
  auto attrs = xir::Attrs::create();
  attrs->set_attr<std::string>("mode", "ref");
  attrs->set_attr<std::map<std::string, std::string>>("lib", {{"DPU", "libvart-signdpu-emu-runner.so"}});
  return vart::Runner::create_runner_with_attrs(subgraph, attrs.get());
}

int8_t* Data(vart::TensorBuffer* b) {
  std::vector<int32_t> zeros(b->get_tensor()->get_shape().size(), 0);
  return reinterpret_cast<int8_t*>(b->data(zeros).first);
}

struct Timing {
  int64_t frames = 0;
  double seconds = 0, cpu_seconds = 0;
  uint64_t hash = 0;
  bool failed = false;
};

// One runner per thread, batch 1 jobs on `frame` until both limits are reached.
Timing TimeRunners(const xir::Subgraph* subgraph, const std::vector<int8_t>& frame, int threads, double min_time,
                   int64_t min_frames) {
  Timing r;
  std::atomic<int64_t> frames{0};
  std::atomic<bool> failed{false};
  const double cpu0 = CpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  auto worker = [&](int t) {
    auto runner = EmuRunner(subgraph);
    if (runner == nullptr) { failed = true; return; }
    auto in = vart::alloc_cpu_flat_tensor_buffers(runner->get_input_tensors());
    auto out = vart::alloc_cpu_flat_tensor_buffers(runner->get_output_tensors());
    if (in.size() != 1 || out.size() != 1 || in[0]->get_tensor()->get_data_size() != static_cast<int64_t>(frame.size())) {
      failed = true;
      return;
    }
    std::memcpy(Data(in[0].get()), frame.data(), frame.size());
    for (bool first = true;; first = false) {
      auto job = runner->execute_async({in[0].get()}, {out[0].get()});
      if (job.second != 0 || runner->wait(static_cast<int>(job.first), -1) != 0) { failed = true; return; }
      if (first && t == 0)
        r.hash = Fnv1a(Data(out[0].get()), static_cast<size_t>(out[0]->get_tensor()->get_data_size()));
      const int64_t done = ++frames;
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (s >= min_time && done >= min_frames) return;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker, t);
  for (auto& th : pool) th.join();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.cpu_seconds = CpuSeconds() - cpu0;
  r.frames = frames;
  r.failed = failed;
  return r;
}

double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// CPU milliseconds (of the calling thread: robust on a shared machine) per
// frame of `op` alone on `path` (at least 3 runs and 0.2 s).
double OpMs(const FixGraph& one, signdpu::KernelPath path) {
  auto ex = signdpu::FixGraphExecutor::Create(one, 1, path);
  if (!ex.ok()) return -1;
  std::mt19937 rng(7);
  std::vector<std::vector<int8_t>> ins;
  std::vector<const int8_t*> ptrs;
  for (int id : one.inputs) {
    ins.emplace_back(static_cast<size_t>(one.tensors[static_cast<size_t>(id)].per_image_size()));
    for (auto& v : ins.back()) v = static_cast<int8_t>(rng());
  }
  for (const auto& v : ins) ptrs.push_back(v.data());
  std::vector<int8_t> out(static_cast<size_t>(one.tensors[static_cast<size_t>(one.outputs[0])].per_image_size()));
  int runs = 0;
  const double start = ThreadCpuSeconds();
  double s = 0;
  do {
    (*ex)->Run(ptrs, {out.data()}, 1);
    ++runs;
    s = ThreadCpuSeconds() - start;
  } while (runs < 3 || s < 0.2);
  return 1e3 * s / runs;
}

nlohmann::ordered_json Profile(const FixGraph& g) {
  nlohmann::ordered_json ops = nlohmann::ordered_json::array();
  for (const FixOp& op : g.ops) {
    const FixGraph one = signdpu::bench::OneOpGraph(g, op);
    nlohmann::ordered_json o;
    o["op"] = op.name;
    o["kind"] = signdpu::FixOpKindName(op.kind);
    o["macs"] = signdpu::bench::MacsPerFrame(one);
    o["reference_ms"] = OpMs(one, signdpu::KernelPath::kReference);
    o["optimized_ms"] = OpMs(one, signdpu::BestKernelPath());
    std::fprintf(stderr, "  %-12s %-32s %8.3f ms ref %8.3f ms %s\n", op.name.c_str(), signdpu::FixOpKindName(op.kind),
                 o["reference_ms"].get<double>(), o["optimized_ms"].get<double>(),
                 signdpu::KernelPathName(signdpu::BestKernelPath()));
    ops.push_back(o);
  }
  return ops;
}

}  // namespace

int main(int argc, char** argv) {
  signdpu::xmodel::InitGoogleLoggingOnce(argv[0]);
  const std::string name = Arg(argc, argv, "--model", ""), dir = Arg(argc, argv, "--out", "");
  const int threads = std::atoi(Arg(argc, argv, "--threads", "2"));
  const double min_time = std::atof(Arg(argc, argv, "--min-time", "10"));
  const int64_t min_frames = std::atoll(Arg(argc, argv, "--min-frames", "1"));
  const double peak = std::atof(Arg(argc, argv, "--peak-gmacs", "666"));
  if ((name != "decoder" && name != "dw_separable") || dir.empty() || threads < 1 || threads > 64 || peak <= 0) {
    std::fprintf(stderr, "usage: model_bench --model decoder|dw_separable --out DIR [--threads 1..64] [--min-time S] "
                         "[--min-frames N] [--peak-gmacs G] [--profile]\n");
    return 2;
  }
  auto model = name == "decoder" ? signdpu::bench::MakeDecoder({}, 1) : signdpu::bench::MakeDwSeparable({}, 1);
  if (!model.ok()) { std::fprintf(stderr, "model_bench: %s\n", model.status().message().c_str()); return 1; }
  const FixGraph& g = model->graph;
  std::fprintf(stderr, "%s: %zu ops; per op output: fix point, saturated (-128/127 or RELU6's ceiling), zero, on the seeded frame\n",
               name.c_str(), g.ops.size());
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const signdpu::bench::LayerStats& l = model->layers[i];
    const signdpu::ConvAttrs* c = g.ops[i].AttrsIf<signdpu::ConvAttrs>();
    std::fprintf(stderr, "  %-12s %-24s fp %3d  weights fp %3s  saturated %5.2f %%  zero %5.1f %%\n", l.name.c_str(),
                 signdpu::FixOpKindName(g.ops[i].kind), g.tensors[static_cast<size_t>(g.ops[i].output)].fix_point,
                 c == nullptr ? "-" : std::to_string(c->fix_weights).c_str(),
                 100.0 * static_cast<double>(l.saturated) / static_cast<double>(l.values),
                 100.0 * static_cast<double>(l.zero) / static_cast<double>(l.values));
  }
  std::fprintf(stderr, "saturated share over all activations: %.3f %% (max per op %.2f %%)\n",
               100.0 * model->saturated_share(), 100.0 * model->max_layer_saturated_share());
  const std::string path = dir + "/" + name + ".xmodel";
  signdpu::xmodel::HostModelInfo info;
  info.model_name = name;
  info.softmax = false;
  if (auto st = signdpu::xmodel::WriteHostXmodel(g, info, path); !st.ok()) {
    std::fprintf(stderr, "model_bench: %s\n", st.message().c_str());
    return 1;
  }
  auto xg = signdpu::xmodel::LoadXmodel(path);
  if (!xg.ok()) { std::fprintf(stderr, "model_bench: %s\n", xg.status().message().c_str()); return 1; }
  const auto dpus = signdpu::xmodel::DpuSubgraphs(**xg);
  if (dpus.size() != 1) { std::fprintf(stderr, "model_bench: %s: expected 1 DPU subgraph\n", path.c_str()); return 1; }
  const Timing t = TimeRunners(dpus[0], model->input, threads, min_time, min_frames);
  if (t.failed) { std::fprintf(stderr, "model_bench: a runner failed (libvart + emulator plugin)\n"); return 1; }
  const int64_t macs = signdpu::bench::MacsPerFrame(g);
  const double work = static_cast<double>(macs) * static_cast<double>(t.frames) / 1e9;
  nlohmann::ordered_json j;
  j["model"] = name;
  j["xmodel"] = path;
  j["ops"] = g.ops.size();
  j["macs_per_frame"] = macs;
  j["gmac_per_frame"] = static_cast<double>(macs) / 1e9;
  j["threads"] = threads;
  j["frames"] = t.frames;
  j["seconds"] = t.seconds;
  j["fps"] = static_cast<double>(t.frames) / t.seconds;
  j["gmac_per_s"] = work / t.seconds;
  j["peak_gmac_per_s"] = peak;
  j["share_of_peak"] = work / t.seconds / peak;
  j["cpu_seconds"] = t.cpu_seconds;
  j["gmac_per_cpu_s"] = work / t.cpu_seconds;
  j["share_of_core_peak"] = work / t.cpu_seconds / (peak / 2);
  j["kernels"] = signdpu::KernelPathName(signdpu::BestKernelPath());
  j["saturated_share"] = model->saturated_share();
  j["max_layer_saturated_share"] = model->max_layer_saturated_share();
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(t.hash));
  j["output_fnv1a"] = hash;
  if (Flag(argc, argv, "--profile")) j["profile"] = Profile(g);
  std::printf("%s\n", signdpu::DumpJson(j).c_str());
  return 0;
}
