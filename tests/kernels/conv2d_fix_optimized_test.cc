// Every optimised conv2d-fix / depthwise-conv2d-fix path against the
// reference kernel: exact equality, output pre-filled with a poison value and
// guarded on both sides, fixed seed, the full parameter tuple on failure.
#include <algorithm>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "signdpu/kernels/dispatch.h"
#include "signdpu/kernels/fix_graph.h"
#include "signdpu/kernels/optimized/conv2d_fix.h"
#include "signdpu/kernels/reference/conv2d_fix.h"
#include "optimized_harness.h"

namespace signdpu {
namespace {

using testing::kPoison;
using testing::OptimizedPaths;
constexpr int64_t kGuard = 64;

struct Case {
  ConvConfig config;
  int weight_mode = 0;  // 0 uniform int8, 1 small (|w| <= 8), 2 all -128, 3 all 127, 4 sparse
  int input_mode = 0;   // 0 uniform int8, 1 all -128, 2 all 127, 3 small
  uint32_t seed = 0;
};

std::string Describe(const Case& k, KernelPath path) {
  const ConvConfig& c = k.config;
  std::ostringstream s;
  s << "path=" << KernelPathName(path) << (c.depthwise ? " depthwise" : " conv") << " N=" << c.input.n
    << " H=" << c.input.h << " W=" << c.input.w << " C=" << c.input.c << " O=" << c.out_channels
    << " kernel=" << c.kernel_h << "x" << c.kernel_w << " stride=" << c.stride_h << "x" << c.stride_w
    << " dilation=" << c.dilation_h << "x" << c.dilation_w << " pad(l,r,t,b)=" << c.pad_left << ","
    << c.pad_right << "," << c.pad_top << "," << c.pad_bottom << " fix(in,w,b,out)=" << c.fix_in << ","
    << c.fix_weights << "," << c.fix_bias << "," << c.fix_out << " shift_cut=" << (c.fix_in + c.fix_weights - c.fix_out)
    << " shift_bias=" << (c.has_bias ? c.fix_in + c.fix_weights - c.fix_bias : 0) << " bias=" << c.has_bias
    << " act=" << ActivationName(c.activation) << " weight_mode=" << k.weight_mode << " input_mode=" << k.input_mode
    << " seed=" << k.seed;
  return s.str();
}

std::vector<int8_t> MakeData(int64_t n, int mode, std::mt19937& rng, bool weights) {
  std::vector<int8_t> v(static_cast<size_t>(n));
  std::uniform_int_distribution<int> full(-128, 127), small(-8, 8), coin(0, 7);
  for (auto& x : v) {
    if (weights) {
      switch (mode) {
        case 1: x = static_cast<int8_t>(small(rng)); break;
        case 2: x = -128; break;
        case 3: x = 127; break;
        case 4: x = static_cast<int8_t>(coin(rng) == 0 ? full(rng) : 0); break;
        default: x = static_cast<int8_t>(full(rng));
      }
    } else {
      switch (mode) {
        case 1: x = -128; break;
        case 2: x = 127; break;
        case 3: x = static_cast<int8_t>(small(rng)); break;
        default: x = static_cast<int8_t>(full(rng));
      }
    }
  }
  return v;
}

// Runs `path` on the case and compares with the reference; returns false and
// reports on the first mismatch.
bool CheckCase(const Case& k, KernelPath path) {
  auto params_or = MakeConvParams(k.config, "test");
  if (!params_or.ok()) {
    ADD_FAILURE() << "invalid test case: " << params_or.status().ToString() << " " << Describe(k, path);
    return false;
  }
  const ConvParams& p = params_or.value();
  std::mt19937 rng(k.seed);
  const auto in = MakeData(p.config.input.size(), k.input_mode, rng, false);
  const auto w = MakeData(p.weights_size(), k.weight_mode, rng, true);
  const auto b = MakeData(p.output.c, 0, rng, true);
  const int8_t* bias = p.config.has_bias ? b.data() : nullptr;

  std::vector<int8_t> want(static_cast<size_t>(p.output.size()), kPoison);
  reference::Conv2dFix(p, in.data(), w.data(), bias, want.data());

  auto conv = optimized::PrepareConv2d(p, w.data(), bias, path);
  return testing::ExpectSameAsReference(
      want, kGuard, [&](int8_t* out) { conv->Run(in.data(), out, p.config.input.n); },
      [&] {
        return Describe(k, path) + " int32_acc=" + std::to_string(optimized::UsesInt32Accumulators(p, w.data()));
      },
      [&](int64_t i) { return testing::NhwcPosition(i, p.output.h, p.output.w, p.output.c, "o"); });
}

// Fix points with the requested shift_cut / shift_bias.
void SetShifts(ConvConfig* c, int fi, int fw, int shift_cut, int shift_bias) {
  c->fix_in = fi;
  c->fix_weights = fw;
  c->fix_out = fi + fw - shift_cut;
  c->fix_bias = fi + fw - shift_bias;
}

constexpr int kSizes[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 16, 17, 31, 32, 33};
constexpr int kChannels[] = {1, 2, 3, 7, 8, 9, 16, 17, 31, 33, 64};
constexpr int kKernels[] = {1, 3, 5, 7};

// A random valid case whose reference cost stays small.
Case RandomCase(std::mt19937& rng, uint32_t seed) {
  auto pick = [&](auto const& arr) {
    std::uniform_int_distribution<size_t> d(0, std::size(arr) - 1);
    return arr[d(rng)];
  };
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (;;) {
    Case k;
    k.seed = seed;
    ConvConfig& c = k.config;
    c.input.n = uni(1, 3);
    // Mostly small spatial sizes; powers of two +-1 now and then.
    c.input.h = uni(0, 3) == 0 ? pick(kSizes) : uni(1, 10);
    c.input.w = uni(0, 3) == 0 ? pick(kSizes) : uni(1, 10);
    c.input.c = pick(kChannels);
    c.depthwise = uni(0, 3) == 0;
    c.out_channels = c.depthwise ? c.input.c : (uni(0, 4) == 0 ? uni(1, 80) : pick(kChannels));
    const int shape_kind = uni(0, 7);
    if (shape_kind == 0 && !c.depthwise) {
      // Dense as conv: kernel = the whole input, no padding.
      c.kernel_h = static_cast<int>(c.input.h);
      c.kernel_w = static_cast<int>(c.input.w);
    } else {
      c.kernel_h = pick(kKernels);
      c.kernel_w = uni(0, 3) == 0 ? pick(kKernels) : c.kernel_h;
      c.stride_h = uni(1, 3);
      c.stride_w = uni(0, 2) == 0 ? uni(1, 3) : c.stride_h;
      c.dilation_h = uni(0, 3) == 0 ? 2 : 1;
      c.dilation_w = uni(0, 3) == 0 ? 2 : c.dilation_h;
      c.pad_top = uni(0, c.kernel_h - 1);
      c.pad_bottom = uni(0, c.kernel_h - 1);
      c.pad_left = uni(0, c.kernel_w - 1);
      c.pad_right = uni(0, c.kernel_w - 1);
    }
    c.activation = static_cast<Activation>(uni(0, 3));
    c.has_bias = uni(0, 5) != 0;
    const int shift_cut = uni(0, 16);
    const int lo = c.activation == Activation::kLeakyRelu ? 0 : std::min(0, shift_cut - 16);
    const int shift_bias = uni(lo, 16);
    SetShifts(&c, uni(-4, 8), uni(-2, 10), shift_cut, shift_bias);
    k.weight_mode = uni(0, 9) < 6 ? 0 : uni(1, 4);
    k.input_mode = uni(0, 9) < 7 ? 0 : uni(1, 3);
    auto p = MakeConvParams(c, "random");
    if (!p.ok()) continue;
    const int64_t k_depth = c.depthwise ? int64_t{c.kernel_h} * c.kernel_w
                                        : int64_t{c.kernel_h} * c.kernel_w * c.input.c;
    if (p.value().output.size() * k_depth > 400000) continue;
    return k;
  }
}

TEST(Conv2dFixOptimizedTest, RandomSweepAllPaths) {
  const auto paths = OptimizedPaths();
  ASSERT_FALSE(paths.empty());
  std::mt19937 rng(20261127);
  constexpr int kCases = 6000;
  int failures = 0;
  for (int i = 0; i < kCases && failures < 10; ++i) {
    const Case k = RandomCase(rng, static_cast<uint32_t>(1000 + i));
    for (KernelPath path : paths)
      if (!CheckCase(k, path)) ++failures;
  }
  EXPECT_EQ(failures, 0);
}

// Weight groups (PrepareGroupedConv2d) against the reference run group by
// group and concatenated along channels: 2-5 groups sharing input, geometry
// and activation, each with its own channel count and fix points, random
// shapes as in RandomSweepAllPaths.
TEST(Conv2dFixOptimizedTest, GroupedRandomSweepAllPaths) {
  const auto paths = OptimizedPaths();
  ASSERT_FALSE(paths.empty());
  std::mt19937 rng(20261201);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  constexpr int kCases = 600;
  int failures = 0, fused = 0;
  for (int i = 0; i < kCases && failures < 10; ++i) {
    Case base = RandomCase(rng, static_cast<uint32_t>(50000 + i));
    if (base.config.depthwise) continue;  // depthwise convs are never split into groups
    const int groups = uni(2, 5);
    std::vector<ConvParams> params;
    std::vector<std::vector<int8_t>> weights, biases;
    std::vector<int8_t> in;
    std::vector<Case> cases;
    bool valid = true;
    for (int gi = 0; gi < groups && valid; ++gi) {
      Case k = base;
      ConvConfig& c = k.config;
      c.out_channels = uni(1, 24);
      const int shift_cut = uni(0, 16);
      const int lo = c.activation == Activation::kLeakyRelu ? 0 : std::min(0, shift_cut - 16);
      SetShifts(&c, base.config.fix_in, uni(-2, 10), shift_cut, uni(lo, 16));
      auto p = MakeConvParams(c, "group");
      valid = p.ok();
      if (!valid) break;
      std::mt19937 data_rng(k.seed * 8 + static_cast<uint32_t>(gi));
      if (gi == 0) in = MakeData(c.input.size(), k.input_mode, data_rng, false);
      weights.push_back(MakeData(p.value().weights_size(), k.weight_mode, data_rng, true));
      biases.push_back(MakeData(c.out_channels, 0, data_rng, true));
      params.push_back(p.value());
      cases.push_back(k);
    }
    if (!valid) continue;
    // The reference: each group on its own, then the concat along channels.
    const ConvParams& p0 = params.front();
    const int64_t pixels = p0.output.n * p0.output.h * p0.output.w;
    int64_t total = 0;
    for (const ConvParams& p : params) total += p.output.c;
    std::vector<int8_t> want(static_cast<size_t>(pixels * total), kPoison);
    std::vector<optimized::ConvGroupSpec> specs;
    int64_t c0 = 0;
    for (size_t gi = 0; gi < params.size(); ++gi) {
      const ConvParams& p = params[gi];
      const int8_t* bias = p.config.has_bias ? biases[gi].data() : nullptr;
      std::vector<int8_t> part(static_cast<size_t>(p.output.size()));
      reference::Conv2dFix(p, in.data(), weights[gi].data(), bias, part.data());
      for (int64_t m = 0; m < pixels; ++m)
        std::copy_n(part.data() + m * p.output.c, p.output.c, want.data() + m * total + c0);
      c0 += p.output.c;
      specs.push_back({p, weights[gi].data(), bias});
    }
    for (KernelPath path : paths) {
      auto kernel = optimized::PrepareGroupedConv2d(specs, path);
      if (!kernel) continue;  // accumulators not provably int32: the executor runs the convs one by one
      ++fused;
      if (!testing::ExpectSameAsReference(
              want, kGuard, [&](int8_t* out) { kernel->Run(in.data(), out, p0.config.input.n); },
              [&] {
                std::string d = std::to_string(groups) + " groups";
                for (size_t gi = 0; gi < cases.size(); ++gi)
                  d += "; group " + std::to_string(gi) + ": " + Describe(cases[gi], path);
                return d;
              },
              [&](int64_t e) { return testing::NhwcPosition(e, p0.output.h, p0.output.w, total, "o"); }))
        ++failures;
    }
  }
  EXPECT_EQ(failures, 0);
  // Not vacuous: most cases really ran the grouped kernel.
  EXPECT_GT(fused, kCases / 3) << "grouped kernels prepared";
}

// Every activation with every shift_cut and the extreme shift_bias values, on
// a shape that goes through the GEMM tails (O = 17, 5 pixels per image).
TEST(Conv2dFixOptimizedTest, AllShiftsAndActivations) {
  for (KernelPath path : OptimizedPaths()) {
    for (int act = 0; act < 4; ++act) {
      for (int shift_cut = 0; shift_cut <= 16; ++shift_cut) {
        const int lo = act == 3 ? 0 : std::min(0, shift_cut - 16);
        for (int shift_bias : {lo, lo + 1, -1, 0, 1, 5, 15, 16}) {
          if (shift_bias < lo) continue;
          for (bool depthwise : {false, true}) {
            Case k;
            k.seed = static_cast<uint32_t>(act * 1000 + shift_cut * 37 + shift_bias + 40 + depthwise);
            ConvConfig& c = k.config;
            c.input = {2, 5, 1, 9};
            c.depthwise = depthwise;
            c.out_channels = depthwise ? 9 : 17;
            c.kernel_h = 3;
            c.kernel_w = 1;
            c.pad_top = 1;
            c.pad_bottom = 1;
            c.activation = static_cast<Activation>(act);
            SetShifts(&c, 3, 5, shift_cut, shift_bias);
            k.input_mode = shift_cut % 4 == 3 ? 3 : 0;
            ASSERT_TRUE(CheckCase(k, path));
          }
        }
      }
    }
  }
}

// RELU6 with negative and positive output fix points ([inferred] for fo < 0).
TEST(Conv2dFixOptimizedTest, Relu6FixOut) {
  for (KernelPath path : OptimizedPaths()) {
    for (int fo = -6; fo <= 8; ++fo) {
      Case k;
      k.seed = static_cast<uint32_t>(500 + fo);
      ConvConfig& c = k.config;
      c.input = {1, 4, 4, 8};
      c.out_channels = 16;
      c.kernel_h = c.kernel_w = 3;
      c.pad_left = c.pad_right = c.pad_top = c.pad_bottom = 1;
      c.activation = Activation::kRelu6;
      c.fix_in = 8;
      c.fix_weights = 8;
      c.fix_out = fo;
      c.fix_bias = 12;
      if (8 + 8 - fo > 16) continue;
      k.weight_mode = 1;
      ASSERT_TRUE(CheckCase(k, path));
    }
  }
}

// The tutorial CNN's layers (docs/benchmarks.md) at batch 3.
TEST(Conv2dFixOptimizedTest, TutorialLayers) {
  struct L { int h, w, c, o, k, pad; bool dw; };
  const L layers[] = {{28, 28, 1, 28, 3, 1, false}, {28, 28, 28, 28, 1, 0, true}, {14, 14, 28, 64, 3, 1, false},
                      {14, 14, 64, 64, 1, 0, true},  {7, 7, 64, 512, 7, 0, false},  {1, 1, 512, 10, 1, 0, false}};
  for (KernelPath path : OptimizedPaths()) {
    uint32_t seed = 77;
    for (const L& l : layers) {
      for (Activation act : {Activation::kNone, Activation::kRelu}) {
        Case k;
        k.seed = seed++;
        ConvConfig& c = k.config;
        c.input = {3, l.h, l.w, l.c};
        c.out_channels = l.o;
        c.depthwise = l.dw;
        c.kernel_h = c.kernel_w = l.k;
        c.pad_left = c.pad_right = c.pad_top = c.pad_bottom = l.pad;
        c.activation = act;
        SetShifts(&c, 4, 7, l.k == 7 ? 14 : 9, 3);
        ASSERT_TRUE(CheckCase(k, path));
      }
    }
  }
}

// Accumulators at the int32 limit: 128 * 128 * K just below 2^31 stays on
// the int32 path (and on VNNI exercises the wrap-around of sum (a+128) * w);
// K = 131072 with all -128 reaches 2^31 exactly and must fall back.
TEST(Conv2dFixOptimizedTest, Int32Boundary) {
  for (KernelPath path : OptimizedPaths()) {
    for (int64_t channels : {int64_t{131071}, int64_t{131072}}) {
      for (int input_mode : {1, 2}) {
        Case k;
        k.seed = 9;
        ConvConfig& c = k.config;
        c.input = {2, 1, 1, channels};
        c.out_channels = 3;
        c.activation = Activation::kNone;
        SetShifts(&c, 0, 0, 16, 0);
        k.weight_mode = 2;
        k.input_mode = input_mode;
        auto p = MakeConvParams(c);
        ASSERT_TRUE(p.ok());
        std::mt19937 rng(k.seed);
        MakeData(p.value().config.input.size(), input_mode, rng, false);
        const auto w = MakeData(p.value().weights_size(), 2, rng, true);
        EXPECT_EQ(optimized::UsesInt32Accumulators(p.value(), w.data()), channels < 131072);
        ASSERT_TRUE(CheckCase(k, path));
      }
    }
  }
}

// A large scale-up (shift_bias -16) with a big K forces the int64 output
// stage after int32 accumulation; LEAKYRELU with shift_cut 16 and big K too.
TEST(Conv2dFixOptimizedTest, WideOutputStage) {
  for (KernelPath path : OptimizedPaths()) {
    for (int act = 0; act < 4; ++act) {
      Case k;
      k.seed = static_cast<uint32_t>(31 + act);
      ConvConfig& c = k.config;
      c.input = {1, 6, 6, 33};
      c.out_channels = 20;
      c.kernel_h = c.kernel_w = 3;
      c.pad_left = 2;
      c.pad_bottom = 1;
      c.activation = static_cast<Activation>(act);
      if (act == 3) {
        SetShifts(&c, 4, 6, 16, 0);
      } else {
        SetShifts(&c, 4, 6, 0, -16);
      }
      ASSERT_TRUE(CheckCase(k, path));
      k.weight_mode = 2;
      k.input_mode = 1;
      ASSERT_TRUE(CheckCase(k, path));
    }
    // LEAKYRELU whose 26 * v leaves int32 (K = 9216, |w| = 128).
    for (int input_mode : {1, 2, 0}) {
      Case k;
      k.seed = 71;
      ConvConfig& c = k.config;
      c.input = {1, 3, 3, 1024};
      c.out_channels = 4;
      c.kernel_h = c.kernel_w = 3;
      c.pad_left = c.pad_right = c.pad_top = c.pad_bottom = 1;
      c.activation = Activation::kLeakyRelu;
      SetShifts(&c, 0, 0, 16, 2);
      k.weight_mode = 2;
      k.input_mode = input_mode;
      ASSERT_TRUE(CheckCase(k, path));
    }
  }
}

// Run is const and must be safe from several threads at once (per-thread
// scratch): two threads share one prepared conv with different inputs.
TEST(Conv2dFixOptimizedTest, ConcurrentRuns) {
  ConvConfig c;
  c.input = {4, 12, 12, 17};
  c.out_channels = 40;
  c.kernel_h = c.kernel_w = 3;
  c.pad_left = c.pad_right = c.pad_top = c.pad_bottom = 1;
  SetShifts(&c, 4, 7, 10, 3);
  auto p = MakeConvParams(c);
  ASSERT_TRUE(p.ok());
  std::mt19937 rng(5);
  const auto w = MakeData(p.value().weights_size(), 0, rng, true);
  const auto b = MakeData(p.value().output.c, 0, rng, true);
  for (KernelPath path : OptimizedPaths()) {
    auto conv = optimized::PrepareConv2d(p.value(), w.data(), b.data(), path);
    std::vector<std::vector<int8_t>> ins, wants, gots;
    for (int t = 0; t < 2; ++t) {
      ins.push_back(MakeData(p.value().config.input.size(), 0, rng, false));
      wants.emplace_back(static_cast<size_t>(p.value().output.size()));
      reference::Conv2dFix(p.value(), ins[t].data(), w.data(), b.data(), wants[t].data());
      gots.emplace_back(static_cast<size_t>(p.value().output.size()), kPoison);
    }
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, t] {
        for (int rep = 0; rep < 50; ++rep) conv->Run(ins[t].data(), gots[t].data(), c.input.n);
      });
    }
    for (auto& th : threads) th.join();
    for (int t = 0; t < 2; ++t) EXPECT_EQ(gots[t], wants[t]) << KernelPathName(path) << " thread " << t;
  }
}

// The executor on every path gives the reference path's bytes for every
// tensor of a small CNN (conv, depthwise, max pool, dense as conv).
TEST(Conv2dFixOptimizedTest, ExecutorAllPathsMatchReference) {
  std::mt19937 rng(11);
  FixGraph g;
  g.name = "small_cnn";
  auto tensor = [&](const char* name, Shape shape, int fp) {
    FixTensor t;
    t.name = name;
    t.shape = std::move(shape);
    t.fix_point = fp;
    g.tensors.push_back(t);
    return static_cast<int>(g.tensors.size()) - 1;
  };
  auto conv = [&](const char* name, int in, int out, int o, int k, int pad, bool dw, Activation act) {
    FixOp op;
    op.kind = dw ? FixOpKind::kDepthwiseConv2d : FixOpKind::kConv2d;
    ConvAttrs& op_attrs = op.attrs.emplace<ConvAttrs>();
    op.name = name;
    op.inputs = {in};
    op.output = out;
    op_attrs.out_channels = o;
    op_attrs.kernel_h = op_attrs.kernel_w = k;
    op_attrs.pad_left = op_attrs.pad_right = op_attrs.pad_top = op_attrs.pad_bottom = pad;
    op_attrs.fix_weights = 7;
    op_attrs.fix_bias = 9;
    op_attrs.activation = act;
    const int64_t c = g.tensors[in].shape[3];
    op_attrs.weights = MakeData(dw ? k * k * c : o * k * k * c, 0, rng, true);
    op_attrs.bias = MakeData(o, 0, rng, true);
    g.ops.push_back(op);
  };
  const int x = tensor("x", {1, 10, 10, 1}, 6);
  const int c1 = tensor("c1", {1, 10, 10, 12}, 4);
  const int b1 = tensor("b1", {1, 10, 10, 12}, 4);
  const int p1 = tensor("p1", {1, 5, 5, 12}, 4);
  const int d1 = tensor("d1", {1, 1, 1, 33}, 3);
  const int d2 = tensor("d2", {1, 1, 1, 10}, 2);
  conv("c1", x, c1, 12, 3, 1, false, Activation::kRelu);
  conv("b1", c1, b1, 12, 1, 0, true, Activation::kNone);
  FixOp pool;
  pool.kind = FixOpKind::kPool;
  pool.attrs = PoolAttrs{};
  pool.name = "p1";
  pool.inputs = {b1};
  pool.output = p1;
  g.ops.push_back(pool);
  conv("d1", p1, d1, 33, 5, 0, false, Activation::kLeakyRelu);
  conv("d2", d1, d2, 10, 1, 0, false, Activation::kNone);
  g.inputs = {x};
  g.outputs = {d2};
  constexpr int kBatch = 5;
  const auto input = MakeData(kBatch * 100, 0, rng, false);
  auto ref = FixGraphExecutor::Create(g, kBatch, KernelPath::kReference);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  std::vector<int8_t> want(kBatch * 10);
  ref.value()->Run({input.data()}, {want.data()}, kBatch);
  for (KernelPath path : OptimizedPaths()) {
    auto ex = FixGraphExecutor::Create(g, kBatch, path);
    ASSERT_TRUE(ex.ok()) << ex.status().ToString();
    std::vector<int8_t> got(kBatch * 10, kPoison);
    ex.value()->Run({input.data()}, {got.data()}, kBatch);
    EXPECT_EQ(got, want) << KernelPathName(path);
    for (size_t t = 0; t < g.tensors.size(); ++t) {
      const int64_t n = g.tensors[t].per_image_size() * kBatch;
      const std::vector<int8_t> a(ref.value()->TensorData(static_cast<int>(t)),
                                  ref.value()->TensorData(static_cast<int>(t)) + n);
      const std::vector<int8_t> b(ex.value()->TensorData(static_cast<int>(t)),
                                  ex.value()->TensorData(static_cast<int>(t)) + n);
      EXPECT_EQ(a, b) << KernelPathName(path) << " tensor " << g.tensors[t].name;
    }
  }
}

TEST(Conv2dFixOptimizedTest, ReferencePathIsReference) {
  Case k;
  k.seed = 3;
  k.config.input = {1, 5, 5, 3};
  k.config.out_channels = 4;
  k.config.kernel_h = k.config.kernel_w = 3;
  SetShifts(&k.config, 4, 4, 6, 2);
  EXPECT_TRUE(CheckCase(k, KernelPath::kReference));
}

}  // namespace
}  // namespace signdpu
