// Per-layer timings of the tutorial CNN's conv / depthwise / pool ops on every
// available kernel path (Google Benchmark), one thread.
//
//   build/bin/kernels_bench --benchmark_filter=avx512
//
// Counters: images_per_s and GMAC_per_s (conv layers).
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "signdpu/kernels/dispatch.h"
#include "signdpu/kernels/optimized/conv2d_fix.h"
#include "signdpu/kernels/optimized/pool_fix.h"

namespace signdpu {
namespace {

struct Layer {
  const char* name;
  int h, w, c, o, k, pad;
  bool depthwise;
};

constexpr Layer kLayers[] = {
    {"conv1_28x28x1_o28_3x3", 28, 28, 1, 28, 3, 1, false},
    {"bn1_dw1x1_28x28x28", 28, 28, 28, 28, 1, 0, true},
    {"conv2_14x14x28_o64_3x3", 14, 14, 28, 64, 3, 1, false},
    {"bn2_dw1x1_14x14x64", 14, 14, 64, 64, 1, 0, true},
    {"dense1_7x7x64_o512", 7, 7, 64, 512, 7, 0, false},
    {"dense2_1x1x512_o10", 1, 1, 512, 10, 1, 0, false},
};

std::vector<int8_t> Random(size_t n, std::mt19937& rng) {
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(std::uniform_int_distribution<int>(-128, 127)(rng));
  return v;
}

void BM_Conv(benchmark::State& state, Layer l, KernelPath path, int batch) {
  ConvConfig c;
  c.input = {batch, l.h, l.w, l.c};
  c.out_channels = l.o;
  c.depthwise = l.depthwise;
  c.kernel_h = c.kernel_w = l.k;
  c.pad_left = c.pad_right = c.pad_top = c.pad_bottom = l.pad;
  c.activation = Activation::kRelu;
  c.fix_in = 4;
  c.fix_weights = 7;
  c.fix_out = 1;
  c.fix_bias = 8;
  auto p = MakeConvParams(c, l.name);
  if (!p.ok()) {
    state.SkipWithError(p.status().ToString().c_str());
    return;
  }
  std::mt19937 rng(1);
  const auto in = Random(static_cast<size_t>(p.value().config.input.size()), rng);
  const auto w = Random(static_cast<size_t>(p.value().weights_size()), rng);
  const auto b = Random(static_cast<size_t>(l.o), rng);
  std::vector<int8_t> out(static_cast<size_t>(p.value().output.size()));
  auto conv = optimized::PrepareConv2d(p.value(), w.data(), b.data(), path);
  for (auto _ : state) {
    conv->Run(in.data(), out.data(), batch);
    benchmark::ClobberMemory();
  }
  const double k = l.depthwise ? double(l.k) * l.k : double(l.k) * l.k * l.c;
  const double macs = double(p.value().output.size()) * k;
  state.counters["images_per_s"] = benchmark::Counter(double(batch) * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["GMAC_per_s"] =
      benchmark::Counter(macs * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}

void BM_MaxPool(benchmark::State& state, int h, int c, KernelPath path, int batch) {
  PoolConfig pc;
  pc.input = {batch, h, h, c};
  auto p = MakePoolParams(pc);
  std::mt19937 rng(1);
  const auto in = Random(static_cast<size_t>(pc.input.size()), rng);
  std::vector<int8_t> out(static_cast<size_t>(p.value().output.size()));
  auto pool = optimized::PreparePool(p.value(), path);
  for (auto _ : state) {
    pool->Run(in.data(), out.data(), batch);
    benchmark::ClobberMemory();
  }
  state.counters["images_per_s"] = benchmark::Counter(double(batch) * state.iterations(), benchmark::Counter::kIsRate);
}

int Register() {
  for (KernelPath path : AvailableKernelPaths()) {
    for (int batch : {1, 32}) {
      const std::string suffix = std::string("/") + KernelPathName(path) + "/batch:" + std::to_string(batch);
      for (const Layer& l : kLayers)
        benchmark::RegisterBenchmark((std::string("conv/") + l.name + suffix).c_str(), BM_Conv, l, path, batch);
      benchmark::RegisterBenchmark(("maxpool/28x28x28" + suffix).c_str(), BM_MaxPool, 28, 28, path, batch);
      benchmark::RegisterBenchmark(("maxpool/14x14x64" + suffix).c_str(), BM_MaxPool, 14, 64, path, batch);
    }
  }
  return 0;
}
const int kRegistered = Register();

}  // namespace
}  // namespace signdpu

BENCHMARK_MAIN();
