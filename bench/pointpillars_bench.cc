// Throughput of the emulator on the second, bigger model: Xilinx's
// PointPillars (tests/data/xmodels/voxelnet_quantized.xmodel) compiled by
// `signdpu compile` (the same DPU program as vai_c_xir 2.5's compile, bit
// for bit: tests/compile). Runs both DPU subgraphs (PFN and RPN) on seeded
// random int8 inputs, one FixGraphExecutor per thread, and prints one JSON
// line: MACs per frame (conv and transposed-conv taps that can be non-zero),
// frames, seconds, GMAC/s and the share of the assumed int8 peak
// (docs/benchmarks.md: 2 cores x 2.6 GHz x 128 MACs/cycle = 666 GMAC/s), by
// wall clock and per CPU second (against one core's half of the peak).
//   pointpillars_bench [--threads N] [--min-time SECONDS] [--peak-gmacs G]
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <xir/graph/graph.hpp>

#include "bench_models.h"
#include "signdpu/compile/compile.h"
#include "signdpu/ir/fix_graph.h"
#include "signdpu/xmodel/xmodel_file.h"

namespace {

using signdpu::FixGraph;

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double Arg(int argc, char** argv, const char* key, double fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], key) == 0) return std::atof(argv[i + 1]);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  signdpu::xmodel::InitGoogleLoggingOnce(argv[0]);
  const int threads = static_cast<int>(Arg(argc, argv, "--threads", 2));
  const double min_time = Arg(argc, argv, "--min-time", 5.0), peak = Arg(argc, argv, "--peak-gmacs", 666.0);
  auto graph = signdpu::xmodel::LoadXmodel(std::string(SIGNDPU_SOURCE_DIR) + "/tests/data/xmodels/voxelnet_quantized.xmodel");
  if (!graph.ok()) { std::fprintf(stderr, "%s\n", graph.status().message().c_str()); return 1; }
  auto model = signdpu::compile::PlanCompile(**graph, signdpu::compile::CompileOptions());
  if (!model.ok()) { std::fprintf(stderr, "%s\n", model.status().message().c_str()); return 1; }
  int64_t macs = 0;
  for (const auto& part : model->dpu) macs += signdpu::bench::MacsPerFrame(part.graph);
  std::atomic<int64_t> frames{0};
  std::atomic<bool> failed{false};
  const double cpu0 = CpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  auto worker = [&](int t) {
    std::vector<std::unique_ptr<signdpu::FixGraphExecutor>> ex;
    std::vector<std::vector<int8_t>> in, out;
    std::mt19937 rng(static_cast<uint32_t>(t + 1));
    for (const auto& part : model->dpu) {
      auto e = signdpu::FixGraphExecutor::Create(part.graph, 1);
      if (!e.ok()) { failed = true; return; }
      ex.push_back(std::move(*e));
      in.emplace_back(static_cast<size_t>(part.graph.tensors[part.graph.inputs[0]].per_image_size()));
      for (auto& v : in.back()) v = static_cast<int8_t>(rng());
    }
    for (;;) {
      for (size_t p = 0; p < ex.size(); ++p) {
        const FixGraph& g = model->dpu[p].graph;
        out.assign(g.outputs.size(), {});
        std::vector<int8_t*> ptrs;
        for (size_t k = 0; k < g.outputs.size(); ++k) {
          out[k].resize(static_cast<size_t>(g.tensors[g.outputs[k]].per_image_size()));
          ptrs.push_back(out[k].data());
        }
        ex[p]->Run({in[p].data()}, ptrs, 1);
      }
      ++frames;
      if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= min_time) return;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker, t);
  for (auto& th : pool) th.join();
  if (failed) { std::fprintf(stderr, "pointpillars_bench: executor creation failed\n"); return 1; }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = CpuSeconds() - cpu0;
  const double gmacs = static_cast<double>(macs) * static_cast<double>(frames) / secs / 1e9;
  const double gmacs_cpu = static_cast<double>(macs) * static_cast<double>(frames) / cpu / 1e9;
  std::printf("{\"model\": \"PointPillars (voxelnet_quantized.xmodel, signdpu compile)\", \"macs_per_frame\": %lld, "
              "\"threads\": %d, \"frames\": %lld, \"seconds\": %.3f, \"fps\": %.3f, \"gmac_per_s\": %.2f, "
              "\"peak_gmac_per_s\": %.0f, \"share_of_peak\": %.4f, \"cpu_seconds\": %.3f, "
              "\"gmac_per_cpu_s\": %.2f, \"share_of_core_peak\": %.4f, \"kernels\": \"%s\"}\n",
              static_cast<long long>(macs), threads, static_cast<long long>(frames.load()), secs,
              static_cast<double>(frames) / secs, gmacs, peak, gmacs / peak, cpu, gmacs_cpu, gmacs_cpu / (peak / 2),
              signdpu::KernelPathName(signdpu::BestKernelPath()));
  return 0;
}
